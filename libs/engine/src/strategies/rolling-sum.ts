/** Machine epsilon of float64 (2^-52, the gap between 1 and the next double). */
export const FLOAT64_EPS = 2 ** -52;

/** Unit roundoff, 2^-53: a correctly rounded operation errs by at most this much relative to its result. */
export const UNIT_ROUNDOFF = FLOAT64_EPS / 2;

/**
 * Bars per segment of the batch forms that keep running window sums: the sums restart from fresh
 * window sums at every segment, so their drift is bounded by 2·SEGMENT operations.
 */
export const SUM_SEGMENT = 512;

/** Left-to-right sum of values[from..to], oldest first: the reference arithmetic ({@link RollingSum.freshSum}'s). */
export function windowSum(values: Float64Array, from: number, to: number): number {
  let s = 0;
  for (let j = from; j <= to; j++) s += values[j];
  return s;
}

/** Largest of values[from..to) (0 when empty or all ≤ 0). */
export function maxOf(values: Float64Array, from: number, to: number): number {
  let m = 0;
  for (let j = from; j < to; j++) {
    const x = values[j];
    m = x > m ? x : m;
  }
  return m;
}

/** Plain-JSON state of a {@link RollingSum}. */
export interface RollingSumState {
  /** Window values, oldest first. */
  readonly values: number[];
  readonly sum: number;
  readonly maxAbs: number;
  readonly steps: number;
}

/**
 * Sum of the last `size` pushed values (fewer at the start), O(1) per push. A running sum drifts
 * from a freshly computed one by rounding; to keep that bounded it is recomputed from the window
 * every `size` pushes (O(1) amortised), and {@link RollingSum.errorBound} gives a bound on
 * |running sum − fresh left-to-right sum| so callers can re-decide near-ties with
 * {@link RollingSum.freshSum}, which computes exactly what a reference implementation would.
 * Engine-internal.
 */
export class RollingSum {
  private readonly ring: Float64Array;
  private pos = 0;
  /** Number of values in the window (≤ size). */
  count = 0;
  /** Running sum of the window. */
  sum = 0;
  private maxAbs = 0;
  private steps = 0;

  constructor(readonly size: number) {
    this.ring = new Float64Array(size);
  }

  /** Adds `x`; the oldest value leaves once the window is full. Returns the value that left (0 if none). */
  push(x: number): number {
    const size = this.size;
    let out = 0;
    if (this.count === size) {
      out = this.ring[this.pos];
      this.sum -= out;
    } else {
      this.count++;
    }
    this.ring[this.pos] = x;
    this.sum += x;
    this.pos = this.pos + 1 === size ? 0 : this.pos + 1;
    if (++this.steps >= size) {
      this.sum = this.freshSum();
      this.steps = 0;
      this.maxAbs = Math.abs(this.sum);
    } else {
      const a = Math.abs(this.sum);
      if (a > this.maxAbs) this.maxAbs = a;
    }
    return out;
  }

  /** The window's sum recomputed left to right, oldest first (the reference arithmetic). */
  freshSum(): number {
    const { ring, size, count } = this;
    let s = 0;
    let j = count === size ? this.pos : 0;
    for (let c = 0; c < count; c++) {
      s += ring[j];
      j = j + 1 === size ? 0 : j + 1;
    }
    return s;
  }

  /**
   * Upper bound of |sum − freshSum()|: every add or subtract since the last recompute, and every
   * addition of the fresh sum itself, rounds by at most half an ulp of a value ≤ maxAbs. Doubled
   * for margin.
   */
  errorBound(): number {
    return 2 * FLOAT64_EPS * this.maxAbs * (2 * this.steps + this.count + 2);
  }

  /** Captures the state as plain JSON. */
  snapshot(): RollingSumState {
    const values: number[] = [];
    const { ring, size, count } = this;
    let j = count === size ? this.pos : 0;
    for (let c = 0; c < count; c++) {
      values.push(ring[j]);
      j = j + 1 === size ? 0 : j + 1;
    }
    return { values, sum: this.sum, maxAbs: this.maxAbs, steps: this.steps };
  }

  /** Replaces the state with a snapshot from a sum of the same size. */
  restore(state: RollingSumState): void {
    if (state.values.length > this.size) throw new RangeError(`rolling sum snapshot holds ${state.values.length} values, window is ${this.size}`);
    this.ring.fill(0);
    state.values.forEach((v, i) => (this.ring[i] = v));
    this.count = state.values.length;
    this.pos = this.count === this.size ? 0 : this.count;
    this.sum = state.sum;
    this.maxAbs = state.maxAbs;
    this.steps = state.steps;
  }
}
