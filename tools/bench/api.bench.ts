/**
 * HTTP API load benchmark (autocannon on 127.0.0.1, each case bounded to ≤ 10 s):
 *  1. sync 1,000-candle VolumeZoneBreakout backtest (POST /api/v1/backtests; loads candles, runs the
 *     engine, writes the run to PostgreSQL and the archive): requests/s and p50/p99 at 50 connections;
 *  2. overhead of the HTTP layer: p50 of the same request sent one at a time over HTTP minus p50 of
 *     the same work called in-process (executor + run store, no HTTP), measured back to back;
 *  3. GET of a stored run: requests/s and p99 at 50 connections;
 *  4. a 1,000-set SMA-crossover sweep over 100,000 one-minute candles through the API
 *     (POST /api/v1/sweeps → `apps/worker` processes, the production entry point), on 2 worker
 *     processes then on 1 (best of 2 each): wall time from submit to completion, the speed-up, the
 *     CPU seconds the worker process trees spent (from /proc), and the load average around each
 *     run — on a shared machine the wall-time ratio says as much about the neighbours as about us.
 *     `API_BENCH_SWEEP=0` skips this case.
 * Needs DATABASE_URL and REDIS_URL (`source tools/services.sh`); without them it prints a note and exits 0.
 * Run: `npm run bench -- api`
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request as httpRequest, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
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
  // 100,000 one-minute candles from 2024-01-01T00:00Z for the sweep case.
  const m = syntheticCandles({ n: SWEEP_CANDLES, seed: 7, intervalMs: 60_000, startPrice: 50_000_000, volatility: 0.002 });
  await new ParquetCandleStore({ root: dataRoot, fsync: false }).merge('KRW-BTC', '1m', { ...m });
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

    // 4. A 1,000-set sweep through the API on 2 worker processes, then on 1.
    if (process.env.API_BENCH_SWEEP !== '0') {
      const env = {
        PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, DB_SCHEMA: schema, QUEUE_PREFIX: prefix, DATA_ROOT: dataRoot,
        RESULTS_STORE: `file:${join(tmp, 'results')}`, COINHTS_TZ: 'UTC', WORKER_QUEUES: 'sweep', SWEEP_CONCURRENCY: '1', SCHEDULER_ENABLED: 'false',
        METRICS_HOST: '127.0.0.1', METRICS_PORT: '0', LOG_LEVEL: 'warn', SHUTDOWN_TIMEOUT_MS: '30000',
      };
      rows.push(...(await sweepCase(port, key, env)));
    }

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

const workerProcs: ChildProcess[] = [];

/** Starts `apps/worker` (the production entry point, from source) and waits for its ready line. */
async function startWorker(env: Record<string, string>): Promise<ChildProcess> {
  const root = join(__dirname, '..', '..');
  const child = spawn(process.execPath, ['--conditions=@coinhts/source', '-r', '@swc-node/register', join(root, 'apps', 'worker', 'src', 'main.ts')], { cwd: root, env: { ...env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  workerProcs.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  for (let i = 0; i < 2400 && !out.includes('worker ready'); i++) {
    if (child.exitCode !== null) throw new Error(`a worker process exited ${child.exitCode}:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!out.includes('worker ready')) throw new Error(`a worker process did not start:\n${out}`);
  return child;
}

/** CPU seconds (user + system) spent so far by `pid` and its live descendants (Linux /proc). */
function treeCpuSeconds(pid: number): number {
  const tick = 100; // USER_HZ on Linux
  let total = 0;
  const visit = (p: number) => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields 14-17 (utime, stime, cutime, cstime) are at 11..14 after the command
      total += (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / tick;
      for (const c of readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) visit(Number(c));
    } catch {
      // the process ended meanwhile
    }
  };
  visit(pid);
  return total;
}

function getJson(port: number, path: string, key: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { Authorization: `Bearer ${key}` } }, (res) => { let t = ''; res.on('data', (d: Buffer) => (t += d.toString())); res.on('end', () => resolve(JSON.parse(t) as Record<string, unknown>)); });
    req.on('error', reject);
    req.end();
  });
}

function postJson(port: number, path: string, key: string, body: unknown): Promise<Record<string, unknown>> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) } }, (res) => {
      let t = '';
      res.on('data', (d: Buffer) => (t += d.toString()));
      res.on('end', () => (res.statusCode === 202 ? resolve(JSON.parse(t) as Record<string, unknown>) : reject(new Error(`HTTP ${res.statusCode}: ${t}`))));
    });
    req.on('error', reject);
    req.end(text);
  });
}

const SWEEP_CANDLES = 100_000;

/** Case 4 (see the module comment). */
async function sweepCase(port: number, key: string, env: Record<string, string>): Promise<string[][]> {
  const start = Date.UTC(2024, 0, 1);
  const range = { symbols: ['KRW-BTC'], start_date: new Date(start).toISOString(), end_date: new Date(start + (SWEEP_CANDLES - 1) * 60_000).toISOString(), timeframe: '1m' };
  // 25 fast × 40 slow = 1,000 sets, all valid (fast ≤ 25 < 30 ≤ slow); 40 chunks of 25.
  const grid = { fast_period: Array.from({ length: 25 }, (_, i) => i + 1), slow_period: Array.from({ length: 40 }, (_, i) => 30 + 5 * i) };
  const sweep = { strategy: 'sma_crossover', params: {}, grid, ...range, rank_by: 'sharpe', chunk_size: 25 };
  const run = async (label: string, body: unknown, pids: number[]) => {
    const load0 = loadavg()[0];
    const cpu0 = pids.reduce((n, p) => n + treeCpuSeconds(p), 0);
    const t0 = Date.now();
    const id = (await postJson(port, '/api/v1/sweeps', key, body)).task_id as string;
    for (;;) {
      const st = await getJson(port, `/api/v1/sweeps/${id}/status`, key);
      if (st.state === 'completed') break;
      if (st.state === 'failed' || st.state === 'cancelled') throw new Error(`sweep ${label} ended ${String(st.state)}: ${JSON.stringify(st.error)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return { ms: Date.now() - t0, cpuS: pids.reduce((n, p) => n + treeCpuSeconds(p), 0) - cpu0, load: [load0, loadavg()[0]] };
  };
  const a = await startWorker(env);
  const b = await startWorker(env);
  const pids = [a.pid as number, b.pid as number];
  // Warm-up: chunks of one set so that both sandboxes fork, load their modules and the candles.
  await run('warm-up', { ...sweep, grid: { fast_period: [5, 10, 15, 20], slow_period: [30] }, chunk_size: 1 }, pids);
  const two = [await run('2 workers', sweep, pids), await run('2 workers', sweep, pids)];
  const stopped = new Promise((r) => b.once('exit', r));
  b.kill('SIGTERM');
  await stopped;
  const one = [await run('1 worker', sweep, [pids[0]]), await run('1 worker', sweep, [pids[0]])];
  const stoppedA = new Promise((r) => a.once('exit', r));
  a.kill('SIGTERM');
  await stoppedA;
  const best = (rs: { ms: number }[]) => Math.min(...rs.map((r) => r.ms));
  const fmt = (r: { ms: number; cpuS: number; load: number[] }) => `${(r.ms / 1000).toFixed(1)} s wall (${(1000 / (r.ms / 1000)).toFixed(0)} sets/s), ${r.cpuS.toFixed(1)} CPU s, load ${r.load.map((x) => x.toFixed(1)).join('→')}`;
  return [
    ...two.map((r) => ['sweep 1,000 sets × 100k 1m candles via API, 2 worker processes', fmt(r)]),
    ...one.map((r) => ['sweep 1,000 sets × 100k 1m candles via API, 1 worker process', fmt(r)]),
    ['  speed-up 2 vs 1 worker processes (best of 2 wall times; goal ≥ 1.6×)', `${(best(one) / best(two)).toFixed(2)}×`],
  ];
}

main().then(() => process.exit(0), (err: unknown) => {
  for (const c of workerProcs) if (c.exitCode === null) c.kill('SIGKILL');
  console.error(err);
  process.exit(1);
});
