import { assertPeriod, withDefault } from './params';
import { assertFiniteInput, throwNonFinite, toFloat64, warmUpOutput } from './series';
import type { StreamingIndicator } from './types';

/** Options of {@link macd} / {@link Macd}. Defaults 12 / 26 / 9. */
export interface MacdOptions {
  /** Fast EMA period in bars. Integer in [1, slowPeriod - 1]. Default 12. */
  readonly fastPeriod?: number;
  /** Slow EMA period in bars. Integer in [2, MAX_PERIOD]. Default 26. */
  readonly slowPeriod?: number;
  /** Signal EMA period (over the MACD line) in bars. Integer >= 1. Default 9. */
  readonly signalPeriod?: number;
}

/** One MACD value; all in the input's unit (price). */
export interface MacdResult {
  /** MACD line: fast EMA - slow EMA. */
  readonly macd: number;
  /** Signal line: EMA of the MACD line. */
  readonly signal: number;
  /** `macd - signal`. */
  readonly histogram: number;
}

/** Batch MACD: three columns of the input's length, NaN during the warm-up. */
export interface MacdSeries {
  /** MACD line. */
  readonly macd: Float64Array;
  /** Signal line. */
  readonly signal: Float64Array;
  /** Histogram. */
  readonly histogram: Float64Array;
}

function resolve(options: MacdOptions | undefined): Required<MacdOptions> {
  const slowPeriod = assertPeriod('Macd', 'slowPeriod', withDefault(options?.slowPeriod, 26), 2);
  const fastPeriod = assertPeriod('Macd', 'fastPeriod', withDefault(options?.fastPeriod, 12), 1, slowPeriod - 1);
  const signalPeriod = assertPeriod('Macd', 'signalPeriod', withDefault(options?.signalPeriod, 9));
  return { fastPeriod, slowPeriod, signalPeriod };
}

/**
 * Moving Average Convergence/Divergence exactly as TA-Lib's `MACD`.
 *
 * Alignment (TA-Lib's, and the reason this differs from `ema(fast) - ema(slow)`): both EMAs start
 * at index `slowPeriod - 1`. The slow EMA is seeded with the mean of inputs `0..slow-1`; the fast
 * EMA is seeded with the mean of inputs `slow-fast..slow-1` (its *last* `fastPeriod` inputs), not
 * at index `fastPeriod - 1`. The MACD line is their difference from index `slow - 1`; the signal
 * EMA is seeded with the mean of the first `signalPeriod` MACD values. All three outputs begin at
 * index `lookback = (slowPeriod - 1) + (signalPeriod - 1)` (33 for 12/26/9), as TA-Lib returns
 * them; earlier slots are NaN even though the MACD line alone would exist from `slow - 1`.
 *
 * Unlike TA-Lib, `fastPeriod >= slowPeriod` is rejected instead of silently swapped.
 *
 * @param values - Prices (any unit); NaN/±Infinity throw {@link NonFiniteInputError}.
 * @param options - Periods; defaults 12 / 26 / 9.
 * @returns Three Float64Arrays of the input's length; NaN at indices `< lookback`.
 */
export function macd(values: ArrayLike<number>, options?: MacdOptions): MacdSeries {
  const { fastPeriod, slowPeriod, signalPeriod } = resolve(options);
  const x = toFloat64(values);
  const n = x.length;
  const lookback = slowPeriod - 1 + (signalPeriod - 1);
  const macdOut = warmUpOutput(n, lookback);
  const signalOut = warmUpOutput(n, lookback);
  const histOut = warmUpOutput(n, lookback);
  if (n < slowPeriod) {
    for (let i = 0; i < n; i++) if (x[i] - x[i] !== 0) throwNonFinite('Macd', 'value', i, x[i]);
    return { macd: macdOut, signal: signalOut, histogram: histOut };
  }
  const kSlow = 2 / (slowPeriod + 1);
  const kFast = 2 / (fastPeriod + 1);
  const kSignal = 2 / (signalPeriod + 1);
  let slowSum = 0;
  for (let i = 0; i < slowPeriod; i++) {
    const v = x[i];
    if (v - v !== 0) throwNonFinite('Macd', 'value', i, v);
    slowSum += v;
  }
  let fastSum = 0;
  for (let i = slowPeriod - fastPeriod; i < slowPeriod; i++) fastSum += x[i];
  let slow = slowSum / slowPeriod;
  let fast = fastSum / fastPeriod;
  // Signal seed: plain sum of the first `signalPeriod` MACD values, in order.
  let line = fast - slow;
  let signalSum = 0;
  signalSum += line;
  const seedEnd = Math.min(lookback, n - 1);
  for (let i = slowPeriod; i <= seedEnd; i++) {
    const v = x[i];
    if (v - v !== 0) throwNonFinite('Macd', 'value', i, v);
    slow = (v - slow) * kSlow + slow;
    fast = (v - fast) * kFast + fast;
    line = fast - slow;
    signalSum += line;
  }
  if (n <= lookback) return { macd: macdOut, signal: signalOut, histogram: histOut };
  let signal = signalSum / signalPeriod;
  macdOut[lookback] = line;
  signalOut[lookback] = signal;
  histOut[lookback] = line - signal;
  for (let i = lookback + 1; i < n; i++) {
    const v = x[i];
    if (v - v !== 0) throwNonFinite('Macd', 'value', i, v);
    slow = (v - slow) * kSlow + slow;
    fast = (v - fast) * kFast + fast;
    line = fast - slow;
    signal = (line - signal) * kSignal + signal;
    macdOut[i] = line;
    signalOut[i] = signal;
    histOut[i] = line - signal;
  }
  return { macd: macdOut, signal: signalOut, histogram: histOut };
}

/** Streaming MACD with TA-Lib's alignment and seeding; see {@link macd}. */
export class Macd implements StreamingIndicator<number, MacdResult> {
  /** Fast EMA period. */
  readonly fastPeriod: number;
  /** Slow EMA period. */
  readonly slowPeriod: number;
  /** Signal EMA period. */
  readonly signalPeriod: number;
  /** `(slowPeriod - 1) + (signalPeriod - 1)`. */
  readonly lookback: number;
  private readonly kSlow: number;
  private readonly kFast: number;
  private readonly kSignal: number;
  /** The first `slowPeriod` inputs, kept only to seed both EMAs at index `slowPeriod - 1`. */
  private seed: Float64Array | null;
  private n = 0;
  private slow = NaN;
  private fast = NaN;
  private signalSum = 0;
  private result: MacdResult | null = null;
  /** Latest MACD line (fast EMA − slow EMA, input unit), NaN during the warm-up; written in place by {@link update}. */
  macd = NaN;
  /** Latest signal line (EMA of the MACD line), NaN during the warm-up. */
  signal = NaN;
  /** Latest histogram (MACD − signal), NaN during the warm-up. */
  histogram = NaN;

  /** @param options - Periods; defaults 12 / 26 / 9. */
  constructor(options?: MacdOptions) {
    const o = resolve(options);
    this.fastPeriod = o.fastPeriod;
    this.slowPeriod = o.slowPeriod;
    this.signalPeriod = o.signalPeriod;
    this.lookback = o.slowPeriod - 1 + (o.signalPeriod - 1);
    this.kSlow = 2 / (o.slowPeriod + 1);
    this.kFast = 2 / (o.fastPeriod + 1);
    this.kSignal = 2 / (o.signalPeriod + 1);
    this.seed = new Float64Array(o.slowPeriod);
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
   * Adds one price and stores {@link macd}, {@link signal} and {@link histogram} (NaN during
   * warm-up); allocates nothing. Same numbers as {@link add}, which is built on it.
   */
  update(value: number): void {
    assertFiniteInput('Macd', 'value', this.n, value);
    const i = this.n;
    const slowPeriod = this.slowPeriod;
    let line: number;
    if (this.seed !== null) {
      this.seed[i] = value;
      this.n++;
      if (i < slowPeriod - 1) return;
      let slowSum = 0;
      for (let j = 0; j < slowPeriod; j++) slowSum += this.seed[j];
      let fastSum = 0;
      for (let j = slowPeriod - this.fastPeriod; j < slowPeriod; j++) fastSum += this.seed[j];
      this.seed = null;
      this.slow = slowSum / slowPeriod;
      this.fast = fastSum / this.fastPeriod;
      line = this.fast - this.slow;
    } else {
      this.slow = (value - this.slow) * this.kSlow + this.slow;
      this.fast = (value - this.fast) * this.kFast + this.fast;
      line = this.fast - this.slow;
      this.n++;
    }
    if (i < this.lookback) {
      this.signalSum += line;
      return;
    }
    if (i === this.lookback) {
      this.signalSum += line;
      this.signal = this.signalSum / this.signalPeriod;
    } else {
      this.signal = (line - this.signal) * this.kSignal + this.signal;
    }
    this.macd = line;
    this.histogram = line - this.signal;
  }

  /** Adds one price; returns MACD, signal and histogram or `null` during warm-up. */
  add(value: number): MacdResult | null {
    this.update(value);
    if (this.n > this.lookback) this.result = { macd: this.macd, signal: this.signal, histogram: this.histogram };
    return this.result;
  }

  /** The latest MACD values, or `null` during warm-up. */
  getResult(): MacdResult | null {
    return this.result;
  }
}
