/**
 * What a chart draws of a long series. A chart a few thousand pixels wide cannot show a million
 * points; drawing them all makes the page slow. These reduce a series to at most two points per
 * pixel bucket (its minimum and its maximum, in time order), so the drawn envelope, every peak and
 * trough, and the first and last points are exactly the stored ones. Numbers shown in tables and
 * legends are never taken from a downsampled series.
 */

/** A series as two parallel arrays: times (epoch ms, ascending) and values. */
export interface XySeries {
  readonly t: number[];
  readonly v: number[];
}

/** Candles as parallel arrays (times epoch ms, ascending). */
export interface OhlcSeries {
  readonly t: number[];
  readonly o: number[];
  readonly h: number[];
  readonly l: number[];
  readonly c: number[];
}

/** Default number of buckets: about one per horizontal pixel of a wide chart. */
export const DEFAULT_BUCKETS = 2000;

/**
 * Min/max downsampling: splits `[0, n)` into `buckets` equal runs of indices and keeps, for each,
 * the point with the smallest and the one with the largest value (one point when they coincide),
 * in index order. The first and last points are always kept. With `n <= 2 × buckets` every point
 * is kept. Non-finite values are skipped. Output length <= 2 × buckets + 2.
 */
export function downsampleMinMax(t: ArrayLike<number>, v: ArrayLike<number>, buckets = DEFAULT_BUCKETS): XySeries {
  const n = Math.min(t.length, v.length);
  const out: XySeries = { t: [], v: [] };
  const push = (i: number) => {
    if (Number.isFinite(v[i])) {
      out.t.push(t[i]);
      out.v.push(v[i]);
    }
  };
  if (n <= 2 * buckets) {
    for (let i = 0; i < n; i++) push(i);
    return out;
  }
  let last = -1;
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor((b * n) / buckets), end = Math.floor(((b + 1) * n) / buckets);
    let lo = -1, hi = -1;
    for (let i = start; i < end; i++) {
      const x = v[i];
      if (!Number.isFinite(x)) continue;
      if (lo < 0 || x < v[lo]) lo = i;
      if (hi < 0 || x > v[hi]) hi = i;
    }
    if (b === 0 && start !== lo && start !== hi) { push(start); last = start; }
    if (lo < 0) continue;
    const first = Math.min(lo, hi), second = Math.max(lo, hi);
    if (first > last) { push(first); last = first; }
    if (second > last) { push(second); last = second; }
  }
  if (last !== n - 1) push(n - 1);
  return out;
}

/**
 * Candles merged per bucket: open of the first, highest high, lowest low, close of the last, time
 * of the first candle. With `n <= buckets` the candles are returned as they are.
 */
export function downsampleOhlc(
  c: { readonly timestamp: ArrayLike<number>; readonly open: ArrayLike<number>; readonly high: ArrayLike<number>; readonly low: ArrayLike<number>; readonly close: ArrayLike<number> },
  buckets = DEFAULT_BUCKETS,
): OhlcSeries {
  const n = c.timestamp.length;
  const out: OhlcSeries = { t: [], o: [], h: [], l: [], c: [] };
  const per = n <= buckets ? 1 : n / buckets;
  const count = n <= buckets ? n : buckets;
  for (let b = 0; b < count; b++) {
    const start = Math.floor(b * per), end = Math.min(n, Math.floor((b + 1) * per));
    if (end <= start) continue;
    let h = -Infinity, l = Infinity;
    for (let i = start; i < end; i++) {
      if (c.high[i] > h) h = c.high[i];
      if (c.low[i] < l) l = c.low[i];
    }
    out.t.push(c.timestamp[start]);
    out.o.push(c.open[start]);
    out.h.push(h);
    out.l.push(l);
    out.c.push(c.close[end - 1]);
  }
  return out;
}
