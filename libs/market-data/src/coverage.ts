/**
 * Time ranges a collector has fetched completely, as closed intervals `[start, end]` of UTC epoch
 * ms, sorted and non-overlapping. A gap inside a covered range means "the exchange had no trades";
 * a gap outside means "not collected".
 */
export type Intervals = readonly (readonly [number, number])[];

/** Union of interval lists; touching intervals (`b.start <= a.end + 1`) are joined. */
export function unionIntervals(...lists: Intervals[]): [number, number][] {
  const all = lists.flat().filter(([a, b]) => b >= a).map(([a, b]) => [a, b] as [number, number]).sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [a, b] of all) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** Parts of `[from, to]` not covered by `covered`, oldest first. */
export function subtractIntervals(from: number, to: number, covered: Intervals): [number, number][] {
  const out: [number, number][] = [];
  let cursor = from;
  for (const [a, b] of unionIntervals(covered)) {
    if (b < cursor) continue;
    if (a > to) break;
    if (a > cursor) out.push([cursor, Math.min(a - 1, to)]);
    cursor = Math.max(cursor, b + 1);
    if (cursor > to) break;
  }
  if (cursor <= to) out.push([cursor, to]);
  return out;
}

/** True when `[from, to]` lies inside one covered interval. */
export function isCovered(from: number, to: number, covered: Intervals): boolean {
  return covered.some(([a, b]) => a <= from && to <= b);
}
