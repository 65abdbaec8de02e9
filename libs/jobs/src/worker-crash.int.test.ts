/**
 * Worker processes dying and restarting: SIGKILL in the middle of a job (the job is taken over by
 * another worker and completes exactly once), a restart with jobs waiting, and a graceful SIGTERM
 * that hands an active job back without using an attempt.
 */
import { join } from 'node:path';
import { JobQueues } from './job-queues';
import { FIXTURE_REQUESTS } from './testing/fixture-requests';
import { createRedisClient, ensureConnected, type RedisClient } from './redis';
import { deleteKeys, requireRedisUrl, testPrefix, waitFor } from './testing/env';
import { fixtureKeys, fixtureRun } from './testing/fixture-backtests';
import { isAlive, killAll, startTsProcess } from './testing/processes';

const url = requireRedisUrl();
const prefix = testPrefix('crash');
const workerScript = join(__dirname, 'testing', 'fixtures', 'worker-main.ts');
// Short locks so a dead worker's job is detected quickly: 1.5 s lock, stalled check every 0.5 s.
const workerArgs = JSON.stringify({ url, prefix, lockDurationMs: 1_500, stalledIntervalMs: 500, shutdownTimeoutMs: 300 });
let jobs: JobQueues;
let redis: RedisClient;

const request = (testKey: string, params: Record<string, unknown> = {}) => ({
  strategy: 'fixture', params: { test_key: testKey, ...params }, symbols: ['KRW-BTC'], start_date: '2024-01-01', end_date: '2024-01-31',
});

beforeAll(async () => {
  redis = createRedisClient({ url });
  await ensureConnected(redis);
  jobs = await JobQueues.connect({ redis: { url }, requests: FIXTURE_REQUESTS, prefix, retry: { attempts: 3, backoffMs: 50 } });
});

afterAll(async () => {
  await killAll();
  await jobs?.close();
  if (redis) {
    await deleteKeys(redis, prefix);
    await redis.close();
  }
}, 30_000);

it('KILL -9 of a worker mid-job: another worker picks the job up and it completes exactly once', async () => {
  const k = `${prefix}:kill`;
  const a = await startTsProcess(workerScript, [workerArgs]);
  // The first run would take a minute; the run that takes over is quick.
  const { jobId } = await jobs.backtests.submit(request(k, { first_sleep_ms: 60_000, sleep_ms: 200 }));
  await waitFor('worker A to start the job', async () => Number(await redis.get(fixtureKeys(k).runs)) === 1, 15_000);
  const [sandboxPidA] = (await redis.lRange(fixtureKeys(k).pids, 0, -1)).map(Number);
  expect((await jobs.backtests.status(jobId)).state).toBe('running');

  a.child.kill('SIGKILL');
  expect(await a.exited).toBe('SIGKILL');
  // The sandbox child of the dead worker notices its parent is gone and exits, long before its
  // minute-long job would have ended: no orphan keeps computing or writing.
  await waitFor(`orphaned sandbox ${sandboxPidA} to exit`, () => !isAlive(sandboxPidA), 10_000);

  const b = await startTsProcess(workerScript, [workerArgs]);
  const done = await waitFor('job to complete on worker B', async () => {
    const s = await jobs.backtests.status(jobId);
    return s.state === 'completed' || s.state === 'failed' ? s : null;
  }, 20_000);
  expect(done).toMatchObject({ state: 'completed', runId: jobId });
  expect(b.output()).toContain(`stalled ${jobId}`);
  // Started twice (A died), saved and completed once.
  expect(Number(await redis.get(fixtureKeys(k).runs))).toBe(2);
  expect(await fixtureRun(redis, jobId)).toEqual({ saves: 1, deletes: 0, saved: true });
  expect((await jobs.backtests.list('completed')).filter((s) => s.id === jobId)).toHaveLength(1);
  b.child.kill('SIGTERM');
  expect(await b.exited).toBe(0);
}, 60_000);

it('a worker started after jobs were queued processes all of them', async () => {
  const k = `${prefix}:restart`;
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push((await jobs.backtests.submit(request(`${k}:${i}`))).jobId);
  expect((await jobs.backtests.counts()).queued).toBeGreaterThanOrEqual(5);
  const w = await startTsProcess(workerScript, [workerArgs]);
  for (const id of ids) {
    await waitFor(`job ${id} completed`, async () => (await jobs.backtests.status(id)).state === 'completed', 20_000);
  }
  w.child.kill('SIGTERM');
  expect(await w.exited).toBe(0);
}, 60_000);

it('SIGTERM during a long job: the job is handed back (no attempt used) and completes on the next worker', async () => {
  const k = `${prefix}:term`;
  const w1 = await startTsProcess(workerScript, [workerArgs]);
  const { jobId } = await jobs.backtests.submit(request(k, { busy_ms: 2_500 }));
  await waitFor('job started', async () => Number(await redis.get(fixtureKeys(k).runs)) === 1, 15_000);
  w1.child.kill('SIGTERM');
  expect(await w1.exited).toBe(0);
  expect(w1.output()).toContain(`released ${jobId}`);
  const back = await jobs.backtests.status(jobId);
  expect(back).toMatchObject({ state: 'queued', attemptsMade: 0 });
  const w2 = await startTsProcess(workerScript, [workerArgs]);
  // The status reads `completed` as soon as the run is recorded, a moment before the queue moves
  // the job and counts the attempt: wait for the queue's count, then check it is exactly one.
  await waitFor('job completed and counted by the queue', async () => {
    const st = await jobs.backtests.status(jobId);
    return st.state === 'completed' && st.attemptsMade > 0;
  }, 30_000);
  expect(await jobs.backtests.status(jobId)).toMatchObject({ state: 'completed', attemptsMade: 1 });
  expect(await fixtureRun(redis, jobId)).toMatchObject({ saves: 1 });
  w2.child.kill('SIGTERM');
  await w2.exited;
}, 60_000);
