/**
 * Parameter grids of queued sweeps: the engine's `gridParamSets` (parameters in name order, the
 * last name varying fastest), so a sweep's combination `i` is the same in the CLI, in the
 * engine's own runner and on every worker — and chunk results can be put back in order.
 */
import { gridParamSets, type ParamValue } from '@coinhts/engine';

/** A parameter set: fixed parameters plus one value per swept parameter. */
export type ParamSet = Readonly<Record<string, unknown>>;

/** Number of combinations of `grid` (product of the list lengths). */
export function gridSize(grid: Readonly<Record<string, readonly unknown[]>>): number {
  return Object.values(grid).reduce<number>((n, values) => n * values.length, 1);
}

/**
 * All combinations of `grid` in the engine's order, each merged over `fixed`.
 * @param fixed - parameters held fixed
 * @param grid - parameter name → values to try
 * @param limit - most combinations allowed (the engine refuses more with INVALID_PARAMS)
 */
export function expandGrid(fixed: ParamSet, grid: Readonly<Record<string, readonly ParamValue[]>>, limit?: number): ParamSet[] {
  const space = Object.fromEntries(Object.entries(grid).map(([name, values]) => [name, { values }]));
  return gridParamSets(space, limit).map((set) => ({ ...fixed, ...set }));
}

/** Splits `items` into consecutive chunks of at most `size` items. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be a positive integer (got ${size})`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
