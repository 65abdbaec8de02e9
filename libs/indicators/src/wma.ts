import { assertPeriod } from './params';
import { assertFiniteInput, throwNonFinite, toFloat64, warmUpOutput } from './series';
import type { StreamingIndicator } from './types';

/**
 * Linearly weighted moving average: weights 1..period, newest value heaviest, divided by
 * `period * (period + 1) / 2`; in the input's unit.
 *
 * Computed like TA-Lib's `WMA`: two running sums (the weighted sum and the plain window sum) are
 * updated in O(1) per bar, in the same order of operations as TA-Lib, so results match it bit for
 * bit. Lookback `period - 1`. Period 1 returns the input unchanged (as TA-Lib).
 *
 * @param values - Input series (any unit); NaN/±Infinity throw {@link NonFiniteInputError}.
 * @param period - Integer in [1, {@link MAX_PERIOD}].
 * @returns A Float64Array of the same length; NaN at indices `< period - 1`.
 */
export function wma(values: ArrayLike<number>, period: number): Float64Array {
  assertPeriod('Wma', 'period', period);
  const x = toFloat64(values);
  const n = x.length;
  const out = warmUpOutput(n, period - 1);
  if (period === 1) {
    for (let i = 0; i < n; i++) {
      const v = x[i];
      if (v - v !== 0) throwNonFinite('Wma', 'value', i, v);
      out[i] = v;
    }
    return out;
  }
  const divider = (period * (period + 1)) / 2;
  let periodSum = 0;
  let periodSub = 0;
  const warm = Math.min(period - 1, n);
  for (let i = 0; i < warm; i++) {
    const v = x[i];
    if (v - v !== 0) throwNonFinite('Wma', 'value', i, v);
    periodSub += v;
    periodSum += v * (i + 1);
  }
  let trailing = 0;
  for (let i = period - 1; i < n; i++) {
    const v = x[i];
    if (v - v !== 0) throwNonFinite('Wma', 'value', i, v);
    periodSub += v;
    periodSub -= trailing;
    periodSum += v * period;
    trailing = x[i - period + 1];
    out[i] = periodSum / divider;
    periodSum -= periodSub;
  }
  return out;
}

/** Streaming weighted moving average; see {@link wma} for weights and running sums. */
export class Wma implements StreamingIndicator<number, number> {
  /** Window length in bars. */
  readonly period: number;
  /** `period - 1`. */
  readonly lookback: number;
  private readonly window: Float64Array;
  private readonly divider: number;
  private n = 0;
  private pos = 0;
  private periodSum = 0;
  private periodSub = 0;
  private trailing = 0;
  private result = NaN;

  /** @param period - Integer in [1, {@link MAX_PERIOD}]. */
  constructor(period: number) {
    this.period = assertPeriod('Wma', 'period', period);
    this.lookback = period - 1;
    this.window = new Float64Array(period);
    this.divider = (period * (period + 1)) / 2;
  }

  /** Inputs accepted so far. */
  get count(): number {
    return this.n;
  }

  /** Whether a result is available. */
  get isStable(): boolean {
    return this.n > this.lookback;
  }

  /** Adds one value; returns the WMA (input unit) or `null` during warm-up. */
  add(value: number): number | null {
    assertFiniteInput('Wma', 'value', this.n, value);
    const p = this.period;
    if (p === 1) {
      this.result = value;
      this.n++;
      return value;
    }
    this.window[this.pos] = value;
    let next = this.pos + 1;
    if (next === p) next = 0;
    if (this.n < p - 1) {
      this.periodSub += value;
      this.periodSum += value * (this.n + 1);
    } else {
      this.periodSub += value;
      this.periodSub -= this.trailing;
      this.periodSum += value * p;
      this.trailing = this.window[next];
      this.result = this.periodSum / this.divider;
      this.periodSum -= this.periodSub;
    }
    this.pos = next;
    this.n++;
    return this.n > this.lookback ? this.result : null;
  }

  /** The latest WMA, or `null` during warm-up. */
  getResult(): number | null {
    return this.n > this.lookback ? this.result : null;
  }
}
