/**
 * Market-data collection: the daily job scheduler (UTC), a triggered refresh through a worker, and
 * the real Upbit collector against a local fake Upbit: candles already stored are never
 * overwritten, missing ones are merged in.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { candlesFromRows } from '@coinhts/engine';
import { ParquetCandleStore } from '@coinhts/market-data';
import { UpbitCandleCollector, type CandleCollector } from './engine-adapters';
import { ingestionHandler, type IngestionJobResult } from './ingestion-processor';
import { JobQueues } from './job-queues';
import { FIXTURE_REQUESTS } from './testing/fixture-requests';
import { startQueueWorker, type QueueWorker } from './queue-worker';
import { QUEUE_NAMES } from './queues';
import { createRedisClient, ensureConnected, type RedisClient } from './redis';
import { defineProcessor } from './sandbox';
import { deleteKeys, requireRedisUrl, testPrefix, waitFor } from './testing/env';

const url = requireRedisUrl();
const prefix = testPrefix('ingest');
const DAY = 86_400_000;
// Fixed clock: 2024-06-15 12:00 UTC. The candle of 06-15 is still forming and must not be stored.
const NOW = Date.UTC(2024, 5, 15, 12);
const day = (d: number) => Date.UTC(2024, 5, d);
let jobs: JobQueues;
let redis: RedisClient;
let dir: string;
let upbit: { server: Server; baseUrl: string; requests: string[] };
const workers: QueueWorker[] = [];

/** A fake Upbit with day candles 2024-06-01 .. 06-15 whose close is 222 (newest first, `to` exclusive). */
async function startFakeUpbit() {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const u = new URL(req.url ?? '/', 'http://x');
    const to = u.searchParams.get('to') ? Date.parse(u.searchParams.get('to') as string) : Infinity;
    const count = Number(u.searchParams.get('count') ?? 200);
    const rows = [];
    for (let d = 15; d >= 1 && rows.length < count; d--) {
      const t = day(d);
      if (t >= to) continue;
      rows.push({
        market: u.searchParams.get('market'), candle_date_time_utc: new Date(t).toISOString().slice(0, 19),
        opening_price: 200, high_price: 230, low_price: 190, trade_price: 222, candle_acc_trade_volume: 5, candle_acc_trade_price: 1000,
      });
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(rows));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

beforeAll(async () => {
  redis = createRedisClient({ url });
  await ensureConnected(redis);
  jobs = await JobQueues.connect({ redis: { url }, requests: FIXTURE_REQUESTS, prefix, ingestionRetry: { attempts: 1 } });
  dir = await mkdtemp(join(tmpdir(), 'coinhts-ingest-'));
  upbit = await startFakeUpbit();
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.close({ timeoutMs: 0 })));
  await jobs?.close();
  await new Promise((r) => upbit?.server.close(r));
  if (dir) await rm(dir, { recursive: true, force: true });
  if (redis) {
    await deleteKeys(redis, prefix);
    await redis.close();
  }
}, 30_000);

it('registers ONE daily scheduler in UTC, updated in place when the time changes', async () => {
  const a = await jobs.ingestion.scheduleDaily({ symbols: ['KRW-BTC', 'KRW-ETH'], timeframes: ['1d', '1h'] }, { hourUtc: 0, minuteUtc: 10 });
  expect(a).toMatchObject({ id: 'daily-upbit-refresh', pattern: '0 10 0 * * *', tz: 'UTC', request: { symbols: ['KRW-BTC', 'KRW-ETH'], timeframes: ['1d', '1h'], days: 3 } });
  expect(new Date(a.nextRunAt as number).toISOString()).toMatch(/T00:10:00\.000Z$/);
  const b = await jobs.ingestion.scheduleDaily({ symbols: ['KRW-BTC'], timeframes: ['1d'] }, { hourUtc: 9, minuteUtc: 0 });
  expect(b.pattern).toBe('0 0 9 * * *');
  expect(new Date(b.nextRunAt as number).toISOString()).toMatch(/T09:00:00\.000Z$/);
  // The next run is a delayed job of the scheduler: exactly one, whatever the number of calls.
  expect((await jobs.ingestion.counts()).queued).toBe(1);
  expect(await jobs.ingestion.removeDailySchedule()).toBe(true);
  await expect(() => jobs.ingestion.scheduleDaily({ symbols: ['KRW-BTC'], timeframes: ['1d'] }, { hourUtc: 24, minuteUtc: 0 })).rejects.toThrow(RangeError);
});

it('a triggered refresh collects every symbol × timeframe from `days` ago', async () => {
  const calls: { symbol: string; timeframe: string; from: number }[] = [];
  const collector: CandleCollector = {
    collect: async (r) => {
      calls.push({ symbol: r.symbol, timeframe: r.timeframe, from: r.from });
      return { symbol: r.symbol, timeframe: r.timeframe, fetched: 2, inserted: 1 };
    },
  };
  const w = await startQueueWorker({ redis: { url }, prefix, queue: QUEUE_NAMES.ingestion, processor: defineProcessor(() => ({ collector, clock: () => NOW }), ingestionHandler) });
  const { jobId } = await jobs.ingestion.trigger({ symbols: ['KRW-BTC', 'KRW-ETH'], timeframes: ['1D', '1h'], days: 7 });
  const done = await waitFor('refresh done', async () => {
    const s = await jobs.ingestion.status(jobId);
    // `completed` shows as soon as the outcome is recorded; the queue moves the job (and sets its
    // result) a moment later: wait for the result
    return s.state === 'completed' && s.result !== null ? s : null;
  });
  await w.close({ timeoutMs: 0 });
  expect(calls).toEqual([
    { symbol: 'KRW-BTC', timeframe: '1d', from: NOW - 7 * DAY }, { symbol: 'KRW-BTC', timeframe: '1h', from: NOW - 7 * DAY },
    { symbol: 'KRW-ETH', timeframe: '1d', from: NOW - 7 * DAY }, { symbol: 'KRW-ETH', timeframe: '1h', from: NOW - 7 * DAY },
  ]);
  expect((done as { result: IngestionJobResult }).result.inserted).toBe(4);
}, 30_000);

it('the Upbit collector appends new candles and never overwrites stored ones, run after run', async () => {
  const store = new ParquetCandleStore({ root: dir, fsync: false });
  // Stored: 06-05 .. 06-10 with close 111 (Upbit now says 222 for the same days).
  const rows = [5, 6, 7, 8, 9, 10].map((d) => ({ timestamp: day(d), open: 100, high: 120, low: 90, close: 111, volume: 1 }));
  await store.merge('KRW-BTC', '1d', candlesFromRows(rows));
  const w = await startQueueWorker({
    redis: { url }, prefix, queue: QUEUE_NAMES.ingestion,
    processor: defineProcessor(() => ({ collector: new UpbitCandleCollector(store, { baseUrl: upbit.baseUrl, sleep: async () => undefined }, () => NOW), clock: () => NOW }), ingestionHandler),
  });
  workers.push(w);
  const { jobId } = await jobs.ingestion.trigger({ symbols: ['KRW-BTC'], timeframes: ['1d'], days: 12 });
  await waitFor('refresh done', async () => ['completed', 'failed'].includes((await jobs.ingestion.status(jobId)).state), 15_000);
  expect(await jobs.ingestion.status(jobId)).toMatchObject({ state: 'completed' });
  const s = await store.loadSeries({ symbol: 'KRW-BTC', timeframe: '1d' });
  const byDay = new Map(Array.from(s.timestamp, (t, i) => [new Date(t).toISOString().slice(5, 10), s.close[i]]));
  // Appended after the last stored candle: 06-11 .. 06-14 from Upbit; 06-05 .. 06-10 keep their
  // stored close although Upbit now says otherwise; 06-15 is still forming and is not stored.
  expect(Object.fromEntries(byDay)).toEqual({
    '06-05': 111, '06-06': 111, '06-07': 111, '06-08': 111, '06-09': 111, '06-10': 111,
    '06-11': 222, '06-12': 222, '06-13': 222, '06-14': 222,
  });
  // A second run has nothing newer to fetch: no request, nothing replaced.
  const before = upbit.requests.length;
  const again = await jobs.ingestion.trigger({ symbols: ['KRW-BTC'], timeframes: ['1d'], days: 12 });
  await waitFor('second refresh done', async () => (await jobs.ingestion.status(again.jobId)).state === 'completed', 15_000);
  expect(upbit.requests.length).toBe(before);
  const s2 = await store.loadSeries({ symbol: 'KRW-BTC', timeframe: '1d' });
  expect(Array.from(s2.close)).toEqual([111, 111, 111, 111, 111, 111, 222, 222, 222, 222]);
}, 30_000);
