import { assertPeriod } from './params';
import { assertFiniteInput, throwNonFinite, toFloat64, warmUpOutput } from './series';
import type { StreamingIndicator } from './types';

/**
 * Relative Strength Index with Wilder's smoothing, in percent (0..100).
 *
 * Seeding follows TA-Lib's `RSI` (classic, not Metastock): the first `period` price changes
 * (inputs 1..period) are averaged plainly into the average gain and average loss; after that
 * `avg = (avg * (period - 1) + change) / period`. `RSI = 100 * avgGain / (avgGain + avgLoss)`.
 * Lookback `period`: the first value is at index `period`.
 *
 * When `avgGain + avgLoss` is exactly 0 (a perfectly flat window) the output is 0, as in TA-Lib.
 * Unlike TA-Lib we test for exactly 0 rather than `< 1e-14`, so the RSI of a series is the same at
 * any price scale (TA-Lib returns 0 for sub-1e-14 moves, which happen with tiny-priced assets).
 *
 * @param values - Prices (any unit); NaN/±Infinity throw {@link NonFiniteInputError}.
 * @param period - Integer in [1, {@link MAX_PERIOD}] (14 is the usual choice).
 * @returns A Float64Array of the same length; NaN at indices `< period`.
 */
export function rsi(values: ArrayLike<number>, period: number): Float64Array {
  assertPeriod('Rsi', 'period', period);
  const x = toFloat64(values);
  const n = x.length;
  const out = warmUpOutput(n, period);
  if (n === 0) return out;
  let prev = x[0];
  if (prev - prev !== 0) throwNonFinite('Rsi', 'value', 0, prev);
  let gain = 0;
  let loss = 0;
  const seedEnd = Math.min(period, n - 1);
  for (let i = 1; i <= seedEnd; i++) {
    const v = x[i];
    if (v - v !== 0) throwNonFinite('Rsi', 'value', i, v);
    const change = v - prev;
    prev = v;
    if (change < 0) loss -= change;
    else gain += change;
  }
  if (n <= period) return out;
  loss /= period;
  gain /= period;
  let total = gain + loss;
  out[period] = total !== 0 ? 100 * (gain / total) : 0;
  const m = period - 1;
  for (let i = period + 1; i < n; i++) {
    const v = x[i];
    if (v - v !== 0) throwNonFinite('Rsi', 'value', i, v);
    const change = v - prev;
    prev = v;
    loss *= m;
    gain *= m;
    if (change < 0) loss -= change;
    else gain += change;
    loss /= period;
    gain /= period;
    total = gain + loss;
    out[i] = total !== 0 ? 100 * (gain / total) : 0;
  }
  return out;
}

/** Streaming Wilder RSI (percent, 0..100); see {@link rsi} for seeding and the flat-window rule. */
export class Rsi implements StreamingIndicator<number, number> {
  /** Smoothing period in bars. */
  readonly period: number;
  /** `period` (one input is needed before the first price change). */
  readonly lookback: number;
  private n = 0;
  private prev = 0;
  private gain = 0;
  private loss = 0;
  private result = NaN;
  /**
   * The latest RSI (percent) as a plain number field, NaN during the warm-up. Written in place by
   * {@link update} (and {@link add}), so reading it after `update()` allocates nothing.
   */
  value = NaN;

  /** @param period - Integer in [1, {@link MAX_PERIOD}]. */
  constructor(period: number) {
    this.period = assertPeriod('Rsi', 'period', period);
    this.lookback = period;
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
   * Adds one price and stores the RSI in {@link value} (percent, NaN during warm-up); returns
   * nothing, so no number is boxed. Same numbers as {@link add}, which is built on it.
   */
  update(value: number): void {
    assertFiniteInput('Rsi', 'value', this.n, value);
    const p = this.period;
    const i = this.n;
    if (i > 0) {
      const change = value - this.prev;
      if (i > p) {
        this.loss *= p - 1;
        this.gain *= p - 1;
      }
      if (change < 0) this.loss -= change;
      else this.gain += change;
      if (i >= p) {
        this.loss /= p;
        this.gain /= p;
        const total = this.gain + this.loss;
        this.result = total !== 0 ? 100 * (this.gain / total) : 0;
      }
    }
    this.prev = value;
    this.n++;
    if (this.n > p) this.value = this.result;
  }

  /** Adds one price; returns the RSI in percent or `null` during warm-up. */
  add(value: number): number | null {
    this.update(value);
    return this.n > this.period ? this.value : null;
  }

  /** The latest RSI (percent), or `null` during warm-up. */
  getResult(): number | null {
    return this.n > this.period ? this.result : null;
  }
}
