/**
 * Test fixtures that write runs in the two layouts that existed before the one archive format,
 * from their documented shape (see `layout-migration.ts`), so `migrate-layout` is tested against
 * folders as the old code left them — without the old code, which is deleted:
 *
 * - {@link writeResultsDirRun}: `{dir}/backtests/{uuid}/` — `summary.json` (compact JSON), the
 *   payload files, and `manifest.json` `{schemaVersion: 1, runId, createdAt, files: [{name, bytes,
 *   sha256}]}` (2-space indented, newline at the end).
 * - {@link writeCliStoreRun}: `{dir}/objects/backtests/{stamp}-{strategy}-{hex}/` through the
 *   storage provider and ArchiveWriter the old CLI used (still the store's building blocks) with
 *   the engine's summary as `summary.json`, plus one line in `{dir}/runs.jsonl`.
 */
import { createHash } from 'node:crypto';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runBacktest, getStrategy, serializeSummary, type BacktestResult } from '@coinhts/engine';
import { syntheticCandles } from '@coinhts/engine/testing';
import { ArchiveWriter, encodeParquet, LocalFsStorageProvider, type JsonObject } from '@coinhts/storage';
import { resultTables } from '../result-tables';

/** A small real backtest (`candles` daily synthetic candles, sma_crossover) for fixtures. */
export function fixtureBacktest(seed: number, candles = 300): BacktestResult {
  const series = syntheticCandles({ n: candles, seed, startMs: Date.UTC(2024, 0, 1), intervalMs: 86_400_000, volatility: 0.03, startPrice: 50_000_000 });
  return runBacktest({ strategy: getStrategy('sma_crossover'), params: {}, series: [{ symbol: 'KRW-BTC', timeframe: '1d', candles: series }] });
}

/** One file of an old results-dir archive. */
export interface OldFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/**
 * Writes a run folder of the old `@coinhts/results` LocalDirArchiveStore.
 * @param dir - the store folder
 * @param runId - a UUID
 * @param summary - what `summary.json` holds (`{request, summary}`, `{request, ranking}`, …)
 * @param files - further files (e.g. the three Parquet tables)
 * @param createdAt - the manifest's time
 * @returns the run folder
 */
export async function writeResultsDirRun(dir: string, runId: string, summary: unknown, files: readonly OldFile[], createdAt: Date): Promise<string> {
  const folder = join(dir, 'backtests', runId);
  await mkdir(folder, { recursive: true });
  const entries = [{ name: 'summary.json', bytes: Buffer.from(JSON.stringify(summary)) }, ...files];
  for (const f of entries) await writeFile(join(folder, f.name), f.bytes);
  const manifest = {
    schemaVersion: 1, runId, createdAt: createdAt.toISOString(),
    files: entries.map((f) => ({ name: f.name, bytes: f.bytes.byteLength, sha256: createHash('sha256').update(f.bytes).digest('hex') })),
  };
  await writeFile(join(folder, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return folder;
}

/** A backtest as the old API/worker archived it in the results-dir layout: `{request, summary}` + three zstd Parquet files. */
export function writeResultsDirBacktest(dir: string, runId: string, result: BacktestResult, createdAt: Date): Promise<string> {
  const tables = resultTables(result);
  const request = { strategy: 'sma_crossover', symbols: ['KRW-BTC'], timeframe: '1d', params: {} };
  return writeResultsDirRun(dir, runId, { request, summary: JSON.parse(serializeSummary(result.summary)) as unknown },
    (['signals', 'trades', 'equity'] as const).map((t) => ({ name: `${t}.parquet`, bytes: encodeParquet(tables[t]) })), createdAt);
}

/**
 * Writes a run of the old CLI store: the archive through the local storage provider, then its
 * `runs.jsonl` line (the old RunRecord: run_id, created_at, strategy, symbols, …, source).
 * @param dir - the store folder
 * @param oldId - `{stamp}-{strategy}-{hex}`, e.g. `20261201T101500Z-sma_crossover-a1b2c3`
 * @param result - the backtest
 * @param createdAt - the manifest's (and record's) time
 */
export async function writeCliStoreRun(dir: string, oldId: string, result: BacktestResult, createdAt: Date): Promise<void> {
  const writer = new ArchiveWriter(new LocalFsStorageProvider({ rootDir: dir, fsync: false }), { now: () => createdAt });
  const summary = JSON.parse(serializeSummary(result.summary)) as JsonObject;
  const manifest = await writer.write(oldId, { summary, tables: resultTables(result) });
  const s = result.summary;
  const record = {
    run_id: oldId, created_at: manifest.createdAt, strategy: s.strategy.name, symbols: s.symbols.map((x) => x.symbol),
    timeframe: '1d', start: s.period.start, end: s.period.end, bars: s.period.bars, signals: s.signal_study.signals, trades: s.portfolio.trade_count,
    total_return_pct: s.portfolio.total_return_pct, sharpe: s.portfolio.sharpe, max_drawdown_pct: s.portfolio.max_drawdown_pct, source: 'csv:/data/btc.csv',
  };
  await mkdir(dir, { recursive: true });
  await appendFile(join(dir, 'runs.jsonl'), `${JSON.stringify(record)}\n`);
}
