import { assertPeriod } from './params';
import { assertFiniteInput, throwNonFinite, toFloat64, warmUpOutput } from './series';
import type { StreamingIndicator } from './types';

/**
 * Highest value of the last `period` values (TA-Lib `MAX`), in the input's unit.
 * O(n) overall via a monotonic deque, whatever the period. Lookback `period - 1`.
 *
 * @param values - Input series; NaN/±Infinity throw {@link NonFiniteInputError}.
 * @param period - Integer in [1, {@link MAX_PERIOD}].
 * @returns A Float64Array of the same length; NaN at indices `< period - 1`.
 */
export function rollingMax(values: ArrayLike<number>, period: number): Float64Array {
  assertPeriod('RollingMax', 'period', period);
  return rollingExtreme(toFloat64(values), period, true, 'RollingMax', 'value');
}

/**
 * Lowest value of the last `period` values (TA-Lib `MIN`), in the input's unit.
 * O(n) overall via a monotonic deque. Lookback `period - 1`.
 *
 * @param values - Input series; NaN/±Infinity throw {@link NonFiniteInputError}.
 * @param period - Integer in [1, {@link MAX_PERIOD}].
 * @returns A Float64Array of the same length; NaN at indices `< period - 1`.
 */
export function rollingMin(values: ArrayLike<number>, period: number): Float64Array {
  assertPeriod('RollingMin', 'period', period);
  return rollingExtreme(toFloat64(values), period, false, 'RollingMin', 'value');
}

/**
 * Sliding-window max (or min) with a monotonic deque of indices kept in a ring of `period` slots:
 * each index enters and leaves the deque once. Values are copied, never computed, so the result is
 * exact. Also used by the stochastic oscillator. @internal
 */
export function rollingExtreme(x: Float64Array, period: number, max: boolean, indicator: string, field: string): Float64Array {
  const n = x.length;
  const out = warmUpOutput(n, period - 1);
  const ring = new Int32Array(period);
  let head = 0; // ring slot of the front (the current extreme)
  let size = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (v - v !== 0) throwNonFinite(indicator, field, i, v);
    if (size > 0 && ring[head] <= i - period) {
      head = head + 1 === period ? 0 : head + 1;
      size--;
    }
    if (max) {
      while (size > 0) {
        let back = head + size - 1;
        if (back >= period) back -= period;
        if (x[ring[back]] > v) break;
        size--;
      }
    } else {
      while (size > 0) {
        let back = head + size - 1;
        if (back >= period) back -= period;
        if (x[ring[back]] < v) break;
        size--;
      }
    }
    let slot = head + size;
    if (slot >= period) slot -= period;
    ring[slot] = i;
    size++;
    if (i >= period - 1) out[i] = x[ring[head]];
  }
  return out;
}

/** Streaming sliding-window extreme (ring-buffer monotonic deque), without input validation. @internal */
export class MonotonicWindow {
  /** Values pushed so far. */
  count = 0;
  private readonly values: Float64Array;
  private readonly indices: Float64Array;
  private head = 0;
  private size = 0;

  constructor(readonly period: number, private readonly max: boolean) {
    this.values = new Float64Array(period);
    this.indices = new Float64Array(period);
  }

  /**
   * Adds a value; {@link front} is then the extreme of the last `period` values (meaningful once
   * `count >= period`). Returns nothing, so no number is boxed when it is not inlined.
   */
  push(v: number): void {
    const p = this.period;
    const i = this.count;
    if (this.size > 0 && this.indices[this.head] <= i - p) {
      this.head = this.head + 1 === p ? 0 : this.head + 1;
      this.size--;
    }
    while (this.size > 0) {
      let back = this.head + this.size - 1;
      if (back >= p) back -= p;
      const b = this.values[back];
      if (this.max ? b > v : b < v) break;
      this.size--;
    }
    let slot = this.head + this.size;
    if (slot >= p) slot -= p;
    this.values[slot] = v;
    this.indices[slot] = i;
    this.size++;
    this.count++;
  }

  /** The current extreme (valid once at least one value was pushed). */
  front(): number {
    return this.values[this.head];
  }
}

abstract class RollingExtremeIndicator implements StreamingIndicator<number, number> {
  /** `period - 1`. */
  readonly lookback: number;
  private readonly window: MonotonicWindow;
  /**
   * The latest window extreme (input unit) as a plain number field, NaN during the warm-up. Written in place by
   * {@link update} (and {@link add}), so reading it after `update()` allocates nothing.
   */
  value = NaN;

  protected constructor(
    /** Window length in bars. */
    readonly period: number,
    max: boolean,
    private readonly label: string,
  ) {
    assertPeriod(label, 'period', period);
    this.lookback = period - 1;
    this.window = new MonotonicWindow(period, max);
  }

  /** Inputs accepted so far. */
  get count(): number {
    return this.window.count;
  }

  /** Whether a result is available. */
  get isStable(): boolean {
    return this.window.count > this.lookback;
  }

  /**
   * Adds one value and stores the window extreme in {@link value} (NaN during warm-up); returns
   * nothing, so no number is boxed. Same numbers as {@link add}, which is built on it.
   */
  update(value: number): void {
    assertFiniteInput(this.label, 'value', this.window.count, value);
    this.window.push(value);
    if (this.window.count > this.lookback) this.value = this.window.front();
  }

  /** Adds one value; returns the window extreme or `null` during warm-up. */
  add(value: number): number | null {
    this.update(value);
    return this.window.count > this.lookback ? this.value : null;
  }

  /** The latest window extreme, or `null` during warm-up. */
  getResult(): number | null {
    return this.window.count > this.lookback ? this.window.front() : null;
  }
}

/** Streaming rolling maximum (TA-Lib `MAX`); see {@link rollingMax}. */
export class RollingMax extends RollingExtremeIndicator {
  /** @param period - Window length in bars, integer in [1, {@link MAX_PERIOD}]. */
  constructor(period: number) {
    super(period, true, 'RollingMax');
  }
}

/** Streaming rolling minimum (TA-Lib `MIN`); see {@link rollingMin}. */
export class RollingMin extends RollingExtremeIndicator {
  /** @param period - Window length in bars, integer in [1, {@link MAX_PERIOD}]. */
  constructor(period: number) {
    super(period, false, 'RollingMin');
  }
}
