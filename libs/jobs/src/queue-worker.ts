/**
 * The consumer side: one BullMQ worker for one queue, running its processor in a sandbox, plus
 * what surrounds it — cancellation messages, attempt history, the dead-letter copy of jobs that
 * failed for good, and a graceful close that finishes or releases active jobs.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Queue, Worker, type Child, type ChildPool, type ConnectionOptions, type Job } from 'bullmq';
import { errorCode, failureDecision, parseFailureMessage } from './errors';
import { attemptLogLine, DeadLetterForwarder, redisEntryClaims, type DeadLetterEntry } from './dead-letter';
import { OutcomeStore, outcomeRedis } from './outcome-store';
import type { CancelMessage } from './job-queues';
import { cancelChannel, DEFAULT_PREFIX, DEFAULT_RETENTION, qualifiedName, QUEUE_NAMES, type ProcessedQueueName, type RetentionOptions } from './queues';
import { closeQuietly, createRedisClient, ensureConnected, type RedisClient, type RedisConnectionOptions } from './redis';
import { SHUTDOWN_REASON, type ProcessorFunction } from './sandbox';

/** How a processor file runs. */
export type SandboxKind = 'process' | 'thread';

/** What the worker reports (metrics and logs hang off these). All optional. */
export interface QueueWorkerEvents {
  /** A job started an attempt. */
  onActive?(job: WorkerJobInfo): void;
  /** A job completed; `durationMs` is the last attempt's processing time. */
  onCompleted?(job: WorkerJobInfo, result: unknown, durationMs: number): void;
  /** An attempt failed. `final` is false when the job will be retried. */
  onFailed?(job: WorkerJobInfo, error: { code: string; message: string }, final: boolean, durationMs: number): void;
  /** A job was cancelled (it ended as `cancelled`). */
  onCancelled?(job: WorkerJobInfo): void;
  /** A job was released back to the queue on shutdown. */
  onReleased?(job: WorkerJobInfo): void;
  /** A job was found stalled (its worker stopped renewing the lock) and put back. */
  onStalled?(jobId: string): void;
  /** A job was copied to the dead-letter queue (called once per job). */
  onDeadLetter?(entry: DeadLetterEntry): void;
  /** A worker-level error (Redis, lock renewal, sandbox crash). */
  onError?(err: Error): void;
}

/** The identity of a job in events and logs. */
export interface WorkerJobInfo {
  readonly queue: string;
  readonly id: string;
  readonly name: string;
  /** 1-based number of the attempt the event is about. */
  readonly attempt: number;
  /** The run id the job writes (for backtests the job id), when known. */
  readonly runId?: string;
}

/** Options of {@link startQueueWorker}. */
export interface QueueWorkerOptions {
  /** Where Redis is. */
  readonly redis: RedisConnectionOptions;
  /** Key prefix (default `coinhts`); must match the producer's. */
  readonly prefix?: string;
  /** Queue to process. */
  readonly queue: ProcessedQueueName;
  /**
   * The processor: a module path (absolute; `.js`, `.cjs`, or `.ts` through a `.cjs` shim) whose
   * default export is a `defineProcessor(...)` function — run in a sandbox — or, for tests and
   * light queues, the function itself, run in this process.
   */
  readonly processor: string | ProcessorFunction;
  /** Sandbox for a processor file: child `process` (default; killable, own heap) or worker `thread`. */
  readonly sandbox?: SandboxKind;
  /**
   * Node options for the sandbox (default: none). To run TypeScript sources, pass
   * `['--conditions=@coinhts/source', '-r', require.resolve('@swc-node/register')]`.
   */
  readonly execArgv?: readonly string[];
  /** Environment of sandbox child processes (default: this process's). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Jobs processed at the same time by this worker (default 1; one sandbox each). */
  readonly concurrency?: number;
  /** Lock duration in ms (default 30 000); the lock is renewed every half of it. */
  readonly lockDurationMs?: number;
  /** How often this worker looks for stalled jobs, ms (default 30 000). */
  readonly stalledIntervalMs?: number;
  /**
   * How many times a job may stall (its worker died) and be put back before it fails
   * (default 2: one worker crash, or a forced shutdown, does not fail a job).
   */
  readonly maxStalledCount?: number;
  /** Retention applied when a job's own options say nothing (defaults: `DEFAULT_RETENTION`). */
  readonly retention?: RetentionOptions;
  /** Copy jobs that failed for good to the dead-letter queue (default true). */
  readonly deadLetter?: boolean;
  /** How often failed jobs without a dead-letter copy are looked for, ms (default 60 000; 0 = only at start). */
  readonly reconcileIntervalMs?: number;
  /**
   * How long a sandboxed job may keep running after it was told to stop (cancel or shutdown)
   * before its sandbox is killed, ms (default 1000).
   */
  readonly stopGraceMs?: number;
  /** Event callbacks. */
  readonly events?: QueueWorkerEvents;
  /** Worker name stored on processed jobs (default `hostname:pid`-like id from BullMQ). */
  readonly name?: string;
  /** Clock, epoch ms. */
  readonly clock?: () => number;
}

/** Options of {@link QueueWorker.close}. */
export interface CloseOptions {
  /**
   * How long active jobs may run on before they are told to stop and handed back to the queue,
   * ms (default 20 000). 0 hands them back at once.
   */
  readonly timeoutMs?: number;
}

/** A running worker. */
export interface QueueWorker {
  /** Queue name. */
  readonly queue: ProcessedQueueName;
  /** Ids of the jobs being processed now. */
  activeJobIds(): string[];
  /** True until {@link QueueWorker.close} finished. */
  isRunning(): boolean;
  /** Looks for failed jobs without a dead-letter copy now; returns the entries made. */
  reconcileDeadLetters(): Promise<DeadLetterEntry[]>;
  /**
   * Stops taking jobs, lets active jobs finish for up to `timeoutMs`, then tells the rest to stop
   * and puts them back in the queue (no attempt used), and closes connections.
   */
  close(options?: CloseOptions): Promise<void>;
}

/** Per-worker bookkeeping of sandboxes (kept outside the instance: it is needed during `super()`). */
interface SandboxState {
  readonly als: AsyncLocalStorage<string>;
  readonly childOf: Map<string, Child>;
  readonly graceMs: number;
  /** Jobs whose sandbox was killed because they did not stop when told to. */
  readonly killed: Set<string>;
}
const sandboxStates = new WeakMap<object, SandboxState>();
let pendingGraceMs = 1_000;

/**
 * A BullMQ worker that can stop a sandboxed job which does not stop by itself. Cancellation is
 * cooperative first (the job's AbortSignal; the engine checks it between stages), but the engine
 * runs synchronously, and a sandbox busy in one long synchronous call cannot hear the abort. So
 * when an aborted job is still running after a grace period, its child process (or thread) is
 * killed and the job is put back in the queue untouched; the next attempt sees the recorded
 * outcome (cancelled) and cleans up, or — after a shutdown — simply runs the job again.
 */
class SandboxWorker extends Worker {
  /** Called with a job's id when its sandbox was killed and the job handed back (no completed/failed event follows here). */
  onReleased?: (jobId: string) => void;

  protected override createSandbox(processor: Parameters<Worker['createSandbox']>[0]): void {
    super.createSandbox(processor);
    const state: SandboxState = { als: new AsyncLocalStorage<string>(), childOf: new Map(), graceMs: pendingGraceMs, killed: new Set() };
    sandboxStates.set(this, state);
    // BullMQ does not say which child runs which job; the pool's retain() is called in the job's
    // async context, so an AsyncLocalStorage tells.
    const pool = (this as unknown as { childPool?: ChildPool }).childPool;
    if (!pool) return;
    const retain = pool.retain.bind(pool);
    pool.retain = async (file: string) => {
      const child = await retain(file);
      const jobId = state.als.getStore();
      if (jobId) state.childOf.set(jobId, child);
      return child;
    };
  }

  protected override async callProcessJob(job: Job, token: string, signal?: AbortSignal): Promise<unknown> {
    const state = sandboxStates.get(this);
    const id = job.id ?? '';
    if (!state || !id) return super.callProcessJob(job, token, signal);
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      timer = setTimeout(() => {
        const child = state.childOf.get(id);
        if (!child) return;
        state.killed.add(id);
        void child.kill('SIGKILL').catch(() => undefined);
      }, state.graceMs);
    };
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await state.als.run(id, () => super.callProcessJob(job, token, signal));
    } catch (err) {
      if (state.killed.has(id)) {
        this.onReleased?.(id);
        await job.moveToWait(token);
        throw releasedError();
      }
      throw err;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      state.childOf.delete(id);
      state.killed.delete(id);
    }
  }
}

function releasedError(): Error {
  const e = new Error('released: the sandbox was stopped');
  e.name = 'WaitingError';
  return e;
}

/**
 * Starts processing `options.queue`. Resolves once the worker is connected.
 * Throws `QueueUnavailableError` when Redis cannot be reached.
 */
export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorker> {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const clock = options.clock ?? Date.now;
  const events = options.events ?? {};
  const reportError = (err: unknown) => events.onError?.(err instanceof Error ? err : new Error(String(err)));
  const redisOpts = { ...options.redis, onError: options.redis.onError ?? reportError };
  const redis = createRedisClient({ ...redisOpts, clientName: redisOpts.clientName ?? `coinhts-worker-${options.queue}` });
  const subscriber = createRedisClient({ ...redisOpts, clientName: `coinhts-worker-${options.queue}-cancel` });
  const dlqRedis = createRedisClient({ ...redisOpts, clientName: `coinhts-worker-${options.queue}-dlq` });
  await Promise.all([ensureConnected(redis), ensureConnected(subscriber), ensureConnected(dlqRedis)]);
  const clients: RedisClient[] = [redis, subscriber, dlqRedis];

  const retention = { ...DEFAULT_RETENTION, ...options.retention };
  const qualified = qualifiedName(prefix, options.queue);
  const started = new Map<string, number>();
  const releasing = new Set<string>();
  const processor = options.processor;
  pendingGraceMs = options.stopGraceMs ?? 1_000;
  const worker = new SandboxWorker(options.queue, processor as never, {
    connection: redis as unknown as ConnectionOptions,
    prefix,
    autorun: false,
    name: options.name,
    concurrency: options.concurrency ?? 1,
    lockDuration: options.lockDurationMs ?? 30_000,
    stalledInterval: options.stalledIntervalMs ?? 30_000,
    maxStalledCount: options.maxStalledCount ?? 2,
    removeOnComplete: { age: retention.completedAgeSec, count: retention.completedCount },
    removeOnFail: { age: retention.failedAgeSec, count: retention.failedCount },
    ...(typeof processor === 'string'
      ? {
          useWorkerThreads: options.sandbox === 'thread',
          ...(options.sandbox === 'thread'
            ? { workerThreadsOptions: { execArgv: [...(options.execArgv ?? [])], env: options.env as NodeJS.Dict<string> | undefined } }
            : { workerForkOptions: { execArgv: [...(options.execArgv ?? [])], env: options.env as NodeJS.ProcessEnv | undefined } }),
        }
      : {}),
  });

  const dlqSource = new Queue(options.queue, { connection: dlqRedis as unknown as ConnectionOptions, prefix });
  const dlq = new Queue(QUEUE_NAMES.deadLetter, { connection: dlqRedis as unknown as ConnectionOptions, prefix });
  const outcomes = new OutcomeStore(outcomeRedis(dlqRedis), qualified);
  // One report per entry across all workers: the failed event here and a reconciliation elsewhere may race.
  const claims = redisEntryClaims(dlqRedis, qualifiedName(prefix, QUEUE_NAMES.deadLetter));
  const forwarder = new DeadLetterForwarder(dlqSource, dlq, clock, async (id) => (await outcomes.get(id))?.state === 'cancelled', claims);
  const deadLetterOn = options.deadLetter ?? true;

  const info = (job: Job, attempt: number): WorkerJobInfo => ({
    queue: options.queue,
    id: job.id ?? '',
    name: job.name,
    attempt,
    ...(options.queue === QUEUE_NAMES.backtest && job.id ? { runId: job.id } : {}),
  });

  // A killed sandbox's job goes back to the queue (maybe to another worker): it is no longer ours.
  worker.onReleased = (id) => {
    if (!releasing.has(id)) started.delete(id);
  };
  worker.on('active', (job: Job) => {
    started.set(job.id ?? '', clock());
    events.onActive?.(info(job, job.attemptsMade + 1));
  });
  worker.on('completed', (job: Job, result: unknown) => {
    const t0 = started.get(job.id ?? '') ?? clock();
    started.delete(job.id ?? '');
    events.onCompleted?.(info(job, job.attemptsMade), result, clock() - t0);
  });
  worker.on('failed', (job: Job | undefined, err: Error) => {
    if (!job) return;
    void onFailed(job, err).catch(reportError);
  });
  worker.on('stalled', (jobId: string) => events.onStalled?.(jobId));
  worker.on('error', (err: Error) => reportError(err));

  async function onFailed(job: Job, err: Error): Promise<void> {
    const id = job.id ?? '';
    const t0 = started.get(id) ?? clock();
    started.delete(id);
    const { code, message } = parseFailureMessage(job.failedReason ?? err.message);
    const effectiveCode = code === 'INTERNAL' ? errorCode(err) : code;
    const final = job.finishedOn !== undefined && job.finishedOn !== null;
    const attempt = job.attemptsMade;
    await job.log(attemptLogLine({ attempt, at: clock(), code: effectiveCode, message }));
    if (failureDecision({ code: effectiveCode }) === 'cancelled') {
      events.onCancelled?.(info(job, attempt));
      return;
    }
    events.onFailed?.(info(job, attempt), { code: effectiveCode, message }, final, clock() - t0);
    if (final && deadLetterOn) {
      const entry = await forwarder.forward(job);
      if (entry) events.onDeadLetter?.(entry);
    }
  }

  await subscriber.subscribe(cancelChannel(qualified), (text: string) => {
    try {
      const msg = JSON.parse(text) as CancelMessage;
      if (msg && typeof msg.jobId === 'string') worker.cancelJob(msg.jobId, msg.reason || 'cancelled by user');
    } catch (err) {
      reportError(err);
    }
  });

  await worker.waitUntilReady();
  void worker.run().catch(reportError);

  const reconcile = async (): Promise<DeadLetterEntry[]> => {
    if (!deadLetterOn) return [];
    const made = await forwarder.reconcile();
    for (const e of made) events.onDeadLetter?.(e);
    return made;
  };
  void reconcile().catch(reportError);
  const reconcileMs = options.reconcileIntervalMs ?? 60_000;
  const reconcileTimer = reconcileMs > 0 ? setInterval(() => void reconcile().catch(reportError), reconcileMs) : undefined;
  reconcileTimer?.unref();

  let running = true;
  let closing: Promise<void> | undefined;
  return {
    queue: options.queue,
    activeJobIds: () => [...started.keys()],
    isRunning: () => running,
    reconcileDeadLetters: reconcile,
    close(closeOptions: CloseOptions = {}) {
      closing ??= (async () => {
        if (reconcileTimer) clearInterval(reconcileTimer);
        const timeoutMs = closeOptions.timeoutMs ?? 20_000;
        const release = setTimeout(() => {
          for (const id of started.keys()) releasing.add(id);
          worker.cancelAllJobs(SHUTDOWN_REASON);
        }, timeoutMs);
        // A processor that ignores its signal cannot hold shutdown forever: force after a grace period.
        const force = setTimeout(() => void worker.close(true).catch(reportError), timeoutMs + 5_000);
        try {
          await worker.close();
        } catch (err) {
          reportError(err);
        } finally {
          clearTimeout(release);
          clearTimeout(force);
        }
        for (const id of releasing) if (started.has(id)) events.onReleased?.({ queue: options.queue, id, name: '', attempt: 0 });
        await Promise.allSettled([dlqSource.close(), dlq.close()]);
        try {
          await subscriber.unsubscribe();
        } catch {
          // closing anyway
        }
        await Promise.all(clients.map(closeQuietly));
        running = false;
      })();
      return closing;
    },
  };
}
