/**
 * Result storage benchmark (`npm run bench -- storage`).
 *
 * 1. Size: a synthetic run with N trades (N signals, N trades, one equity point per trade, as the
 *    original's performance_curve) stored as a result archive vs the same rows as pretty JSON
 *    (2-space indent, row objects, ISO timestamps — how the original wrote result files), for
 *    N = 1 000 / 10 000 / 100 000. Compact JSON is shown too (the original's own benchmark used it).
 * 2. Speed: write and read back an archive of 1 000 000 equity rows + 100 000 trades + 100 000
 *    signals, on the local filesystem (fsync on, the default) and on the S3 server named by
 *    S3_ENDPOINT (moto in development); the S3 part is skipped with a note when it is unset.
 *
 * Data: seeded generator; prices on Upbit's KRW tick grid, quantities for a fixed KRW stake, fees
 * 0.05 %, so P&L, returns and equity are full-precision doubles (the hard case for compression).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import {
  ArchiveReader, ArchiveWriter, LocalFsStorageProvider, S3StorageProvider, type ArchiveInput, type StorageProvider,
} from '@coinhts/storage';
import { measureAsync, report, type CaseResult } from './harness';

function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Upbit KRW tick size for a price (2024 table, prices ≥ 1 000 KRW). */
function tick(price: number): number {
  if (price >= 2_000_000) return 1000;
  if (price >= 1_000_000) return 500;
  if (price >= 500_000) return 100;
  if (price >= 100_000) return 50;
  if (price >= 10_000) return 10;
  return 1;
}
const onTick = (p: number): number => Math.round(p / tick(p)) * tick(p);

const SYMBOLS = ['KRW-BTC', 'KRW-ETH', 'KRW-XRP', 'KRW-SOL', 'KRW-DOGE'];
const START_PRICE = [56_000_000, 3_200_000, 850, 140_000, 120];
const T0 = Date.UTC(2024, 0, 1);
const MINUTE = 60_000;

/** A run with `trades` trades and `equityRows` equity points (default: one per trade). */
function syntheticRun(trades: number, equityRows = trades): ArchiveInput {
  const rnd = mulberry32(42);
  const symbol: string[] = [], side: string[] = [];
  const entryTime = new Float64Array(trades), exitTime = new Float64Array(trades), entryPrice = new Float64Array(trades), exitPrice = new Float64Array(trades);
  const quantity = new Float64Array(trades), fee = new Float64Array(trades), pnl = new Float64Array(trades), ret = new Float64Array(trades);
  const holdBars = new Int32Array(trades);
  const sigTime = new Float64Array(trades), sigPrice = new Float64Array(trades), confidence = new Float64Array(trades);
  const sigSymbol: string[] = [], sigSide: string[] = [];
  const price = [...START_PRICE];
  let t = T0;
  for (let i = 0; i < trades; i++) {
    const s = Math.floor(rnd() * SYMBOLS.length);
    price[s] = Math.max(100, onTick(price[s] * (1 + (rnd() - 0.5) * 0.02)));
    t += MINUTE * (1 + Math.floor(rnd() * 30));
    const hold = 1 + Math.floor(rnd() * 60);
    const exit = onTick(price[s] * (1 + (rnd() - 0.48) * 0.03));
    symbol.push(SYMBOLS[s]);
    side.push('long');
    entryTime[i] = t;
    exitTime[i] = t + hold * MINUTE;
    entryPrice[i] = price[s];
    exitPrice[i] = exit;
    quantity[i] = 1_000_000 / price[s];
    fee[i] = (price[s] + exit) * quantity[i] * 0.0005;
    pnl[i] = (exit - price[s]) * quantity[i] - fee[i];
    ret[i] = pnl[i] / 1_000_000;
    holdBars[i] = hold;
    sigTime[i] = t;
    sigSymbol.push(SYMBOLS[s]);
    sigSide.push('BUY');
    sigPrice[i] = price[s];
    confidence[i] = rnd();
  }
  const eqTime = new Float64Array(equityRows), equity = new Float64Array(equityRows), drawdown = new Float64Array(equityRows);
  let e = 10_000_000, peak = e;
  for (let i = 0; i < equityRows; i++) {
    e += equityRows === trades ? pnl[i] : (rnd() - 0.499) * 2_000;
    peak = Math.max(peak, e);
    eqTime[i] = equityRows === trades ? exitTime[i] : T0 + i * MINUTE;
    equity[i] = e;
    drawdown[i] = (peak - e) / peak;
  }
  const wins = Array.from(pnl).filter((x) => x > 0).length;
  return {
    summary: {
      strategy: 'volume_zone_breakout', params: { window: 20, bins: 20, threshold: 0.2 }, symbols: SYMBOLS, timeframe: '1m',
      metrics: { trades, win_rate: trades ? wins / trades : 0, final_equity: e }, versions: { engine: '0.1.0', storage: '0.1.0' },
    },
    tables: {
      signals: {
        schema: { time: 'timestamp_ms', symbol: 'utf8', side: 'utf8', price: 'f64', confidence: 'f64' },
        columns: { time: sigTime, symbol: sigSymbol, side: sigSide, price: sigPrice, confidence },
      },
      trades: {
        schema: {
          symbol: 'utf8', side: 'utf8', entry_time: 'timestamp_ms', exit_time: 'timestamp_ms', entry_price: 'f64', exit_price: 'f64',
          quantity: 'f64', fee: 'f64', pnl: 'f64', return_pct: 'f64', hold_bars: 'i32',
        },
        columns: {
          symbol, side, entry_time: entryTime, exit_time: exitTime, entry_price: entryPrice, exit_price: exitPrice, quantity, fee, pnl,
          return_pct: ret, hold_bars: holdBars,
        },
      },
      equity: { schema: { time: 'timestamp_ms', equity: 'f64', drawdown: 'f64' }, columns: { time: eqTime, equity, drawdown } },
    },
  };
}

/** The original's timestamp format (pandas Timestamp.isoformat of a UTC time). */
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');

/** Row objects of every table, timestamps as ISO strings: what the original put in its JSON files. */
function asRowObjects(run: ArchiveInput): unknown {
  const rows = (name: 'signals' | 'trades' | 'equity'): Record<string, unknown>[] => {
    const t = run.tables[name];
    const cols = Object.entries(t.schema);
    const n = (Object.values(t.columns)[0] as { length: number }).length;
    return Array.from({ length: n }, (_, i) => Object.fromEntries(cols.map(([c, type]) => {
      const v = (t.columns as Record<string, ArrayLike<unknown>>)[c][i];
      return [c, type === 'timestamp_ms' ? iso(v as number) : v];
    })));
  };
  return { ...run.summary, signals: rows('signals'), trades: rows('trades'), equity: rows('equity') };
}

async function archiveBytes(storage: LocalFsStorageProvider, runId: string): Promise<{ total: number; files: Record<string, number> }> {
  const page = await storage.list({ prefix: `backtests/${runId}/` });
  const files = Object.fromEntries(page.items.map((i) => [i.key.split('/').pop() as string, i.size]));
  return { total: page.items.reduce((s, i) => s + i.size, 0), files };
}

const fmtBytes = (b: number): string => (b >= 1e6 ? `${(b / 1e6).toFixed(2)} MB` : `${(b / 1e3).toFixed(1)} kB`);
const pct = (archive: number, json: number): string => `${(((json - archive) / json) * 100).toFixed(2)} %`;

async function sizeTable(storage: LocalFsStorageProvider): Promise<void> {
  const writer = new ArchiveWriter(storage);
  console.log('\n### Archive size vs JSON (same rows)\n');
  console.log('| trades | pretty JSON | compact JSON | archive (5 files) | smaller than pretty | smaller than compact | trades.parquet | equity.parquet | signals.parquet |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const n of [1_000, 10_000, 100_000]) {
    const run = syntheticRun(n);
    const rows = asRowObjects(run);
    const pretty = Buffer.byteLength(JSON.stringify(rows, null, 2));
    const compact = Buffer.byteLength(JSON.stringify(rows));
    await writer.write(`size-${n}`, run);
    const { total, files } = await archiveBytes(storage, `size-${n}`);
    console.log(`| ${n.toLocaleString('en')} | ${fmtBytes(pretty)} | ${fmtBytes(compact)} | ${fmtBytes(total)} | ${pct(total, pretty)} | ${pct(total, compact)} | ` +
      `${fmtBytes(files['trades.parquet'])} | ${fmtBytes(files['equity.parquet'])} | ${fmtBytes(files['signals.parquet'])} |`);
  }
}

async function speed(label: string, storage: StorageProvider, run: ArchiveInput, runs: number): Promise<CaseResult[]> {
  const writer = new ArchiveWriter(storage);
  const reader = new ArchiveReader(storage);
  const write = await measureAsync(`${label}: write`, () => writer.write('speed', run), { runs, warmup: 1 });
  const read = await measureAsync(`${label}: read (columns)`, () => reader.read('speed'), { runs, warmup: 1 });
  const arrowOnly = await measureAsync(`${label}: read trades+equity (Arrow)`, async () => {
    const m = await reader.readManifest('speed');
    return Promise.all([reader.readArrowTable('speed', 'trades', m), reader.readArrowTable('speed', 'equity', m)]);
  }, { runs, warmup: 1 });
  return [write, read, arrowOnly];
}

async function withS3Bucket<T>(endpoint: string, fn: (provider: S3StorageProvider) => Promise<T>): Promise<T> {
  const connection = {
    endpoint, region: process.env['AWS_REGION'] ?? 'us-east-1',
    credentials: { accessKeyId: process.env['AWS_ACCESS_KEY_ID'] ?? 'S3RVER', secretAccessKey: process.env['AWS_SECRET_ACCESS_KEY'] ?? 'S3RVER' },
  };
  const client = new S3Client({ ...connection, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  const bucket = `coinhts-bench-${Date.now()}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const provider = new S3StorageProvider({ bucket, ...connection });
  try {
    return await fn(provider);
  } finally {
    provider.destroy();
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = (listed.Contents ?? []).map((o) => ({ Key: o.Key as string }));
    if (keys.length) await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
    client.destroy();
  }
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'coinhts-bench-storage-'));
  try {
    const local = new LocalFsStorageProvider({ rootDir: root });
    await sizeTable(local);

    const big = syntheticRun(100_000, 1_000_000);
    const results = await speed('local FS (fsync)', local, big, 5);
    const endpoint = process.env['S3_ENDPOINT'];
    if (endpoint) {
      results.push(...(await withS3Bucket(endpoint, (s3) => speed(`S3 ${process.env['S3_IMPL'] ?? ''} ${endpoint}`.replace(/\s+/g, ' '), s3, big, 3))));
    } else {
      console.log('\nNOTE: S3_ENDPOINT is not set, so the S3 part is skipped (run `source tools/services.sh` first to include it).');
    }
    const m = await new ArchiveReader(local).readManifest('speed');
    const total = m.files.reduce((s, f) => s + f.size, 0);
    report(`Archive of 1 000 000 equity rows + 100 000 trades + 100 000 signals (${fmtBytes(total)} in files)`, results);
    // Load average too: on a shared 2-core machine other processes can double the times.
    console.log(`\nmachine: ${cpus().length} cores, ${cpus()[0]?.model}, Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}, ${new Date().toISOString()}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
