/**
 * A sweep as a BullMQ flow: chunk jobs spread over two sandboxed workers, then the parent ranks
 * every combination. Scores come from the fixture executor: total_return_pct = 2·x − y, and x = 13
 * is rejected by the "strategy".
 */
import { join } from 'node:path';
import { JobQueues } from './job-queues';
import { startQueueWorker, type QueueWorker } from './queue-worker';
import { QUEUE_NAMES } from './queues';
import { createRedisClient, ensureConnected, type RedisClient } from './redis';
import type { SweepJobResult } from './sweep-processor';
import { deleteKeys, requireRedisUrl, sourceExecArgv, testPrefix, waitFor } from './testing/env';
import { fixtureKeys } from './testing/fixture-backtests';

const url = requireRedisUrl();
const prefix = testPrefix('sweep');
let jobs: JobQueues;
let redis: RedisClient;
const workers: QueueWorker[] = [];

beforeAll(async () => {
  redis = createRedisClient({ url });
  await ensureConnected(redis);
  jobs = await JobQueues.connect({ redis: { url }, prefix, retry: { attempts: 2, backoffMs: 50 } });
  for (let i = 0; i < 2; i++) {
    workers.push(await startQueueWorker({
      redis: { url }, prefix, queue: QUEUE_NAMES.sweep,
      processor: join(__dirname, 'testing', 'fixtures', 'sweep.processor.cjs'),
      execArgv: sourceExecArgv(), concurrency: 1, stopGraceMs: 300,
    }));
  }
}, 30_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.close({ timeoutMs: 0 })));
  await jobs?.close();
  if (redis) {
    await deleteKeys(redis, prefix);
    await redis.close();
  }
}, 30_000);

it('runs the chunks on both workers and ranks all combinations, rejected ones last', async () => {
  const testKey = `${prefix}:grid`;
  const xs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13];
  const { jobId, status } = await jobs.sweeps.submit({
    strategy: 'fixture', params: { test_key: testKey, sleep_ms: 100 }, grid: { x: xs, y: [0, 1, 2] },
    symbols: ['KRW-BTC'], start_date: '2024-01-01', end_date: '2024-02-01', chunk_size: 3,
  });
  expect(['queued', 'running']).toContain(status.state);
  const running = await waitFor('sweep running with progress', async () => {
    const s = await jobs.sweeps.status(jobId);
    return s.state === 'running' ? s : null;
  }, 15_000);
  expect(running.state === 'running' && running.stage).toMatch(/^sets \d+\/33 done \(chunks \d+\/11\)$/);
  expect(running.sets?.total).toBe(33);
  const done = await waitFor('sweep completed', async () => {
    const s = await jobs.sweeps.status(jobId);
    // `completed` shows as soon as the outcome is recorded; the queue moves the job (and sets its
    // result) a moment later: wait for the result
    if (s.state === 'completed') return s.result !== null ? s : null;
    return s.state === 'failed' ? s : null;
  }, 30_000);
  expect(done.state).toBe('completed');
  const result = (done.state === 'completed' ? done.result : null) as SweepJobResult;
  // 11 × 3 = 33 combinations, of which the 3 with x = 13 are rejected.
  expect(result).toMatchObject({ runId: jobId, rankBy: 'total_return_pct', total: 33, evaluated: 30, failed: 3 });
  // Best by hand: 2·10 − 0 = 20, then 2·10 − 1 = 19, then a tie at 18 between (9, 0) — grid index
  // 8·3 + 0 = 24 — and (10, 2) — index 9·3 + 2 = 29: grid order breaks it, so (9, 0) first.
  expect(result.top.slice(0, 4).map((r) => [r.params.x, r.params.y, r.score])).toEqual([[10, 0, 20], [10, 1, 19], [9, 0, 18], [10, 2, 18]]);
  expect(Number(await redis.get(fixtureKeys(testKey).runs))).toBe(33);
  const pids = new Set(await redis.lRange(fixtureKeys(testKey).pids, 0, -1));
  expect(pids.size).toBeGreaterThanOrEqual(2);
}, 60_000);

it('cancels a sweep: waiting chunks are removed, running ones stop, the sweep ends cancelled', async () => {
  const testKey = `${prefix}:cancel`;
  const { jobId } = await jobs.sweeps.submit({
    strategy: 'fixture', params: { test_key: testKey, sleep_ms: 400 }, grid: { x: [1, 2, 3, 4, 5, 6, 7, 8], y: [0, 1] },
    symbols: ['KRW-BTC'], start_date: '2024-01-01', end_date: '2024-02-01', chunk_size: 2,
  });
  await waitFor('first combinations to run', async () => Number(await redis.get(fixtureKeys(testKey).runs)) >= 1, 15_000);
  const res = await jobs.sweeps.cancel(jobId);
  expect(res.cancelled).toBe(true);
  expect(await jobs.sweeps.status(jobId)).toMatchObject({ state: 'cancelled' });
  await waitFor('no chunk active', async () => (await jobs.sweeps.list('running')).length === 0 && (await redis.get(fixtureKeys(testKey).runs)) !== null, 10_000);
  const ran = Number(await redis.get(fixtureKeys(testKey).runs));
  await new Promise((r) => setTimeout(r, 1_000));
  expect(Number(await redis.get(fixtureKeys(testKey).runs))).toBe(ran);
  expect(ran).toBeLessThan(16);
  expect(await jobs.sweeps.status(jobId)).toMatchObject({ state: 'cancelled' });
  // Nothing of a cancelled sweep is dead-lettered (the parent fails with its children's cancellation).
  for (const w of workers) await w.reconcileDeadLetters();
  expect(await jobs.deadLetter.get('sweep', jobId)).toBeNull();
  expect(await jobs.deadLetter.size()).toBe(0);
}, 60_000);

it('a cancelled sweep whose chunks all waited (its jobs were removed) can still be resumed: it is queued again with every set to do', async () => {
  // A second namespace without workers: nothing is picked up.
  const idle = await JobQueues.connect({ redis: { url }, prefix: `${prefix}-idle` });
  try {
    const { jobId } = await idle.sweeps.submit({
      strategy: 'fixture', params: { test_key: `${prefix}:idle` }, grid: { x: [1, 2, 3], y: [0, 1] },
      symbols: ['KRW-BTC'], start_date: '2024-01-01', end_date: '2024-02-01', chunk_size: 4,
    });
    expect(await idle.sweeps.cancel(jobId)).toMatchObject({ cancelled: true, wasRunning: false });
    expect(await idle.sweeps.status(jobId)).toMatchObject({ state: 'cancelled' });
    expect((await idle.sweeps.list('cancelled')).map((s) => s.id)).toEqual([jobId]);
    const r = await idle.sweeps.resume(jobId);
    // 3 × 2 = 6 sets in chunks of 4: 2 chunk jobs waiting again, nothing done.
    expect(r).toMatchObject({ jobId, deduplicated: false, status: { state: 'queued', sets: { done: 0, total: 6 } } });
    expect(await idle.sweeps.list('cancelled')).toEqual([]);
    expect((await idle.sweeps.counts()).queued).toBe(3);
    await expect(idle.sweeps.resume(jobId)).rejects.toMatchObject({ code: 'NOT_RESUMABLE', state: 'queued' });
    await expect(idle.sweeps.resume('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
  } finally {
    await idle.close();
    await deleteKeys(redis, `${prefix}-idle`);
  }
}, 30_000);
