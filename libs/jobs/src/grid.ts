/**
 * Chunking of queued sweeps. The grid itself is expanded by the engine (`gridParamSets`, through
 * `sweepCombinations`): one expansion and one limit for the CLI, the engine and the queue.
 */

/** Splits `items` into consecutive chunks of at most `size` items. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be a positive integer (got ${size})`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
