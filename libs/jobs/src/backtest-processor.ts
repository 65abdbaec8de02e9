/**
 * The backtest job: parse the payload, run the backtest, store the run, record the outcome —
 * exactly once per job id, whatever retries, stalls, crashes and cancellations happen around it.
 *
 * Exactly-once comes from three things: the run id is the job id (a retried job saves the same
 * run again, an upsert); the run store writes the archive before the row; and the completion is
 * recorded with one atomic claim (`OutcomeStore`) that a cancellation can win instead — in which
 * case what was written is deleted.
 */
import { JobCancelledError } from './errors';
import { OutcomeStore, type OutcomeRedis } from './outcome-store';
import type { BacktestJobRequest } from './job-requests';
import { BacktestJobDataSchema, parseJobPayload } from './schemas';
import { SHUTDOWN_REASON, type JobContext } from './sandbox';

/** Progress callback of an executor: `fraction` 0..1 of the backtest itself, and a stage label. */
export type ProgressFn = (fraction: number, stage: string) => void;

/** What an executor produced. */
export interface BacktestExecution {
  /**
   * A few headline numbers (JSON, small: it becomes the job's return value), e.g.
   * `{ total_return_pct, trades, max_drawdown_pct }`.
   */
  readonly headline: Readonly<Record<string, number | string | boolean | null>>;
  /** Every numeric metric of the run (what sweeps rank by), when the executor has them. */
  readonly metrics?: Readonly<Record<string, number | null>>;
  /** The full result, handed to the {@link RunStore} as is. */
  readonly result: unknown;
}

/**
 * Runs one backtest: loads candles and runs the engine. Must honour `signal` (throw once it is
 * aborted) and may report progress. Throws coded errors (`NO_DATA`, `INVALID_PARAMS`, …).
 * `B` is the application's request (what its `JobRequestParsers.backtest` returns).
 */
export interface BacktestExecutor<B extends BacktestJobRequest = BacktestJobRequest> {
  /** Runs `request`. */
  run(request: B, ctx: { readonly signal: AbortSignal; readonly progress: ProgressFn }): Promise<BacktestExecution>;
}

/** A run to store. Times are epoch ms. */
export interface RunRecord<B extends BacktestJobRequest = BacktestJobRequest> {
  /** Run id (= job id, a UUID). */
  readonly runId: string;
  /** The parsed request. */
  readonly request: B;
  readonly execution: BacktestExecution;
  readonly startedAt: number;
  readonly finishedAt: number;
  /** The client's idempotency key, when the job had one. */
  readonly idempotencyKey?: string;
}

/** Durable storage of runs (implemented over `@coinhts/results`). Both calls must be idempotent. */
export interface RunStore<B extends BacktestJobRequest = BacktestJobRequest> {
  /** Saves (or replaces) the run `record.runId`: archive first, then the row. */
  save(record: RunRecord<B>): Promise<void>;
  /** Deletes the run (row and archive); deleting a missing run is not an error. */
  delete(runId: string): Promise<void>;
}

/** What a backtest processor needs. */
export interface BacktestProcessorDeps<B extends BacktestJobRequest = BacktestJobRequest> {
  /**
   * Parses the payload's request (the application's schema: `JobRequestParsers.backtest`). A
   * request it refuses (e.g. a payload queued by an older version with retired option names)
   * fails the job at once, with the parser's message as the dead-letter reason.
   */
  readonly parseRequest: (input: unknown) => B;
  readonly executor: BacktestExecutor<B>;
  readonly runs: RunStore<B>;
  /** Redis access for job outcomes. */
  readonly outcomes: OutcomeRedis;
  /** How long outcomes are kept, ms (default 7 days; must match the producer's). */
  readonly outcomeTtlMs?: number;
  /** How often a running job checks whether it was cancelled, ms (default 250). Backs up the cancel message. */
  readonly cancelPollMs?: number;
  /** Minimum time between progress writes, ms (default 200). */
  readonly progressIntervalMs?: number;
  /** Clock, epoch ms. */
  readonly clock?: () => number;
}

/** Return value of a backtest job. */
export interface BacktestJobResult {
  /** Id of the stored run (= job id). */
  readonly runId: string;
  /** Headline numbers of the run. */
  readonly headline: Readonly<Record<string, number | string | boolean | null>>;
}

/** The backtest job handler (see the module comment). */
export async function backtestHandler<B extends BacktestJobRequest>(ctx: JobContext, deps: BacktestProcessorDeps<B>): Promise<BacktestJobResult> {
  const clock = deps.clock ?? Date.now;
  const payload = parseJobPayload(BacktestJobDataSchema, ctx.data, 'backtest job payload');
  const request = deps.parseRequest(payload.request);
  const runId = ctx.id;
  const outcomes = new OutcomeStore(deps.outcomes, ctx.queue, { ttlMs: deps.outcomeTtlMs });

  const before = await outcomes.get(ctx.id);
  if (before?.state === 'completed') return { runId: before.runId, headline: {} };
  if (before?.state === 'cancelled') {
    // Cancelled while queued for a retry, or after an earlier attempt was stopped: clean up.
    await deps.runs.delete(runId);
    throw new JobCancelledError(ctx.id, before.reason);
  }

  const watch = watchCancellation(ctx, outcomes, deps.cancelPollMs ?? 250);
  const progress = throttledProgress(ctx, deps.progressIntervalMs ?? 200, clock);
  let cleanedUp = false;
  try {
    const startedAt = clock();
    progress(0.01, 'starting', true);
    const execution = await deps.executor.run(request, {
      signal: watch.signal,
      progress: (f, stage) => progress(0.02 + 0.88 * Math.min(1, Math.max(0, f)), stage),
    });
    watch.throwIfAborted();
    progress(0.92, 'saving results', true);
    await deps.runs.save({
      runId,
      request,
      execution,
      startedAt,
      finishedAt: clock(),
      ...(payload.idempotency_key ? { idempotencyKey: payload.idempotency_key } : {}),
    });
    const claim = await outcomes.claim(ctx.id, { state: 'completed', runId, at: clock() });
    if (!claim.won && claim.outcome.state === 'cancelled') {
      await deps.runs.delete(runId);
      cleanedUp = true;
      throw new JobCancelledError(ctx.id, claim.outcome.reason);
    }
    progress(1, 'done', true);
    await progress.flush();
    return { runId, headline: execution.headline };
  } catch (err) {
    const o = await outcomes.get(ctx.id).catch(() => null);
    if (o?.state === 'cancelled') {
      // A run saved by this attempt (or an earlier one) is a partial output of a cancelled job.
      if (!cleanedUp) await deps.runs.delete(runId);
      throw err instanceof JobCancelledError ? err : new JobCancelledError(ctx.id, o.reason);
    }
    throw err;
  } finally {
    watch.stop();
  }
}

/** See {@link watchCancellation}. */
export interface CancellationWatch {
  /** Aborted on cancel or shutdown. */
  readonly signal: AbortSignal;
  /** Throws `JobCancelledError` (or a `SHUTDOWN` error) once the signal fired. */
  throwIfAborted(): void;
  /** Stops polling. */
  stop(): void;
}

/**
 * An AbortSignal that fires when the job's own signal fires (cancel message, shutdown) or when
 * polling finds the job's outcome set to cancelled (a cancel message can be missed).
 */
export function watchCancellation(ctx: Pick<JobContext, 'id' | 'signal'>, outcomes: OutcomeStore, pollMs: number): CancellationWatch {
  const ac = new AbortController();
  const onAbort = () => ac.abort(ctx.signal.reason);
  if (ctx.signal.aborted) onAbort();
  else ctx.signal.addEventListener('abort', onAbort, { once: true });
  const timer = setInterval(() => {
    void outcomes.get(ctx.id).then(
      (o) => {
        if (o?.state === 'cancelled' && !ac.signal.aborted) ac.abort(o.reason);
      },
      () => undefined,
    );
  }, pollMs);
  timer.unref?.();
  return {
    signal: ac.signal,
    throwIfAborted(): void {
      if (!ac.signal.aborted) return;
      if (ac.signal.reason === SHUTDOWN_REASON) throw Object.assign(new Error('stopped for worker shutdown'), { code: 'SHUTDOWN' });
      throw new JobCancelledError(ctx.id, typeof ac.signal.reason === 'string' ? ac.signal.reason : undefined);
    },
    stop(): void {
      clearInterval(timer);
      ctx.signal.removeEventListener('abort', onAbort);
    },
  };
}

/** See {@link throttledProgress}. */
export interface ThrottledProgress {
  (fraction: number, stage: string, force?: boolean): void;
  /** Resolves once every accepted write is done. */
  flush(): Promise<void>;
}

/**
 * Progress writes at most every `intervalMs`, plus every change of stage and forced writes at
 * stage boundaries. Each accepted write is started at once, not chained behind the previous one:
 * the engine runs synchronously, and a write queued as a promise continuation would only leave
 * the sandbox after the run (the status then sat at 0.01 "starting" for half of a job). Writes go
 * out in call order (one IPC channel / one Redis connection).
 */
export function throttledProgress(ctx: Pick<JobContext, 'progress'>, intervalMs: number, clock: () => number): ThrottledProgress {
  let last = -Infinity;
  let lastStage: string | undefined;
  let pending: Promise<unknown> = Promise.resolve();
  const fn = (fraction: number, stage: string, force = false): void => {
    const now = clock();
    if (!force && stage === lastStage && now - last < intervalMs) return;
    last = now;
    lastStage = stage;
    let write: Promise<unknown>;
    try {
      write = Promise.resolve(ctx.progress(fraction, stage)).catch(() => undefined);
    } catch {
      write = Promise.resolve();
    }
    pending = Promise.all([pending, write]);
  };
  return Object.assign(fn, { flush: async () => { await pending; } });
}
