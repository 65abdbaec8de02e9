/**
 * The status of a job as callers see it: five states (the original's vocabulary), derived from
 * BullMQ's finer states plus the job's recorded outcome (see `OutcomeStore`).
 */
import { CANCELLED_CODES, failureDecision, parseFailureMessage } from './errors';
import type { JobOutcome } from './outcome-store';
import { JobProgressSchema } from './schemas';

/** The states of a job: queued → running → completed | failed; queued/running → cancelled. */
export const JobState = {
  Queued: 'queued',
  Running: 'running',
  Completed: 'completed',
  Failed: 'failed',
  Cancelled: 'cancelled',
} as const;
/** One of {@link JobState}'s values. */
export type JobState = (typeof JobState)[keyof typeof JobState];
/** Every {@link JobState}. */
export const JOB_STATES: readonly JobState[] = Object.values(JobState);

/** Fields every status has. Times are UTC epoch ms. */
export interface JobStatusBase {
  /** Job id (a UUID; for backtests also the id of the run it produces). */
  readonly id: string;
  /** Queue name. */
  readonly queue: string;
  /** When the job was submitted, or null when only its outcome is still known. */
  readonly createdAt: number | null;
  /** Attempts finished so far (failed ones, or the successful one). */
  readonly attemptsMade: number;
  /** Attempts allowed in total. */
  readonly maxAttempts: number;
}

/** A failure as reported to callers. */
export interface JobError {
  /** Machine-readable code, e.g. `INVALID_PARAMS`, `UNAVAILABLE`, `INTERNAL`. */
  readonly code: string;
  /** Human-readable message. */
  readonly message: string;
  /** Whether the error kind is transient (a failed job with a retryable error ran out of attempts). */
  readonly retryable: boolean;
}

/** The status of a job, by state. */
export type JobStatus =
  | (JobStatusBase & {
      readonly state: 'queued';
      /** `worker`: waiting to be picked up; `retry`: waiting for its next attempt; `children`: a sweep waiting for its chunks. */
      readonly waitingFor: 'worker' | 'retry' | 'children';
      /** The last attempt's error while waiting for a retry, else null. */
      readonly lastError: JobError | null;
    })
  | (JobStatusBase & {
      readonly state: 'running';
      /** Done so far, 0..1. */
      readonly progress: number;
      /** Current step, e.g. `loading candles`. */
      readonly stage: string;
      /** When the current attempt started, or null. */
      readonly startedAt: number | null;
    })
  | (JobStatusBase & {
      readonly state: 'completed';
      /** Id of the run the job produced (for backtests, equal to the job id). */
      readonly runId: string | null;
      /** The job's return value (a small summary), or null when the job record was trimmed. */
      readonly result: unknown;
      /** When the successful attempt started, or null when the job record was trimmed. */
      readonly startedAt: number | null;
      readonly finishedAt: number | null;
    })
  | (JobStatusBase & {
      readonly state: 'failed';
      readonly error: JobError;
      readonly finishedAt: number | null;
    })
  | (JobStatusBase & {
      readonly state: 'cancelled';
      /** Why, as given to cancel. */
      readonly reason: string;
      /** Fraction done (0..1) when it was cancelled (0 when it never ran). */
      readonly progress: number;
      readonly cancelledAt: number;
    });

/** What {@link toJobStatus} reads of a BullMQ job (structural, so tests can pass plain objects). */
export interface JobSnapshot {
  readonly id?: string;
  readonly timestamp: number;
  readonly attemptsMade: number;
  readonly opts: { readonly attempts?: number };
  readonly progress: unknown;
  readonly processedOn?: number;
  readonly finishedOn?: number;
  readonly failedReason?: string;
  readonly returnvalue: unknown;
}

/** BullMQ's job states (plus `unknown` when the job does not exist). */
export type QueueJobState = 'completed' | 'failed' | 'delayed' | 'active' | 'waiting' | 'waiting-children' | 'prioritized' | 'unknown';

/** Reads the `{fraction, stage}` progress a processor reports (a bare number is accepted too). */
export function readProgress(progress: unknown): { fraction: number; stage: string } {
  if (typeof progress === 'number' && Number.isFinite(progress)) {
    return { fraction: Math.min(1, Math.max(0, progress > 1 ? progress / 100 : progress)), stage: '' };
  }
  const p = JobProgressSchema.safeParse(progress);
  return p.success ? p.data : { fraction: 0, stage: '' };
}

/** Turns a stored failure message into a {@link JobError}. */
export function toJobError(failedReason: string | undefined): JobError {
  const { code, message } = parseFailureMessage(failedReason);
  return { code, message, retryable: failureDecision({ code }) === 'retry' };
}

/**
 * Derives a caller-facing status. The recorded outcome wins over the queue state: a cancelled
 * job reads `cancelled` even while its worker is still winding down, and a job whose completion
 * was recorded reads `completed` even before (or after) the queue moved it.
 * Returns null when neither a job nor an outcome exists.
 */
export function toJobStatus(
  queue: string,
  jobId: string,
  job: JobSnapshot | null,
  state: QueueJobState,
  outcome: JobOutcome | null,
  now: number = Date.now(),
): JobStatus | null {
  if (!job && !outcome) return null;
  const base: JobStatusBase = {
    id: jobId,
    queue,
    createdAt: job ? job.timestamp : null,
    attemptsMade: job ? job.attemptsMade : 0,
    maxAttempts: job ? (job.opts.attempts ?? 1) : 0,
  };
  if (outcome?.state === 'cancelled') {
    const attemptsMade = Math.max(base.attemptsMade, outcome.attempts ?? 0);
    return { ...base, attemptsMade, state: 'cancelled', reason: outcome.reason, progress: outcome.progress ?? (job ? readProgress(job.progress).fraction : 0), cancelledAt: outcome.at };
  }
  if (outcome?.state === 'completed') {
    return {
      ...base,
      state: 'completed',
      runId: outcome.runId,
      result: job && state === 'completed' ? (job.returnvalue ?? null) : null,
      startedAt: job?.processedOn ?? null,
      finishedAt: job?.finishedOn ?? outcome.at,
    };
  }
  if (!job) return null;
  switch (state) {
    case 'active': {
      const p = readProgress(job.progress);
      return { ...base, state: 'running', progress: p.fraction, stage: p.stage, startedAt: job.processedOn ?? null };
    }
    case 'completed': {
      const rv = job.returnvalue as { runId?: unknown } | null | undefined;
      return {
        ...base,
        state: 'completed',
        runId: typeof rv?.runId === 'string' ? rv.runId : null,
        result: job.returnvalue ?? null,
        startedAt: job.processedOn ?? null,
        finishedAt: job.finishedOn ?? null,
      };
    }
    case 'failed': {
      const error = toJobError(job.failedReason);
      if (CANCELLED_CODES.has(error.code)) {
        return { ...base, state: 'cancelled', reason: error.message, progress: readProgress(job.progress).fraction, cancelledAt: job.finishedOn ?? now };
      }
      return { ...base, state: 'failed', error, finishedAt: job.finishedOn ?? null };
    }
    case 'waiting-children':
      return { ...base, state: 'queued', waitingFor: 'children', lastError: null };
    case 'delayed': {
      const retrying = job.attemptsMade > 0;
      return {
        ...base,
        state: 'queued',
        waitingFor: retrying ? 'retry' : 'worker',
        lastError: retrying && job.failedReason ? toJobError(job.failedReason) : null,
      };
    }
    case 'waiting':
    case 'prioritized': {
      const retried = job.attemptsMade > 0 && !!job.failedReason;
      return { ...base, state: 'queued', waitingFor: 'worker', lastError: retried ? toJobError(job.failedReason) : null };
    }
    default:
      return null;
  }
}
