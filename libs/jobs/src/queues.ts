/**
 * Queue names, default job options (retries, retention) and Redis key helpers.
 */

/** The queues of coin-hts. */
export const QUEUE_NAMES = {
  /** One backtest per job. */
  backtest: 'backtest',
  /** Parameter sweeps: a parent job (aggregation) whose children are chunks of the grid. */
  sweep: 'sweep',
  /** Market-data collection (scheduled daily refresh and manual triggers). */
  ingestion: 'data-ingestion',
  /** Copies of jobs that failed for good, with their error and history. Never processed automatically. */
  deadLetter: 'dead-letter',
} as const;
/** One of {@link QUEUE_NAMES}' values. */
export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

/** The queues a worker can process. */
export type ProcessedQueueName = Exclude<QueueName, 'dead-letter'>;

/** Default Redis key prefix of every queue (BullMQ's default is `bull`). */
export const DEFAULT_PREFIX = 'coinhts';

/** Retry settings of a queue's jobs. */
export interface RetryOptions {
  /** Total attempts including the first (default 7). */
  readonly attempts?: number;
  /** Delay before the first retry in ms; doubles on each further retry (default 2000). */
  readonly backoffMs?: number;
  /**
   * Jitter as a fraction 0..1 of each delay (default 0.5): the n-th retry waits a random time in
   * `[(1 - jitter)·d, d]` with `d = backoffMs · 2^(n-1)`, so jobs that failed together do not
   * retry together.
   */
  readonly jitter?: number;
}

/**
 * Defaults of {@link RetryOptions}: 7 attempts, retries after ~1–2 s, 2–4 s, 4–8 s, 8–16 s,
 * 16–32 s, 32–64 s — at least {@link minRetryWindowMs} = 63 s between the first failure and the
 * last attempt, so a job outlives a 60 s outage of PostgreSQL, Redis or S3 without being
 * dead-lettered (docs/jobs.md).
 */
export const DEFAULT_RETRY: Required<RetryOptions> = { attempts: 7, backoffMs: 2_000, jitter: 0.5 };

/**
 * Shortest time (ms) from a job's first failed attempt to the start of its last attempt under
 * `retry`: the sum of the smallest jittered backoffs, `Σ (1 − jitter) · backoffMs · 2^(n−1)` for
 * n = 1 … attempts − 1. An outage shorter than this cannot use up the attempts.
 */
export function minRetryWindowMs(retry: RetryOptions = {}): number {
  const r = { ...DEFAULT_RETRY, ...retry };
  let total = 0;
  for (let n = 1; n < r.attempts; n++) total += (1 - r.jitter) * r.backoffMs * 2 ** (n - 1);
  return total;
}

/** How many finished jobs the queue keeps; run rows and archives are the durable record. */
export interface RetentionOptions {
  /** Keep completed jobs at most this many seconds (default 86 400 = 1 day). */
  readonly completedAgeSec?: number;
  /** …and at most this many (default 1000). */
  readonly completedCount?: number;
  /** Keep failed jobs at most this many seconds (default 604 800 = 7 days). */
  readonly failedAgeSec?: number;
  /** …and at most this many (default 5000). */
  readonly failedCount?: number;
}

/** Defaults of {@link RetentionOptions}. */
export const DEFAULT_RETENTION: Required<RetentionOptions> = {
  completedAgeSec: 86_400,
  completedCount: 1_000,
  failedAgeSec: 604_800,
  failedCount: 5_000,
};

/**
 * How long the terminal outcome of a job (completed with its run id, or cancelled) is kept,
 * in ms (default 7 days, the longest retention above), so `status` keeps answering after the
 * queue trimmed the job itself.
 */
export const DEFAULT_OUTCOME_TTL_MS = 7 * 86_400_000;

/** BullMQ job options derived from retry and retention settings. */
export function jobOptionsFor(retry: RetryOptions = {}, retention: RetentionOptions = {}) {
  const r = { ...DEFAULT_RETRY, ...retry };
  const k = { ...DEFAULT_RETENTION, ...retention };
  return {
    attempts: r.attempts,
    backoff: { type: 'exponential' as const, delay: r.backoffMs, jitter: r.jitter },
    removeOnComplete: { age: k.completedAgeSec, count: k.completedCount },
    removeOnFail: { age: k.failedAgeSec, count: k.failedCount },
  };
}

/** `prefix:queue`, the qualified name BullMQ gives a queue's keys. */
export function qualifiedName(prefix: string, queue: string): string {
  return `${prefix}:${queue}`;
}

/** Redis key holding a job's terminal outcome (see `OutcomeStore`). */
export function outcomeKey(qualified: string, jobId: string): string {
  return `${qualified}:coinhts-outcome:${jobId}`;
}

/** Redis pub/sub channel on which cancellations of a queue's running jobs are announced. */
export function cancelChannel(qualified: string): string {
  return `${qualified}:coinhts-cancel`;
}
