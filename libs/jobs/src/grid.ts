/**
 * Parameter grids of sweeps: every combination of the value lists, in a fixed order.
 */

/** A parameter set: fixed parameters plus one value per swept parameter. */
export type ParamSet = Readonly<Record<string, unknown>>;

/** Number of combinations of `grid` (product of the list lengths). */
export function gridSize(grid: Readonly<Record<string, readonly unknown[]>>): number {
  return Object.values(grid).reduce<number>((n, values) => n * values.length, 1);
}

/**
 * All combinations of `grid`, each merged over `fixed`. Order: like nested loops over the grid's
 * keys in insertion order, the last key varying fastest — so combination `i` is the same on every
 * machine and chunk results can be put back in order.
 */
export function expandGrid(fixed: ParamSet, grid: Readonly<Record<string, readonly unknown[]>>): ParamSet[] {
  const keys = Object.keys(grid);
  const out: ParamSet[] = [];
  const n = gridSize(grid);
  for (let i = 0; i < n; i++) {
    const combo: Record<string, unknown> = { ...fixed };
    let rest = i;
    for (let k = keys.length - 1; k >= 0; k--) {
      const values = grid[keys[k]];
      combo[keys[k]] = values[rest % values.length];
      rest = Math.floor(rest / values.length);
    }
    out.push(combo);
  }
  return out;
}

/** Splits `items` into consecutive chunks of at most `size` items. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be a positive integer (got ${size})`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
