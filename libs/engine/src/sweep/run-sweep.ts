import type { CandleColumns } from '../core/candles';
import { BacktestAbortedError, InvalidParamsError } from '../core/errors';
import type { ColumnCache } from '../core/columns';
import type { StrategyDefinition } from '../core/strategy';
import { runBacktest, type BacktestSeries, type PortfolioMetrics } from '../backtest';
import { returnBlockStats, type ReturnBlockStats } from '../metrics/overfitting';
import { LruColumnCache } from './column-cache';
import { SummaryRunner } from './summary-run';
import { packedStride, packStats, resolveVerdictBlocks, SweepCollector, type OverfittingVerdict, type SweepHeatmap } from './collector';
import { DEFAULT_MAX_COMBINATIONS, gridParamSets, randomParamSets, type ParamSet, type ParamSpace } from './param-space';

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

/** How to choose combinations: the grid, seeded random samples, or an explicit list (e.g. a search's rung). */
export type SweepMode =
  | { readonly kind: 'grid'; readonly limit?: number }
  | { readonly kind: 'random'; readonly samples: number; readonly seed?: number }
  | { readonly kind: 'list'; readonly sets: readonly ParamSet[] };

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
  /**
   * Time blocks S of the overfitting verdict's CSCV (even, 2..32; 0 = no verdict). Default: the
   * largest even number <= 8 whose work fits MAX_CSCV_WORK for this many sets.
   */
  readonly verdictBlocks?: number;
  /** Two swept parameters to report a heat map of against the ranking metric (`result.heatmap`). */
  readonly heatmap?: readonly [string, string];
  /** How each set is evaluated (default `'summary'`, see {@link SweepEvaluation}); rows are identical either way. */
  readonly evaluation?: SweepEvaluation;
}

/**
 * How a sweep evaluates a set. `'summary'` (default): one fused pass over the bars that gives the
 * portfolio metrics and return statistics a row needs, without the trade list, equity curve and
 * signal study of a full run (`SummaryRunner`; runs of several series fall back to `runBacktest`).
 * `'full'`: `runBacktest` per set, the reference the summary pass is tested equal to.
 */
export type SweepEvaluation = 'summary' | 'full';

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
  /** How much of the best row is luck: deflated Sharpe ratio and PBO over every set (null when no set ran or verdictBlocks is 0 and ... see docs/metrics.md). */
  readonly verdict: OverfittingVerdict | null;
  /** The heat map asked for with `heatmap`. */
  readonly heatmap?: SweepHeatmap;
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
  if (mode.kind === 'list') {
    if (!Array.isArray(mode.sets) || mode.sets.length === 0) throw new InvalidParamsError([{ field: 'sets', message: 'must be a non-empty list of parameter sets' }], 'sweep');
    if (mode.sets.length > DEFAULT_MAX_COMBINATIONS) throw new InvalidParamsError([{ field: 'sets', message: `${mode.sets.length} sets exceed the limit of ${DEFAULT_MAX_COMBINATIONS}` }], 'sweep');
    return [...mode.sets];
  }
  return mode.kind === 'grid' ? gridParamSets(space, mode.limit) : randomParamSets(space, mode.samples, mode.seed ?? 1);
}

/** A set's row and the bar-return statistics the overfitting verdict needs (null when it did not run). */
export interface EvaluatedSet {
  readonly row: SweepRow;
  readonly stats: ReturnBlockStats | null;
}

/**
 * Runs one combination; a combination the strategy or options reject becomes an error row
 * instead of failing the sweep. Cancellation and engine bugs still throw. With `blocks` >= 0 it
 * also returns the statistics of the equity curve's bar returns over that many time blocks.
 */
export function evaluateSet(
  strategy: StrategyDefinition<object>, baseParams: Readonly<Record<string, unknown>> | undefined, set: ParamSet, index: number,
  series: readonly BacktestSeries[], options: unknown, rankBy: SweepMetric, signal: AbortSignal | undefined, columns: ColumnCache | undefined, blocks: number,
): EvaluatedSet {
  try {
    const r = runBacktest({ strategy, params: { ...baseParams, ...set }, series, options, signal, columns });
    const m = r.summary.portfolio;
    const score = m[rankBy];
    const row: SweepRow = { index, params: set, score: typeof score === 'number' && Number.isFinite(score) ? score : null, metrics: m };
    return { row, stats: returnBlockStats(r.equity.equity, r.summary.options.initial_capital, blocks) };
  } catch (err) {
    if (err instanceof BacktestAbortedError) throw err;
    if (err instanceof InvalidParamsError) return { row: { index, params: set, score: null, metrics: null, error: { code: err.code, message: err.message } }, stats: null };
    throw err;
  }
}

/**
 * Evaluates the sets of one sweep: the same rows and statistics as {@link evaluateSet}, through the
 * fused summary pass when the request allows it (one series, valid options and candles; see
 * {@link SweepEvaluation}). One per sweep (per worker job): it keeps its scratch state between sets.
 */
export class SetEvaluator {
  private readonly runner: SummaryRunner | null;

  constructor(
    private readonly strategy: StrategyDefinition<object>,
    private readonly baseParams: Readonly<Record<string, unknown>> | undefined,
    private readonly series: readonly BacktestSeries[],
    private readonly options: unknown,
    private readonly rankBy: SweepMetric,
    private readonly columns: ColumnCache | undefined,
    private readonly blocks: number,
    evaluation: SweepEvaluation = 'summary',
  ) {
    this.runner = evaluation === 'summary' ? SummaryRunner.create(strategy, series, options, columns) : null;
  }

  /** The row of set `index` (an error row when the strategy or options reject it) and its statistics. */
  evaluate(set: ParamSet, index: number, signal?: AbortSignal): EvaluatedSet {
    const runner = this.runner;
    if (runner === null) return evaluateSet(this.strategy, this.baseParams, set, index, this.series, this.options, this.rankBy, signal, this.columns, this.blocks);
    if (signal?.aborted) throw new BacktestAbortedError(signal.reason);
    try {
      const r = runner.run({ ...this.baseParams, ...set }, this.blocks);
      const score = r.metrics[this.rankBy];
      return { row: { index, params: set, score: typeof score === 'number' && Number.isFinite(score) ? score : null, metrics: r.metrics }, stats: r.stats };
    } catch (err) {
      if (err instanceof InvalidParamsError) return { row: { index, params: set, score: null, metrics: null, error: { code: err.code, message: err.message } }, stats: null };
      throw err;
    }
  }
}

/** {@link evaluateSet} without the statistics: the row of one combination. */
export function evaluateParamSet(
  strategy: StrategyDefinition<object>, baseParams: Readonly<Record<string, unknown>> | undefined, set: ParamSet, index: number,
  series: readonly BacktestSeries[], options: unknown, rankBy: SweepMetric, signal?: AbortSignal, columns?: ColumnCache,
): SweepRow {
  return evaluateSet(strategy, baseParams, set, index, series, options, rankBy, signal, columns, 0).row;
}

/** A sweep request checked before any work: ranking, combinations, verdict blocks. */
export interface PreparedSweep {
  readonly rankBy: SweepMetric;
  readonly direction: 'max' | 'min';
  readonly sets: ParamSet[];
  readonly blocks: number;
}

/**
 * Checks everything a sweep can be refused for before any combination runs, naming the field and
 * the limit: the metric and direction, the space (shape, size limit), swept and base parameters
 * the strategy does not have, `top`, the heat map's parameters and the verdict's blocks.
 */
export function prepareSweep(strategy: StrategyDefinition<object>, req: Omit<SweepRequest, 'strategy'>): PreparedSweep {
  const { rankBy, direction } = resolveRanking(req.rankBy, req.direction);
  const known = Object.keys((strategy.jsonSchema as { properties?: object }).properties ?? {});
  const unknownIssues = [
    ...Object.keys(req.space ?? {}).map((n) => ['space', n] as const),
    ...Object.keys(req.baseParams ?? {}).map((n) => ['base_params', n] as const),
  ].filter(([, n]) => known.length > 0 && !known.includes(n))
    .map(([where, n]) => ({ field: `${where}.${n}`, message: `not a parameter of ${strategy.name}; its parameters are ${known.join(', ')}` }));
  if (unknownIssues.length) throw new InvalidParamsError(unknownIssues, 'sweep');
  if (req.top !== undefined && !(Number.isInteger(req.top) && req.top >= 1)) throw new InvalidParamsError([{ field: 'top', message: `must be an integer >= 1, got ${String(req.top)}` }], 'sweep');
  if (req.heatmap !== undefined) {
    const [x, y] = req.heatmap;
    const names = Object.keys(req.space ?? {});
    const bad = [x, y].filter((n) => !names.includes(n));
    if (bad.length || x === y) throw new InvalidParamsError([{ field: 'heatmap', message: `needs two different swept parameters (${names.join(', ')}), got ${x}, ${y}` }], 'sweep');
  }
  if (req.evaluation !== undefined && req.evaluation !== 'summary' && req.evaluation !== 'full') {
    throw new InvalidParamsError([{ field: 'evaluation', message: `must be "summary" or "full", got ${JSON.stringify(req.evaluation)}` }], 'sweep');
  }
  const sets = sweepParamSets(req.space, req.mode);
  return { rankBy, direction, sets, blocks: resolveVerdictBlocks(req.verdictBlocks, sets.length) };
}

/** Assembles a {@link SweepResult} from a collector that holds every set. */
export function collectedResult(strategy: string, prep: PreparedSweep, c: SweepCollector, heatmap?: readonly [string, string]): SweepResult {
  const failed = c.failedCount();
  return {
    strategy, rankBy: prep.rankBy, direction: prep.direction, total: c.total, evaluated: c.total - failed, failed,
    rows: c.rows() as SweepRow[], best: c.bestRow() as SweepRow | null, verdict: c.verdict(),
    ...(heatmap ? { heatmap: c.heatmap(heatmap[0], heatmap[1], prep.rankBy, (i) => prep.sets[i]) } : {}),
  };
}

/**
 * Grid or random search over a strategy's parameters on one thread, ranked by a metric, with the
 * overfitting verdict of the best set. Deterministic: the same request gives the same rows in the
 * same order. Memory: full rows for the best `top` only (all when `top` is not given) plus a compact
 * summary per set. For both cores use `SweepPool` / `runSweepParallel` from `@coinhts/engine/parallel`.
 */
export function runSweep(req: SweepRequest): SweepResult {
  const prep = prepareSweep(req.strategy, req);
  const { sets, blocks } = prep;
  const collector = new SweepCollector(sets.length, blocks, prep.direction, req.top);
  const columns = req.columns === null ? undefined : (req.columns ?? new LruColumnCache());
  const evaluator = new SetEvaluator(req.strategy, req.baseParams, req.series, req.options, prep.rankBy, columns, blocks, req.evaluation);
  for (let i = 0; i < sets.length; i++) {
    if (req.signal?.aborted) throw new BacktestAbortedError(req.signal.reason);
    const { row, stats } = evaluator.evaluate(sets[i], i, req.signal);
    collector.add(row, stats ? packOne(stats, blocks) : null);
    req.onProgress?.({ done: i + 1, total: sets.length });
  }
  return collectedResult(req.strategy.name, prep, collector, req.heatmap);
}

function packOne(stats: ReturnBlockStats, blocks: number): Float64Array {
  const out = new Float64Array(packedStride(blocks));
  packStats(out, 0, stats, blocks);
  return out;
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
