import { assertPeriod } from './params';
import { assertFiniteInput, throwNonFinite, toFloat64, warmUpOutput } from './series';
import type { StreamingIndicator } from './types';

/**
 * Rate of change in percent, as TA-Lib's `ROC`: `((x[i] / x[i - period]) - 1) * 100`.
 * When `x[i - period]` is 0 the output is 0 (TA-Lib's rule; prices are not expected to be 0).
 * Lookback `period`.
 *
 * @param values - Prices (any unit); NaN/±Infinity throw {@link NonFiniteInputError}.
 * @param period - Distance in bars, integer in [1, {@link MAX_PERIOD}].
 * @returns A Float64Array of the same length; NaN at indices `< period`.
 */
export function roc(values: ArrayLike<number>, period: number): Float64Array {
  assertPeriod('Roc', 'period', period);
  const x = toFloat64(values);
  const n = x.length;
  const out = warmUpOutput(n, period);
  const warm = Math.min(period, n);
  for (let i = 0; i < warm; i++) if (x[i] - x[i] !== 0) throwNonFinite('Roc', 'value', i, x[i]);
  for (let i = period; i < n; i++) {
    const v = x[i];
    if (v - v !== 0) throwNonFinite('Roc', 'value', i, v);
    const base = x[i - period];
    out[i] = base !== 0 ? (v / base - 1) * 100 : 0;
  }
  return out;
}

/** Streaming rate of change (percent); see {@link roc}. */
export class Roc implements StreamingIndicator<number, number> {
  /** Distance in bars. */
  readonly period: number;
  /** `period`. */
  readonly lookback: number;
  /** The last `period + 1` values. */
  private readonly window: Float64Array;
  private n = 0;
  private pos = 0;
  private result = NaN;

  /** @param period - Integer in [1, {@link MAX_PERIOD}]. */
  constructor(period: number) {
    this.period = assertPeriod('Roc', 'period', period);
    this.lookback = period;
    this.window = new Float64Array(period + 1);
  }

  /** Inputs accepted so far. */
  get count(): number {
    return this.n;
  }

  /** Whether a result is available. */
  get isStable(): boolean {
    return this.n > this.lookback;
  }

  /** Adds one value; returns the ROC in percent or `null` during warm-up. */
  add(value: number): number | null {
    assertFiniteInput('Roc', 'value', this.n, value);
    const size = this.period + 1;
    this.window[this.pos] = value;
    let next = this.pos + 1;
    if (next === size) next = 0;
    if (this.n >= this.period) {
      const base = this.window[next];
      this.result = base !== 0 ? (value / base - 1) * 100 : 0;
    }
    this.pos = next;
    this.n++;
    return this.n > this.lookback ? this.result : null;
  }

  /** The latest ROC (percent), or `null` during warm-up. */
  getResult(): number | null {
    return this.n > this.lookback ? this.result : null;
  }
}
