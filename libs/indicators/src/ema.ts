import { assertPeriod } from './params';
import { assertFiniteInput, throwNonFinite, toFloat64, warmUpOutput } from './series';
import type { StreamingIndicator } from './types';

/**
 * Exponential moving average with smoothing factor `k = 2 / (period + 1)`, in the input's unit.
 *
 * Seeding follows TA-Lib's `EMA` (default compatibility): the first value, at index `period - 1`,
 * is the simple mean of the first `period` inputs (summed in order); after that
 * `ema = (x - ema) * k + ema`. Lookback `period - 1`. Note that an EMA never fully forgets its
 * seed: values right after the warm-up still depend on it (TA-Lib calls this the unstable period;
 * like TA-Lib's default we do not hide it).
 *
 * @param values - Input series (any unit); NaN/±Infinity throw {@link NonFiniteInputError}.
 * @param period - Integer in [1, {@link MAX_PERIOD}]; 1 gives the input back.
 * @returns A Float64Array of the same length; NaN at indices `< period - 1`.
 */
export function ema(values: ArrayLike<number>, period: number): Float64Array {
  assertPeriod('Ema', 'period', period);
  const x = toFloat64(values);
  const n = x.length;
  const out = warmUpOutput(n, period - 1);
  if (n < period) {
    for (let i = 0; i < n; i++) if (x[i] - x[i] !== 0) throwNonFinite('Ema', 'value', i, x[i]);
    return out;
  }
  const k = 2 / (period + 1);
  let sum = 0;
  for (let i = 0; i < period; i++) {
    const v = x[i];
    if (v - v !== 0) throwNonFinite('Ema', 'value', i, v);
    sum += v;
  }
  let prev = sum / period;
  out[period - 1] = prev;
  for (let i = period; i < n; i++) {
    const v = x[i];
    if (v - v !== 0) throwNonFinite('Ema', 'value', i, v);
    prev = (v - prev) * k + prev;
    out[i] = prev;
  }
  return out;
}

/**
 * Streaming exponential moving average; see {@link ema} for smoothing and SMA seeding.
 *
 * @example
 * ```ts
 * const e = new Ema(3);          // k = 0.5
 * [1, 2, 3].forEach((v) => e.add(v)); // seed = mean(1, 2, 3) = 2
 * e.add(6);                      // (6 - 2) * 0.5 + 2 = 4
 * ```
 */
export class Ema implements StreamingIndicator<number, number> {
  /** Number of bars; sets `k = 2 / (period + 1)`. */
  readonly period: number;
  /** `period - 1`. */
  readonly lookback: number;
  /** Smoothing factor `2 / (period + 1)` (fraction). */
  readonly k: number;
  private n = 0;
  private sum = 0;
  private prev = NaN;
  /**
   * The latest EMA (input unit) as a plain number field, NaN during the warm-up. Written in place by
   * {@link update} (and {@link add}), so reading it after `update()` allocates nothing.
   */
  value = NaN;

  /** @param period - Integer in [1, {@link MAX_PERIOD}]. */
  constructor(period: number) {
    this.period = assertPeriod('Ema', 'period', period);
    this.lookback = period - 1;
    this.k = 2 / (period + 1);
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
   * Adds one value and stores the EMA in {@link value} (NaN during warm-up); returns nothing, so
   * no number is boxed. Same numbers as {@link add}, which is built on it.
   */
  update(value: number): void {
    assertFiniteInput('Ema', 'value', this.n, value);
    const p = this.period;
    if (this.n < p) {
      this.sum += value;
      if (this.n === p - 1) this.prev = this.sum / p;
    } else {
      this.prev = (value - this.prev) * this.k + this.prev;
    }
    this.n++;
    if (this.n >= p) this.value = this.prev;
  }

  /** Adds one value; returns the EMA (input unit) or `null` during warm-up. */
  add(value: number): number | null {
    this.update(value);
    return this.n >= this.period ? this.value : null;
  }

  /** The latest EMA, or `null` during warm-up. */
  getResult(): number | null {
    return this.n >= this.period ? this.prev : null;
  }
}
