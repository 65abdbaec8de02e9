import type { DataSource } from 'typeorm';
import { runQuery } from './data-source';
import { JOB_STATES, type JobState, type StoredError } from './run-vocabulary';
import { ResultNotFoundError, ResultValidationError } from './errors';
import { IssueList, isPlainObject, isUuid, toMs } from './validation';

/** The state of a queue job to record. Omitted optional fields keep their stored value on update. */
export interface JobRecordInput {
  /** Queue job id (BullMQ's job id), at most 200 characters. */
  readonly jobId: string;
  /** Queue name, at most 100 characters. */
  readonly queue: string;
  /** Job state. */
  readonly state: JobState;
  /** Progress as a **fraction** 0..1. */
  readonly progress?: number;
  /** Current stage label, e.g. `loading`, `simulating` (at most 100 characters). */
  readonly stage?: string | null;
  /** Attempts made so far (>= 0). */
  readonly attempts?: number;
  /** Failure detail. */
  readonly error?: StoredError | null;
  /** Run the job produces (UUID of `backtest_runs`). */
  readonly runId?: string | null;
  /** When processing started (epoch ms). */
  readonly startedAt?: number | Date | null;
  /** When processing ended (epoch ms). */
  readonly finishedAt?: number | Date | null;
}

/** A stored job record. Times are epoch ms. */
export interface JobRecord {
  /** Queue job id. */
  readonly jobId: string;
  /** Queue name. */
  readonly queue: string;
  /** State. */
  readonly state: JobState;
  /** Progress fraction 0..1. */
  readonly progress: number;
  /** Stage label, or null. */
  readonly stage: string | null;
  /** Attempts so far. */
  readonly attempts: number;
  /** Failure detail, or null. */
  readonly error: StoredError | null;
  /** Produced run, or null (also after the run was deleted). */
  readonly runId: string | null;
  /** First record time. */
  readonly createdAt: number;
  /** Last update time. */
  readonly updatedAt: number;
  /** Start time, or null. */
  readonly startedAt: number | null;
  /** End time, or null. */
  readonly finishedAt: number | null;
}

interface JobDbRow {
  job_id: string;
  queue: string;
  state: JobState;
  progress: number;
  stage: string | null;
  attempts: number;
  error: StoredError | null;
  run_id: string | null;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

const COLUMNS = 'job_id, queue, state, progress, stage, attempts, error, run_id, created_at, updated_at, started_at, finished_at';
const toRecord = (r: JobDbRow): JobRecord => ({
  jobId: r.job_id,
  queue: r.queue,
  state: r.state,
  progress: r.progress,
  stage: r.stage,
  attempts: r.attempts,
  error: r.error,
  runId: r.run_id,
  createdAt: r.created_at.getTime(),
  updatedAt: r.updated_at.getTime(),
  startedAt: r.started_at?.getTime() ?? null,
  finishedAt: r.finished_at?.getTime() ?? null,
});

/**
 * Durable records of queue jobs for the async-jobs feature: the queue's own data lives in Redis
 * and expires, these rows stay. Deliberately small: upsert by job id, get, list.
 */
export class JobRecordRepository {
  private readonly now: () => number;

  constructor(
    private readonly ds: DataSource,
    options: { readonly now?: () => number } = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Inserts or updates the record of `input.jobId`; omitted optional fields keep their value. */
  async upsert(input: JobRecordInput): Promise<JobRecord> {
    const v = new IssueList();
    v.text('jobId', input.jobId, 200);
    v.text('queue', input.queue, 100);
    v.oneOf('state', input.state, JOB_STATES);
    if (input.progress !== undefined && (typeof input.progress !== 'number' || !(input.progress >= 0 && input.progress <= 1))) v.add('progress', 'must be a fraction in [0, 1]');
    v.text('stage', input.stage, 100, true);
    v.integer('attempts', input.attempts, 0);
    if (input.runId !== undefined && input.runId !== null && !isUuid(input.runId)) v.add('runId', 'must be a UUID');
    if (input.error !== undefined && input.error !== null && (!isPlainObject(input.error) || typeof input.error.message !== 'string')) v.add('error', 'must be an object with a string `message`');
    v.time('startedAt', input.startedAt);
    v.time('finishedAt', input.finishedAt);
    if (v.issues.length) throw new ResultValidationError(v.issues, 'job record');
    const has = (k: keyof JobRecordInput) => input[k] !== undefined;
    const now = new Date(this.now());
    const rows = await runQuery<JobDbRow>(
      this.ds,
      `INSERT INTO job_records (job_id, queue, state, progress, stage, attempts, error, run_id, started_at, finished_at, created_at, updated_at)
       VALUES ($1, $2, $3, COALESCE($4::float8, 0), $5, COALESCE($6::int, 0), $7::jsonb, $8, $9, $10, $11, $11)
       ON CONFLICT (job_id) DO UPDATE SET
         queue = EXCLUDED.queue, state = EXCLUDED.state,
         progress = CASE WHEN $12::boolean THEN EXCLUDED.progress ELSE job_records.progress END,
         stage = CASE WHEN $13::boolean THEN EXCLUDED.stage ELSE job_records.stage END,
         attempts = CASE WHEN $14::boolean THEN EXCLUDED.attempts ELSE job_records.attempts END,
         error = CASE WHEN $15::boolean THEN EXCLUDED.error ELSE job_records.error END,
         run_id = CASE WHEN $16::boolean THEN EXCLUDED.run_id ELSE job_records.run_id END,
         started_at = CASE WHEN $17::boolean THEN EXCLUDED.started_at ELSE job_records.started_at END,
         finished_at = CASE WHEN $18::boolean THEN EXCLUDED.finished_at ELSE job_records.finished_at END,
         updated_at = EXCLUDED.updated_at
       RETURNING ${COLUMNS}`,
      [
        input.jobId, input.queue, input.state, input.progress ?? null, input.stage ?? null, input.attempts ?? null,
        input.error ? JSON.stringify(input.error) : null, input.runId ?? null,
        toMs(input.startedAt) === null ? null : new Date(toMs(input.startedAt) as number),
        toMs(input.finishedAt) === null ? null : new Date(toMs(input.finishedAt) as number),
        now,
        has('progress'), has('stage'), has('attempts'), has('error'), has('runId'), has('startedAt'), has('finishedAt'),
      ],
      `record job ${input.jobId}`,
    );
    return toRecord(rows[0]);
  }

  /** The record of `jobId`; `NOT_FOUND` if none. */
  async get(jobId: string): Promise<JobRecord> {
    const rows = await runQuery<JobDbRow>(this.ds, `SELECT ${COLUMNS} FROM job_records WHERE job_id = $1`, [jobId], `read job ${jobId}`);
    if (rows.length === 0) throw new ResultNotFoundError('job', jobId);
    return toRecord(rows[0]);
  }

  /** Records of one queue and/or state, newest first (at most `limit`, default 100, max 1000). */
  async list(filter: { readonly queue?: string; readonly state?: JobState; readonly limit?: number } = {}): Promise<readonly JobRecord[]> {
    const limit = filter.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new ResultValidationError([{ field: 'limit', message: 'must be an integer in [1, 1000]' }], 'job list');
    const rows = await runQuery<JobDbRow>(
      this.ds,
      `SELECT ${COLUMNS} FROM job_records WHERE ($1::text IS NULL OR queue = $1) AND ($2::text IS NULL OR state = $2)
       ORDER BY created_at DESC, job_id DESC LIMIT $3`,
      [filter.queue ?? null, filter.state ?? null, limit],
      'list job records',
    );
    return rows.map(toRecord);
  }
}
