/**
 * `@coinhts/runs`: the embedded index listing 100 of 10,000 runs with two filters (cold = open
 * the file and read it, warm = an index already open), and storing one 1,000-candle run
 * (archive on a local folder + embedded index row, fsync on), split into where the time goes.
 * Ratios are against a same-run baseline; the machine is shared, absolute numbers are noisy.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getStrategy, runBacktest } from '@coinhts/engine';
import { syntheticCandles } from '@coinhts/engine/testing';
import type { StoredRun } from '@coinhts/results';
import { backtestRunInput, EmbeddedRunIndex, openStore, resultTables, RunArchive, RunService, runDocument } from '@coinhts/runs';
import { ArchiveWriter, encodeParquet, LocalFsStorageProvider } from '@coinhts/storage';
import { measure, measureAsync, report, saveResults } from './harness';

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-runs-'));
  try {
    // 10,000 runs: 5 strategies × 4 symbols, created one minute apart.
    const strategies = ['volume_zone_breakout', 'volume_long_candle', 'sma_crossover', 'rsi_reversion', 'bollinger'];
    const symbols = ['KRW-BTC', 'KRW-ETH', 'KRW-XRP', 'KRW-SOL'];
    const t0 = Date.UTC(2025, 0, 1);
    const lines: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      const run: StoredRun = {
        id: randomUUID(), kind: 'sync', status: 'completed', strategy: strategies[i % 5], params: { volume_window: 20 }, symbols: [symbols[i % 4]],
        timeframe: '1d', periodStart: t0, periodEnd: t0 + 86_400_000 * 365, metrics: { portfolio: { total_return_pct: i % 37, sharpe: 1 } },
        totalReturnPct: i % 37, sharpe: 1, maxDrawdownPct: 5, tradeCount: 10, archive: { location: `file:///x/backtests/${i}/`, manifestSha256: 'a'.repeat(64), totalBytes: 1, fileCount: 4 },
        durationMs: 5, startedAt: t0, finishedAt: t0, error: null, idempotencyKey: null, createdAt: t0 + i * 60_000, updatedAt: t0 + i * 60_000,
        symbolResults: [{ symbol: symbols[i % 4], metrics: {}, totalReturnPct: null, winRate: 0.5, maxDrawdownPct: null, tradeCount: 10 }],
      };
      lines.push(JSON.stringify({ v: 1, op: 'put', run }));
    }
    const file = join(dir, 'runs-index.jsonl');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const filter = { strategy: 'sma_crossover', symbol: 'KRW-XRP' } as const; // 1 in 20 matches: 500 runs
    const warm = new EmbeddedRunIndex({ file });
    const first = await warm.list(filter, { limit: 100 });
    if (first.items.length !== 100) throw new Error(`expected 100 runs, got ${first.items.length}`);
    const list: Awaited<ReturnType<typeof measureAsync>>[] = [];
    list.push(await measureAsync('warm: list 100, no filter', () => warm.list({}, { limit: 100 }), { runs: 21, warmup: 3 }));
    list.push(await measureAsync('warm: list 100 of 10,000, strategy + symbol', () => warm.list(filter, { limit: 100 }), { runs: 21, warmup: 3 }));
    list.push(await measureAsync('warm: second page (cursor)', () => warm.list(filter, { limit: 100, cursor: first.nextCursor }), { runs: 21, warmup: 3 }));
    list.push(await measureAsync('cold: open file + list 100, strategy + symbol', () => new EmbeddedRunIndex({ file }).list(filter, { limit: 100 }), { runs: 11, warmup: 2 }));
    report('Embedded index (JSON lines), 10,000 runs', list, 'warm: list 100, no filter');

    // One 1,000-candle run.
    const candles = syntheticCandles({ n: 1000, seed: 7, startMs: t0, intervalMs: 86_400_000, volatility: 0.02, startPrice: 50_000_000 });
    const strategy = getStrategy('sma_crossover');
    const backtest = () => runBacktest({ strategy, params: {}, series: [{ symbol: 'KRW-BTC', timeframe: '1d', candles }] });
    const result = backtest();
    const storeDir = join(dir, 'store');
    const store = openStore({ kind: 'local', dir: storeDir, url: `file://${storeDir}` });
    const service = new RunService(new RunArchive(store.provider, store.url), new EmbeddedRunIndex({ file: join(storeDir, 'runs-index.jsonl') }));
    const nofsync = new RunService(new RunArchive(new LocalFsStorageProvider({ rootDir: join(dir, 'nofsync'), fsync: false }), 'file:///nofsync/'), new EmbeddedRunIndex({ file: join(dir, 'nofsync', 'runs-index.jsonl'), fsync: false }));
    const content = () => {
      const run = backtestRunInput(result, { runId: randomUUID(), kind: 'sync', startedAt: 0, finishedAt: 1 });
      return { run, content: { summary: runDocument(run, { summary: result.summary }), tables: resultTables(result) } };
    };
    const tables = resultTables(result);
    const writer = new ArchiveWriter(new LocalFsStorageProvider({ rootDir: join(dir, 'writer') }));
    const save: Awaited<ReturnType<typeof measureAsync>>[] = [];
    save.push(measure('engine: the 1,000-candle backtest itself (baseline)', backtest, { runs: 21, warmup: 3 }));
    save.push(measure('build tables + summary document', () => content(), { runs: 21, warmup: 3 }));
    save.push(measure('encode 3 Parquet tables (zstd)', () => [encodeParquet(tables.signals), encodeParquet(tables.trades), encodeParquet(tables.equity)], { runs: 21, warmup: 3 }));
    save.push(await measureAsync('archive write (5 files, fsync each)', () => { const c = content(); return writer.write(c.run.id, c.content); }, { runs: 21, warmup: 3 }));
    save.push(await measureAsync('store + index one run (RunService.save, fsync on)', () => { const c = content(); return service.save(c.run, c.content); }, { runs: 21, warmup: 3 }));
    save.push(await measureAsync('store + index one run, fsync off', () => { const c = content(); return nofsync.save(c.run, c.content); }, { runs: 21, warmup: 3 }));
    report('Store + index one 1,000-candle run (local folder + embedded index)', save, 'engine: the 1,000-candle backtest itself (baseline)');
    saveResults('runs', { list, save });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
