/**
 * The producer side: submit, inspect, cancel and list jobs. Used by the HTTP API, the CLI and
 * tests. It never processes jobs (see `startQueueWorker`).
 */
import { FlowProducer, Queue, type ConnectionOptions, type Job, type JobType } from 'bullmq';
import { IdempotencyConflictError, JobNotFoundError, SweepNotResumableError } from './errors';
import { gridParamSets } from '@coinhts/engine';
import { chunk } from './grid';
import { canonicalJson, idempotentJobId, newJobId, sweepChunkJobId } from './ids';
import { toJobStatus, type JobState, type JobStatus, type QueueJobState } from './job-status';
import { OutcomeStore, outcomeRedis } from './outcome-store';
import {
  cancelChannel,
  DEFAULT_OUTCOME_TTL_MS,
  DEFAULT_PREFIX,
  jobOptionsFor,
  qualifiedName,
  QUEUE_NAMES,
  type QueueName,
  type RetentionOptions,
  type RetryOptions,
} from './queues';
import { closeQuietly, createRedisClient, ensureConnected, type RedisClient, type RedisConnectionOptions } from './redis';
import {
  BacktestRequestSchema,
  IngestionRequestSchema,
  parseOrThrow,
  PAYLOAD_VERSION,
  MAX_SWEEP_COMBINATIONS,
  SweepJobDataSchema,
  SweepRequestSchema,
  type BacktestJobData,
  type BacktestRequest,
  type IngestionJobData,
  type SweepChunkJobData,
  type SweepJobData,
  type SweepRequest,
} from './schemas';
import { DeadLetterQueue, redisEntryClaims } from './dead-letter';

/** Options of {@link JobQueues.connect}. */
export interface JobQueuesOptions {
  /** Where Redis is. */
  readonly redis: RedisConnectionOptions;
  /** Key prefix of every queue (default `coinhts`); tests use a random one per file. */
  readonly prefix?: string;
  /** Retries of backtest and sweep-chunk jobs (defaults: `DEFAULT_RETRY`). */
  readonly retry?: RetryOptions;
  /** Retries of data-ingestion jobs (default 3 attempts, 30 s first backoff: Upbit outages last minutes, not seconds). */
  readonly ingestionRetry?: RetryOptions;
  /** How many finished jobs are kept (defaults: `DEFAULT_RETENTION`). */
  readonly retention?: RetentionOptions;
  /** How long a job's outcome (completed / cancelled) is kept, ms (default 7 days). */
  readonly outcomeTtlMs?: number;
  /** Clock, epoch ms (default `Date.now`). */
  readonly clock?: () => number;
  /** Job id generator for jobs without an idempotency key (default random UUID). */
  readonly newId?: () => string;
  /**
   * Extra checks of a backtest request at submit time beyond its schema (e.g. the engine's
   * strategy registry and parameter schema), so bad input is refused before it is queued.
   * Throw an error with a `code` (e.g. `UNKNOWN_STRATEGY`, `INVALID_PARAMS`) to refuse.
   */
  readonly validateBacktest?: (request: BacktestRequest) => void;
  /** Same as {@link JobQueuesOptions.validateBacktest} for the base request of a sweep (params = fixed ∪ first combination). */
  readonly validateSweep?: (request: SweepRequest, firstCombination: Readonly<Record<string, unknown>>) => void;
}

/** Options of a submit call. */
export interface SubmitOptions {
  /**
   * Client-chosen key (1–200 characters): submitting again with the same key returns the job
   * the first submit created instead of queueing a second one (while that job or its outcome is
   * still retained). The same key with a different request is refused (`IDEMPOTENCY_CONFLICT`).
   */
  readonly idempotencyKey?: string;
}

/** What a submit returns. */
export interface SubmitResult {
  /** Id of the job (new, or the one the idempotency key already named). */
  readonly jobId: string;
  /** True when the idempotency key named an existing job and nothing new was queued. */
  readonly deduplicated: boolean;
  /** Status right after submitting. */
  readonly status: JobStatus;
}

/** What a cancel returns. */
export type CancelResult =
  | {
      readonly cancelled: true;
      /** True when the job was being processed (its worker is told to stop; it ends within about a second). */
      readonly wasRunning: boolean;
      /** True when the job had already been cancelled before this call. */
      readonly alreadyCancelled: boolean;
      readonly status: JobStatus;
    }
  | {
      readonly cancelled: false;
      /** The job had already finished; its status says how. */
      readonly status: JobStatus;
    };

/** A page of job statuses. */
export interface ListOptions {
  /** First item, 0-based (default 0). */
  readonly offset?: number;
  /** Items per page, 1–500 (default 50). */
  readonly limit?: number;
}

/** Job counts per caller-facing state. */
export type StateCounts = Readonly<Record<JobState, number>>;

/** Message published on a queue's cancel channel. */
export interface CancelMessage {
  readonly jobId: string;
  readonly reason: string;
}

const BULL_STATES_BY_STATE: Readonly<Record<Exclude<JobState, 'cancelled'>, JobType[]>> = {
  queued: ['waiting', 'prioritized', 'delayed', 'waiting-children'],
  running: ['active'],
  completed: ['completed'],
  failed: ['failed'],
};

/** Shared plumbing of one queue on the producer side. */
class QueueClient {
  readonly qualified: string;
  readonly outcomes: OutcomeStore;
  constructor(
    readonly name: QueueName,
    readonly queue: Queue,
    private readonly redis: RedisClient,
    prefix: string,
    outcomeTtlMs: number | undefined,
    private readonly clock: () => number,
  ) {
    this.qualified = qualifiedName(prefix, name);
    this.outcomeTtlMs = outcomeTtlMs ?? DEFAULT_OUTCOME_TTL_MS;
    this.outcomes = new OutcomeStore(outcomeRedis(redis), this.qualified, { ttlMs: this.outcomeTtlMs });
  }

  private readonly outcomeTtlMs: number;

  async status(jobId: string): Promise<JobStatus | null> {
    // State first: BullMQ writes a job's fields before (or with) moving it, so fields read after
    // the state are at least as new as the state.
    const state = (await this.queue.getJobState(jobId)) as QueueJobState;
    const [job, outcome] = await Promise.all([this.queue.getJob(jobId), this.outcomes.get(jobId)]);
    return toJobStatus(this.name, jobId, job ?? null, state, outcome, this.clock());
  }

  async requireStatus(jobId: string): Promise<JobStatus> {
    const s = await this.status(jobId);
    if (!s) throw new JobNotFoundError(jobId);
    return s;
  }

  /** Records a cancellation, removes the job when it is still waiting, or tells its worker to stop. */
  async cancel(jobId: string, reason: string, removeChildren = false): Promise<CancelResult> {
    const before = await this.requireStatus(jobId);
    if (before.state === 'cancelled') return { cancelled: true, wasRunning: false, alreadyCancelled: true, status: before };
    if (before.state === 'completed' || before.state === 'failed') return { cancelled: false, status: before };
    // What the job had done is recorded with the outcome: a removed job keeps no record of it.
    const attempts = before.attemptsMade + (before.state === 'running' ? 1 : 0);
    const progress = before.state === 'running' ? before.progress : 0;
    const claim = await this.outcomes.claim(jobId, { state: 'cancelled', reason, at: this.clock(), attempts, progress });
    if (!claim.won && claim.outcome.state === 'completed') return { cancelled: false, status: await this.requireStatus(jobId) };
    await this.recordCancelled(jobId);
    let wasRunning = before.state === 'running';
    if (!wasRunning && (await this.queue.remove(jobId, { removeChildren })) === 0) {
      // It was picked up meanwhile (or is a flow parent with active children): stop it instead.
      wasRunning = true;
    }
    if (wasRunning) await this.publishCancel(jobId, reason);
    return { cancelled: true, wasRunning, alreadyCancelled: !claim.won, status: await this.requireStatus(jobId) };
  }

  async publishCancel(jobId: string, reason: string): Promise<void> {
    const msg: CancelMessage = { jobId, reason };
    await this.redis.publish(cancelChannel(this.qualified), JSON.stringify(msg));
  }

  private cancelledKey(): string {
    return `${this.qualified}:coinhts-cancelled`;
  }

  /** Forgets a cancellation (outcome and listing), for a job that is queued again (a resumed sweep). */
  async forgetCancelled(jobId: string): Promise<void> {
    await this.outcomes.clear(jobId);
    await this.redis.zRem(this.cancelledKey(), jobId);
  }

  /** Keeps `value` (JSON) under `name` for as long as outcomes are kept. */
  async keep(name: string, value: unknown): Promise<void> {
    await this.redis.set(`${this.qualified}:coinhts-kept:${name}`, JSON.stringify(value), { expiration: { type: 'PX', value: this.outcomeTtlMs } });
  }

  /** What {@link keep} stored under `name`, or null. */
  async kept(name: string): Promise<unknown> {
    const text = await this.redis.get(`${this.qualified}:coinhts-kept:${name}`);
    return text ? (JSON.parse(text) as unknown) : null;
  }

  /** Takes a short exclusive lock named `name` for `ttlMs`; false when someone else holds it. */
  async tryLock(name: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(`${this.qualified}:coinhts-lock:${name}`, '1', { condition: 'NX', expiration: { type: 'PX', value: ttlMs } })) === 'OK';
  }

  /** Releases a lock taken with {@link tryLock}. */
  async unlock(name: string): Promise<void> {
    await this.redis.del(`${this.qualified}:coinhts-lock:${name}`);
  }

  private async recordCancelled(jobId: string): Promise<void> {
    const now = this.clock();
    const key = this.cancelledKey();
    await this.redis.zAdd(key, { score: now, value: jobId });
    // Bounded like the failed set: 7 days, 5000 entries.
    await this.redis.zRemRangeByScore(key, 0, now - 7 * 86_400_000);
    await this.redis.zRemRangeByRank(key, 0, -5_001);
  }

  async list(state: JobState, options: ListOptions = {}): Promise<JobStatus[]> {
    const offset = Math.max(0, Math.floor(options.offset ?? 0));
    const limit = Math.min(500, Math.max(1, Math.floor(options.limit ?? 50)));
    if (state === 'cancelled') {
      const ids = await this.redis.zRange(this.cancelledKey(), offset, offset + limit - 1, { REV: true });
      const out = await Promise.all(ids.map((id) => this.status(id)));
      return out.filter((s): s is JobStatus => s !== null && s.state === 'cancelled');
    }
    // Jobs that failed because they were cancelled are listed under `cancelled`, not `failed`.
    const out: JobStatus[] = [];
    let cursor = offset;
    const page = limit * 2;
    for (let guard = 0; out.length < limit && guard < 50; guard++) {
      const jobs = await this.queue.getJobs(BULL_STATES_BY_STATE[state], cursor, cursor + page - 1, false);
      if (jobs.length === 0) break;
      cursor += jobs.length;
      const statuses = await Promise.all(jobs.filter((j): j is Job => !!j?.id).map((j) => this.status(j.id as string)));
      for (const s of statuses) if (s && s.state === state && out.length < limit) out.push(s);
    }
    return out;
  }

  async counts(): Promise<StateCounts> {
    const c = await this.queue.getJobCounts('waiting', 'prioritized', 'delayed', 'waiting-children', 'active', 'completed', 'failed');
    const cancelled = await this.redis.zCard(this.cancelledKey());
    return {
      queued: (c.waiting ?? 0) + (c.prioritized ?? 0) + (c.delayed ?? 0) + (c['waiting-children'] ?? 0),
      running: c.active ?? 0,
      completed: c.completed ?? 0,
      failed: c.failed ?? 0,
      cancelled,
    };
  }
}

/** Backtest jobs: one backtest each; the job id is also the id of the run it stores. */
export class BacktestJobs {
  /** @internal */
  constructor(
    private readonly q: QueueClient,
    private readonly opts: ReturnType<typeof jobOptionsFor>,
    private readonly clock: () => number,
    private readonly newId: () => string,
    private readonly validate?: (request: BacktestRequest) => void,
  ) {}

  /**
   * Validates and queues a backtest. Throws `InvalidJobRequestError` (INVALID_REQUEST) for a
   * malformed request, whatever `validateBacktest` throws for a semantically invalid one, and
   * `IdempotencyConflictError` when the key was used for a different request.
   */
  async submit(input: unknown, options: SubmitOptions = {}): Promise<SubmitResult> {
    const request = parseOrThrow(BacktestRequestSchema, input, 'backtest request');
    this.validate?.(request);
    const key = options.idempotencyKey;
    const jobId = key ? idempotentJobId(QUEUE_NAMES.backtest, key) : this.newId();
    const data: BacktestJobData = {
      v: PAYLOAD_VERSION,
      request,
      submitted_at: new Date(this.clock()).toISOString(),
      ...(key ? { idempotency_key: key } : {}),
    };
    if (key) {
      const existing = await this.existing(jobId, key, request);
      if (existing) return existing;
    }
    await this.q.queue.add('backtest', data, { ...this.opts, jobId });
    if (key) {
      // Two submits with the same key may race: BullMQ keeps the first job, so compare again.
      const existing = await this.existing(jobId, key, request, data.submitted_at);
      if (existing) return existing;
    }
    return { jobId, deduplicated: false, status: await this.q.requireStatus(jobId) };
  }

  private async existing(jobId: string, key: string, request: BacktestRequest, ownSubmittedAt?: string): Promise<SubmitResult | null> {
    const job = await this.q.queue.getJob(jobId);
    if (job) {
      const data = job.data as Partial<BacktestJobData>;
      if (canonicalJson(data.request) !== canonicalJson(request)) throw new IdempotencyConflictError(key, jobId);
      if (ownSubmittedAt !== undefined && data.submitted_at === ownSubmittedAt) return null;
      return { jobId, deduplicated: true, status: await this.q.requireStatus(jobId) };
    }
    const status = await this.q.status(jobId);
    return status ? { jobId, deduplicated: true, status } : null;
  }

  /** Status of a job; throws `JobNotFoundError` when there is no trace of it. */
  status(jobId: string): Promise<JobStatus> {
    return this.q.requireStatus(jobId);
  }

  /**
   * Cancels a job: a queued one is removed, a running one is told to stop (its engine run aborts
   * within about a second, its partial outputs are deleted). Either way the job ends as
   * `cancelled` and stays so. A finished job is left alone (`cancelled: false`). Cancelling twice
   * is allowed. Throws `JobNotFoundError` for an unknown id.
   */
  cancel(jobId: string, reason = 'cancelled by user'): Promise<CancelResult> {
    return this.q.cancel(jobId, reason);
  }

  /** Jobs in `state`, newest first for finished ones, oldest first for queued ones. */
  list(state: JobState, options?: ListOptions): Promise<JobStatus[]> {
    return this.q.list(state, options);
  }

  /** Number of jobs per state. */
  counts(): Promise<StateCounts> {
    return this.q.counts();
  }
}

/** Parameter sweeps: a flow whose parent aggregates chunk jobs of the grid. */
export class SweepJobs {
  /** @internal */
  constructor(
    private readonly q: QueueClient,
    private readonly flows: FlowProducer,
    private readonly opts: ReturnType<typeof jobOptionsFor>,
    private readonly clock: () => number,
    private readonly newId: () => string,
    private readonly validate?: (request: SweepRequest, firstCombination: Readonly<Record<string, unknown>>) => void,
  ) {}

  /**
   * Validates a sweep, expands its grid and queues one parent job plus one child job per chunk.
   * The parent runs once every chunk has completed and ranks the combinations.
   */
  async submit(input: unknown, options: SubmitOptions = {}): Promise<SubmitResult> {
    const request = parseOrThrow(SweepRequestSchema, input, 'sweep request');
    const combos = sweepCombinations(request);
    this.validate?.(request, combos[0]);
    const key = options.idempotencyKey;
    const sweepId = key ? idempotentJobId(QUEUE_NAMES.sweep, key) : this.newId();
    if (key) {
      const job = await this.q.queue.getJob(sweepId);
      if (job) {
        if (canonicalJson((job.data as Partial<SweepJobData>).request) !== canonicalJson(request)) throw new IdempotencyConflictError(key, sweepId);
        return { jobId: sweepId, deduplicated: true, status: await this.status(sweepId) };
      }
      const old = await this.q.status(sweepId);
      if (old) return { jobId: sweepId, deduplicated: true, status: old };
    }
    await this.addFlow(sweepId, request, combos, key);
    return { jobId: sweepId, deduplicated: false, status: await this.status(sweepId) };
  }

  /** Queues the parent job and one child job per chunk of `combos` under `sweepId`. */
  private async addFlow(sweepId: string, request: SweepRequest, combos: readonly Readonly<Record<string, unknown>>[], key: string | undefined): Promise<void> {
    const chunks = chunk(combos, request.chunk_size);
    // The chunks' base request: exactly the backtest fields of the sweep (sweep-only fields such
    // as grid, chunk_size, rank_by and direction are not part of a backtest).
    const backtestKeys = new Set(Object.keys(BacktestRequestSchema.shape));
    const baseFields = Object.fromEntries(Object.entries(request).filter(([k]) => backtestKeys.has(k)));
    const base = BacktestRequestSchema.parse({ ...baseFields, params: {} });
    const parentData: SweepJobData = {
      v: PAYLOAD_VERSION,
      request,
      submitted_at: new Date(this.clock()).toISOString(),
      combinations: combos.length,
      chunks: chunks.length,
      ...(key ? { idempotency_key: key } : {}),
    };
    let first = 0;
    const children = chunks.map((combinations, i) => {
      const data: SweepChunkJobData = { v: PAYLOAD_VERSION, sweep_id: sweepId, chunk: i, first_index: first, base, combinations };
      first += combinations.length;
      return {
        name: 'chunk',
        queueName: QUEUE_NAMES.sweep,
        data,
        opts: { ...this.opts, jobId: sweepChunkJobId(sweepId, i), failParentOnFailure: true },
      };
    });
    await this.flows.add({
      name: 'aggregate',
      queueName: QUEUE_NAMES.sweep,
      data: parentData,
      opts: { ...this.opts, jobId: sweepId },
      children,
    });
  }

  /**
   * Resumes a cancelled or failed sweep under the same id: its jobs are queued again, and every
   * chunk that had finished (recorded by the workers' chunk store) is taken as it is instead of
   * being evaluated again, so only the unfinished chunks run. Throws `JobNotFoundError` for an
   * unknown id and `SweepNotResumableError` (NOT_RESUMABLE) when the sweep is queued, running or
   * completed, when a chunk is still stopping after a cancel (retry a moment later), or when its
   * job record is gone (trimmed by retention; submit the sweep again).
   */
  async resume(sweepId: string): Promise<SubmitResult> {
    const before = await this.q.requireStatus(sweepId);
    if (before.state !== 'cancelled' && before.state !== 'failed') {
      throw new SweepNotResumableError(sweepId, before.state, before.state === 'completed' ? 'it has completed; its ranking is stored' : 'it has not stopped; only a cancelled or failed sweep can be resumed');
    }
    const lock = `resume:${sweepId}`;
    if (!(await this.q.tryLock(lock, 30_000))) throw new SweepNotResumableError(sweepId, before.state, 'another resume of this sweep is in progress');
    try {
      // The parent job's payload, or the copy kept at cancel time (cancelling a sweep whose
      // chunks all wait removes its jobs).
      const parent = await this.q.queue.getJob(sweepId);
      const parsed = SweepJobDataSchema.safeParse(parent?.data ?? (await this.q.kept(`sweep:${sweepId}`)));
      if (!parsed.success) {
        throw new SweepNotResumableError(sweepId, before.state, 'its job record is no longer kept (retention); submit the sweep again');
      }
      const data = parsed.data;
      const chunkIds = Array.from({ length: data.chunks }, (_, i) => sweepChunkJobId(sweepId, i));
      for (const id of chunkIds) {
        if ((await this.q.queue.getJobState(id)) === 'active') {
          throw new SweepNotResumableError(sweepId, before.state, `chunk ${id} is still stopping after the cancel; resume again in a moment`);
        }
      }
      // The old jobs go (their results are in the chunk store), then the same ids are queued again.
      await this.q.queue.remove(sweepId, { removeChildren: true });
      for (const id of chunkIds) await this.q.queue.remove(id);
      await this.q.forgetCancelled(sweepId);
      await this.addFlow(sweepId, data.request, sweepCombinations(data.request), data.idempotency_key);
      return { jobId: sweepId, deduplicated: false, status: await this.status(sweepId) };
    } finally {
      await this.q.unlock(lock);
    }
  }

  /**
   * Status of a sweep. While its chunks run, it reads `running` with progress = parameter sets
   * in finished chunks / all sets (scaled to 0..0.95; aggregation is the last 5 %) and `sets`
   * counting them.
   */
  async status(sweepId: string): Promise<SweepStatus> {
    const s = await this.q.requireStatus(sweepId);
    const job = await this.q.queue.getJob(sweepId);
    const total = (job?.data as Partial<SweepJobData> | undefined)?.combinations;
    if (!job || typeof total !== 'number') return { ...s, sets: null };
    if (s.state === 'completed') return { ...s, sets: { done: total, total } };
    const deps = await job.getDependencies();
    const done = Object.values(deps.processed ?? {}).reduce<number>((n, v) => n + chunkSets(v), 0);
    const sets = { done, total };
    if (s.state !== 'queued' || s.waitingFor !== 'children') return { ...s, sets };
    const anyActive = done > 0 || (await this.anyChunkActive(sweepId, (job.data as SweepJobData).chunks));
    if (!anyActive) return { ...s, sets };
    const chunksDone = Object.keys(deps.processed ?? {}).length;
    const chunks = chunksDone + (deps.unprocessed?.length ?? 0);
    const { waitingFor: _w, lastError: _l, state: _s, ...base } = s;
    return { ...base, state: 'running', progress: total > 0 ? (0.95 * done) / total : 0, stage: `sets ${done}/${total} done (chunks ${chunksDone}/${chunks})`, startedAt: null, sets };
  }

  private async anyChunkActive(sweepId: string, chunks: number): Promise<boolean> {
    for (let i = 0; i < chunks; i++) {
      if ((await this.q.queue.getJobState(sweepChunkJobId(sweepId, i))) === 'active') return true;
    }
    return false;
  }

  /**
   * Cancels a sweep: waiting chunks are removed, running chunks are told to stop, and the sweep
   * ends as `cancelled`.
   */
  async cancel(sweepId: string, reason = 'cancelled by user'): Promise<CancelResult> {
    const parent = await this.q.queue.getJob(sweepId);
    // Kept so that the sweep can be resumed even when cancelling removes its jobs.
    if (parent) await this.q.keep(`sweep:${sweepId}`, parent.data);
    const result = await this.q.cancel(sweepId, reason, true);
    if (result.cancelled && parent) {
      const chunks = (parent.data as SweepJobData).chunks ?? 0;
      for (let i = 0; i < chunks; i++) {
        const id = sweepChunkJobId(sweepId, i);
        const state = await this.q.queue.getJobState(id);
        if (state === 'active') await this.q.publishCancel(id, reason);
        else if (state !== 'unknown' && state !== 'completed' && state !== 'failed') {
          if ((await this.q.queue.remove(id)) === 0) await this.q.publishCancel(id, reason);
        }
      }
    }
    return result.cancelled ? { ...result, status: await this.status(sweepId) } : result;
  }

  /** Number of sweep jobs (parents and chunks) per state. */
  counts(): Promise<StateCounts> {
    return this.q.counts();
  }

  /** Sweeps (parent jobs) in `state`. */
  async list(state: JobState, options?: ListOptions): Promise<JobStatus[]> {
    const all = await this.q.list(state, { offset: options?.offset, limit: Math.min(500, (options?.limit ?? 50) * 4) });
    return all.filter((s) => !s.id.includes('-chunk-')).slice(0, options?.limit ?? 50);
  }
}

/** Parameter sets of a sweep: done = sets in finished chunks. */
export interface SweepSetCounts {
  readonly done: number;
  readonly total: number;
}

/** Status of a sweep: a job status plus its parameter-set counts (null when its job record is gone). */
export type SweepStatus = JobStatus & { readonly sets: SweepSetCounts | null };

/** Every parameter set of a sweep in the engine's grid order, fixed parameters merged in. */
export function sweepCombinations(request: SweepRequest): Readonly<Record<string, unknown>>[] {
  const space = Object.fromEntries(Object.entries(request.grid).map(([name, values]) => [name, { values }]));
  return gridParamSets(space, MAX_SWEEP_COMBINATIONS).map((set) => ({ ...request.params, ...set }));
}

/** Sets counted in a chunk job's return value (`SweepChunkResult`, or an older `{rows}` one). */
function chunkSets(value: unknown): number {
  const v = value as { sets?: unknown; rows?: unknown } | null;
  if (typeof v?.sets === 'number') return v.sets;
  return Array.isArray(v?.rows) ? v.rows.length : 0;
}

/** Market-data collection jobs. */
export class IngestionJobs {
  /** @internal */
  constructor(
    private readonly q: QueueClient,
    private readonly opts: ReturnType<typeof jobOptionsFor>,
    private readonly newId: () => string,
  ) {}

  /** Queues a refresh now (`POST /api/scheduler/trigger`). */
  async trigger(input: unknown): Promise<SubmitResult> {
    const request = parseOrThrow(IngestionRequestSchema, input, 'ingestion request');
    const data: IngestionJobData = { v: PAYLOAD_VERSION, request, trigger: 'manual' };
    const jobId = this.newId();
    await this.q.queue.add('refresh', data, { ...this.opts, jobId });
    return { jobId, deduplicated: false, status: await this.q.requireStatus(jobId) };
  }

  /**
   * Registers (or updates) the daily refresh as a BullMQ job scheduler, at `hourUtc:minuteUtc`
   * UTC every day. Idempotent: every worker may call it on start; there is one scheduler.
   */
  async scheduleDaily(input: unknown, at: { readonly hourUtc: number; readonly minuteUtc: number }): Promise<DailySchedule> {
    const request = parseOrThrow(IngestionRequestSchema, input, 'ingestion request');
    if (!Number.isInteger(at.hourUtc) || at.hourUtc < 0 || at.hourUtc > 23 || !Number.isInteger(at.minuteUtc) || at.minuteUtc < 0 || at.minuteUtc > 59) {
      throw new RangeError(`daily refresh time must be hour 0-23 and minute 0-59 UTC (got ${at.hourUtc}:${at.minuteUtc})`);
    }
    const pattern = `0 ${at.minuteUtc} ${at.hourUtc} * * *`;
    const data: IngestionJobData = { v: PAYLOAD_VERSION, request, trigger: 'schedule' };
    await this.q.queue.upsertJobScheduler(DAILY_REFRESH_SCHEDULER, { pattern, tz: 'UTC' }, { name: 'refresh', data, opts: this.opts });
    const s = await this.getDailySchedule();
    if (!s) throw new Error('the job scheduler was not stored');
    return s;
  }

  /** The daily refresh scheduler, or null when none is registered. */
  async getDailySchedule(): Promise<DailySchedule | null> {
    const s = await this.q.queue.getJobScheduler(DAILY_REFRESH_SCHEDULER);
    if (!s) return null;
    return { id: DAILY_REFRESH_SCHEDULER, pattern: s.pattern ?? '', tz: s.tz ?? 'UTC', nextRunAt: s.next ?? null, request: (s.template?.data as IngestionJobData | undefined)?.request ?? null };
  }

  /** Removes the daily refresh scheduler; true when one existed. */
  removeDailySchedule(): Promise<boolean> {
    return this.q.queue.removeJobScheduler(DAILY_REFRESH_SCHEDULER);
  }

  /** Status of a refresh job. */
  status(jobId: string): Promise<JobStatus> {
    return this.q.requireStatus(jobId);
  }

  /** Number of refresh jobs per state. */
  counts(): Promise<StateCounts> {
    return this.q.counts();
  }

  /** Refresh jobs in `state`. */
  list(state: JobState, options?: ListOptions): Promise<JobStatus[]> {
    return this.q.list(state, options);
  }
}

/** Id of the daily market-data refresh job scheduler. */
export const DAILY_REFRESH_SCHEDULER = 'daily-upbit-refresh';

/** The registered daily refresh. */
export interface DailySchedule {
  readonly id: string;
  /** Cron pattern with seconds (`s m h dom mon dow`), evaluated in `tz`. */
  readonly pattern: string;
  /** Always `UTC`. */
  readonly tz: string;
  /** Next run, epoch ms, or null when unknown. */
  readonly nextRunAt: number | null;
  /** What each run fetches. */
  readonly request: IngestionJobData['request'] | null;
}

/**
 * Entry point of the producer side: one object per process, holding one Redis connection.
 *
 * ```ts
 * const jobs = await JobQueues.connect({ redis: { url } });
 * const { jobId } = await jobs.backtests.submit(body, { idempotencyKey });
 * const status = await jobs.backtests.status(jobId);
 * ```
 */
export class JobQueues {
  private constructor(
    /** Backtests. */
    readonly backtests: BacktestJobs,
    /** Parameter sweeps. */
    readonly sweeps: SweepJobs,
    /** Market-data collection. */
    readonly ingestion: IngestionJobs,
    /** Jobs that failed for good. */
    readonly deadLetter: DeadLetterQueue,
    /** Key prefix in use. */
    readonly prefix: string,
    private readonly closables: { close(): Promise<void> }[],
    private readonly redis: RedisClient,
  ) {}

  /** Connects to Redis and opens the queues. Throws `QueueUnavailableError` when Redis is unreachable. */
  static async connect(options: JobQueuesOptions): Promise<JobQueues> {
    const prefix = options.prefix ?? DEFAULT_PREFIX;
    const clock = options.clock ?? Date.now;
    const newId = options.newId ?? newJobId;
    const redis = createRedisClient({ ...options.redis, clientName: options.redis.clientName ?? 'coinhts-producer' });
    await ensureConnected(redis);
    const connection = redis as unknown as ConnectionOptions;
    const mk = (name: QueueName) => new Queue(name, { connection, prefix });
    const backtestQ = mk(QUEUE_NAMES.backtest);
    const sweepQ = mk(QUEUE_NAMES.sweep);
    const ingestQ = mk(QUEUE_NAMES.ingestion);
    const dlq = mk(QUEUE_NAMES.deadLetter);
    const flows = new FlowProducer({ connection, prefix });
    const opts = jobOptionsFor(options.retry, options.retention);
    const ingestOpts = jobOptionsFor({ attempts: 3, backoffMs: 30_000, jitter: 0.5, ...options.ingestionRetry }, options.retention);
    const client = (name: QueueName, q: Queue) => new QueueClient(name, q, redis, prefix, options.outcomeTtlMs, clock);
    return new JobQueues(
      new BacktestJobs(client(QUEUE_NAMES.backtest, backtestQ), opts, clock, newId, options.validateBacktest),
      new SweepJobs(client(QUEUE_NAMES.sweep, sweepQ), flows, opts, clock, newId, options.validateSweep),
      new IngestionJobs(client(QUEUE_NAMES.ingestion, ingestQ), ingestOpts, newId),
      new DeadLetterQueue(dlq, new Map<string, Queue>([[QUEUE_NAMES.backtest, backtestQ], [QUEUE_NAMES.sweep, sweepQ], [QUEUE_NAMES.ingestion, ingestQ]]), redisEntryClaims(redis, qualifiedName(prefix, QUEUE_NAMES.deadLetter))),
      prefix,
      [backtestQ, sweepQ, ingestQ, dlq, flows],
      redis,
    );
  }

  /** True when Redis answers PING. */
  async ping(): Promise<boolean> {
    try {
      return (await this.redis.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  /** Closes the queues and the Redis connection. */
  async close(): Promise<void> {
    await Promise.allSettled(this.closables.map((c) => c.close()));
    await closeQuietly(this.redis);
  }
}

