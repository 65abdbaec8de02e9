/**
 * Distributed and resumable sweeps through the API, with real worker processes (`apps/worker`'s
 * main.ts, two of them, one sweep slot each) against real Redis, PostgreSQL and S3:
 *
 * 1. a worker SIGKILLed while it evaluates a chunk loses at most that chunk: every other chunk is
 *    evaluated exactly once (attempts counted per chunk in `sweep_chunks`), the dead worker's
 *    chunk is taken over by the other worker, and the sweep completes;
 * 2. cancel, then `POST /api/v1/sweeps/{id}/resume`: chunks that had finished are not evaluated
 *    again (their attempt count and finish time do not change), the rest run, the sweep completes;
 * 3. both final rankings equal the one-process ranking of the same grid (the engine's `runSweep`
 *    in this process, on the same candles).
 *
 * The strategy is a plugin that spins the CPU for `spin_ms` each time a set is evaluated, so a
 * chunk takes long enough to be caught in the middle. Waits are for states (chunk rows, the
 * worker's /healthz, task states), never for elapsed time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteObjectsCommand, ListObjectsCommand, S3Client } from '@aws-sdk/client-s3';
import { getStrategy, runSweep } from '@coinhts/engine';
import { loadSeriesForBacktest, ParquetCandleStore } from '@coinhts/market-data';
import { Client } from 'pg';
import request from 'supertest';
import { REPO_ROOT, requireServiceEnv, startTestApp, waitFor, type TestApp } from './testing/test-app';

function requireEnv(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set. This test needs an S3-compatible server: run \`source tools/services.sh\` (it starts moto and exports S3_ENDPOINT and AWS_*), then run the tests again.`);
  return v;
}
const S3_ENDPOINT = requireEnv('S3_ENDPOINT');
const REGION = process.env.AWS_REGION ?? 'us-east-1';
const credentials = { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'test', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'test' };
const bucket = `coinhts-resume-${randomUUID().slice(0, 8)}`;

// The plugin: an SMA crossover whose indicator step spins the CPU for spin_ms (once per evaluated set).
mkdirSync(join(REPO_ROOT, 'tmp'), { recursive: true });
const pluginDir = mkdtempSync(join(REPO_ROOT, 'tmp', 'sweep-resume-'));
const plugin = join(pluginDir, 'slow-sma.js');
writeFileSync(plugin, `
const { z } = require('zod');
const { defineStrategy, ind } = require('@coinhts/engine');
exports.slowSma = defineStrategy({
  name: 'slow_sma_test',
  params: z.object({
    fast: z.number().int().min(1).max(100).default(5),
    slow: z.number().int().min(2).max(300).default(20),
    spin_ms: z.number().int().min(0).max(5000).default(0),
  }),
  indicators: (p) => {
    const end = Date.now() + p.spin_ms;
    while (Date.now() < end) { /* a slow set */ }
    return { f: ind.sma('close', p.fast), s: ind.sma('close', p.slow) };
  },
  rule: ({ f, s, prev }) => (prev.f <= prev.s && f > s ? 1 : prev.f >= prev.s && f < s ? -1 : null),
});
`);

const FAST = [3, 5, 8, 13];
const SLOW = [21, 34, 55, 89];
// 16 sets in chunks of 2 = 8 chunks.
const CHUNKS = 8;
const sweepBody = (spinMs: number) => ({
  strategy: 'slow_sma_test', params: { spin_ms: spinMs }, grid: { fast: FAST, slow: SLOW },
  symbols: ['KRW-BTC'], start_date: '2022-01-01', end_date: '2024-12-31', timeframe: '1d', rank_by: 'total_return_pct', chunk_size: 2,
});

let t: TestApp;
let s3: S3Client;
let pg: Client;
const workers: Worker[] = [];
const auth = (key: string) => ({ Authorization: `Bearer ${key}` });

interface Worker {
  readonly child: ChildProcess;
  readonly port: number;
  readonly exited: Promise<string | number | null>;
  output(): string;
}

/** Starts `apps/worker` as a process on the test app's namespace (sweep queue only, one slot). */
async function startWorker(): Promise<Worker> {
  const { databaseUrl, redisUrl } = requireServiceEnv();
  const env = {
    PATH: process.env.PATH ?? '', REDIS_URL: redisUrl, DATABASE_URL: databaseUrl, DB_SCHEMA: t.schema, QUEUE_PREFIX: t.prefix,
    DATA_ROOT: t.dataRoot, RESULTS_STORE: `s3://${bucket}`, S3_ENDPOINT, AWS_REGION: REGION, AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED', AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    WORKER_QUEUES: 'sweep', SWEEP_CONCURRENCY: '1', METRICS_HOST: '127.0.0.1', METRICS_PORT: '0', LOG_LEVEL: 'info',
    // A dead worker's chunk is back in the queue within 2 s + 0.5 s.
    LOCK_DURATION_MS: '2000', STALLED_INTERVAL_MS: '500', SHUTDOWN_TIMEOUT_MS: '2000', SCHEDULER_ENABLED: 'false',
    COINHTS_STRATEGY_MODULES: plugin,
  };
  const loader = ['--conditions=@coinhts/source', '-r', require.resolve('@swc-node/register')];
  const child = spawn(process.execPath, [...loader, join(REPO_ROOT, 'apps', 'worker', 'src', 'main.ts')], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<string | number | null>((r) => child.once('exit', (code, signal) => r(signal ?? code)));
  const port = await waitFor('a worker process to be ready', async () => {
    if (child.exitCode !== null) throw new Error(`worker exited ${child.exitCode}:\n${out}`);
    const m = /"port":(\d+),"host":"[^"]*","msg":"worker ready/.exec(out);
    return m ? Number(m[1]) : null;
  }, 60_000);
  const w = { child, port, exited, output: () => out };
  workers.push(w);
  return w;
}

/** Sweep jobs the worker is processing now (from its /healthz). */
async function activeSweepJobs(w: Worker): Promise<number> {
  const r = await fetch(`http://127.0.0.1:${w.port}/healthz`);
  const body = (await r.json()) as { queues?: Record<string, { active: number }> };
  return body.queues?.sweep?.active ?? 0;
}

interface ChunkRow { chunk: number; attempts: number; finished: string | null }
async function chunkRows(sweepId: string): Promise<ChunkRow[]> {
  const r = await pg.query(`SELECT chunk, attempts, (extract(epoch from finished_at) * 1000)::bigint::text AS finished FROM sweep_chunks WHERE sweep_id = $1 ORDER BY chunk`, [sweepId]);
  return r.rows as ChunkRow[];
}

async function submit(spinMs: number): Promise<string> {
  const r = await request(t.app).post('/api/v1/sweeps').set(auth(t.keys.run)).send(sweepBody(spinMs)).expect(202);
  return r.body.task_id as string;
}

interface StatusBody { state: string; sets: { done: number; total: number } | null; links: Record<string, string> }
async function finished(sweepId: string, seen?: StatusBody[]): Promise<StatusBody> {
  return waitFor(`sweep ${sweepId} to finish`, async () => {
    const st = (await request(t.app).get(`/api/v1/sweeps/${sweepId}/status`).set(auth(t.keys.read)).expect(200)).body as StatusBody;
    seen?.push(st);
    return ['completed', 'failed', 'cancelled'].includes(st.state) ? st : null;
  }, 120_000);
}

type RankedRow = { rank: number; index: number; score: number | null; params: Record<string, unknown> };
async function ranking(sweepId: string): Promise<RankedRow[]> {
  return (await request(t.app).get(`/api/v1/sweeps/${sweepId}?limit=100`).set(auth(t.keys.read)).expect(200)).body.ranking.rows as RankedRow[];
}

/** The one-process ranking of the same grid: the engine's runSweep here, on the same candles. */
async function oneProcessRanking(): Promise<{ index: number; score: number | null }[]> {
  const body = sweepBody(0);
  const s = await loadSeriesForBacktest(new ParquetCandleStore({ root: t.dataRoot }), { symbol: 'KRW-BTC', timeframe: '1d', from: body.start_date, to: body.end_date, zone: t.config.timeZone });
  const r = runSweep({
    strategy: getStrategy('slow_sma_test'), baseParams: body.params, space: { fast: { values: FAST }, slow: { values: SLOW } }, mode: { kind: 'grid' },
    series: [{ symbol: s.symbol, timeframe: s.timeframe, candles: s.candles }], rankBy: 'total_return_pct', direction: 'max', verdictBlocks: 0,
  });
  return r.rows.map((row) => ({ index: row.index, score: row.score }));
}

beforeAll(async () => {
  s3 = new S3Client({ endpoint: S3_ENDPOINT, region: REGION, credentials, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  t = await startTestApp('resume', {
    env: { RESULTS_STORE: `s3://${bucket}`, S3_ENDPOINT, AWS_REGION: REGION, AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, COINHTS_STRATEGY_MODULES: plugin },
  });
  pg = new Client({ connectionString: requireServiceEnv().databaseUrl, options: `-c search_path=${t.schema}` });
  await pg.connect();
}, 120_000);

afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited));
  await pg?.end();
  await t?.close();
  if (s3) {
    const page = await s3.send(new ListObjectsCommand({ Bucket: bucket }));
    const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key as string }));
    if (keys.length) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
    s3.destroy();
  }
  rmSync(pluginDir, { recursive: true, force: true });
}, 60_000);

let expected: { index: number; score: number | null }[];

describe('a sweep over two worker processes', () => {
  it('survives a SIGKILLed worker, losing at most the chunk it held, and ranks as one process does', async () => {
    expected = await oneProcessRanking();
    // The fixture has teeth only if the ranking differs from grid order.
    expect(expected.map((r) => r.index)).not.toEqual([...expected.map((r) => r.index)].sort((a, b) => a - b));
    const a = await startWorker();
    const b = await startWorker();
    // 300 ms per set, 0.6 s per chunk.
    const id = await submit(300);
    // Kill A while it holds a chunk, once at least one chunk has finished (so "kept" is tested too).
    await waitFor('a finished chunk while worker A evaluates another', async () => (await chunkRows(id)).some((c) => c.finished !== null) && (await activeSweepJobs(a)) === 1, 60_000);
    const beforeKill = await chunkRows(id);
    a.child.kill('SIGKILL');
    expect(await a.exited).toBe('SIGKILL');

    const seen: StatusBody[] = [];
    const done = await finished(id, seen);
    expect(done.state).toBe('completed');
    expect(done.sets).toEqual({ done: 16, total: 16 });
    // Progress counts sets, never goes back, and never passes the total.
    const running = seen.filter((s) => s.state === 'running').map((s) => s.sets?.done ?? -1);
    expect(running.every((d, i) => d >= 0 && d <= 16 && (i === 0 || d >= running[i - 1]))).toBe(true);
    expect(b.output()).toMatch(/stalled/);

    const after = await chunkRows(id);
    expect(after.map((c) => c.chunk)).toEqual([...Array(CHUNKS).keys()]);
    expect(after.every((c) => c.finished !== null)).toBe(true);
    // Chunks finished before the kill were evaluated once and never again.
    for (const c of beforeKill.filter((x) => x.finished !== null)) expect(after[c.chunk]).toEqual(c);
    // A held one chunk (one slot): at most one chunk was evaluated twice, every other exactly once.
    const extra = after.reduce((n, c) => n + c.attempts, 0) - CHUNKS;
    expect(extra).toBeLessThanOrEqual(1);
    expect(after.filter((c) => c.attempts > 2)).toEqual([]);

    const rows = await ranking(id);
    expect(rows.map((r) => ({ index: r.index, score: r.score }))).toEqual(expected);
  }, 180_000);

  it('cancel, then resume: finished chunks are not evaluated again, the rest run, and the ranking is the one-process ranking', async () => {
    // Two workers again (B from the first test plus a new one).
    await startWorker();
    const id = await submit(300);
    await waitFor('two chunks finished', async () => (await chunkRows(id)).filter((c) => c.finished !== null).length >= 2, 60_000);
    const cancel = await request(t.app).delete(`/api/v1/sweeps/${id}`).set(auth(t.keys.run)).expect(200);
    expect(cancel.body.state).toBe('cancelled');
    const cancelled = (await request(t.app).get(`/api/v1/sweeps/${id}/status`).set(auth(t.keys.read)).expect(200)).body as StatusBody;
    expect(cancelled).toMatchObject({ state: 'cancelled', links: { resume: `/api/v1/sweeps/${id}/resume` } });

    // Resume answers 409 NOT_RESUMABLE while a cancelled chunk is still stopping; then 202.
    const resumed = await waitFor('the resume to be accepted', async () => {
      const r = await request(t.app).post(`/api/v1/sweeps/${id}/resume`).set(auth(t.keys.run));
      if (r.status === 409) {
        expect(r.body.error).toMatchObject({ code: 'NOT_RESUMABLE', message: expect.stringMatching(/still stopping/) });
        return null;
      }
      return r;
    }, 30_000);
    // Snapshot after the last attempt stopped (a resume is accepted only then).
    const before = await chunkRows(id);
    const finishedBefore = before.filter((c) => c.finished !== null);
    expect(resumed.status).toBe(202);
    expect(resumed.headers.location).toBe(`/api/v1/sweeps/${id}/status`);
    expect(resumed.body).toMatchObject({ task_id: id, deduplicated: false });
    expect(['queued', 'running']).toContain(resumed.body.state);
    expect(finishedBefore.length).toBeGreaterThanOrEqual(2);
    expect(finishedBefore.length).toBeLessThan(CHUNKS);

    const done = await finished(id);
    expect(done).toMatchObject({ state: 'completed', sets: { done: 16, total: 16 } });
    const after = await chunkRows(id);
    expect(after.every((c) => c.finished !== null)).toBe(true);
    // Not evaluated again: same attempts, same finish time.
    for (const c of finishedBefore) expect(after[c.chunk]).toEqual(c);
    // The unfinished ones ran after the resume (one more attempt each than before).
    for (const c of after.filter((x) => !finishedBefore.some((f) => f.chunk === x.chunk))) {
      expect(c.attempts).toBe((before.find((x) => x.chunk === c.chunk)?.attempts ?? 0) + 1);
    }
    const rows = await ranking(id);
    expect(rows.map((r) => ({ index: r.index, score: r.score }))).toEqual(expected);
    // A completed sweep is not resumable.
    const again = await request(t.app).post(`/api/v1/sweeps/${id}/resume`).set(auth(t.keys.run));
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('NOT_RESUMABLE');
  }, 180_000);
});
