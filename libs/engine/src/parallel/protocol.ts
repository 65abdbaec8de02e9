import type { BacktestSeries } from '../backtest';
import type { ParamSet } from '../sweep/param-space';
import type { SweepEvaluation, SweepMetric, SweepRow } from '../sweep';

/** Candle series of a job, with an id the worker keeps them under between jobs (columns on SharedArrayBuffers). */
export interface SharedSeries extends BacktestSeries {
  /** Stable id of these shared columns within the pool (same id = same memory). */
  readonly id: number;
}

/** Starts a sweep on a worker; the worker keeps its context until `end`. */
export interface WorkerJob {
  readonly type: 'job';
  readonly job: number;
  readonly strategy: string;
  /** Module paths that export `strategies` (custom strategy definitions) to load first. */
  readonly strategyModules?: readonly string[];
  readonly baseParams?: Readonly<Record<string, unknown>>;
  readonly options?: unknown;
  readonly rankBy: SweepMetric;
  readonly series: readonly SharedSeries[];
  /** Int32Array(1) on a SharedArrayBuffer: 1 = cancelled (checked between combinations). */
  readonly cancel: Int32Array;
  /** Time blocks of the per-set block statistics (0 = none). */
  readonly blocks: number;
  /** Full rows the sweep keeps (all when undefined) and its direction: rows below a chunk's best `top` go back without metrics. */
  readonly top?: number;
  readonly direction: 'max' | 'min';
  /** How each set is evaluated (see SweepEvaluation). */
  readonly evaluation?: SweepEvaluation;
}

/** A chunk of combinations; `start` is the generation index of `sets[0]`. */
export interface WorkerTask {
  readonly type: 'task';
  readonly job: number;
  readonly start: number;
  readonly sets: readonly ParamSet[];
}

/** Frees a job's context on the worker. */
export interface WorkerEnd {
  readonly type: 'end';
  readonly job: number;
}

/** Messages to a worker. */
export type WorkerRequest = WorkerJob | WorkerTask | WorkerEnd;

/** A serialisable error from a worker. */
export interface WorkerErrorInfo {
  readonly name: string;
  readonly code?: string;
  readonly message: string;
  readonly issues?: unknown;
}

/** A worker's messages: `ready` once it has loaded the engine, then one answer per task. */
export type WorkerReply =
  | { readonly type: 'ready' }
  /** `stats`: each row's packed bar-return statistics (packStats), packedStride(blocks) values per row. */
  | { readonly type: 'rows'; readonly job: number; readonly rows: readonly SweepRow[]; readonly stats: Float64Array }
  | { readonly type: 'cancelled'; readonly job: number }
  | { readonly type: 'error'; readonly job: number; readonly error: WorkerErrorInfo; readonly index?: number; readonly set?: ParamSet };
