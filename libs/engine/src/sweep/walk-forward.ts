import { InvalidParamsError } from '../core/errors';
import { runBacktest, type BacktestSeries, type PortfolioMetrics } from '../backtest';
import type { ParamSet } from './param-space';
import { resolveRanking, runSweep, sliceByTime, type SweepMetric, type SweepRequest } from './run-sweep';

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
}

/**
 * Walk-forward analysis: optimise on a rolling (or anchored) in-sample window, evaluate the best
 * parameters on the following out-of-sample window, move on. Fold boundaries are bar positions of
 * the first series, applied to every series by time. Each out-of-sample run starts flat and cold
 * (the strategy's warm-up bars fall inside the window), so no information leaks from in-sample.
 */
export function walkForward(req: WalkForwardRequest): WalkForwardResult {
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
  for (let f = 0; f < starts.length; f++) {
    const oosStart = starts[f];
    const isStart = req.anchored ? 0 : oosStart - isBars;
    const oosEnd = Math.min(oosStart + oosBars, n);
    const inSample = { start_ms: timeAt(isStart), end_ms: timeAt(oosStart) };
    const outOfSample = { start_ms: timeAt(oosStart), end_ms: timeAt(oosEnd) };
    const sweep = runSweep({ ...req, series: slice(inSample.start_ms, inSample.end_ms), rankBy, direction, onProgress: undefined });
    let oosMetrics: PortfolioMetrics | null = null;
    if (sweep.best) {
      oosMetrics = runBacktest({ strategy: req.strategy, params: { ...req.baseParams, ...sweep.best.params }, series: slice(outOfSample.start_ms, outOfSample.end_ms), options: req.options, signal: req.signal }).summary.portfolio;
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
  };
}
