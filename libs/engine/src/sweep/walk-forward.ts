import { InvalidParamsError } from '../core/errors';
import { runBacktest, type BacktestSeries, type PortfolioMetrics } from '../backtest';
import type { ParamSet, ParamValue } from './param-space';
import { resolveRanking, runSweep, sliceByTime, type SweepMetric, type SweepRequest, type SweepResult } from './run-sweep';

/** Input of {@link walkForward}: a sweep request plus the fold geometry (in bars of the first series). */
export interface WalkForwardRequest extends Omit<SweepRequest, 'top' | 'onProgress'> {
  /** Bars of each in-sample (optimisation) window. */
  readonly inSampleBars: number;
  /** Bars of each out-of-sample (evaluation) window. */
  readonly outOfSampleBars: number;
  /** Bars the windows move per fold (default `outOfSampleBars`, i.e. back-to-back OOS windows). */
  readonly stepBars?: number;
  /** Anchored: every in-sample window starts at the first bar (default false: rolling). */
  readonly anchored?: boolean;
  readonly onProgress?: (p: { readonly fold: number; readonly folds: number }) => void;
}

/** One fold of a walk-forward analysis. */
export interface WalkForwardFold {
  readonly fold: number;
  /** In-sample window [start, end) as epoch ms. */
  readonly inSample: { readonly start_ms: number; readonly end_ms: number };
  /** Out-of-sample window [start, end) as epoch ms. */
  readonly outOfSample: { readonly start_ms: number; readonly end_ms: number };
  /** Best params of the in-sample sweep (null when no combination ran). */
  readonly bestParams: ParamSet | null;
  readonly inSampleScore: number | null;
  /** Metrics of the best params on the out-of-sample window (null when none). */
  readonly outOfSampleMetrics: PortfolioMetrics | null;
  readonly outOfSampleScore: number | null;
}

/** Result of {@link walkForward}. */
export interface WalkForwardResult {
  readonly rankBy: SweepMetric;
  readonly direction: 'max' | 'min';
  readonly folds: readonly WalkForwardFold[];
  /** Out-of-sample returns compounded across folds, percent (each fold starts from the same capital). */
  readonly oosCompoundedReturnPct: number | null;
  /** Mean out-of-sample score over folds that produced one. */
  readonly oosMeanScore: number | null;
  /** Mean in-sample score: the gap to oosMeanScore shows how much the optimisation overfits. */
  readonly isMeanScore: number | null;
  /**
   * The out-of-sample equity of the folds stitched into one curve: each fold's curve rescaled to
   * start where the previous one ended (starting from the initial capital), each fold contributing
   * its bars before the next fold's out-of-sample start. KRW per bar; empty when no fold ran.
   */
  readonly oosEquity: { readonly timestamp: Float64Array; readonly equity: Float64Array };
  /** How stable the chosen parameters are across folds. */
  readonly stability: ParameterStability;
}

/** Stability of the best parameters across walk-forward folds. */
export interface ParameterStability {
  /** Folds whose best set differs from the previous fold's (of folds with a best set). */
  readonly changes: number;
  /** Fraction (0..1) of folds with a best set that chose the most frequent best set. */
  readonly modalShare: number | null;
  /** Per swept parameter: the value chosen in each fold (null when none ran) and its spread. */
  readonly params: readonly {
    readonly name: string;
    readonly values: readonly (ParamValue | null)[];
    readonly distinct: number;
    /** Mean and population standard deviation of numeric values; null otherwise. */
    readonly mean: number | null;
    readonly std: number | null;
    /** std / |mean| (null when mean is 0 or not numeric). */
    readonly relativeStd: number | null;
  }[];
}

/**
 * The fold loop of a walk-forward analysis, as a generator: it yields each in-sample window's
 * series and expects that window's sweep result back, so a synchronous driver ({@link walkForward})
 * and a pool-backed one (`walkForwardOnPool` in `@coinhts/engine/parallel`) share it.
 */
export function* walkForwardPlan(req: WalkForwardRequest): Generator<BacktestSeries[], WalkForwardResult, SweepResult> {
  const { rankBy, direction } = resolveRanking(req.rankBy, req.direction);
  const isBars = req.inSampleBars, oosBars = req.outOfSampleBars, step = req.stepBars ?? req.outOfSampleBars;
  const issues = [
    ['in_sample_bars', isBars], ['out_of_sample_bars', oosBars], ['step_bars', step],
  ].filter(([, v]) => !Number.isInteger(v) || (v as number) < 1).map(([f, v]) => ({ field: String(f), message: `must be an integer >= 1, got ${String(v)}` }));
  if (issues.length > 0) throw new InvalidParamsError(issues, 'walk-forward');
  if (!req.series?.length) throw new InvalidParamsError([{ field: 'series', message: 'must be a non-empty array' }], 'walk-forward');
  const clock = req.series[0].candles.timestamp;
  const n = clock.length;
  if (isBars + oosBars > n) throw new InvalidParamsError([{ field: 'in_sample_bars', message: `in-sample (${isBars}) + out-of-sample (${oosBars}) bars exceed the ${n} bars of ${req.series[0].symbol}` }], 'walk-forward');
  const timeAt = (i: number): number => (i < n ? clock[i] : clock[n - 1] + 1);
  const slice = (from: number, to: number): BacktestSeries[] => req.series.map((s) => ({ ...s, candles: sliceByTime(s.candles, from, to) }));

  const starts: number[] = [];
  for (let oosStart = isBars; oosStart < n; oosStart += step) starts.push(oosStart);
  const folds: WalkForwardFold[] = [];
  const stitchedT: number[] = [];
  const stitchedE: number[] = [];
  let level: number | null = null;
  for (let f = 0; f < starts.length; f++) {
    const oosStart = starts[f];
    const isStart = req.anchored ? 0 : oosStart - isBars;
    const oosEnd = Math.min(oosStart + oosBars, n);
    const inSample = { start_ms: timeAt(isStart), end_ms: timeAt(oosStart) };
    const outOfSample = { start_ms: timeAt(oosStart), end_ms: timeAt(oosEnd) };
    const sweep: SweepResult = yield slice(inSample.start_ms, inSample.end_ms);
    let oosMetrics: PortfolioMetrics | null = null;
    if (sweep.best) {
      const run = runBacktest({ strategy: req.strategy, params: { ...req.baseParams, ...sweep.best.params }, series: slice(outOfSample.start_ms, outOfSample.end_ms), options: req.options, signal: req.signal });
      oosMetrics = run.summary.portfolio;
      const initial = run.summary.options.initial_capital;
      if (level === null) level = initial;
      const until = f + 1 < starts.length ? timeAt(starts[f + 1]) : Infinity;
      const { timestamp, equity } = run.equity;
      let last: number = level;
      for (let t = 0; t < timestamp.length && timestamp[t] < until; t++) {
        last = level * (equity[t] / initial);
        stitchedT.push(timestamp[t]);
        stitchedE.push(last);
      }
      level = last;
    }
    const oosScore = oosMetrics ? oosMetrics[rankBy] : null;
    folds.push({
      fold: f, inSample, outOfSample, bestParams: sweep.best?.params ?? null, inSampleScore: sweep.best?.score ?? null,
      outOfSampleMetrics: oosMetrics, outOfSampleScore: typeof oosScore === 'number' && Number.isFinite(oosScore) ? oosScore : null,
    });
    req.onProgress?.({ fold: f + 1, folds: starts.length });
  }
  const mean = (xs: (number | null)[]): number | null => {
    const v = xs.filter((x): x is number => x !== null);
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
  };
  const rets = folds.map((f) => f.outOfSampleMetrics?.total_return_pct ?? null).filter((x): x is number => x !== null);
  const compounded = rets.length ? (rets.reduce((acc, r) => acc * (1 + r / 100), 1) - 1) * 100 : null;
  return {
    rankBy, direction, folds, oosCompoundedReturnPct: compounded,
    oosMeanScore: mean(folds.map((f) => f.outOfSampleScore)), isMeanScore: mean(folds.map((f) => f.inSampleScore)),
    oosEquity: { timestamp: Float64Array.from(stitchedT), equity: Float64Array.from(stitchedE) },
    stability: parameterStability(Object.keys(req.space), folds.map((f) => f.bestParams)),
  };
}

/** Stability of the chosen parameters over folds (see {@link ParameterStability}). */
export function parameterStability(names: readonly string[], chosen: readonly (ParamSet | null)[]): ParameterStability {
  const ran = chosen.filter((c): c is ParamSet => c !== null);
  let changes = 0;
  for (let k = 1; k < ran.length; k++) if (JSON.stringify(ran[k]) !== JSON.stringify(ran[k - 1])) changes++;
  const counts = new Map<string, number>();
  for (const c of ran) counts.set(JSON.stringify(c), (counts.get(JSON.stringify(c)) ?? 0) + 1);
  const modal = Math.max(0, ...counts.values());
  return {
    changes,
    modalShare: ran.length ? modal / ran.length : null,
    params: names.map((name) => {
      const values = chosen.map((c) => (c ? c[name] ?? null : null));
      const present = values.filter((v): v is ParamValue => v !== null);
      const nums = present.every((v) => typeof v === 'number') && present.length > 0 ? (present as number[]) : null;
      const m = nums ? nums.reduce((a, b) => a + b, 0) / nums.length : null;
      const sd = nums && m !== null ? Math.sqrt(nums.reduce((a, b) => a + (b - m) ** 2, 0) / nums.length) : null;
      return { name, values, distinct: new Set(present.map((v) => JSON.stringify(v))).size, mean: m, std: sd, relativeStd: m !== null && sd !== null && m !== 0 ? sd / Math.abs(m) : null };
    }),
  };
}

/**
 * Walk-forward analysis: optimise on a rolling (or anchored) in-sample window, evaluate the best
 * parameters on the following out-of-sample window, move on. Fold boundaries are bar positions of
 * the first series, applied to every series by time. Each out-of-sample run starts flat and cold
 * (the strategy's warm-up bars fall inside the window), so no information leaks from in-sample.
 * Reports the stitched out-of-sample equity and the stability of the chosen parameters.
 * One thread; `walkForwardOnPool` (`@coinhts/engine/parallel`) runs the sweeps on a SweepPool.
 */
export function walkForward(req: WalkForwardRequest): WalkForwardResult {
  const plan = walkForwardPlan(req);
  let step = plan.next();
  while (!step.done) step = plan.next(runSweep({ ...req, series: step.value, onProgress: undefined, top: 1, verdictBlocks: 0 }));
  return step.value;
}
