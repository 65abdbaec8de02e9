import { MS_PER_YEAR } from '../core/timeframes';
import { finiteOrNull } from './finite';

/**
 * Statistics of the per-bar simple returns of an equity curve:
 * r_k = E_k / E_{k−1} − 1 for k = 0..N−1, with E_{−1} = the initial capital (so N bars give N
 * returns). A bar whose previous equity is <= 0 has no defined return and is skipped. Fractions,
 * not percent.
 */
export interface ReturnStats {
  /** Number of defined returns. */
  readonly count: number;
  /** Arithmetic mean per bar (fraction); null when count is 0. */
  readonly mean: number | null;
  /** Sample standard deviation per bar (n − 1 denominator, fraction); null when count < 2. */
  readonly stdev: number | null;
  /**
   * Downside deviation per bar (fraction): sqrt(Σ min(0, r − target)² / count), every bar counted
   * in the denominator; null when count is 0.
   */
  readonly downsideDeviation: number | null;
}

/**
 * Per-bar return statistics of a curve (see {@link ReturnStats}); allocation-free, one pass.
 * `targetPerBar` is the threshold of the downside deviation (the per-bar risk-free rate for
 * Sortino), a fraction.
 */
export function perBarReturnStats(equity: ArrayLike<number>, initialCapital: number, targetPerBar = 0): ReturnStats {
  return scanCurve(equity, null, initialCapital, 0, targetPerBar).returns;
}

/** Total return in percent: (final / initial − 1) × 100; null when initial <= 0. */
export function totalReturnPct(initialCapital: number, finalEquity: number): number | null {
  return initialCapital > 0 ? finiteOrNull((finalEquity / initialCapital - 1) * 100) : null;
}

/**
 * Compound annual growth rate in percent: ((final / initial)^(1 / years) − 1) × 100 with
 * years = (lastTimestamp − firstTimestamp) / (365.2425 days). Null when the span is not positive,
 * initial <= 0 or final < 0.
 */
export function cagrPct(initialCapital: number, finalEquity: number, firstTimestampMs: number, lastTimestampMs: number): number | null {
  const years = (lastTimestampMs - firstTimestampMs) / MS_PER_YEAR;
  if (!(years > 0) || !(initialCapital > 0) || !(finalEquity >= 0)) return null;
  return finiteOrNull((Math.pow(finalEquity / initialCapital, 1 / years) - 1) * 100);
}

/** Per-bar equivalent of an annual rate given in percent: (1 + pct/100)^(1/barsPerYear) − 1 (fraction). */
export function perBarRate(annualPct: number, barsPerYear: number): number {
  return Math.pow(1 + annualPct / 100, 1 / barsPerYear) - 1;
}

/** Annualised volatility in percent: stdev(per-bar returns) × sqrt(barsPerYear) × 100; null without a stdev. */
export function annualizedVolatilityPct(stats: ReturnStats, barsPerYear: number): number | null {
  return stats.stdev === null ? null : finiteOrNull(stats.stdev * Math.sqrt(barsPerYear) * 100);
}

/**
 * Annualised Sharpe ratio: (mean − rf) / stdev × sqrt(barsPerYear), with rf the per-bar risk-free
 * rate (fraction). Null when stdev is missing or 0 (e.g. a flat curve).
 */
export function sharpeRatio(stats: ReturnStats, barsPerYear: number, riskFreePerBar = 0): number | null {
  if (stats.mean === null || stats.stdev === null || stats.stdev === 0) return null;
  return finiteOrNull(((stats.mean - riskFreePerBar) / stats.stdev) * Math.sqrt(barsPerYear));
}

/**
 * Annualised Sortino ratio: (mean − rf) / downsideDeviation × sqrt(barsPerYear), where the
 * downside deviation was computed with target rf (see {@link perBarReturnStats}). Null when the
 * downside deviation is missing or 0 (no bar below the target).
 */
export function sortinoRatio(stats: ReturnStats, barsPerYear: number, riskFreePerBar = 0): number | null {
  const dd = stats.downsideDeviation;
  if (stats.mean === null || dd === null || dd === 0) return null;
  return finiteOrNull(((stats.mean - riskFreePerBar) / dd) * Math.sqrt(barsPerYear));
}

/** Calmar ratio: CAGR % / max drawdown % (unitless). Null when either is null or the drawdown is 0. */
export function calmarRatio(cagr: number | null, maxDrawdown: number | null): number | null {
  if (cagr === null || maxDrawdown === null || maxDrawdown === 0) return null;
  return finiteOrNull(cagr / maxDrawdown);
}

/**
 * Drawdown facts of an equity curve, measured against the running peak of the **compounded**
 * equity, starting from the initial capital (index −1). Indices are bar indices of the curve.
 */
export interface DrawdownStats {
  /** Largest (peak − equity) / peak × 100 over all bars, percent (>= 0). */
  readonly maxDrawdownPct: number;
  /** Bar of the peak before the largest drawdown; −1 = the initial capital. */
  readonly peakIndex: number;
  /** Bar of the trough of the largest drawdown (−1 when there is no drawdown). */
  readonly troughIndex: number;
  /** First bar after the trough back at or above the peak; null when never recovered. */
  readonly recoveryIndex: number | null;
  /** Bars from the peak to the recovery (or to the last bar when not recovered); 0 when no drawdown. */
  readonly durationBars: number;
  /** The same span in ms (bar timestamps; the initial capital is stamped one bar before bar 0). */
  readonly durationMs: number;
  /** Longest span, in bars, from any peak to its recovery (or the last bar) — any drawdown, not only the largest. */
  readonly longestBars: number;
  /** That span in ms. */
  readonly longestMs: number;
}

/**
 * Drawdown facts of a curve; allocation-free, one pass. `timestamps[k]` is the time of bar k
 * (epoch ms); `barMs` stamps the initial capital at `timestamps[0] − barMs`.
 */
export function drawdownStats(equity: ArrayLike<number>, timestamps: ArrayLike<number>, initialCapital: number, barMs: number): DrawdownStats {
  return scanCurve(equity, timestamps, initialCapital, barMs, 0).drawdown;
}

/**
 * The single pass behind {@link perBarReturnStats}, {@link drawdownStats} and {@link equityMetrics}.
 * Memory-bound on large curves, so everything is computed while the curve is read once; the
 * variance uses sums shifted by the first return (exact 0 for a constant series, no division in
 * the loop-carried chain, unlike Welford's update).
 */
function scanCurve(equity: ArrayLike<number>, timestamps: ArrayLike<number> | null, initialCapital: number, barMs: number, target: number): { returns: ReturnStats; drawdown: DrawdownStats } {
  const n = equity.length;
  const out = new Float64Array(SCAN_SLOTS);
  scanLoop(equity, n, initialCapital, target, out);
  return curveFromScan(out, n, timestamps, barMs);
}

/**
 * Return and drawdown facts from the slots {@link scanLoop} fills (see {@link CURVE_SCAN_SLOTS}) for
 * a curve of `n` bars. Exported for the sweep's fused evaluation, which fills the same slots while
 * it simulates (so it reports exactly what {@link equityMetrics} reports for the same curve).
 */
export function curveFromScan(out: Float64Array, n: number, timestamps: ArrayLike<number> | null, barMs: number): { returns: ReturnStats; drawdown: DrawdownStats } {
  const count = out[S_COUNT], shift = out[S_SHIFT], s1 = out[S_S1], s2 = out[S_S2], down = out[S_DOWN];
  const peak = out[S_PEAK], peakIdx = out[S_PEAK_IDX], maxFrac = out[S_MAX_FRAC], maxPeakIdx = out[S_MAX_PEAK_IDX];
  const troughIdx = out[S_TROUGH_IDX], recovery = out[S_RECOVERY];
  let longest = out[S_LONGEST], longestFrom = out[S_LONGEST_FROM], longestTo = out[S_LONGEST_TO];
  const variance = count > 1 ? Math.max(0, (s2 - (s1 * s1) / count) / (count - 1)) : 0;
  const returns: ReturnStats = {
    count,
    mean: count > 0 ? shift + s1 / count : null,
    stdev: count > 1 ? Math.sqrt(variance) : null,
    downsideDeviation: count > 0 ? Math.sqrt(down / count) : null,
  };
  const last = n - 1;
  if (n > 0 && peakIdx < last && last - peakIdx > longest) { longest = last - peakIdx; longestFrom = peakIdx; longestTo = last; }
  const longestMs = longest > 0 ? timeAt(timestamps, barMs, longestTo) - timeAt(timestamps, barMs, longestFrom) : 0;
  if (troughIdx < 0 || !(peak > 0)) {
    return { returns, drawdown: { maxDrawdownPct: 0, peakIndex: peakIdx, troughIndex: -1, recoveryIndex: null, durationBars: 0, durationMs: 0, longestBars: longest, longestMs } };
  }
  const end = recovery >= 0 ? recovery : last;
  return {
    returns,
    drawdown: {
      maxDrawdownPct: maxFrac * 100, peakIndex: maxPeakIdx, troughIndex: troughIdx, recoveryIndex: recovery >= 0 ? recovery : null,
      durationBars: end - maxPeakIdx, durationMs: timeAt(timestamps, barMs, end) - timeAt(timestamps, barMs, maxPeakIdx), longestBars: longest, longestMs,
    },
  };
}

// Slots of scanLoop's output.
const S_COUNT = 0, S_SHIFT = 1, S_S1 = 2, S_S2 = 3, S_DOWN = 4, S_PEAK = 5, S_PEAK_IDX = 6, S_MAX_FRAC = 7, S_MAX_PEAK_IDX = 8;
const S_TROUGH_IDX = 9, S_RECOVERY = 10, S_LONGEST = 11, S_LONGEST_FROM = 12, S_LONGEST_TO = 13, SCAN_SLOTS = 14;

/**
 * Layout of the scan slots {@link curveFromScan} reads: the running sums and drawdown state of
 * {@link scanLoop} after the last bar (indices −1 = none).
 */
export const CURVE_SCAN_SLOTS = {
  count: S_COUNT, shift: S_SHIFT, s1: S_S1, s2: S_S2, down: S_DOWN, peak: S_PEAK, peakIdx: S_PEAK_IDX, maxFrac: S_MAX_FRAC, maxPeakIdx: S_MAX_PEAK_IDX,
  troughIdx: S_TROUGH_IDX, recovery: S_RECOVERY, longest: S_LONGEST, longestFrom: S_LONGEST_FROM, longestTo: S_LONGEST_TO, size: SCAN_SLOTS,
} as const;

/**
 * The hot loop of {@link scanCurve}, kept apart so the JIT's on-stack-replacement code never meets
 * code it has no type feedback for (object literals after the loop made it bail out on every
 * call). Locals and one array only; results go to `out` (indices −1 = none).
 */
function scanLoop(equity: ArrayLike<number>, n: number, initialCapital: number, target: number, out: Float64Array): void {
  // returns
  let prev = initialCapital;
  let count = 0, shift = 0, s1 = 0, s2 = 0, down = 0;
  // drawdown
  let peak = initialCapital;
  let peakIdx = -1;
  let maxFrac = 0, maxPeakIdx = -1, troughIdx = -1, recovery = -1;
  let longest = 0, longestFrom = -1, longestTo = -1;
  for (let k = 0; k < n; k++) {
    const e = equity[k];
    if (prev > 0) {
      const r = e / prev - 1;
      if (count === 0) shift = r;
      count++;
      const d = r - shift;
      s1 += d;
      s2 += d * d;
      // min(0, r − target) without a branch: the sign is a coin flip, and a mispredicted branch
      // per bar costs more than the rest of the loop.
      const below = r - target;
      const neg = (below - Math.abs(below)) * 0.5;
      down += neg * neg;
    }
    prev = e;
    if (e >= peak) {
      // Bars strictly between two peaks are all under water: a drawdown (peakIdx, k] just ended.
      if (k - peakIdx > 1) {
        if (k - peakIdx > longest) { longest = k - peakIdx; longestFrom = peakIdx; longestTo = k; }
        if (peakIdx === maxPeakIdx && troughIdx > peakIdx) recovery = k;
      }
      peak = e;
      peakIdx = k;
    } else if (peak - e > maxFrac * peak) {
      maxFrac = (peak - e) / peak;
      maxPeakIdx = peakIdx;
      troughIdx = k;
      // The deepest drawdown is now this one, which has not recovered yet: forget the recovery of
      // an earlier, shallower one.
      recovery = -1;
    }
  }
  out[S_COUNT] = count; out[S_SHIFT] = shift; out[S_S1] = s1; out[S_S2] = s2; out[S_DOWN] = down;
  out[S_PEAK] = peak; out[S_PEAK_IDX] = peakIdx; out[S_MAX_FRAC] = maxFrac; out[S_MAX_PEAK_IDX] = maxPeakIdx;
  out[S_TROUGH_IDX] = troughIdx; out[S_RECOVERY] = recovery; out[S_LONGEST] = longest; out[S_LONGEST_FROM] = longestFrom; out[S_LONGEST_TO] = longestTo;
}

/** Time of curve point k (ms); the initial capital (k = −1) is stamped one bar before bar 0. */
function timeAt(timestamps: ArrayLike<number> | null, barMs: number, k: number): number {
  if (timestamps === null) return 0;
  return k < 0 ? timestamps[0] - barMs : timestamps[k];
}

/** Inputs of {@link equityMetrics}. */
export interface EquityCurveInput {
  /** Equity after each bar's close, KRW. */
  readonly equity: Float64Array;
  /** Bar times, epoch ms, same length. */
  readonly timestamps: Float64Array;
  /** Capital before the first bar, KRW (> 0). */
  readonly initialCapital: number;
  /** Bars per year of the curve's timeframe (see `barsPerYear` in core/timeframes). */
  readonly barsPerYear: number;
  /** Length of one bar, ms. */
  readonly barMs: number;
  /** Annual risk-free rate in percent (default 0). */
  readonly riskFreeRatePct?: number;
}

/**
 * Curve-based metrics of a run. Percent fields end in `_pct`; null means "not defined for this
 * curve" (never NaN/Infinity): e.g. Sharpe of a flat curve, CAGR of a single bar.
 */
export interface EquityMetrics {
  /** KRW. */
  readonly initial_capital_krw: number;
  /** Equity after the last bar, KRW. */
  readonly final_equity_krw: number;
  /** final − initial, KRW. */
  readonly net_profit_krw: number;
  /** (final / initial − 1) × 100. */
  readonly total_return_pct: number | null;
  /** Annualised compound growth from the first to the last bar timestamp (365.2425-day year), percent. */
  readonly cagr_pct: number | null;
  /** Sample stdev of per-bar returns × sqrt(bars per year) × 100. */
  readonly volatility_ann_pct: number | null;
  /** (mean per-bar return − per-bar risk-free) / stdev × sqrt(bars per year). */
  readonly sharpe: number | null;
  /** (mean per-bar return − per-bar risk-free) / downside deviation × sqrt(bars per year). */
  readonly sortino: number | null;
  /** cagr_pct / max_drawdown_pct. */
  readonly calmar: number | null;
  /** Largest fall from a running peak of the compounded equity, percent of that peak (>= 0). */
  readonly max_drawdown_pct: number;
  /** Bars from the peak before the largest drawdown to its recovery (or to the last bar). */
  readonly max_drawdown_duration_bars: number;
  /** The same span in ms. */
  readonly max_drawdown_duration_ms: number;
  /** Longest peak-to-recovery span of any drawdown, bars. */
  readonly longest_drawdown_bars: number;
  /** The same span in ms. */
  readonly longest_drawdown_ms: number;
  /** Bars in the curve. */
  readonly bars: number;
}

/** Computes {@link EquityMetrics} in one allocation-free pass over the curve. */
export function equityMetrics(input: EquityCurveInput): EquityMetrics {
  const { equity, timestamps, initialCapital, barsPerYear, barMs } = input;
  const n = equity.length;
  const final = n > 0 ? equity[n - 1] : initialCapital;
  const rfBar = perBarRate(input.riskFreeRatePct ?? 0, barsPerYear);
  return equityMetricsFromScan(scanCurve(equity, timestamps, initialCapital, barMs, rfBar), n, final, timestamps, initialCapital, barsPerYear, rfBar);
}

/**
 * {@link EquityMetrics} of a curve of `n` bars ending at `final` KRW from its scan
 * ({@link curveFromScan}); `rfBar` is the per-bar risk-free rate the scan used as its target.
 */
export function equityMetricsFromScan(
  scan: { returns: ReturnStats; drawdown: DrawdownStats }, n: number, final: number, timestamps: ArrayLike<number>, initialCapital: number, barsPerYear: number, rfBar: number,
): EquityMetrics {
  const { returns: stats, drawdown: dd } = scan;
  const cagr = n > 0 ? cagrPct(initialCapital, final, timestamps[0], timestamps[n - 1]) : null;
  const mdd = finiteOrNull(dd.maxDrawdownPct) ?? 0;
  return {
    initial_capital_krw: initialCapital,
    final_equity_krw: final,
    net_profit_krw: final - initialCapital,
    total_return_pct: totalReturnPct(initialCapital, final),
    cagr_pct: cagr,
    volatility_ann_pct: annualizedVolatilityPct(stats, barsPerYear),
    sharpe: sharpeRatio(stats, barsPerYear, rfBar),
    sortino: sortinoRatio(stats, barsPerYear, rfBar),
    calmar: calmarRatio(cagr, mdd),
    max_drawdown_pct: mdd,
    max_drawdown_duration_bars: dd.durationBars,
    max_drawdown_duration_ms: dd.durationMs,
    longest_drawdown_bars: dd.longestBars,
    longest_drawdown_ms: dd.longestMs,
    bars: n,
  };
}
