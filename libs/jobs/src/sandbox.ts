/**
 * Processors: what runs a job. A processor is written once as a {@link JobHandler} and exported
 * from a module with {@link defineProcessor}; BullMQ then runs it in a sandbox (a child process
 * or a worker thread), so a CPU-bound backtest never blocks the worker's lock renewal.
 *
 * This module is where a thrown error becomes a queue decision: it asks `failureDecision` (the
 * retry policy) and turns "do not retry" into BullMQ's `UnrecoverableError`.
 */
import { UnrecoverableError } from 'bullmq';
import { errorCode, failureDecision, formatFailureMessage, JobCancelledError } from './errors';

/** Reason given to the AbortSignal of every running job when the worker shuts down. */
export const SHUTDOWN_REASON = 'coinhts:worker-shutdown';

/** What a handler sees of its job. */
export interface JobContext {
  /** Job id. */
  readonly id: string;
  /** Job name (e.g. `backtest`, `chunk`, `aggregate`, `refresh`). */
  readonly name: string;
  /** The raw payload; parse it with the job's schema. */
  readonly data: unknown;
  /** `prefix:queue` of the job's queue. */
  readonly queue: string;
  /** Attempts finished before this one (0 on the first attempt). */
  readonly attemptsMade: number;
  /** Attempts allowed in total. */
  readonly maxAttempts: number;
  /**
   * Aborted when the job is cancelled or the worker shuts down. Pass it to the engine; a handler
   * that sees it aborted should stop and rethrow.
   */
  readonly signal: AbortSignal;
  /** Reports progress: `fraction` 0..1 and a stage label. */
  progress(fraction: number, stage: string): Promise<void>;
  /** Appends a line to the job's log. */
  log(line: string): Promise<void>;
  /** Return values of the job's children (flows), keyed by child job key. */
  childrenValues(): Promise<Record<string, unknown>>;
}

/** The body of a processor. Its return value (small, JSON) becomes the job's return value. */
export type JobHandler<Deps, R> = (ctx: JobContext, deps: Deps) => Promise<R>;

/** The job object BullMQ hands a processor (in-process `Job` or sandboxed `SandboxedJob`). */
export interface ProcessorJob {
  readonly id?: string;
  readonly name: string;
  readonly data: unknown;
  readonly attemptsMade: number;
  readonly opts: { readonly attempts?: number };
  readonly queueQualifiedName: string;
  updateProgress(value: { fraction: number; stage: string }): Promise<void>;
  log(row: string): Promise<unknown> | void;
  getChildrenValues(): Promise<Record<string, unknown>>;
  moveToWait(token?: string): Promise<unknown>;
}

/** A processor function as BullMQ calls it. */
export type ProcessorFunction = (job: ProcessorJob, token?: string, signal?: AbortSignal) => Promise<unknown>;

/** Options of {@link defineProcessor}. */
export interface DefineProcessorOptions {
  /** Called with every failure before it is rethrown (e.g. to log it). */
  readonly onError?: (err: unknown, ctx: JobContext) => void;
}

/**
 * Makes a processor out of a handler and a dependency factory. `init` runs once per sandbox (the
 * first job), so database pools and clients are reused across jobs; when it fails, the job is
 * retried like any transient failure.
 *
 * In a sandboxed child process the function also exits the child when the worker process is
 * gone (its IPC channel closes), so a killed worker never leaves an orphan computing a job
 * another worker has taken over.
 *
 * ```ts
 * // backtest.processor.ts
 * export default defineProcessor(() => buildDeps(loadConfig()), backtestHandler);
 * ```
 */
export function defineProcessor<Deps, R>(init: () => Deps | Promise<Deps>, handler: JobHandler<Deps, R>, options: DefineProcessorOptions = {}): ProcessorFunction {
  let deps: Promise<Deps> | undefined;
  exitWhenOrphaned();
  return async (job, token, signal) => {
    const ctx = toContext(job, signal ?? new AbortController().signal);
    try {
      deps ??= Promise.resolve().then(init);
      const d = await deps.catch((err: unknown) => {
        deps = undefined;
        throw err;
      });
      return await handler(ctx, d);
    } catch (err) {
      options.onError?.(err, ctx);
      if (ctx.signal.aborted && ctx.signal.reason === SHUTDOWN_REASON && errorCode(err) !== 'CANCELLED') {
        // The worker is shutting down: hand the job back untouched (no attempt used) for another worker.
        await job.moveToWait(token);
        throw releasedError();
      }
      throw toQueueFailure(err, ctx);
    }
  };
}

function toContext(job: ProcessorJob, signal: AbortSignal): JobContext {
  return {
    id: job.id ?? '',
    name: job.name,
    data: job.data,
    queue: job.queueQualifiedName,
    attemptsMade: job.attemptsMade,
    maxAttempts: job.opts.attempts ?? 1,
    signal,
    progress: (fraction, stage) => job.updateProgress({ fraction: Math.min(1, Math.max(0, fraction)), stage }),
    log: async (line) => {
      await job.log(line);
    },
    childrenValues: () => job.getChildrenValues(),
  };
}

/**
 * The error a processor throws to BullMQ for `err`: its message is `[CODE] message` (the code
 * survives the sandbox boundary and the failed-job record), and errors the retry policy says not
 * to retry become `UnrecoverableError`. An error raised after the job's signal was aborted by a
 * user is a cancellation, whatever its own code.
 */
export function toQueueFailure(err: unknown, ctx: Pick<JobContext, 'id' | 'signal'>): Error {
  let cause = err;
  if (ctx.signal.aborted && ctx.signal.reason !== SHUTDOWN_REASON && failureDecision(err) !== 'cancelled') {
    cause = new JobCancelledError(ctx.id, typeof ctx.signal.reason === 'string' ? ctx.signal.reason : undefined);
  }
  const code = errorCode(cause);
  const message = formatFailureMessage(code, cause instanceof Error ? cause.message : String(cause));
  const decision = failureDecision(cause);
  const out = decision === 'retry' ? new Error(message) : new UnrecoverableError(message);
  if (cause instanceof Error && cause.stack) out.stack = `${out.name}: ${message}\n${cause.stack.split('\n').slice(1).join('\n')}`;
  // Own properties cross the sandbox boundary (BullMQ copies them); keep the code and decision.
  Object.assign(out, { code, decision });
  return out;
}

function releasedError(): Error {
  const e = new Error('released on worker shutdown');
  // BullMQ leaves a job alone after a processor throws an error named WaitingError (the
  // processor moved it back to wait itself).
  e.name = 'WaitingError';
  return e;
}

let orphanGuardInstalled = false;
/** True in a child process forked by BullMQ's sandbox (its entry script is BullMQ's `main.js`). */
const inBullChild = /bullmq[\\/]dist[\\/](?:cjs|esm)[\\/]classes[\\/]main\.js$/.test(process.argv[1] ?? '');
function exitWhenOrphaned(): void {
  if (orphanGuardInstalled || !inBullChild || typeof process.send !== 'function') return;
  orphanGuardInstalled = true;
  process.once('disconnect', () => process.exit(0));
}
