/**
 * The worker process end to end, started as `node … main.ts` like in production, against real
 * Redis, PostgreSQL (a fresh schema) and S3 (a fresh bucket), on the bundled sample candles:
 * backtest → run row + S3 archive; idempotent submit; a permanent failure → dead-letter queue +
 * Slack alert; a sweep → ranked `sweep` run; the daily scheduler; /healthz, /metrics; SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { CreateBucketCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createRedisClient, ensureConnected, JobQueues, type JobStatus } from '@coinhts/jobs';
import { RUN_REQUEST_PARSERS } from '@coinhts/runs';
import { Client } from 'pg';

function requireEnv(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set. The worker's integration tests need PostgreSQL, Redis and S3: run \`source tools/services.sh\` first.`);
  return v;
}
const REDIS_URL = requireEnv('REDIS_URL');
const DATABASE_URL = requireEnv('DATABASE_URL');
const S3_ENDPOINT = requireEnv('S3_ENDPOINT');
const suffix = randomBytes(4).toString('hex');
const prefix = `t-app-${suffix}`;
const schema = `t_worker_${suffix}`;
const bucket = `t-worker-${suffix}`;
const root = resolve(__dirname, '..', '..', '..');
const main = join(__dirname, 'main.ts');
const loader = ['--conditions=@coinhts/source', '-r', require.resolve('@swc-node/register')];
// The engine README's example strategy as a plugin module (under the repository's git-ignored tmp/, so its requires resolve).
mkdirSync(join(root, 'tmp'), { recursive: true });
const pluginDir = mkdtempSync(join(root, 'tmp', 'worker-plugins-'));
const pluginFile = join(pluginDir, 'ema-rsi-trend.js');
const readme = readFileSync(join(root, 'libs', 'engine', 'README.md'), 'utf8');
writeFileSync(pluginFile, /```js\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('<!-- own-strategy-example')))?.[1] ?? '');

let s3: S3Client;
let pg: Client;
let jobs: JobQueues;
let hook: { server: Server; url: string; calls: unknown[] };
let worker: { child: ChildProcess; out: () => string; port: number; exited: Promise<number | null> } | undefined;

function startWorker(env: Record<string, string>): Promise<NonNullable<typeof worker>> {
  const child = spawn(process.execPath, [...loader, main], { cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return new Promise((resolvePromise, reject) => {
    const t0 = Date.now();
    const timer = setInterval(() => {
      const m = /"port":(\d+),"host":"[^"]*","msg":"worker ready/.exec(out);
      if (m) {
        clearInterval(timer);
        resolvePromise({ child, out: () => out, port: Number(m[1]), exited });
      } else if (child.exitCode !== null || Date.now() - t0 > 30_000) {
        clearInterval(timer);
        reject(new Error(`worker did not start (exit ${child.exitCode}):\n${out}`));
      }
    }, 50);
  });
}

const env = () => ({
  REDIS_URL, DATABASE_URL, DB_SCHEMA: schema, MIGRATE_ON_START: 'true', QUEUE_PREFIX: prefix,
  DATA_ROOT: join(root, 'data', 'sample'),
  RESULTS_STORE: `s3://${bucket}`, S3_ENDPOINT,
  AWS_REGION: process.env.AWS_REGION ?? 'us-east-1', AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'test', AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'test',
  AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED', AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  METRICS_HOST: '127.0.0.1', METRICS_PORT: '0', LOG_LEVEL: 'info',
  ALERT_SLACK_WEBHOOK_URL: hook.url, ALERT_WINDOW_MS: '300',
  SCHEDULER_SYMBOLS: 'KRW-BTC', SCHEDULER_TIMEFRAMES: '1d',
  SHUTDOWN_TIMEOUT_MS: '2000',
  COINHTS_STRATEGY_MODULES: pluginFile,
});

async function finished(kind: 'backtests' | 'sweeps', id: string, timeoutMs = 30_000): Promise<JobStatus> {
  const t0 = Date.now();
  for (;;) {
    const s = await jobs[kind].status(id);
    // `completed` shows as soon as the outcome is recorded; the queue moves the job (and sets its
    // result) a moment later: wait for the result
    if ((s.state === 'completed' && s.result !== null) || s.state === 'failed' || s.state === 'cancelled') return s;
    if (Date.now() - t0 > timeoutMs) throw new Error(`job ${id} still ${s.state} after ${timeoutMs} ms\n${worker?.out().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  s3 = new S3Client({ endpoint: S3_ENDPOINT, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'test', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'test' } });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  pg = new Client({ connectionString: DATABASE_URL });
  await pg.connect();
  const calls: unknown[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      calls.push(JSON.parse(body));
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  hook = { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, calls };
  worker = await startWorker(env());
  jobs = await JobQueues.connect({ redis: { url: REDIS_URL }, prefix, requests: RUN_REQUEST_PARSERS });
}, 60_000);

afterAll(async () => {
  if (worker && worker.child.exitCode === null) {
    worker.child.kill('SIGKILL');
    await worker.exited;
  }
  await jobs?.close();
  const redis = createRedisClient({ url: REDIS_URL });
  await ensureConnected(redis);
  for await (const keys of redis.scanIterator({ MATCH: `${prefix}:*`, COUNT: 500 })) if (keys.length) await redis.del(keys);
  await redis.close();
  await pg?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
  await pg?.end();
  s3?.destroy();
  await new Promise((r) => hook?.server.close(r));
  rmSync(pluginDir, { recursive: true, force: true });
}, 30_000);

const request = { strategy: 'volume_long_candle', symbols: ['KRW-BTC', 'KRW-ETH'], start_date: '2023-01-01', end_date: '2023-06-30', timeframe: '1h' };

it('a backtest job writes one run row and its archive to S3', async () => {
  const { jobId } = await jobs.backtests.submit(request, { idempotencyKey: `k-${suffix}` });
  const done = await finished('backtests', jobId);
  expect(done).toMatchObject({ state: 'completed', runId: jobId });
  const rows = await pg.query(`SELECT id, kind, status, symbols, archive_location FROM "${schema}".backtest_runs WHERE id = $1`, [jobId]);
  expect(rows.rows).toEqual([{ id: jobId, kind: 'async', status: 'completed', symbols: ['KRW-BTC', 'KRW-ETH'], archive_location: `s3://${bucket}/backtests/${jobId}/` }]);
  for (const f of ['manifest.json', 'summary.json', 'trades.parquet', 'equity.parquet', 'signals.parquet']) {
    await expect(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: `backtests/${jobId}/${f}` }))).resolves.toBeDefined();
  }
  // The same idempotency key gives the same job, and no second run.
  const again = await jobs.backtests.submit(request, { idempotencyKey: `k-${suffix}` });
  expect(again).toMatchObject({ jobId, deduplicated: true });
  const count = await pg.query(`SELECT count(*)::int AS n FROM "${schema}".backtest_runs`);
  expect(count.rows[0].n).toBe(1);
  expect(worker?.out()).toMatch(new RegExp(`"jobId":"${jobId}","runId":"${jobId}".*"msg":"job completed"`));
}, 60_000);

it('a backtest job of a plugin strategy (COINHTS_STRATEGY_MODULES) runs in the sandbox like a built-in', async () => {
  const { jobId } = await jobs.backtests.submit({ ...request, strategy: 'ema_rsi_trend', params: { period: 24 } });
  const done = await finished('backtests', jobId);
  expect(done).toMatchObject({ state: 'completed', runId: jobId });
  const rows = await pg.query(`SELECT strategy, status FROM "${schema}".backtest_runs WHERE id = $1`, [jobId]);
  expect(rows.rows).toEqual([{ strategy: 'ema_rsi_trend', status: 'completed' }]);
}, 60_000);

it('a permanent failure goes to the dead-letter queue and raises a Slack alert', async () => {
  const { jobId } = await jobs.backtests.submit({ ...request, symbols: ['KRW-DOGE'] });
  const done = await finished('backtests', jobId);
  expect(done).toMatchObject({ state: 'failed', attemptsMade: 1, error: { code: 'NO_DATA', retryable: false } });
  for (let i = 0; i < 100 && hook.calls.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
  expect(await jobs.deadLetter.get('backtest', jobId)).toMatchObject({ jobId, error: { code: 'NO_DATA' } });
  expect(JSON.stringify(hook.calls)).toContain(jobId);
}, 30_000);

it('a sweep runs on the real engine and stores one ranked sweep run', async () => {
  const { jobId } = await jobs.sweeps.submit({
    strategy: 'volume_long_candle', grid: { vol_multiplier: [1.5, 2], body_pct: [0.01, 0.02] },
    symbols: ['KRW-BTC'], start_date: '2023-01-01', end_date: '2023-12-31', timeframe: '1h', chunk_size: 2, rank_by: 'sharpe',
  });
  const done = await finished('sweeps', jobId);
  expect(done).toMatchObject({ state: 'completed', result: { runId: jobId, total: 4, evaluated: 4, failed: 0, rankBy: 'sharpe' } });
  const top = (done as { result: { top: { score: number | null }[] } }).result.top.map((r) => r.score ?? -Infinity);
  expect(top).toEqual([...top].sort((a, b) => b - a));
  const rows = await pg.query(`SELECT kind, metrics->>'total' AS total FROM "${schema}".backtest_runs WHERE id = $1`, [jobId]);
  expect(rows.rows).toEqual([{ kind: 'sweep', total: '4' }]);
}, 60_000);

it('registers the daily Upbit refresh at 00:10 UTC and serves /healthz and /metrics', async () => {
  expect(await jobs.ingestion.getDailySchedule()).toMatchObject({ pattern: '0 10 0 * * *', tz: 'UTC', request: { symbols: ['KRW-BTC'], timeframes: ['1d'], days: 3 } });
  const next = (await jobs.ingestion.getDailySchedule())?.nextRunAt ?? 0;
  expect(new Date(next).getUTCHours()).toBe(0);
  expect(new Date(next).getUTCMinutes()).toBe(10);
  const health = await fetch(`http://127.0.0.1:${worker?.port}/healthz`);
  expect(health.status).toBe(200);
  expect(await health.json()).toMatchObject({ ok: true, redis: true, queues: { backtest: { running: true } } });
  const metrics = await (await fetch(`http://127.0.0.1:${worker?.port}/metrics`)).text();
  expect(metrics).toMatch(/coinhts_worker_jobs_finished_total\{queue="backtest",outcome="completed"\} [1-9]/);
  expect(metrics).toMatch(/coinhts_worker_dead_letter_size [1-9]/);
  expect(metrics).toMatch(/coinhts_worker_queue_jobs\{queue="backtest",state="failed"\} 1/);
}, 30_000);

it('stops on SIGTERM with exit status 0', async () => {
  worker?.child.kill('SIGTERM');
  expect(await worker?.exited).toBe(0);
  expect(worker?.out()).toContain('"msg":"stopped"');
}, 30_000);

it('exits with status 2 and names every missing variable when the configuration is incomplete', async () => {
  const child = spawn(process.execPath, [...loader, main], { cwd: root, env: { PATH: process.env.PATH ?? '', REDIS_URL: 'redis://x:1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  expect(code).toBe(2);
  expect(err).toContain('DATABASE_URL (not set): is required but not set; fix: set DATABASE_URL');
  expect(err).toContain('DATA_ROOT (not set): is required but not set; fix: set DATA_ROOT');
}, 30_000);

it('exits with status 2 naming the module when a strategy plugin fails to load', async () => {
  const broken = join(pluginDir, 'broken.js');
  writeFileSync(broken, "throw new Error('boom at load');\n");
  const child = spawn(process.execPath, [...loader, main], { cwd: root, env: { ...env(), COINHTS_STRATEGY_MODULES: broken }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  expect(code).toBe(2);
  expect(err).toBe(`The worker cannot start: Strategy module ${broken}: failed to load: boom at load\n`);
}, 30_000);

it('exits with status 2 naming the folder when its local results folder cannot be written', async () => {
  const notAFolder = join(pluginDir, 'not-a-folder');
  writeFileSync(notAFolder, 'a file where the results folder should be');
  const results = join(notAFolder, 'results');
  const child = spawn(process.execPath, [...loader, main], { cwd: root, env: { ...env(), RESULTS_STORE: `file:${results}` }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  expect(code).toBe(2);
  expect(err).toMatch(new RegExp(`^The worker cannot start: the results folder ${results} is not writable by this process \\(uid \\d+\\): .*(ENOTDIR|EEXIST).*RESULTS_STORE`));
  expect(err).not.toMatch(/\n\s+at /);
}, 30_000);
