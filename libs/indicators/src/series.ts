import { InputLengthMismatchError, NonFiniteInputError } from './errors';

/**
 * Returns `values` itself when it already is a Float64Array, else a Float64Array copy. Batch loops
 * then always index one element kind, which keeps them monomorphic (and fast) in V8.
 */
export function toFloat64(values: ArrayLike<number>): Float64Array {
  return values instanceof Float64Array ? values : Float64Array.from(values);
}

/**
 * An output column of length `n` whose first `min(lookback, n)` slots (the warm-up) are NaN: a new
 * one, or `into` (the caller's buffer, reused so a repeated run allocates nothing).
 * @throws RangeError when `into` is not a Float64Array of length `n`.
 */
export function warmUpOutput(n: number, lookback: number, into?: Float64Array): Float64Array {
  if (into !== undefined && !(into instanceof Float64Array && into.length === n)) {
    throw new RangeError(`out must be a Float64Array of the input's length ${n}, got ${into instanceof Float64Array ? `length ${into.length}` : String(into)}`);
  }
  const out = into ?? new Float64Array(n);
  out.fill(NaN, 0, Math.min(lookback, n));
  return out;
}

/** Throws {@link NonFiniteInputError}; kept out of line so the hot loops stay small. */
export function throwNonFinite(indicator: string, field: string, index: number, value: unknown): never {
  throw new NonFiniteInputError(indicator, field, index, value);
}

/** Throws unless `value` is a finite number (streaming `add()` validation). */
export function assertFiniteInput(indicator: string, field: string, index: number, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) throwNonFinite(indicator, field, index, value);
}

/** Converts named columns to Float64Arrays and checks that they all have the same length. */
export function sameLengthColumns<K extends string>(indicator: string, columns: Readonly<Record<K, ArrayLike<number>>>, keys: readonly K[]): Record<K, Float64Array> {
  const out = {} as Record<K, Float64Array>;
  let n = -1;
  let mismatch = false;
  for (const k of keys) {
    const col = toFloat64(columns[k]);
    if (n === -1) n = col.length;
    else if (col.length !== n) mismatch = true;
    out[k] = col;
  }
  if (mismatch) {
    const lengths: Record<string, number> = {};
    for (const k of keys) lengths[k] = columns[k].length;
    throw new InputLengthMismatchError(indicator, lengths);
  }
  return out;
}
