/**
 * Jobs queued by an older version, whose requests use retired option names (`fees`, `exits` with
 * stops as fractions), are not lost silently and not misread: the worker (the real backtest and
 * sweep handlers with this library's parsers, against a real Redis) fails them at once, and the
 * dead-letter entry keeps the payload and says which field is retired and what to write instead.
 */
import { randomBytes } from 'node:crypto';
import {
  backtestHandler, closeQuietly, createRedisClient, defineProcessor, ensureConnected, JobQueues, outcomeRedis, QUEUE_NAMES, startQueueWorker, sweepHandler,
  type BacktestExecutor, type DeadLetterEntry, type JobRequestParsers, type QueueWorker, type RedisClient,
} from '@coinhts/jobs';
import { RUN_REQUEST_PARSERS, type RunRequest } from './run-request';

jest.setTimeout(60_000);

const REDIS_URL = process.env.REDIS_URL;
if (!REDIS_URL) throw new Error('REDIS_URL is not set: start the services (tools/services.sh, or `source /work/services.env`) and export REDIS_URL');
const prefix = `oldpl-${randomBytes(4).toString('hex')}`;

/** What a producer of the older version wrote: its own request shape, accepted as it was. */
const OLD_PRODUCER: JobRequestParsers = {
  backtest: (input) => input as { params: Record<string, unknown> },
  sweep: (input) => ({ chunk_size: 25, rank_by: 'total_return_pct', ...(input as object) }) as never,
  sweepBase: (s) => ({ ...s, grid: undefined, chunk_size: undefined, rank_by: undefined, params: {} }),
};
const OLD_REQUEST = {
  strategy: 'volume_zone_breakout', params: {}, symbols: ['KRW-BTC'], start_date: '2024-01-01', end_date: '2024-01-31', timeframe: '1d',
  options: { fees: 0.0005, exits: { stop_loss: 0.05 } },
};

let old: JobQueues;
let outcomesClient: RedisClient;
const workers: QueueWorker[] = [];
const deadLetters: DeadLetterEntry[] = [];
let executorCalls = 0;
const executor: BacktestExecutor<RunRequest> = {
  run: async () => {
    executorCalls++;
    throw new Error('a request with retired option names must never reach the engine');
  },
};

beforeAll(async () => {
  old = await JobQueues.connect({ redis: { url: REDIS_URL }, prefix, requests: OLD_PRODUCER, retry: { attempts: 3, backoffMs: 50 } });
  outcomesClient = createRedisClient({ url: REDIS_URL });
  await ensureConnected(outcomesClient);
  const redis = outcomeRedis(outcomesClient);
  const runs = { save: async () => undefined, delete: async () => undefined };
  for (const queue of [QUEUE_NAMES.backtest, QUEUE_NAMES.sweep] as const) {
    const processor = queue === QUEUE_NAMES.backtest
      ? defineProcessor(() => ({ parseRequest: RUN_REQUEST_PARSERS.backtest, executor, runs, outcomes: redis }), backtestHandler)
      : defineProcessor(() => ({ requests: RUN_REQUEST_PARSERS, executor, outcomes: redis }), sweepHandler);
    workers.push(await startQueueWorker({ redis: { url: REDIS_URL }, prefix, queue, processor, lockDurationMs: 10_000, events: { onDeadLetter: (e) => deadLetters.push(e) } }));
  }
});

afterAll(async () => {
  for (const w of workers) await w.close({ timeoutMs: 0 });
  await old?.close();
  if (outcomesClient) await closeQuietly(outcomesClient);
  const redis = createRedisClient({ url: REDIS_URL });
  await ensureConnected(redis);
  for await (const batch of redis.scanIterator({ MATCH: `${prefix}:*`, COUNT: 500 })) if (batch.length) await redis.del(batch);
  await closeQuietly(redis);
});

async function deadLetterOf(jobId: string): Promise<DeadLetterEntry> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const e = deadLetters.find((d) => d.jobId === jobId);
    if (e) return e;
    if (Date.now() > deadline) throw new Error(`job ${jobId} never reached the dead-letter queue`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

it('a queued backtest with retired option names is dead-lettered at once, naming each old field and its replacement', async () => {
  const { jobId } = await old.backtests.submit(OLD_REQUEST);
  const e = await deadLetterOf(jobId);
  expect(e.error.code).toBe('INVALID_REQUEST');
  expect(e.error.retryable).toBe(false);
  expect(e.attemptsMade).toBe(1); // not retried: the request will not change
  expect(e.error.message).toMatch(/options\.fees: was renamed fee_rate \(the same fraction/);
  expect(e.error.message).toMatch(/options\.exits\.stop_loss: is now stop_loss_pct, in percent: multiply the old fraction by 100/);
  expect(e.data).toMatchObject({ request: { options: OLD_REQUEST.options } }); // the payload is kept as written
  expect((await old.backtests.status(jobId)).state).toBe('failed');
  expect(executorCalls).toBe(0);
});

it('a queued sweep of the older version ends the same way (its chunks carry the old options too)', async () => {
  const { jobId } = await old.sweeps.submit({ ...OLD_REQUEST, grid: { volume_window: [10, 20] } });
  // The chunk parses its base request first, so it is the chunk that fails (and with it the sweep).
  const chunk = await deadLetterOf(`${jobId}-chunk-0`);
  expect(chunk.error.code).toBe('INVALID_REQUEST');
  expect(chunk.error.message).toMatch(/options\.fees: was renamed fee_rate/);
  expect(executorCalls).toBe(0);
});
