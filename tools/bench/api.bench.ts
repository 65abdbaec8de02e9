/**
 * HTTP API load benchmark (autocannon on 127.0.0.1, each case bounded to ≤ 10 s):
 *  1. sync 1,000-candle VolumeZoneBreakout backtest (POST /api/v1/backtests; loads candles, runs the
 *     engine, writes the run to PostgreSQL and the archive): requests/s and p50/p99 at 50 connections;
 *  2. overhead of the HTTP layer: p50 of the same request sent one at a time over HTTP minus p50 of
 *     the same work called in-process (executor + run store, no HTTP), measured back to back;
 *  3. GET of a stored run: requests/s and p99 at 50 connections.
 * Needs DATABASE_URL and REDIS_URL (`source tools/services.sh`); without them it prints a note and exits 0.
 * Run: `npm run bench -- api`
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request as httpRequest, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticCandles } from '@coinhts/engine/testing';
import { closeQuietly, createRedisClient, ensureConnected } from '@coinhts/jobs';
import { ParquetCandleStore } from '@coinhts/market-data';
import { createDataSource } from '@coinhts/results';
import pino from 'pino';
// The benchmark measures the API app in-process, against calling the engine directly.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { createApp, buildServices, loadConfig } from '@coinhts/api-app';
import { RunRequestSchema } from '@coinhts/runs';

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
  duration: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(__filename)('autocannon') as Autocannon;

const CASE_SECONDS = 8;
const N_CANDLES = 1000;

function once(port: number, method: string, path: string, key: string, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = httpRequest({ host: '127.0.0.1', port, path, method, agent: keepAlive, headers: { Authorization: `Bearer ${key}`, ...(body ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode && res.statusCode < 300 ? resolve(Number(process.hrtime.bigint() - t0) / 1e6) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}
const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl } = process.env;
  if (!databaseUrl || !redisUrl) {
    console.log('api.bench: DATABASE_URL / REDIS_URL not set; run `source tools/services.sh` first. Skipping (exit 0).');
    return;
  }
  const id = randomBytes(4).toString('hex');
  const schema = `bench_api_${id}`;
  const prefix = `bench-api-${id}`;
  const tmp = await mkdtemp(join(tmpdir(), 'coinhts-api-bench-'));
  const dataRoot = join(tmp, 'data');
  // 1,000 hourly candles from 2024-01-01T00:00Z (synthetic, seeded).
  const c = syntheticCandles({ n: N_CANDLES, seed: 42, intervalMs: 3_600_000, startPrice: 50_000_000, volatility: 0.006 });
  await new ParquetCandleStore({ root: dataRoot, fsync: false }).merge('KRW-BTC', '1h', { ...c });
  const config = loadConfig({
    DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, DB_SCHEMA: schema, MIGRATE_ON_START: 'true', QUEUE_PREFIX: prefix, DATA_ROOT: dataRoot,
    RESULTS_STORE: `file:${join(tmp, 'results')}`, COINHTS_TZ: 'UTC', RATE_LIMIT_MAX: '100000000', LOG_LEVEL: 'error', DB_POOL_SIZE: '20',
  });
  const services = await buildServices(config, pino({ level: 'error' }), { processMetrics: false });
  const { app } = createApp(services.deps);
  const server: Server = await new Promise((r) => { const s = app.listen(0, '127.0.0.1', () => r(s)); });
  const port = (server.address() as { port: number }).port;
  const key = (await services.apiKeys.create({ name: 'bench', scopes: ['read', 'run'] })).key;
  const body = {
    strategy: 'volume_zone_breakout', params: { volume_window: 20, top_percentile: 0.2, breakout_buffer: 0 }, symbols: ['KRW-BTC'],
    start_date: '2024-01-01T00:00:00Z', end_date: new Date(Date.UTC(2024, 0, 1) + (N_CANDLES - 1) * 3_600_000).toISOString(), timeframe: '1h', options: {},
  };
  const bodyText = JSON.stringify(body);
  const rows: string[][] = [];
  try {
    // Warm up both paths (JIT, pools, the key cache).
    for (let i = 0; i < 20; i++) await once(port, 'POST', '/api/v1/backtests', key, bodyText);

    // 2. HTTP overhead: the same work in-process vs over HTTP, one at a time, interleaved.
    const request = RunRequestSchema.parse(body);
    const direct: number[] = [];
    const overHttp: number[] = [];
    const engineOnly: number[] = [];
    for (let i = 0; i < 150; i++) {
      const t0 = process.hrtime.bigint();
      const execution = await services.deps.executor.run(request, { signal: new AbortController().signal, progress: () => undefined });
      const t1 = process.hrtime.bigint();
      await services.deps.syncRuns.save({ runId: services.deps.newId(), request, execution, startedAt: 0, finishedAt: 1 });
      direct.push(Number(process.hrtime.bigint() - t0) / 1e6);
      engineOnly.push(Number(t1 - t0) / 1e6);
      overHttp.push(await once(port, 'POST', '/api/v1/backtests', key, bodyText));
    }
    const [pDirect, pHttp, pEngine] = [median(direct), median(overHttp), median(engineOnly)];
    // Where the HTTP time goes: a route with no work and no auth, and a cheap route behind auth + rate limit.
    const bare: number[] = [];
    const authed: number[] = [];
    for (let i = 0; i < 300; i++) {
      bare.push(await once(port, 'GET', '/healthz', key));
      authed.push(await once(port, 'GET', '/api/v1/strategies', key));
    }
    rows.push(['sync backtest, in-process (load + engine + store), p50', `${pDirect.toFixed(2)} ms`]);
    rows.push(['  of which load candles + engine, p50', `${pEngine.toFixed(2)} ms`]);
    rows.push(['sync backtest over HTTP, 1 connection, p50', `${pHttp.toFixed(2)} ms`]);
    rows.push(['HTTP layer overhead at p50 (difference)', `${(pHttp - pDirect).toFixed(2)} ms`]);
    rows.push(['GET /healthz, 1 connection, p50 (Express + helmet + metrics)', `${median(bare).toFixed(2)} ms`]);
    rows.push(['GET /api/v1/strategies, 1 connection, p50 (+ key check + Redis rate limit)', `${median(authed).toFixed(2)} ms`]);

    // 1. Throughput of sync backtests at 50 connections.
    const sync = await autocannon({ url: `http://127.0.0.1:${port}/api/v1/backtests`, method: 'POST', connections: 50, duration: CASE_SECONDS, headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' }, body: bodyText });
    rows.push(['POST /api/v1/backtests (1,000 candles VZB), 50 conns', `${sync.requests.average.toFixed(1)} req/s, p50 ${sync.latency.p50} ms, p99 ${sync.latency.p99} ms, non-2xx ${sync.non2xx}, errors ${sync.errors}`]);

    // 3. Reading a stored run.
    const runId = (JSON.parse(await new Promise<string>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/api/v1/backtests?limit=1', headers: { Authorization: `Bearer ${key}` } }, (res) => { let t = ''; res.on('data', (d: Buffer) => (t += d.toString())); res.on('end', () => resolve(t)); });
      req.on('error', reject);
      req.end();
    })) as { items: { run_id: string }[] }).items[0].run_id;
    const read = await autocannon({ url: `http://127.0.0.1:${port}/api/v1/backtests/${runId}`, connections: 50, duration: CASE_SECONDS, headers: { Authorization: `Bearer ${key}` } });
    rows.push(['GET /api/v1/backtests/{id}, 50 conns', `${read.requests.average.toFixed(1)} req/s, p50 ${read.latency.p50} ms, p99 ${read.latency.p99} ms, non-2xx ${read.non2xx}, errors ${read.errors}`]);
    const health = await autocannon({ url: `http://127.0.0.1:${port}/healthz`, connections: 50, duration: 5 });
    rows.push(['GET /healthz (no auth, no I/O), 50 conns', `${health.requests.average.toFixed(1)} req/s, p50 ${health.latency.p50} ms, p99 ${health.latency.p99} ms`]);

    console.log(`\nAPI benchmark — ${new Date().toISOString()} — Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`);
    for (const [k, v] of rows) console.log(`${k.padEnd(58)} ${v}`);
  } finally {
    keepAlive.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    await services.close();
    const ds = createDataSource({ url: databaseUrl });
    await ds.initialize();
    await ds.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await ds.destroy();
    const redis = createRedisClient({ url: redisUrl });
    await ensureConnected(redis);
    for await (const batch of redis.scanIterator({ MATCH: `${prefix}:*`, COUNT: 500 })) if (batch.length) await redis.del(batch);
    await closeQuietly(redis);
    await rm(tmp, { recursive: true, force: true });
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
