/**
 * The same processor in worker-thread sandboxes (WORKER_SANDBOX=thread): a job completes, and a
 * job stuck in a synchronous loop is stopped on cancel by terminating its thread.
 */
import { join } from 'node:path';
import { JobQueues } from './job-queues';
import { FIXTURE_REQUESTS } from './testing/fixture-requests';
import { startQueueWorker, type QueueWorker } from './queue-worker';
import { QUEUE_NAMES } from './queues';
import { createRedisClient, ensureConnected, type RedisClient } from './redis';
import { deleteKeys, requireRedisUrl, sourceExecArgv, testPrefix, waitFor } from './testing/env';
import { fixtureKeys, fixtureRun } from './testing/fixture-backtests';

const url = requireRedisUrl();
const prefix = testPrefix('thr');
let jobs: JobQueues;
let worker: QueueWorker;
let redis: RedisClient;
const request = (testKey: string, params: Record<string, unknown>) => ({ strategy: 'fixture', params: { test_key: testKey, ...params }, symbols: ['KRW-BTC'], start_date: '2024-01-01', end_date: '2024-01-31' });

beforeAll(async () => {
  redis = createRedisClient({ url });
  await ensureConnected(redis);
  jobs = await JobQueues.connect({ redis: { url }, requests: FIXTURE_REQUESTS, prefix, retry: { attempts: 2, backoffMs: 50 } });
  worker = await startQueueWorker({
    redis: { url }, prefix, queue: QUEUE_NAMES.backtest, sandbox: 'thread', concurrency: 2, stopGraceMs: 300,
    processor: join(__dirname, 'testing', 'fixtures', 'backtest.processor.cjs'), execArgv: sourceExecArgv(),
  });
}, 30_000);

afterAll(async () => {
  await worker?.close({ timeoutMs: 0 });
  await jobs?.close();
  if (redis) {
    await deleteKeys(redis, prefix);
    await redis.close();
  }
}, 30_000);

it('completes a job in a worker thread', async () => {
  const { jobId } = await jobs.backtests.submit(request(`${prefix}:ok`, { sleep_ms: 50 }));
  await waitFor('completed', async () => (await jobs.backtests.status(jobId)).state === 'completed', 20_000);
  expect(await fixtureRun(redis, jobId)).toMatchObject({ saves: 1 });
  // The executor ran in this process (a thread), not in a child process.
  expect(await redis.lRange(fixtureKeys(`${prefix}:ok`).pids, 0, -1)).toEqual([String(process.pid)]);
}, 30_000);

it('terminates a thread stuck in a synchronous loop when its job is cancelled', async () => {
  const k = `${prefix}:busy`;
  const { jobId } = await jobs.backtests.submit(request(k, { busy_ms: 30_000 }));
  await waitFor('executor started', async () => Number(await redis.get(fixtureKeys(k).runs)) === 1, 15_000);
  const t0 = Date.now();
  await jobs.backtests.cancel(jobId);
  await waitFor('job ended cancelled', async () => (await redis.hGet(`${prefix}:backtest:${jobId}`, 'failedReason'))?.startsWith('[CANCELLED]'), 20_000);
  // The loop runs 30 s: ending cancelled before then is only possible by terminating the thread
  // (no tighter wall-clock bound on a loaded 2-core CI machine).
  expect(Date.now() - t0).toBeLessThan(30_000);
  expect(await fixtureRun(redis, jobId)).toMatchObject({ saves: 0, saved: false });
  // The killed sandbox's job no longer counts as active (the worker's /healthz `active`).
  await waitFor('the worker forgets the killed job', async () => !worker.activeJobIds().includes(jobId), 10_000);
  // It ran once and was stopped part-way: one attempt, not "0 attempts, progress 1".
  const s = await jobs.backtests.status(jobId);
  expect(s).toMatchObject({ state: 'cancelled', attemptsMade: 1 });
  expect(s.state === 'cancelled' && s.progress).toBeLessThan(1);
}, 30_000);
