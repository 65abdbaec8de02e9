/**
 * Market-data store benchmark: 1,000,000 one-minute candles of one symbol.
 * - load all of them from the Parquet store into engine columns (target <= 300 ms);
 * - write them into an empty store, and merge (upsert) them into a full one (target <= 1 s);
 * - merge one day (1,440 candles) into the full series (what a collector flush costs);
 * - Parquet (zstd) size against the same candles as CSV; CSV import for comparison;
 * - data-quality report over the 1 M candles.
 *
 *   npm run bench -- market-data          (add --save to write tools/bench/results/market-data.json)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ParquetCandleStore, allocSeries, checkQuality, formatCandlesCsv, readCandleFile, type CandleSeries,
} from '@coinhts/market-data';
import { measureAsync, report, saveResults, type CaseResult } from './harness';

const N = 1_000_000;
const MINUTE = 60_000;
const START = Date.UTC(2023, 0, 1);

/** Deterministic 1-minute KRW-BTC-like candles (random walk on 1,000 KRW ticks, volumes with 8 decimals). */
function minuteCandles(n: number, seed = 42): CandleSeries {
  const s = allocSeries(n, true);
  let x = seed >>> 0;
  const rand = (): number => { x = (Math.imul(x, 1664525) + 1013904223) >>> 0; return x / 4294967296; };
  let price = 56_000_000;
  for (let i = 0; i < n; i++) {
    const open = price;
    price = Math.max(1_000_000, Math.round((price * (1 + (rand() - 0.5) * 0.003)) / 1000) * 1000);
    s.timestamp[i] = START + i * MINUTE;
    s.open[i] = open;
    s.close[i] = price;
    s.high[i] = Math.max(open, price) + 1000 * Math.floor(rand() * 6);
    s.low[i] = Math.min(open, price) - 1000 * Math.floor(rand() * 6);
    s.volume[i] = Math.round(rand() * rand() * 3e8) / 1e8;
    (s.value as Float64Array)[i] = Math.round(s.volume[i] * price);
  }
  return s;
}

/** CPU time (user + system) per call, to tell our cost from waiting on a busy machine. */
const cpuMs = new Map<string, number>();

/** {@link measureAsync} plus the process CPU time per call (warm-up calls included in the average). */
async function timed(name: string, fn: () => Promise<unknown>, opts: { runs: number; warmup: number; units: number }): Promise<CaseResult> {
  const before = process.cpuUsage();
  const r = await measureAsync(name, fn, opts);
  const used = process.cpuUsage(before);
  cpuMs.set(name, (used.user + used.system) / 1000 / (opts.runs + opts.warmup));
  return r;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'coinhts-md-bench-'));
  try {
    const candles = minuteCandles(N);
    const oneDay: CandleSeries = {
      timestamp: candles.timestamp.slice(500_000, 501_440), open: candles.open.slice(500_000, 501_440), high: candles.high.slice(500_000, 501_440),
      low: candles.low.slice(500_000, 501_440), close: candles.close.slice(500_000, 501_440), volume: candles.volume.slice(500_000, 501_440),
      value: (candles.value as Float64Array).slice(500_000, 501_440),
    };
    let k = 0;
    const results: CaseResult[] = [];

    // Write into an empty store each time (fsync on, as in production).
    results.push(await timed('write 1M into an empty store', () => new ParquetCandleStore({ root: join(dir, `w${k++}`) }).write('KRW-BTC', '1m', candles), { runs: 5, warmup: 1, units: N }));

    const store = new ParquetCandleStore({ root: join(dir, 'main') });
    await store.write('KRW-BTC', '1m', candles);
    results.push(await timed('merge 1M into 1M (all replaced)', () => store.merge('KRW-BTC', '1m', candles), { runs: 5, warmup: 1, units: N }));
    results.push(await timed('merge 1 day (1,440) into 1M', () => store.merge('KRW-BTC', '1m', oneDay), { runs: 5, warmup: 1, units: 1440 }));
    results.push(await timed('load 1M (2 year files) into columns', () => store.load({ symbol: 'KRW-BTC', timeframe: '1m' }), { runs: 7, warmup: 2, units: N }));
    results.push(await timed('load 1 month (~44,640) of 1M', () => store.load({ symbol: 'KRW-BTC', timeframe: '1m', from: Date.UTC(2023, 6, 1), to: Date.UTC(2023, 7, 1) - 1 }), { runs: 7, warmup: 2, units: 44_640 }));
    const loaded = await store.loadSeries({ symbol: 'KRW-BTC', timeframe: '1m' });
    if (loaded.timestamp.length !== N || loaded.close[N - 1] !== candles.close[N - 1]) throw new Error('load returned different candles');
    results.push(await timed('quality report on 1M', async () => checkQuality(loaded, { timeframe: '1m' }), { runs: 5, warmup: 1, units: N }));

    const csvPath = join(dir, 'btc-1m.csv');
    const csv = formatCandlesCsv(candles);
    await writeFile(csvPath, csv);
    results.push(await timed('read 1M-row CSV (parse + validate)', () => readCandleFile(csvPath, { symbol: 'KRW-BTC', timeframe: '1m' }), { runs: 3, warmup: 1, units: N }));

    report(`market-data: ${N.toLocaleString('en-US')} one-minute candles, node ${process.version}`, results, 'load 1M (2 year files) into columns');
    console.log('\n### CPU time per call (user + system; wall time above also includes waiting for a busy CPU or disk)\n');
    console.log('| case | CPU ms per call |');
    console.log('|---|---:|');
    for (const r of results) console.log(`| ${r.name} | ${(cpuMs.get(r.name) ?? NaN).toFixed(0)} |`);

    const inv = await store.years('KRW-BTC', '1m');
    const files = await Promise.all(inv.map(async (y) => (await import('node:fs/promises')).stat(store.filePath('KRW-BTC', '1m', y))));
    const parquetBytes = files.reduce((a, f) => a + f.size, 0);
    const csvBytes = Buffer.byteLength(csv);
    console.log('\n### size of the same 1M candles (timestamp, OHLC, volume, value)\n');
    console.log('| format | bytes | bytes/candle | vs CSV |');
    console.log('|---|---:|---:|---:|');
    console.log(`| CSV (epoch ms, shortest decimals) | ${csvBytes.toLocaleString('en-US')} | ${(csvBytes / N).toFixed(1)} | 1.00 |`);
    console.log(`| Parquet zstd (store, ${inv.length} year files) | ${parquetBytes.toLocaleString('en-US')} | ${(parquetBytes / N).toFixed(1)} | ${(parquetBytes / csvBytes).toFixed(2)} |`);
    if (process.argv.includes('--save')) saveResults('market-data', { results, cpuMs: Object.fromEntries(cpuMs), parquetBytes, csvBytes, candles: N });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
