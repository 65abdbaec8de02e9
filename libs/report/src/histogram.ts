/** Bins of a histogram: `edges` has `counts.length + 1` ascending values. */
export interface Histogram {
  readonly edges: number[];
  readonly counts: number[];
}

/**
 * The original's bin rule (REFERENCE §9, ReturnsDistributionChart): equal-width bins between the
 * smallest and largest finite value; 5 bins below 30 values, 10 up to 100, 15 up to 500, 20 above;
 * one bin when all values are equal; none for no values. The largest value falls in the last bin.
 */
export function histogram(values: ArrayLike<number>): Histogram {
  const xs: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) xs.push(values[i]);
  if (xs.length === 0) return { edges: [], counts: [] };
  let min = Infinity, max = -Infinity;
  for (const x of xs) {
    if (x < min) min = x;
    if (x > max) max = x;
  }
  if (min === max) return { edges: [min, max], counts: [xs.length] };
  const bins = xs.length < 30 ? 5 : xs.length <= 100 ? 10 : xs.length <= 500 ? 15 : 20;
  const width = (max - min) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? max : min + i * width));
  const counts = new Array<number>(bins).fill(0);
  for (const x of xs) counts[Math.min(bins - 1, Math.floor((x - min) / width))]++;
  return { edges, counts };
}
