import { assertFiniteParam, assertPeriod, withDefault } from './params';
import { assertFiniteInput, throwNonFinite, toFloat64, warmUpOutput } from './series';
import type { StreamingIndicator } from './types';

/** Options of {@link bollingerBands} / {@link BollingerBands}. */
export interface BollingerBandsOptions {
  /** Window of the middle band (SMA) and of the standard deviation, in bars. Integer >= 1. Default 20. */
  readonly period?: number;
  /** Upper band distance in standard deviations (population). Finite, in [0, 1000]. Default 2. */
  readonly stdDevUp?: number;
  /** Lower band distance in standard deviations (population). Finite, in [0, 1000]. Default 2. */
  readonly stdDevDown?: number;
}

/** One Bollinger Bands value; all in the input's unit (price). */
export interface BollingerBandsResult {
  /** `middle + stdDevUp * sd`. */
  readonly upper: number;
  /** Simple moving average over `period`. */
  readonly middle: number;
  /** `middle - stdDevDown * sd`. */
  readonly lower: number;
}

/** Batch Bollinger Bands: three columns of the input's length, NaN during the warm-up. */
export interface BollingerBandsSeries {
  /** Upper band. */
  readonly upper: Float64Array;
  /** Middle band (SMA). */
  readonly middle: Float64Array;
  /** Lower band. */
  readonly lower: Float64Array;
}

const MAX_MULTIPLIER = 1000;

function resolve(options: BollingerBandsOptions | undefined): Required<BollingerBandsOptions> {
  return {
    period: assertPeriod('BollingerBands', 'period', withDefault(options?.period, 20)),
    stdDevUp: assertFiniteParam('BollingerBands', 'stdDevUp', withDefault(options?.stdDevUp, 2), 0, MAX_MULTIPLIER),
    stdDevDown: assertFiniteParam('BollingerBands', 'stdDevDown', withDefault(options?.stdDevDown, 2), 0, MAX_MULTIPLIER),
  };
}

/**
 * Bollinger Bands as TA-Lib's `BBANDS` with `matype = 0` (SMA): middle = SMA(period);
 * sd = population standard deviation over the same window, computed as
 * `sqrt(mean(x²) - middle²)` with running sums in TA-Lib's order (see `stdDev` for precision);
 * upper/lower = middle ± multiplier * sd. Lookback `period - 1`.
 *
 * @param values - Prices (any unit); NaN/±Infinity throw {@link NonFiniteInputError}.
 * @param options - Period and multipliers; defaults 20 / 2 / 2 (TA-Lib's own default period is 5).
 * @returns Three Float64Arrays of the input's length; NaN at indices `< period - 1`.
 */
export function bollingerBands(values: ArrayLike<number>, options?: BollingerBandsOptions): BollingerBandsSeries {
  const { period, stdDevUp, stdDevDown } = resolve(options);
  const x = toFloat64(values);
  const n = x.length;
  const lookback = period - 1;
  const upper = warmUpOutput(n, lookback);
  const middle = warmUpOutput(n, lookback);
  const lower = warmUpOutput(n, lookback);
  let sum = 0;
  let sum2 = 0;
  const warm = Math.min(lookback, n);
  for (let i = 0; i < warm; i++) {
    const v = x[i];
    if (v - v !== 0) throwNonFinite('BollingerBands', 'value', i, v);
    sum += v;
    sum2 += v * v;
  }
  for (let i = lookback; i < n; i++) {
    const v = x[i];
    if (v - v !== 0) throwNonFinite('BollingerBands', 'value', i, v);
    sum += v;
    sum2 += v * v;
    const mid = sum / period;
    const mean2 = sum2 / period;
    const t = x[i - lookback];
    sum -= t;
    sum2 -= t * t;
    const variance = mean2 - mid * mid;
    const sd = variance > 0 ? Math.sqrt(variance) : 0;
    middle[i] = mid;
    upper[i] = mid + sd * stdDevUp;
    lower[i] = mid - sd * stdDevDown;
  }
  return { upper, middle, lower };
}

/** Streaming Bollinger Bands; see {@link bollingerBands} for the computation. */
export class BollingerBands implements StreamingIndicator<number, BollingerBandsResult> {
  /** Window length in bars. */
  readonly period: number;
  /** Upper multiplier (standard deviations). */
  readonly stdDevUp: number;
  /** Lower multiplier (standard deviations). */
  readonly stdDevDown: number;
  /** `period - 1`. */
  readonly lookback: number;
  private readonly window: Float64Array;
  private n = 0;
  private pos = 0;
  private sum = 0;
  private sum2 = 0;
  private result: BollingerBandsResult | null = null;
  /** Latest upper band (input unit), NaN during the warm-up; written in place by {@link update}. */
  upper = NaN;
  /** Latest middle band (the SMA, input unit), NaN during the warm-up. */
  middle = NaN;
  /** Latest lower band (input unit), NaN during the warm-up. */
  lower = NaN;

  /** @param options - Period and multipliers; defaults 20 / 2 / 2. */
  constructor(options?: BollingerBandsOptions) {
    const o = resolve(options);
    this.period = o.period;
    this.stdDevUp = o.stdDevUp;
    this.stdDevDown = o.stdDevDown;
    this.lookback = o.period - 1;
    this.window = new Float64Array(o.period);
  }

  /** Inputs accepted so far. */
  get count(): number {
    return this.n;
  }

  /** Whether a result is available. */
  get isStable(): boolean {
    return this.n > this.lookback;
  }

  /**
   * Adds one price and stores the bands in {@link upper}, {@link middle} and {@link lower} (NaN
   * during warm-up); allocates nothing. Same numbers as {@link add}, which is built on it.
   */
  update(value: number): void {
    assertFiniteInput('BollingerBands', 'value', this.n, value);
    const p = this.period;
    this.sum += value;
    this.sum2 += value * value;
    this.window[this.pos] = value;
    let next = this.pos + 1;
    if (next === p) next = 0;
    if (this.n >= p - 1) {
      const mid = this.sum / p;
      const mean2 = this.sum2 / p;
      const t = this.window[next];
      this.sum -= t;
      this.sum2 -= t * t;
      const variance = mean2 - mid * mid;
      const sd = variance > 0 ? Math.sqrt(variance) : 0;
      this.upper = mid + sd * this.stdDevUp;
      this.middle = mid;
      this.lower = mid - sd * this.stdDevDown;
    }
    this.pos = next;
    this.n++;
  }

  /** Adds one price; returns the bands or `null` during warm-up. */
  add(value: number): BollingerBandsResult | null {
    this.update(value);
    if (this.n > this.lookback) this.result = { upper: this.upper, middle: this.middle, lower: this.lower };
    return this.result;
  }

  /** The latest bands, or `null` during warm-up. */
  getResult(): BollingerBandsResult | null {
    return this.result;
  }
}
