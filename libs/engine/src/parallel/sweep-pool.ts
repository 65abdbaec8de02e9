import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { CandleColumns } from '../core/candles';
import { BacktestAbortedError, EngineError, InvalidParamsError } from '../core/errors';
import { pluginModulesFor, resolveStrategyIn } from './strategy-modules';
import {
  collectedResult, DEFAULT_COLUMN_BUDGET_BYTES, LruColumnCache, packedStride, packStats, prepareSweep, SetEvaluator, SweepCollector,
  type SweepProgress, type SweepRequest, type SweepResult, type SweepRow,
} from '../sweep';
import type { ParamSet } from '../sweep/param-space';
import type { SharedSeries, WorkerErrorInfo, WorkerJob, WorkerReply, WorkerTask } from './protocol';

/** Options of {@link SweepPool.run} and {@link runSweepParallel}. */
export interface ParallelSweepRequest extends Omit<SweepRequest, 'strategy'> {
  /**
   * Registry name of the strategy (workers look it up; a function cannot cross threads). A custom
   * strategy is found in `strategyModules`.
   */
  readonly strategy: string;
  /**
   * Absolute paths of modules exporting `strategies: StrategyDefinition[]`; workers (and the calling
   * thread) look the strategy up there before the registry.
   */
  readonly strategyModules?: readonly string[];
  /** Worker threads of the one-shot pool of {@link runSweepParallel} (default: available cores, at most the number of combinations). Ignored by {@link SweepPool.run}. */
  readonly workers?: number;
  /** Combinations per task sent to a worker (default: about total / (workers × 8), at least 1). */
  readonly chunkSize?: number;
  /**
   * While some pool worker is still starting, the calling thread evaluates combinations itself until
   * one takes it longer than this many milliseconds; then it hands the rest of its chunk to the
   * workers and only waits (its event loop, and so a cancel, must not wait long). Default 100.
   */
  readonly callerMaxMs?: number;
}

/** Settings of a {@link SweepPool}. */
export interface SweepPoolOptions {
  /** Worker threads (default: available cores). */
  readonly workers?: number;
  /**
   * After a cancel, a worker finishes the combination it is on and reports back; one that has not
   * within this many milliseconds is terminated and replaced. Default 500 (a cancel then completes
   * within a second even when one combination takes longer).
   */
  readonly cancelGraceMs?: number;
  /** Memory for each worker's indicator column cache, bytes (default DEFAULT_COLUMN_BUDGET_BYTES, 256 MiB; 0 disables it). */
  readonly columnBudgetBytes?: number;
}

/** Worker counts of a {@link SweepPool} by state. */
export interface SweepPoolStats {
  /** Loading the engine. */
  readonly starting: number;
  /** Ready, without a task. */
  readonly idle: number;
  /** On a task (or finishing one of a cancelled sweep). */
  readonly busy: number;
  /** Workers started since the pool was created (replacements included). */
  readonly spawned: number;
}

/** A worker failed in a way that is not the caller's input (e.g. it crashed, or a strategy threw). */
export class SweepWorkerError extends EngineError {
  readonly code = 'SWEEP_WORKER_FAILED' as const;
  constructor(
    message: string,
    /** Generation index of the combination being evaluated, when known. */
    readonly index?: number,
    /** The combination being evaluated, when known. */
    readonly set?: ParamSet,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The pool was closed: it takes no more sweeps. */
export class SweepPoolClosedError extends EngineError {
  readonly code = 'SWEEP_POOL_CLOSED' as const;
}

function isShared(c: CandleColumns): boolean {
  return [c.timestamp, c.open, c.high, c.low, c.close, c.volume].every((a) => a.buffer instanceof SharedArrayBuffer);
}

function toShared(c: CandleColumns): CandleColumns {
  if (isShared(c)) return c;
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

interface Slot {
  worker: Worker;
  state: 'starting' | 'idle' | 'busy';
  /** Jobs whose context this worker has. */
  readonly jobs: Set<number>;
  task: WorkerTask | null;
  /** The sweep of `task`. */
  sweep: ActiveSweep | null;
  /** Termination timer after a cancel. */
  grace: NodeJS.Timeout | null;
  lastError: Error | null;
}

interface ActiveSweep {
  readonly job: WorkerJob;
  readonly tasks: WorkerTask[];
  next: number;
  settled: boolean;
  /** Takes a reply's rows; returns true when the sweep is complete. */
  deliver(rows: readonly SweepRow[], stats: Float64Array): boolean;
  fail(err: unknown): void;
}

/**
 * A persistent pool of sweep worker threads. Start it once and run any number of sweeps (and
 * walk-forward windows) on it: the workers load the engine once, keep candles they have seen (in
 * shared memory, by identity) and their column caches between sweeps. Sweeps submitted while
 * another runs share the workers (first come, first served per task).
 *
 * Idle workers do not keep the process alive; call {@link SweepPool.close} to end them anyway.
 */
export class SweepPool {
  /** Worker threads of the pool. */
  readonly size: number;
  private readonly cancelGraceMs: number;
  private readonly slots: Slot[] = [];
  private readonly active: ActiveSweep[] = [];
  private readonly shared = new WeakMap<CandleColumns, { id: number; columns: CandleColumns }>();
  private nextSeriesId = 1;
  private nextJob = 1;
  private spawned = 0;
  private closed = false;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly readyWaiters: (() => void)[] = [];
  private readonly entry = workerEntry();
  private readonly columnBudgetBytes: number;
  /** The calling thread's column cache (for the combinations it evaluates while workers start). */
  private readonly columns: LruColumnCache;

  constructor(opts: SweepPoolOptions = {}) {
    const workers = opts.workers ?? availableParallelism();
    const grace = opts.cancelGraceMs ?? 500;
    const issues = [];
    if (!(Number.isInteger(workers) && workers >= 1 && workers <= 256)) issues.push({ field: 'workers', message: `must be an integer from 1 to 256, got ${String(opts.workers)}` });
    if (!(Number.isFinite(grace) && grace >= 0)) issues.push({ field: 'cancelGraceMs', message: `must be a number of milliseconds >= 0, got ${String(opts.cancelGraceMs)}` });
    if (issues.length) throw new InvalidParamsError(issues, 'sweep pool');
    this.size = workers;
    this.cancelGraceMs = grace;
    this.columns = new LruColumnCache(opts.columnBudgetBytes ?? DEFAULT_COLUMN_BUDGET_BYTES);
    this.columnBudgetBytes = this.columns.budgetBytes;
    for (let i = 0; i < workers; i++) this.spawn();
  }

  /** Worker counts by state. */
  stats(): SweepPoolStats {
    const count = (s: Slot['state']): number => this.slots.filter((x) => x.state === s).length;
    return { starting: count('starting'), idle: count('idle'), busy: count('busy'), spawned: this.spawned };
  }

  /** Resolves once every worker has loaded the engine. */
  ready(): Promise<void> {
    if (this.slots.every((s) => s.state !== 'starting')) return Promise.resolve();
    return new Promise((r) => { this.readyWaiters.push(r); this.refresh(); });
  }

  /** Resolves once no worker is starting or on a task (e.g. after a cancel, when every worker is free again). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((r) => { this.idleWaiters.push(r); this.refresh(); });
  }

  /**
   * Runs a sweep on the pool. Gives exactly the rows `runSweep` gives, in the same ranked order.
   * Cancel with `signal`: the promise rejects with BacktestAbortedError at once; the workers stop
   * after the combination they are on (or are replaced after `cancelGraceMs`).
   * A strategy that throws (not a rejected combination, which is an error row) rejects with
   * {@link SweepWorkerError} carrying the combination's `index` and `set`.
   */
  async run(req: ParallelSweepRequest): Promise<SweepResult> {
    if (this.closed) throw new SweepPoolClosedError('the sweep pool is closed; create a new one');
    if (req.signal?.aborted) throw new BacktestAbortedError(req.signal.reason);
    const strategy = resolveStrategyIn(req.strategy, req.strategyModules); // an unknown name fails here, before any work
    const callerMaxMs = req.callerMaxMs ?? 100;
    const issues = [];
    if (!(Number.isFinite(callerMaxMs) && callerMaxMs >= 0)) issues.push({ field: 'callerMaxMs', message: `must be a number of milliseconds >= 0, got ${String(req.callerMaxMs)}` });
    if (req.chunkSize !== undefined && !(Number.isInteger(req.chunkSize) && req.chunkSize >= 1)) issues.push({ field: 'chunkSize', message: `must be an integer >= 1, got ${String(req.chunkSize)}` });
    if (issues.length) throw new InvalidParamsError(issues, 'parallel sweep');
    const prep = prepareSweep(strategy, req);
    const { rankBy, sets, blocks } = prep;
    const total = sets.length;
    const chunk = req.chunkSize ?? Math.max(1, Math.ceil(total / (this.size * 8)));
    const tasks: WorkerTask[] = [];
    const job = this.nextJob++;
    for (let s = 0; s < total; s += chunk) tasks.push({ type: 'task', job, start: s, sets: sets.slice(s, s + chunk) });
    const series: SharedSeries[] = req.series.map((s) => ({ symbol: s.symbol, timeframe: s.timeframe, ...this.share(s.candles) }));
    const cancel = new Int32Array(new SharedArrayBuffer(4));
    const msg: WorkerJob = {
      type: 'job', job, strategy: req.strategy, strategyModules: pluginModulesFor(req.strategy, req.strategyModules), baseParams: req.baseParams, options: req.options, rankBy, series, cancel, blocks, top: req.top, direction: prep.direction,
      evaluation: req.evaluation,
    };
    const collector = new SweepCollector(total, blocks, prep.direction, req.top);
    const stride = packedStride(blocks);

    return new Promise<SweepResult>((resolve, reject) => {
      const end = (): void => {
        sweep.settled = true;
        req.signal?.removeEventListener('abort', onAbort);
        const at = this.active.indexOf(sweep);
        if (at >= 0) this.active.splice(at, 1);
        for (const slot of this.slots) {
          if (!slot.jobs.delete(job)) continue;
          slot.worker.postMessage({ type: 'end', job });
          if (slot.sweep === sweep) this.startGrace(slot);
        }
        this.refresh();
      };
      const sweep: ActiveSweep = {
        job: msg, tasks, next: 0, settled: false,
        deliver: (got, stats) => {
          got.forEach((row, k) => collector.add(row, stats, k * stride));
          const done = collector.done;
          req.onProgress?.({ done, total } satisfies SweepProgress);
          if (done !== total) return false;
          end();
          resolve(collectedResult(req.strategy, prep, collector, req.heatmap));
          return true;
        },
        fail: (err) => {
          if (sweep.settled) return;
          Atomics.store(cancel, 0, 1);
          end();
          reject(err);
        },
      };
      const onAbort = (): void => sweep.fail(new BacktestAbortedError(req.signal?.reason));
      req.signal?.addEventListener('abort', onAbort, { once: true });
      this.active.push(sweep);
      this.refresh();
      for (const slot of this.slots) if (slot.state === 'idle') this.feed(slot);

      // The calling thread's share, while some worker is still starting: a combination per event-loop
      // turn (so messages, progress and a cancel are handled in between).
      let own: WorkerTask | null = null;
      let evaluator: SetEvaluator | null = null; // made on the first set the calling thread takes
      let pos = 0;
      let slow = false;
      const mainStep = (): void => {
        if (sweep.settled) return;
        if (own === null) {
          if (slow || !this.slots.some((s) => s.state === 'starting') || sweep.next >= tasks.length) return;
          own = tasks[sweep.next++];
          pos = 0;
        }
        try {
          const t0 = Date.now();
          evaluator ??= new SetEvaluator(strategy, req.baseParams, series, req.options, rankBy, this.columns, blocks, req.evaluation);
          const r = evaluator.evaluate(own.sets[pos], own.start + pos);
          const packed = new Float64Array(stride);
          packStats(packed, 0, r.stats, blocks);
          if (Date.now() - t0 > callerMaxMs) slow = true;
          pos++;
          if (pos === own.sets.length) own = null;
          else if (slow) {
            tasks.push({ type: 'task', job, start: own.start + pos, sets: own.sets.slice(pos) }); // the rest goes to the workers
            own = null;
            for (const slot of this.slots) if (slot.state === 'idle') this.feed(slot);
          }
          if (sweep.deliver([r.row], packed)) return;
        } catch (err) {
          const at = own ? own.start + pos : undefined;
          const set = own ? own.sets[pos] : undefined;
          sweep.fail(err instanceof EngineError ? err : new SweepWorkerError(`${(err as Error)?.message ?? String(err)} (combination #${at}: ${JSON.stringify(set)})`, at, set, { cause: err }));
          return;
        }
        setImmediate(mainStep);
      };
      setImmediate(mainStep);
    });
  }

  /** Ends every worker; running sweeps reject with {@link SweepPoolClosedError}. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of [...this.active]) s.fail(new SweepPoolClosedError('the sweep pool was closed while the sweep ran'));
    await Promise.all(this.slots.map((s) => {
      if (s.grace) clearTimeout(s.grace);
      s.worker.ref(); // an unref'd worker's exit would not keep the process alive until close() resolves (see refresh)
      return s.worker.terminate();
    }));
    this.slots.length = 0;
    this.wakeIdle();
  }

  /**
   * Candles in shared memory, as the workers read them: copied once per columns object (columns
   * already on SharedArrayBuffers, such as views of shared candles, are used as they are), with the
   * id the workers keep them under.
   */
  share(c: CandleColumns): { id: number; candles: CandleColumns } {
    let known = this.shared.get(c);
    if (!known) {
      known = { id: this.nextSeriesId++, columns: toShared(c) };
      this.shared.set(c, known);
    }
    return { id: known.id, candles: known.columns };
  }

  private spawn(): Slot {
    const worker = new Worker(this.entry.file, { execArgv: this.entry.execArgv, workerData: { columnBudgetBytes: this.columnBudgetBytes } });
    this.spawned++;
    const slot: Slot = { worker, state: 'starting', jobs: new Set(), task: null, sweep: null, grace: null, lastError: null };
    this.slots.push(slot);
    worker.on('message', (m: WorkerReply) => this.onReply(slot, m));
    worker.on('error', (err) => { slot.lastError = err; });
    worker.on('exit', (code) => this.onExit(slot, code));
    this.refresh();
    return slot;
  }

  private onReply(slot: Slot, m: WorkerReply): void {
    if (m.type === 'ready') {
      slot.state = 'idle';
      if (this.slots.every((s) => s.state !== 'starting')) for (const r of this.readyWaiters.splice(0)) r();
      this.feed(slot);
      this.refresh();
      return;
    }
    const sweep = slot.sweep;
    if (m.type === 'error' && (!sweep || sweep.job.job !== m.job)) {
      // a job failed to start on this worker (its context message); fail that sweep if it still runs
      this.active.find((s) => s.job.job === m.job)?.fail(rebuildError(m.error));
      return;
    }
    slot.task = null;
    slot.sweep = null;
    slot.state = 'idle';
    if (slot.grace) { clearTimeout(slot.grace); slot.grace = null; }
    if (sweep && !sweep.settled) {
      if (m.type === 'error') sweep.fail(rebuildError(m.error, m.index, m.set));
      else if (m.type === 'rows') sweep.deliver(m.rows, m.stats);
    }
    this.feed(slot);
  }

  private onExit(slot: Slot, code: number): void {
    const at = this.slots.indexOf(slot);
    if (at < 0) return; // closed
    this.slots.splice(at, 1);
    if (slot.grace) clearTimeout(slot.grace);
    const sweep = slot.sweep;
    if (sweep && !sweep.settled) {
      const t = slot.task as WorkerTask;
      const why = slot.lastError ? `: ${slot.lastError.message}` : '';
      sweep.fail(new SweepWorkerError(
        `sweep worker exited with code ${code}${why} while evaluating combinations #${t.start}..#${t.start + t.sets.length - 1} (first: ${JSON.stringify(t.sets[0])})`,
        t.start, t.sets[0], { cause: slot.lastError ?? undefined },
      ));
    }
    if (!this.closed) this.spawn(); // keep the pool at its size
    this.wakeIdle();
  }

  /** Gives an idle worker the next task of the oldest sweep that has one. */
  private feed(slot: Slot): void {
    if (slot.state !== 'idle' || this.closed) { this.wakeIdle(); return; }
    for (const sweep of this.active) {
      if (sweep.settled || sweep.next >= sweep.tasks.length) continue;
      const task = sweep.tasks[sweep.next++];
      if (!slot.jobs.has(task.job)) {
        slot.jobs.add(task.job);
        slot.worker.postMessage(sweep.job);
      }
      slot.worker.postMessage(task);
      slot.task = task;
      slot.sweep = sweep;
      slot.state = 'busy';
      return;
    }
    this.wakeIdle();
  }

  /** A worker on a task of a finished sweep: replace it if it does not report back in time. */
  private startGrace(slot: Slot): void {
    if (slot.grace || slot.state !== 'busy') return;
    slot.grace = setTimeout(() => {
      slot.grace = null;
      if (slot.state === 'busy' && (slot.sweep?.settled ?? true)) {
        slot.sweep = null; // already settled: its exit is no failure
        void slot.worker.terminate();
      }
    }, this.cancelGraceMs);
  }

  /** Workers keep the process alive while they start or work, a sweep runs, or someone awaits ready()/idle(). */
  private refresh(): void {
    // while closing, the workers still here are terminating: close() awaits their exit
    const hold = this.closed || this.active.length > 0 || this.readyWaiters.length > 0 || this.idleWaiters.length > 0;
    for (const s of this.slots) {
      if (hold || s.state !== 'idle') s.worker.ref(); else s.worker.unref();
    }
  }

  private isIdle(): boolean {
    return this.slots.every((s) => s.state === 'idle');
  }

  private wakeIdle(): void {
    if (this.isIdle()) for (const r of this.idleWaiters.splice(0)) r();
    this.refresh();
  }
}

function rebuildError(e: WorkerErrorInfo, index?: number, set?: ParamSet): Error {
  const where = index !== undefined ? ` (combination #${index}: ${JSON.stringify(set)})` : '';
  const err = new SweepWorkerError(`${e.message}${where}`, index, set);
  // Keep the worker's error code (e.g. INVALID_PARAMS, UNKNOWN_STRATEGY) so callers can map it.
  Object.defineProperty(err, 'code', { value: e.code ?? 'SWEEP_WORKER_FAILED' });
  if (e.issues) Object.defineProperty(err, 'issues', { value: e.issues });
  err.name = e.name;
  return err;
}

/**
 * Runs one parameter sweep on a pool of its own (both cores by default) and closes it. Candles are
 * copied once into shared memory that every worker reads; combinations go out in chunks so fast
 * workers take more; while the workers load the engine (~0.1 s compiled, ~0.35 s from the
 * TypeScript sources) the calling thread evaluates chunks itself. To pay the start-up once for many
 * sweeps, create a {@link SweepPool} and call its `run`.
 * Gives exactly the rows `runSweep` gives, in the same ranked order.
 */
export async function runSweepParallel(req: ParallelSweepRequest): Promise<SweepResult> {
  if (req.workers !== undefined && !(Number.isInteger(req.workers) && req.workers >= 1)) {
    throw new InvalidParamsError([{ field: 'workers', message: `must be an integer >= 1, got ${String(req.workers)}` }], 'parallel sweep');
  }
  const total = prepareSweep(resolveStrategyIn(req.strategy, req.strategyModules), req).sets.length;
  const pool = new SweepPool({ workers: Math.max(1, Math.min(req.workers ?? availableParallelism(), total)) });
  try {
    return await pool.run(req);
  } finally {
    void pool.close();
  }
}
