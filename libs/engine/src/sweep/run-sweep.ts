import type { CandleColumns } from '../core/candles';
import { BacktestAbortedError, EngineError, InvalidParamsError } from '../core/errors';
import type { ColumnCache } from '../core/columns';
import type { StrategyDefinition } from '../core/strategy';
import { runBacktest, type BacktestSeries, type PortfolioMetrics } from '../backtest';
import { LruColumnCache } from './column-cache';
import { gridParamSets, randomParamSets, type ParamSet, type ParamSpace } from './param-space';

/** Metrics a sweep can rank by: every numeric metric of the portfolio summary. */
export const SWEEP_METRICS = [
  'total_return_pct', 'cagr_pct', 'sharpe', 'sortino', 'calmar', 'max_drawdown_pct', 'volatility_ann_pct',
  'profit_factor', 'expectancy_pct', 'expectancy_krw', 'win_rate', 'sqn', 'net_profit_krw', 'final_equity_krw',
  'avg_trade_pct', 'trade_count', 'exposure', 'fees_paid_krw',
] as const satisfies readonly (keyof PortfolioMetrics)[];
/** One of {@link SWEEP_METRICS}. */
export type SweepMetric = (typeof SWEEP_METRICS)[number];

/** Metrics where smaller is better; everything else ranks larger first. */
const LOWER_IS_BETTER: ReadonlySet<SweepMetric> = new Set(['max_drawdown_pct', 'volatility_ann_pct', 'fees_paid_krw']);

/** Default ranking direction of a metric. */
export function defaultDirection(metric: SweepMetric): 'max' | 'min' {
  return LOWER_IS_BETTER.has(metric) ? 'min' : 'max';
}

/** How to choose combinations. */
export type SweepMode = { readonly kind: 'grid'; readonly limit?: number } | { readonly kind: 'random'; readonly samples: number; readonly seed?: number };

/** Progress of a sweep. */
export interface SweepProgress {
  /** Combinations evaluated so far. */
  readonly done: number;
  readonly total: number;
}

/** Input of {@link runSweep}. */
export interface SweepRequest {
  readonly strategy: StrategyDefinition<object>;
  /** Params that are not swept (defaults apply to the rest). */
  readonly baseParams?: Readonly<Record<string, unknown>>;
  readonly space: ParamSpace;
  readonly mode?: SweepMode;
  readonly series: readonly BacktestSeries[];
  /** Portfolio options (see PortfolioOptionsSchema), the same for every combination. */
  readonly options?: unknown;
  readonly rankBy?: SweepMetric;
  readonly direction?: 'max' | 'min';
  /** Keep only the best `top` rows in the result (all by default). */
  readonly top?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: SweepProgress) => void;
  /**
   * Indicator columns shared by the combinations (each distinct indicator, parameters and input is
   * computed once). Default: a new {@link LruColumnCache} with the default budget per sweep; null
   * computes every combination's columns afresh. Rows are identical either way.
   */
  readonly columns?: ColumnCache | null;
}

/** The outcome of one combination. */
export interface SweepRow {
  /** Index of the combination in generation order (stable across runs). */
  readonly index: number;
  readonly params: ParamSet;
  /** The ranking metric; null when undefined for this run (ranked last) or the run failed. */
  readonly score: number | null;
  /** Portfolio metrics; null when the combination was rejected. */
  readonly metrics: PortfolioMetrics | null;
  /** Why the combination could not run (e.g. fast period >= slow period), if it could not. */
  readonly error?: { readonly code: string; readonly message: string };
}

/** A ranked sweep. */
export interface SweepResult {
  readonly strategy: string;
  readonly rankBy: SweepMetric;
  readonly direction: 'max' | 'min';
  /** Combinations generated. */
  readonly total: number;
  /** Combinations that ran. */
  readonly evaluated: number;
  /** Combinations rejected by the strategy or options validation. */
  readonly failed: number;
  /** Rows, best first (ties keep generation order). */
  readonly rows: readonly SweepRow[];
  /** The best row that ran, or null when none did. */
  readonly best: SweepRow | null;
}

/** Validates the ranking inputs; shared by the sequential and parallel runners. */
export function resolveRanking(rankBy: string | undefined, direction: string | undefined): { rankBy: SweepMetric; direction: 'max' | 'min' } {
  const metric = (rankBy ?? 'sharpe') as SweepMetric;
  if (!SWEEP_METRICS.includes(metric)) throw new InvalidParamsError([{ field: 'rank_by', message: `unknown metric "${rankBy}"; one of ${SWEEP_METRICS.join(', ')}` }], 'sweep');
  if (direction !== undefined && direction !== 'max' && direction !== 'min') throw new InvalidParamsError([{ field: 'direction', message: `must be "max" or "min", got ${String(direction)}` }], 'sweep');
  return { rankBy: metric, direction: (direction as 'max' | 'min' | undefined) ?? defaultDirection(metric) };
}

/** The combinations a request asks for, in generation order. */
export function sweepParamSets(space: ParamSpace, mode: SweepMode = { kind: 'grid' }): ParamSet[] {
  return mode.kind === 'grid' ? gridParamSets(space, mode.limit) : randomParamSets(space, mode.samples, mode.seed ?? 1);
}

/**
 * Runs one combination; a combination the strategy or options reject becomes an error row
 * instead of failing the sweep. Cancellation and engine bugs still throw.
 */
export function evaluateParamSet(
  strategy: StrategyDefinition<object>, baseParams: Readonly<Record<string, unknown>> | undefined, set: ParamSet, index: number,
  series: readonly BacktestSeries[], options: unknown, rankBy: SweepMetric, signal?: AbortSignal, columns?: ColumnCache,
): SweepRow {
  try {
    const r = runBacktest({ strategy, params: { ...baseParams, ...set }, series, options, signal, columns });
    const m = r.summary.portfolio;
    const score = m[rankBy];
    return { index, params: set, score: typeof score === 'number' && Number.isFinite(score) ? score : null, metrics: m };
  } catch (err) {
    if (err instanceof BacktestAbortedError) throw err;
    if (err instanceof InvalidParamsError) return { index, params: set, score: null, metrics: null, error: { code: err.code, message: err.message } };
    if (err instanceof EngineError && err.code === 'INVALID_CANDLES') throw err;
    throw err;
  }
}

/** Sorts rows best first: scores by direction, null scores last, ties by generation index. */
export function rankRows(rows: SweepRow[], direction: 'max' | 'min'): SweepRow[] {
  const sign = direction === 'max' ? -1 : 1;
  return rows.sort((a, b) => {
    if (a.score === null || b.score === null) return a.score === null ? (b.score === null ? a.index - b.index : 1) : -1;
    return a.score === b.score ? a.index - b.index : sign * (a.score - b.score);
  });
}

/** Assembles a {@link SweepResult} from evaluated rows. */
export function finishSweep(strategy: string, rankBy: SweepMetric, direction: 'max' | 'min', rows: SweepRow[], top?: number): SweepResult {
  const ranked = rankRows(rows, direction);
  const failed = ranked.filter((r) => r.error).length;
  const best = ranked.find((r) => !r.error) ?? null;
  return { strategy, rankBy, direction, total: ranked.length, evaluated: ranked.length - failed, failed, rows: top ? ranked.slice(0, top) : ranked, best };
}

/**
 * Grid or random search over a strategy's parameters on one thread, ranked by a metric.
 * Deterministic: the same request gives the same rows in the same order. For both cores use
 * `runSweepParallel` from `@coinhts/engine/parallel`.
 */
export function runSweep(req: SweepRequest): SweepResult {
  const { rankBy, direction } = resolveRanking(req.rankBy, req.direction);
  const sets = sweepParamSets(req.space, req.mode);
  const rows: SweepRow[] = [];
  const columns = req.columns === null ? undefined : (req.columns ?? new LruColumnCache());
  for (let i = 0; i < sets.length; i++) {
    if (req.signal?.aborted) throw new BacktestAbortedError(req.signal.reason);
    rows.push(evaluateParamSet(req.strategy, req.baseParams, sets[i], i, req.series, req.options, rankBy, req.signal, columns));
    req.onProgress?.({ done: i + 1, total: sets.length });
  }
  return finishSweep(req.strategy.name, rankBy, direction, rows, req.top);
}

/** Candle columns of rows whose timestamps fall in [fromMs, toMs). */
export function sliceByTime(c: CandleColumns, fromMs: number, toMs: number): CandleColumns {
  const lo = lowerBound(c.timestamp, fromMs);
  const hi = lowerBound(c.timestamp, toMs);
  return {
    timestamp: c.timestamp.subarray(lo, hi), open: c.open.subarray(lo, hi), high: c.high.subarray(lo, hi),
    low: c.low.subarray(lo, hi), close: c.close.subarray(lo, hi), volume: c.volume.subarray(lo, hi),
  };
}

function lowerBound(a: Float64Array, x: number): number {
  let lo = 0, hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1; else hi = mid;
  }
  return lo;
}
