import type { BacktestSeries } from '../backtest';
import type { ParamSet } from '../sweep/param-space';
import type { SweepMetric, SweepRow } from '../sweep';

/** Sent once to every sweep worker as `workerData`. */
export interface WorkerInit {
  readonly strategy: string;
  readonly baseParams?: Readonly<Record<string, unknown>>;
  readonly options?: unknown;
  readonly rankBy: SweepMetric;
  /** Candle columns backed by SharedArrayBuffers. */
  readonly series: readonly BacktestSeries[];
}

/** A chunk of combinations; `start` is the generation index of `sets[0]`. */
export interface WorkerTask {
  readonly type: 'task';
  readonly start: number;
  readonly sets: readonly ParamSet[];
}

/** A worker's messages: `ready` once it has loaded the engine, then one answer per task. */
export type WorkerReply =
  | { readonly type: 'ready' }
  | { readonly type: 'rows'; readonly rows: readonly SweepRow[] }
  | { readonly type: 'error'; readonly error: { readonly name: string; readonly code?: string; readonly message: string; readonly issues?: unknown } };
