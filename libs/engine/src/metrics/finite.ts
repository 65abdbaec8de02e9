/** `x` when it is a finite number, otherwise null: metrics never carry NaN or ±Infinity. */
export function finiteOrNull(x: number | null | undefined): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? (x === 0 ? 0 : x) : null;
}
