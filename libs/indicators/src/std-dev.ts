import { assertPeriod } from './params';
import { assertFiniteInput, throwNonFinite, toFloat64, warmUpOutput } from './series';
import type { StreamingIndicator } from './types';

/**
 * Population standard deviation (divide by `period`, not `period - 1`) of the last `period`
 * values, in the input's unit. Equals TA-Lib's `STDDEV` with `nbDev = 1`.
 *
 * Computed like TA-Lib: running sums of x and x² over the whole series;
 * `variance = mean(x²) - mean(x)²`, `stdDev = sqrt(variance)`, same order of operations, so results
 * match TA-Lib bit for bit. Lookback `period - 1`.
 *
 * Precision (inherited from TA-Lib's algorithm): the subtraction cancels digits when the values
 * are large compared with their spread, and the running sums keep their rounding error. On a random
 * walk around 100,000,000 KRW over 100,000 bars the error against an exact two-pass computation
 * stays below about 1e-9 of the price level (e.g. < 0.1 KRW on a 100,000,000 KRW price). A variance
 * that rounds below zero is reported as 0. Unlike TA-Lib, a variance in (0, 1e-14) is *not* forced
 * to 0, so tiny-priced assets get a real value.
 *
 * @param values - Input series (any unit); NaN/±Infinity throw {@link NonFiniteInputError}.
 * @param period - Integer in [1, {@link MAX_PERIOD}]; 1 gives 0 everywhere.
 * @returns A Float64Array of the same length; NaN at indices `< period - 1`.
 */
export function stdDev(values: ArrayLike<number>, period: number): Float64Array {
  assertPeriod('StdDev', 'period', period);
  const x = toFloat64(values);
  const n = x.length;
  const out = warmUpOutput(n, period - 1);
  let sum1 = 0;
  let sum2 = 0;
  const warm = Math.min(period - 1, n);
  for (let i = 0; i < warm; i++) {
    const v = x[i];
    if (v - v !== 0) throwNonFinite('StdDev', 'value', i, v);
    sum1 += v;
    sum2 += v * v;
  }
  for (let i = period - 1; i < n; i++) {
    const v = x[i];
    if (v - v !== 0) throwNonFinite('StdDev', 'value', i, v);
    sum1 += v;
    sum2 += v * v;
    const mean1 = sum1 / period;
    const mean2 = sum2 / period;
    const t = x[i - period + 1];
    sum1 -= t;
    sum2 -= t * t;
    const variance = mean2 - mean1 * mean1;
    out[i] = variance > 0 ? Math.sqrt(variance) : 0;
  }
  return out;
}

/** Streaming population standard deviation; see {@link stdDev} for the computation and precision. */
export class StdDev implements StreamingIndicator<number, number> {
  /** Window length in bars. */
  readonly period: number;
  /** `period - 1`. */
  readonly lookback: number;
  private readonly window: Float64Array;
  private n = 0;
  private pos = 0;
  private sum1 = 0;
  private sum2 = 0;
  private result = NaN;
  /**
   * The latest standard deviation (input unit) as a plain number field, NaN during the warm-up. Written in place by
   * {@link update} (and {@link add}), so reading it after `update()` allocates nothing.
   */
  value = NaN;

  /** @param period - Integer in [1, {@link MAX_PERIOD}]. */
  constructor(period: number) {
    this.period = assertPeriod('StdDev', 'period', period);
    this.lookback = period - 1;
    this.window = new Float64Array(period);
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
   * Adds one value and stores the standard deviation in {@link value} (NaN during warm-up);
   * returns nothing, so no number is boxed. Same numbers as {@link add}, which is built on it.
   */
  update(value: number): void {
    assertFiniteInput('StdDev', 'value', this.n, value);
    const p = this.period;
    this.sum1 += value;
    this.sum2 += value * value;
    this.window[this.pos] = value;
    let next = this.pos + 1;
    if (next === p) next = 0;
    if (this.n >= p - 1) {
      const mean1 = this.sum1 / p;
      const mean2 = this.sum2 / p;
      const t = this.window[next];
      this.sum1 -= t;
      this.sum2 -= t * t;
      const variance = mean2 - mean1 * mean1;
      this.result = variance > 0 ? Math.sqrt(variance) : 0;
    }
    this.pos = next;
    this.n++;
    if (this.n > this.lookback) this.value = this.result;
  }

  /** Adds one value; returns the standard deviation (input unit) or `null` during warm-up. */
  add(value: number): number | null {
    this.update(value);
    return this.n > this.lookback ? this.value : null;
  }

  /** The latest standard deviation, or `null` during warm-up. */
  getResult(): number | null {
    return this.n > this.lookback ? this.result : null;
  }
}
