/**
 * `@coinhts/runs`: the embedded index listing 100 of 10,000 runs with two filters, and storing one
 * 1,000-candle run (archive on a local folder + embedded index row, fsync on), split into where
 * the time goes.
 *
 * Cold = what a CLI command pays: a fresh Node process (the library already loaded) opens the
 * index and lists; each sample is its own child process, timed inside it (wall and CPU time of
 * `new EmbeddedRunIndex(…).list(…)`, so process start and module loading are not counted; they
 * are printed separately). Compared: with the snapshot (the index as it is kept) and without it
 * (every line of the log parsed: what every cold list cost before the snapshot).
 * Ratios are against a same-run baseline; the machine is shared, absolute numbers are noisy.
 */
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { getStrategy, runBacktest } from '@coinhts/engine';
import { syntheticCandles } from '@coinhts/engine/testing';
import type { StoredRun } from '@coinhts/results';
import { backtestRunInput, EmbeddedRunIndex, openStore, resultTables, RunArchive, RunService, runDocument } from '@coinhts/runs';
import { ArchiveWriter, encodeParquet, LocalFsStorageProvider } from '@coinhts/storage';
import { measure, measureAsync, report, saveResults, type CaseResult } from './harness';

const ROOT = resolve(__dirname, '..', '..');

/** One cold list per child process; returns wall/CPU times measured inside each child. */
function coldList(name: string, file: string, snapshotEvery: number, samples: number): { wall: CaseResult; cpu: CaseResult; processMs: number } {
  const code = `
const { EmbeddedRunIndex } = require('@coinhts/runs');
const t0 = process.hrtime.bigint(); const c0 = process.cpuUsage();
new EmbeddedRunIndex({ file: ${JSON.stringify(file)}, snapshotEvery: ${snapshotEvery} })
  .list({ strategy: 'sma_crossover', symbol: 'KRW-XRP' }, { limit: 100 })
  .then((p) => { const c = process.cpuUsage(c0); process.stdout.write(JSON.stringify({ n: p.items.length, wall: Number(process.hrtime.bigint() - t0) / 1e6, cpu: (c.user + c.system) / 1e3 })); });`;
  const wall: number[] = [];
  const cpu: number[] = [];
  const proc: number[] = [];
  for (let i = 0; i < samples + 1; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ['--conditions=@coinhts/source', '-r', '@swc-node/register', '-e', code], { cwd: ROOT, encoding: 'utf8' });
    const total = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`cold list child failed: ${r.stderr}`);
    const m = JSON.parse(r.stdout) as { n: number; wall: number; cpu: number };
    if (m.n !== 100) throw new Error(`expected 100 runs, got ${m.n}`);
    if (i === 0) continue; // the first child warms the page cache
    wall.push(m.wall);
    cpu.push(m.cpu);
    proc.push(total);
  }
  const stat = (label: string, xs: number[]): CaseResult => {
    const s = [...xs].sort((a, b) => a - b);
    return { name: `${name} (${label})`, medianMs: s[Math.floor(s.length / 2)], minMs: s[0], runs: s.length };
  };
  return { wall: stat('wall', wall), cpu: stat('CPU', cpu), processMs: [...proc].sort((a, b) => a - b)[Math.floor(proc.length / 2)] };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-runs-'));
  const loadBefore = loadavg().map((x) => x.toFixed(1)).join(' ');
  console.log(`${cpus()[0]?.model ?? 'cpu?'} × ${cpus().length}; load average ${loadBefore} (the machine is shared: compare ratios)`);
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
    report('Embedded index (JSON lines), 10,000 runs, warm (index open in this process)', list, 'warm: list 100, no filter');

    // Cold: a fresh process per sample. Without the snapshot first (snapshotEvery 0 = never write one).
    rmSync(`${file}.snapshot`, { force: true });
    const bare = coldList('cold, log only (no snapshot)', file, 0, 11);
    await new EmbeddedRunIndex({ file }).compact(); // writes the snapshot (as any 200 appends do)
    const snap = coldList('cold, snapshot + log', file, 200, 11);
    const cold = [bare.wall, bare.cpu, snap.wall, snap.cpu];
    report('Embedded index, 10,000 runs, cold: list 100 with strategy + symbol in a fresh process', cold, bare.wall.name);
    console.log(`\nwhole child process (node start + module loading + list), median: ${bare.processMs.toFixed(0)} ms without, ${snap.processMs.toFixed(0)} ms with the snapshot`);
    list.push(...cold);

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
    for (const t of ['signals', 'trades', 'equity'] as const) save.push(measure(`encode ${t}.parquet (${Object.values(tables[t].columns)[0]?.length ?? 0} rows)`, () => encodeParquet(tables[t]), { runs: 21, warmup: 3 }));
    const encoded = [encodeParquet(tables.signals), encodeParquet(tables.trades), encodeParquet(tables.equity), Buffer.from(JSON.stringify(content().content.summary, null, 2))];
    console.log(`\nbytes: signals ${encoded[0].byteLength}, trades ${encoded[1].byteLength}, equity ${encoded[2].byteLength}, summary.json ${encoded[3].byteLength}`);
    save.push(measure('SHA-256 of the 4 files', () => encoded.map((b) => createHash('sha256').update(b).digest('hex')), { runs: 21, warmup: 3 }));
    let k = 0;
    save.push(measure('disk: write 4 KiB + fsync (one durable file write)', () => {
      const fd = openSync(join(dir, `fsync-${k++}`), 'w');
      writeSync(fd, Buffer.alloc(4096, 1));
      fsyncSync(fd);
      closeSync(fd);
    }, { runs: 21, warmup: 3 }));
    const fsProvider = new LocalFsStorageProvider({ rootDir: join(dir, 'put') });
    const fsProviderOff = new LocalFsStorageProvider({ rootDir: join(dir, 'put-off'), fsync: false });
    save.push(await measureAsync('storage put of one 4 KiB object, fsync on (2 files + 2 folders)', () => fsProvider.put(`o/${k++}`, Buffer.alloc(4096, 1)), { runs: 21, warmup: 3 }));
    save.push(await measureAsync('storage put of one 4 KiB object, fsync off', () => fsProviderOff.put(`o/${k++}`, Buffer.alloc(4096, 1)), { runs: 21, warmup: 3 }));
    const idx = new EmbeddedRunIndex({ file: join(dir, 'idx', 'runs-index.jsonl') });
    save.push(await measureAsync('embedded index put of one run (fsync on)', () => idx.put(content().run, null), { runs: 21, warmup: 3 }));
    save.push(await measureAsync('archive write (5 files, fsync each)', () => { const c = content(); return writer.write(c.run.id, c.content); }, { runs: 21, warmup: 3 }));
    save.push(await measureAsync('store + index one run (RunService.save, fsync on)', () => { const c = content(); return service.save(c.run, c.content); }, { runs: 21, warmup: 3 }));
    save.push(await measureAsync('store + index one run, fsync off', () => { const c = content(); return nofsync.save(c.run, c.content); }, { runs: 21, warmup: 3 }));
    report('Store + index one 1,000-candle run (local folder + embedded index)', save, 'engine: the 1,000-candle backtest itself (baseline)');
    const loadAfter = loadavg().map((x) => x.toFixed(1)).join(' ');
    console.log(`\nload average at the end: ${loadAfter}`);
    saveResults('runs', { loadBefore, loadAfter, list, save });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
