/**
 * A job stuck in a synchronous loop in a child-process sandbox (the default) is stopped on cancel
 * by killing its child; afterwards the worker no longer counts it as active (its /healthz
 * `active` used to stay at 1 for good) and its status tells one attempt, stopped part-way.
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
const prefix = testPrefix('pcancel');
let jobs: JobQueues;
let worker: QueueWorker;
let other: QueueWorker;
let redis: RedisClient;
const request = (testKey: string, params: Record<string, unknown>) => ({ strategy: 'fixture', params: { test_key: testKey, ...params }, symbols: ['KRW-BTC'], start_date: '2024-01-01', end_date: '2024-01-31' });

beforeAll(async () => {
  redis = createRedisClient({ url });
  await ensureConnected(redis);
  jobs = await JobQueues.connect({ redis: { url }, requests: FIXTURE_REQUESTS, prefix, retry: { attempts: 2, backoffMs: 50 } });
  const start = () => startQueueWorker({
    redis: { url }, prefix, queue: QUEUE_NAMES.backtest, sandbox: 'process', concurrency: 1, stopGraceMs: 300,
    processor: join(__dirname, 'testing', 'fixtures', 'backtest.processor.cjs'), execArgv: sourceExecArgv(),
  });
  // Two workers: the handed-back job may be taken by the other one, whose events the first never sees.
  worker = await start();
  other = await start();
}, 30_000);

afterAll(async () => {
  await worker?.close({ timeoutMs: 0 });
  await other?.close({ timeoutMs: 0 });
  await jobs?.close();
  if (redis) {
    await deleteKeys(redis, prefix);
    await redis.close();
  }
}, 30_000);

it('kills a child stuck in a synchronous loop on cancel, then forgets the job', async () => {
  const k = `${prefix}:busy`;
  const { jobId } = await jobs.backtests.submit(request(k, { busy_ms: 30_000 }));
  await waitFor('executor started', async () => Number(await redis.get(fixtureKeys(k).runs)) === 1, 20_000);
  expect([...worker.activeJobIds(), ...other.activeJobIds()]).toEqual([jobId]);
  await jobs.backtests.cancel(jobId);
  await waitFor('job ended cancelled', async () => (await jobs.backtests.status(jobId)).state === 'cancelled', 10_000);
  await waitFor('the job left the active list', async () => (await jobs.backtests.counts()).running === 0, 15_000);
  await waitFor('the workers forget the killed job', async () => worker.activeJobIds().length + other.activeJobIds().length === 0, 15_000);
  const s = await jobs.backtests.status(jobId);
  expect(s).toMatchObject({ state: 'cancelled', attemptsMade: 1 });
  expect(s.state === 'cancelled' && s.progress).toBeLessThan(1);
  expect(await fixtureRun(redis, jobId)).toMatchObject({ saves: 0, saved: false });
}, 60_000);
