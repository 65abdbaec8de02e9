import { assertPeriod } from './params';
import { assertFiniteInput, throwNonFinite, toFloat64, warmUpOutput } from './series';
import type { StreamingIndicator } from './types';

/**
 * Simple moving average: the arithmetic mean of the last `period` values, in the input's unit.
 *
 * Computed like TA-Lib's `SMA`: one running sum over the whole series (add the newest value, take
 * the mean, subtract the oldest), so results match TA-Lib bit for bit. Lookback `period - 1`: the
 * first value is at index `period - 1`.
 *
 * @param values - Input series (any unit); NaN/±Infinity throw {@link NonFiniteInputError}.
 * @param period - Window length in bars, integer in [1, {@link MAX_PERIOD}].
 * @param out - Optional buffer for the result (a Float64Array of the input's length, overwritten
 *   and returned), so a caller that runs repeatedly allocates no new column; RangeError otherwise.
 * @returns A Float64Array of the same length (`out` when given); NaN at indices `< period - 1`.
 */
export function sma(values: ArrayLike<number>, period: number, out?: Float64Array): Float64Array {
  return smaOf('Sma', 'value', values, period, out);
}

/** Shared by {@link sma} and `volumeSma` so errors name the indicator the caller used. @internal */
export function smaOf(indicator: string, field: string, values: ArrayLike<number>, period: number, into?: Float64Array): Float64Array {
  assertPeriod(indicator, 'period', period);
  const x = toFloat64(values);
  const n = x.length;
  const out = warmUpOutput(n, period - 1, into);
  let sum = 0;
  const warm = Math.min(period - 1, n);
  for (let i = 0; i < warm; i++) {
    const v = x[i];
    if (v - v !== 0) throwNonFinite(indicator, field, i, v);
    sum += v;
  }
  for (let i = period - 1; i < n; i++) {
    const v = x[i];
    if (v - v !== 0) throwNonFinite(indicator, field, i, v);
    sum += v;
    out[i] = sum / period;
    sum -= x[i - period + 1];
  }
  return out;
}

/**
 * The running-sum state of a simple moving average, without input validation. Shared by
 * {@link Sma}, `VolumeSma` and `Stochastic` so all of them do the exact same float operations as
 * the batch loops. @internal
 */
export class SmaState {
  /** Values pushed so far. */
  count = 0;
  /** Latest mean (NaN until `count >= period`). */
  result = NaN;
  private readonly window: Float64Array;
  private pos = 0;
  private sum = 0;

  constructor(readonly period: number) {
    this.window = new Float64Array(period);
  }

  /** Adds a (finite) value; returns true when `result` holds a mean. */
  push(value: number): boolean {
    const p = this.period;
    this.sum += value;
    this.window[this.pos] = value;
    let next = this.pos + 1;
    if (next === p) next = 0;
    const ready = this.count >= p - 1;
    if (ready) {
      this.result = this.sum / p;
      // The slot after the newest value holds the oldest value of the current window.
      this.sum -= this.window[next];
    }
    this.pos = next;
    this.count++;
    return ready;
  }
}

/**
 * Streaming simple moving average; see {@link sma} for the formula and seeding.
 *
 * @example
 * ```ts
 * const s = new Sma(3);
 * s.add(1); s.add(2); // null, null (warm-up)
 * s.add(3);           // 2
 * ```
 */
export class Sma implements StreamingIndicator<number, number> {
  /** Window length in bars. */
  readonly period: number;
  /** `period - 1`. */
  readonly lookback: number;
  private readonly state: SmaState;
  /**
   * The latest mean (input unit) as a plain number field, NaN during the warm-up. Written in place by
   * {@link update} (and {@link add}), so reading it after `update()` allocates nothing.
   */
  value = NaN;

  /** @param period - Window length in bars, integer in [1, {@link MAX_PERIOD}]. */
  constructor(period: number) {
    this.period = assertPeriod('Sma', 'period', period);
    this.lookback = period - 1;
    this.state = new SmaState(period);
  }

  /** Inputs accepted so far. */
  get count(): number {
    return this.state.count;
  }

  /** Whether a result is available (more than `lookback` values added). */
  get isStable(): boolean {
    return this.state.count > this.lookback;
  }

  /**
   * Adds one value and stores the mean in {@link value} (NaN during warm-up); returns nothing, so
   * no number is boxed. Same numbers as {@link add}, which is built on it.
   */
  update(value: number): void {
    assertFiniteInput('Sma', 'value', this.state.count, value);
    if (this.state.push(value)) this.value = this.state.result;
  }

  /** Adds one value; returns the mean (same unit as the input) or `null` during warm-up. */
  add(value: number): number | null {
    this.update(value);
    return this.state.count > this.lookback ? this.value : null;
  }

  /** The latest mean, or `null` during warm-up. */
  getResult(): number | null {
    return this.isStable ? this.state.result : null;
  }
}
