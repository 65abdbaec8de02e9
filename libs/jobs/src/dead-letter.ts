/**
 * The dead-letter queue: a copy of every job that failed for good (after its last attempt, or at
 * once for a permanent error), with its payload, error and attempt history. Nothing processes it;
 * operators list, inspect, retry or remove entries.
 */
import type { Job, Queue } from 'bullmq';
import { CANCELLED_CODES, parseFailureMessage } from './errors';
import { toJobError, type JobError } from './job-status';
import type { RedisClient } from './redis';
import { PAYLOAD_VERSION } from './schemas';

/** One failed attempt of a job. */
export interface AttemptRecord {
  /** 1-based attempt number. */
  readonly attempt: number;
  /** When it failed, epoch ms. */
  readonly at: number;
  /** Error code. */
  readonly code: string;
  /** Error message. */
  readonly message: string;
}

/** A dead-letter entry. Times are epoch ms. */
export interface DeadLetterEntry {
  readonly v: typeof PAYLOAD_VERSION;
  /** Queue the job came from. */
  readonly queue: string;
  /** Id of the original job. */
  readonly jobId: string;
  /** Name of the original job (e.g. `backtest`, `chunk`). */
  readonly name: string;
  /** The original payload, unchanged. */
  readonly data: unknown;
  /** The final error. */
  readonly error: JobError;
  /** Attempts made. */
  readonly attemptsMade: number;
  /** Attempts allowed. */
  readonly maxAttempts: number;
  /** Every failed attempt, oldest first. */
  readonly history: readonly AttemptRecord[];
  /** Stack traces BullMQ kept, oldest first. */
  readonly stacktrace: readonly string[];
  /** When the original job was created. */
  readonly createdAt: number;
  /** When it failed for good. */
  readonly failedAt: number;
}

/** Id of the dead-letter entry of `jobId` from `queue`. */
export function deadLetterId(queue: string, jobId: string): string {
  return `${queue}-${jobId}`;
}

const ATTEMPT_LOG = 'attempt-failed ';

/** The job-log line recording one failed attempt (written by the worker on every failure). */
export function attemptLogLine(record: AttemptRecord): string {
  return ATTEMPT_LOG + JSON.stringify(record);
}

function parseAttemptLogs(lines: readonly string[]): AttemptRecord[] {
  const out: AttemptRecord[] = [];
  for (const line of lines) {
    if (!line.startsWith(ATTEMPT_LOG)) continue;
    try {
      out.push(JSON.parse(line.slice(ATTEMPT_LOG.length)) as AttemptRecord);
    } catch {
      // a foreign log line; ignore
    }
  }
  return out;
}

/** Builds the entry of a failed job (reads its logs for the history). */
export async function buildDeadLetterEntry(source: Queue, job: Job, now: number): Promise<DeadLetterEntry> {
  const logs = await source.getJobLogs(job.id as string, 0, 999, true);
  const history = parseAttemptLogs(logs.logs);
  return {
    v: PAYLOAD_VERSION,
    queue: source.name,
    jobId: job.id as string,
    name: job.name,
    data: job.data,
    error: toJobError(job.failedReason),
    attemptsMade: job.attemptsMade,
    maxAttempts: job.opts.attempts ?? 1,
    history,
    stacktrace: job.stacktrace ?? [],
    createdAt: job.timestamp,
    failedAt: job.finishedOn ?? now,
  };
}

/**
 * Copies failed jobs of one source queue to the dead-letter queue, once each.
 * {@link DeadLetterForwarder.forward} is called from the worker's `failed` event;
 * {@link DeadLetterForwarder.reconcile} catches what the event missed (a worker that died between
 * failing a job and copying it, a job failed by the stalled-job checker).
 */
export class DeadLetterForwarder {
  constructor(
    private readonly source: Queue,
    private readonly dlq: Queue,
    private readonly clock: () => number = Date.now,
    /**
     * True when the job was cancelled (its recorded outcome). A cancelled sweep's parent fails
     * with its children's cancellation, under a message without the CANCELLED code.
     */
    private readonly wasCancelled: (jobId: string) => Promise<boolean> = async () => false,
    /**
     * Atomically claims the right to report entry `entryId` (true for exactly one caller across
     * every process, e.g. Redis `SET NX`; see {@link redisEntryClaims}). Without it, only calls in
     * this process are told apart.
     */
    private readonly claims: EntryClaims = localEntryClaims(),
  ) {}

  /**
   * Copies `job` if it failed for good and was not cancelled. Returns the new entry, or null when
   * nothing was copied (not failed, cancelled, or already copied). Of concurrent calls for one job
   * — the `failed` event on one worker and a reconciliation on another — exactly one returns the
   * entry (so one alert counts it once); the copy itself is idempotent (the entry's job id).
   */
  async forward(job: Job): Promise<DeadLetterEntry | null> {
    if (!job.id) return null;
    const { code } = parseFailureMessage(job.failedReason);
    if (CANCELLED_CODES.has(code) || (await this.wasCancelled(job.id))) return null;
    const id = deadLetterId(this.source.name, job.id);
    if (await this.dlq.getJob(id)) return null;
    const entry = await buildDeadLetterEntry(this.source, job, this.clock());
    await this.dlq.add('dead-letter', entry, { jobId: id, removeOnComplete: false, removeOnFail: false });
    // Two callers can both get past the check above (check-then-act) and both add (idempotent: the
    // entry's job id). Only the one that wins the claim reports it; before the claim, one job
    // could be counted twice in an alert ("7 jobs failed for good" for 6).
    return (await this.claims.claim(id)) ? entry : null;
  }

  /** Forwards every failed job of the source queue that has no entry yet (newest `limit`). Returns the new entries. */
  async reconcile(limit = 1_000): Promise<DeadLetterEntry[]> {
    const failed = await this.source.getFailed(0, limit - 1);
    const out: DeadLetterEntry[] = [];
    for (const job of failed) {
      if (!job) continue;
      const e = await this.forward(job);
      if (e) out.push(e);
    }
    return out;
  }
}

/** Who reports a dead-letter entry: exactly one claimant per entry id. */
export interface EntryClaims {
  /** True for exactly one caller per `entryId` (until {@link EntryClaims.release}). */
  claim(entryId: string): Promise<boolean>;
  /** Forgets the claim (the entry was retried or removed, so a later failure is reported again). */
  release(entryId: string): Promise<void>;
}

/** Claims kept in this process only (tests, a single worker). */
export function localEntryClaims(): EntryClaims {
  const claimed = new Set<string>();
  return {
    claim: async (id) => {
      if (claimed.has(id)) return false;
      claimed.add(id);
      return true;
    },
    release: async (id) => {
      claimed.delete(id);
    },
  };
}

/** Claims shared by every worker: one Redis key per entry, `SET NX` (`{qualifiedDlq}:claimed:{entryId}`). */
export function redisEntryClaims(redis: RedisClient, qualifiedDlq: string): EntryClaims {
  const key = (id: string) => `${qualifiedDlq}:claimed:${id}`;
  return {
    claim: async (id) => (await redis.set(key(id), '1', { condition: 'NX' })) === 'OK',
    release: async (id) => {
      await redis.del(key(id));
    },
  };
}

/** Read and manage side of the dead-letter queue. */
export class DeadLetterQueue {
  /** @internal */
  constructor(
    private readonly dlq: Queue,
    /** The queues entries come from, by name. */
    private readonly sources: ReadonlyMap<string, Queue>,
    /** The workers' report claims, released when an entry is removed or retried. */
    private readonly claims?: EntryClaims,
  ) {}

  /** Number of entries. */
  size(): Promise<number> {
    return this.dlq.getJobCountByTypes('waiting', 'prioritized', 'delayed');
  }

  /** Entries, newest first. */
  async list(options: { offset?: number; limit?: number } = {}): Promise<DeadLetterEntry[]> {
    const offset = Math.max(0, options.offset ?? 0);
    const limit = Math.min(500, Math.max(1, options.limit ?? 50));
    const jobs = await this.dlq.getJobs(['waiting', 'prioritized', 'delayed'], offset, offset + limit - 1, false);
    return jobs.filter((j): j is Job => !!j).map((j) => j.data as DeadLetterEntry);
  }

  /** The entry of `jobId` from `queue`, or null. */
  async get(queue: string, jobId: string): Promise<DeadLetterEntry | null> {
    const j = await this.dlq.getJob(deadLetterId(queue, jobId));
    return j ? (j.data as DeadLetterEntry) : null;
  }

  /**
   * Removes an entry after an operator dealt with it, together with the failed original (so
   * reconciliation does not copy it again). True when an entry existed.
   */
  async remove(queue: string, jobId: string): Promise<boolean> {
    const removed = (await this.dlq.remove(deadLetterId(queue, jobId))) === 1;
    await this.sources.get(queue)?.remove(jobId);
    await this.claims?.release(deadLetterId(queue, jobId));
    return removed;
  }

  /**
   * Runs a dead-lettered job again: the failed original goes back to the queue with fresh attempts
   * and the entry is removed. False when the original is gone (trimmed); resubmit it then.
   */
  async retry(queue: string, jobId: string): Promise<boolean> {
    const job = await this.sources.get(queue)?.getJob(jobId);
    if (!job || (await job.getState()) !== 'failed') return false;
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    await this.dlq.remove(deadLetterId(queue, jobId));
    await this.claims?.release(deadLetterId(queue, jobId));
    return true;
  }
}
