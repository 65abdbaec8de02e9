import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { CandleColumns } from '../core/candles';
import { BacktestAbortedError, EngineError, InvalidParamsError } from '../core/errors';
import type { BacktestSeries } from '../backtest';
import { getStrategy } from '../strategies';
import {
  evaluateParamSet, finishSweep, resolveRanking, sweepParamSets, type SweepProgress, type SweepRequest, type SweepResult, type SweepRow,
} from '../sweep';
import type { ParamSet } from '../sweep/param-space';
import type { WorkerInit, WorkerReply, WorkerTask } from './protocol';

/** Options of {@link runSweepParallel}. */
export interface ParallelSweepRequest extends Omit<SweepRequest, 'strategy'> {
  /**
   * Registry name of the strategy (workers look it up; a function cannot cross threads).
   * Custom strategies must be registered in the worker's registry, i.e. built into the engine.
   */
  readonly strategy: string;
  /** Worker threads (default: available cores, at most the number of combinations). */
  readonly workers?: number;
  /** Combinations per task sent to a worker (default: about total / (workers × 8), at least 1). */
  readonly chunkSize?: number;
  /**
   * The calling thread evaluates combinations itself while the workers start, until one takes it
   * longer than this many milliseconds; then it hands the rest of its chunk to the workers and
   * only waits (its event loop, and so a cancel, must not wait long). Default 100.
   */
  readonly callerMaxMs?: number;
}

/** A worker failed in a way that is not the caller's input (e.g. it crashed). */
export class SweepWorkerError extends EngineError {
  readonly code = 'SWEEP_WORKER_FAILED' as const;
}

function toShared(c: CandleColumns): CandleColumns {
  const n = c.timestamp.length;
  const buf = new SharedArrayBuffer(n * 8 * 6);
  const col = (k: number, src: Float64Array): Float64Array => {
    const a = new Float64Array(buf, k * n * 8, n);
    a.set(src);
    return a;
  };
  return { timestamp: col(0, c.timestamp), open: col(1, c.open), high: col(2, c.high), low: col(3, c.low), close: col(4, c.close), volume: col(5, c.volume) };
}

/** Resolves the worker entry: compiled `.js` next to this file, or the `.ts` source in development. */
function workerEntry(): { file: string; execArgv?: string[] } {
  if (__filename.endsWith('.ts')) {
    return { file: join(__dirname, 'sweep-worker.ts'), execArgv: ['--conditions=@coinhts/source', '-r', '@swc-node/register'] };
  }
  return { file: join(__dirname, 'sweep-worker.js') };
}

/**
 * Runs a parameter sweep across `worker_threads` (both cores by default). Candles are copied once
 * into shared memory that every worker reads; combinations go out in chunks so fast workers take
 * more. A worker gets its first chunk when it reports that it has loaded the engine (~0.1 s
 * compiled, ~0.35 s from the TypeScript sources); until then the calling thread evaluates chunks
 * itself, one combination per event-loop turn, and it takes no new chunk once every worker is up,
 * or at all once one combination took it more than `callerMaxMs` (100 ms by default). A sweep
 * smaller than a chunk never waits for a thread.
 * Gives exactly the rows {@link runSweep} gives, in the same ranked order.
 *
 * Cancel with `signal`: workers are terminated at once and the promise rejects with
 * BacktestAbortedError (well within 1 s). Invalid inputs reject with the engine's typed errors.
 */
export async function runSweepParallel(req: ParallelSweepRequest): Promise<SweepResult> {
  const { rankBy, direction } = resolveRanking(req.rankBy, req.direction);
  if (req.signal?.aborted) throw new BacktestAbortedError(req.signal.reason);
  const strategy = getStrategy(req.strategy); // an unknown name fails here, before any thread starts
  const callerMaxMs = req.callerMaxMs ?? 100;
  if (!(Number.isFinite(callerMaxMs) && callerMaxMs >= 0)) {
    throw new InvalidParamsError([{ field: 'callerMaxMs', message: `must be a number of milliseconds >= 0, got ${String(req.callerMaxMs)}` }], 'parallel sweep');
  }
  const sets = sweepParamSets(req.space, req.mode);
  const total = sets.length;
  const workers = Math.max(1, Math.min(req.workers ?? availableParallelism(), total));
  const chunk = Math.max(1, req.chunkSize ?? Math.ceil(total / (workers * 8)));
  const tasks: WorkerTask[] = [];
  for (let s = 0; s < total; s += chunk) {
    tasks.push({ type: 'task', start: s, sets: sets.slice(s, s + chunk) as ParamSet[] });
  }
  const series: BacktestSeries[] = req.series.map((s) => ({ symbol: s.symbol, timeframe: s.timeframe, candles: toShared(s.candles) }));
  const init: WorkerInit = { strategy: req.strategy, baseParams: req.baseParams, options: req.options, rankBy, series };
  const entry = workerEntry();
  const rows: SweepRow[] = [];
  let done = 0;
  let next = 0;
  /** Workers that have reported ready. */
  let warm = 0;

  return new Promise<SweepResult>((resolve, reject) => {
    const pool: Worker[] = [];
    let settled = false;
    const finish = (err: unknown, result?: SweepResult): void => {
      if (settled) return;
      settled = true;
      req.signal?.removeEventListener('abort', onAbort);
      for (const w of pool) void w.terminate();
      if (err) reject(err); else resolve(result as SweepResult);
    };
    const onAbort = (): void => finish(new BacktestAbortedError(req.signal?.reason));
    req.signal?.addEventListener('abort', onAbort, { once: true });
    /** Workers that asked for work when none was left (a chunk handed back goes to them). */
    const idle: Worker[] = [];
    const feed = (w: Worker): void => {
      if (next < tasks.length) w.postMessage(tasks[next++]);
      else idle.push(w);
    };
    const deliver = (got: readonly SweepRow[]): boolean => {
      rows.push(...got);
      done += got.length;
      req.onProgress?.({ done, total } satisfies SweepProgress);
      if (done !== total) return false;
      finish(null, finishSweep(req.strategy, rankBy, direction, rows, req.top));
      return true;
    };
    // The calling thread's share: a task at a time, a combination per turn (so messages, progress
    // and a cancel are handled in between), new tasks only while some worker is still starting.
    let own: WorkerTask | null = null;
    let pos = 0;
    let slow = false;
    const mainStep = (): void => {
      if (settled) return;
      if (own === null) {
        if (slow || warm >= workers || next >= tasks.length) return;
        own = tasks[next++];
        pos = 0;
      }
      try {
        const t0 = Date.now();
        const row = evaluateParamSet(strategy as never, req.baseParams, own.sets[pos], own.start + pos, series, req.options, rankBy);
        if (Date.now() - t0 > callerMaxMs) slow = true;
        pos++;
        if (pos === own.sets.length) own = null;
        else if (slow) {
          // hand the rest of the chunk back to the workers
          tasks.push({ type: 'task', start: own.start + pos, sets: own.sets.slice(pos) });
          own = null;
          for (const w of idle.splice(0)) feed(w);
        }
        if (deliver([row])) return;
      } catch (err) {
        finish(err);
        return;
      }
      setImmediate(mainStep);
    };
    for (let i = 0; i < workers; i++) {
      const w = new Worker(entry.file, { workerData: init, execArgv: entry.execArgv });
      pool.push(w);
      w.on('message', (msg: WorkerReply) => {
        if (settled) return;
        if (msg.type === 'error') {
          finish(rebuildError(msg.error));
          return;
        }
        if (msg.type === 'ready') {
          warm++;
          feed(w);
          return;
        }
        if (!deliver(msg.rows)) feed(w);
      });
      w.on('error', (err) => finish(new SweepWorkerError(`sweep worker failed: ${err.message}`, { cause: err })));
      w.on('exit', (code) => {
        if (!settled && code !== 0) finish(new SweepWorkerError(`sweep worker exited with code ${code}`));
      });
    }
    setImmediate(mainStep);
  });
}

function rebuildError(e: { name: string; code?: string; message: string; issues?: unknown }): Error {
  const err = new SweepWorkerError(e.message) as SweepWorkerError & { code: string; issues?: unknown };
  // Keep the worker's error code (e.g. INVALID_PARAMS, UNKNOWN_STRATEGY) so callers can map it.
  Object.defineProperty(err, 'code', { value: e.code ?? 'SWEEP_WORKER_FAILED' });
  if (e.issues) Object.defineProperty(err, 'issues', { value: e.issues });
  err.name = e.name;
  return err;
}
