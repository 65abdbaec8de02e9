/*
 * The vocabulary of runs and jobs (kinds, statuses, stored errors), apart from the TypeORM entities:
 * code that only validates or lists runs (the embedded index, a CLI backtest) does not load typeorm.
 */

/** Kind of a backtest run: one synchronous call, one queued job, or one parameter sweep. */
export const RunKind = { Sync: 'sync', Async: 'async', Sweep: 'sweep' } as const;
/** See {@link RunKind}. */
export type RunKind = (typeof RunKind)[keyof typeof RunKind];
/** Every {@link RunKind}, in declaration order. */
export const RUN_KINDS: readonly RunKind[] = Object.values(RunKind);

/** Lifecycle state of a backtest run (queued → running → completed | failed; queued/running → cancelled). */
export const RunStatus = {
  Queued: 'queued',
  Running: 'running',
  Completed: 'completed',
  Failed: 'failed',
  Cancelled: 'cancelled',
} as const;
/** See {@link RunStatus}. */
export type RunStatus = (typeof RunStatus)[keyof typeof RunStatus];
/** Every {@link RunStatus}, in lifecycle order. */
export const RUN_STATUSES: readonly RunStatus[] = Object.values(RunStatus);

/** State of a queue job record (same vocabulary as runs: a job drives one run). */
export type JobState = RunStatus;
/** Every {@link JobState}. */
export const JOB_STATES: readonly JobState[] = RUN_STATUSES;

/** A structured error stored with a failed run or job (`jsonb`). */
export interface StoredError {
  /** Machine-readable code of the failure, e.g. `INVALID_CANDLES`. */
  readonly code?: string;
  /** Human-readable message. */
  readonly message: string;
  /** Any extra JSON-serialisable detail. */
  readonly details?: unknown;
}
