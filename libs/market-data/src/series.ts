import type { CandleColumns } from '@coinhts/engine';

/**
 * A candle series as the store keeps it: the engine's {@link CandleColumns} plus, when known,
 * the quote turnover per candle (`value`, e.g. KRW traded; Upbit's `candle_acc_trade_price`).
 * Rows where the turnover is unknown hold NaN.
 */
export interface CandleSeries extends CandleColumns {
  /** Quote-currency turnover per candle; absent when no row has it. */
  readonly value?: Float64Array;
}

/** Price and volume columns, in the store's column order (after `timestamp`). */
export const VALUE_FIELDS = ['open', 'high', 'low', 'close', 'volume'] as const;

/** Mutable column set used while building a series. */
interface MutableSeries {
  timestamp: Float64Array; open: Float64Array; high: Float64Array; low: Float64Array;
  close: Float64Array; volume: Float64Array; value?: Float64Array;
}

/** An empty series (length 0). */
export function emptySeries(): CandleSeries {
  return allocSeries(0, false);
}

/** Allocates a zero-filled series of `n` rows (with a NaN-filled `value` column when asked). */
export function allocSeries(n: number, withValue: boolean): MutableSeries {
  const s: MutableSeries = {
    timestamp: new Float64Array(n), open: new Float64Array(n), high: new Float64Array(n),
    low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n),
  };
  if (withValue) s.value = new Float64Array(n).fill(NaN);
  return s;
}

/** Number of rows. */
export function seriesLength(s: CandleColumns): number {
  return s.timestamp.length;
}

/** True when timestamps are strictly increasing (sorted, no duplicates). */
export function isStrictlyIncreasing(ts: Float64Array): boolean {
  for (let i = 1; i < ts.length; i++) if (!(ts[i] > ts[i - 1])) return false;
  return true;
}

/** New series made of the rows at `indices`, in that order. */
export function takeRows(s: CandleSeries, indices: ArrayLike<number>): CandleSeries {
  const n = indices.length;
  const value = s.value;
  const out = allocSeries(n, value !== undefined);
  for (let k = 0; k < n; k++) {
    const i = indices[k];
    out.timestamp[k] = s.timestamp[i]; out.open[k] = s.open[i]; out.high[k] = s.high[i];
    out.low[k] = s.low[i]; out.close[k] = s.close[i]; out.volume[k] = s.volume[i];
    if (out.value && value) out.value[k] = value[i];
  }
  return out;
}

/** Result of {@link sortAndDedupe}. */
export interface SortDedupeResult {
  readonly series: CandleSeries;
  /** True when the input was not already sorted ascending. */
  readonly reordered: boolean;
  /** Rows dropped because a later row had the same timestamp. */
  readonly duplicatesRemoved: number;
}

/**
 * Stable sort by timestamp, then keep the **last** row of each timestamp (the newest write wins).
 * Returns the input itself when it is already strictly increasing.
 */
export function sortAndDedupe(s: CandleSeries): SortDedupeResult {
  const ts = s.timestamp;
  const n = ts.length;
  if (isStrictlyIncreasing(ts)) return { series: s, reordered: false, duplicatesRemoved: 0 };
  let sorted = true;
  for (let i = 1; i < n; i++) if (ts[i] < ts[i - 1]) { sorted = false; break; }
  let order: Uint32Array = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (!sorted) order = order.sort((a, b) => ts[a] - ts[b] || a - b);
  const keep: number[] = [];
  for (let k = 0; k < n; k++) {
    const i = order[k];
    if (k + 1 < n && ts[order[k + 1]] === ts[i]) continue; // a later row with the same time wins
    keep.push(i);
  }
  return { series: takeRows(s, keep), reordered: !sorted, duplicatesRemoved: n - keep.length };
}

/** Concatenates series in order (no sorting). `value` is kept when any part has it. */
export function concatSeries(parts: readonly CandleSeries[]): CandleSeries {
  if (parts.length === 1) return parts[0];
  const n = parts.reduce((a, p) => a + p.timestamp.length, 0);
  const withValue = parts.some((p) => p.value !== undefined);
  const out = allocSeries(n, withValue);
  let off = 0;
  for (const p of parts) {
    out.timestamp.set(p.timestamp, off); out.open.set(p.open, off); out.high.set(p.high, off);
    out.low.set(p.low, off); out.close.set(p.close, off); out.volume.set(p.volume, off);
    if (out.value && p.value) out.value.set(p.value, off);
    off += p.timestamp.length;
  }
  return out;
}

/** First index whose timestamp is >= `t` in a sorted column. */
export function lowerBound(ts: Float64Array, t: number): number {
  let lo = 0, hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid] < t) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** Rows `[start, end)` as views (no copy). */
export function sliceSeries(s: CandleSeries, start: number, end: number): CandleSeries {
  const out: MutableSeries = {
    timestamp: s.timestamp.subarray(start, end), open: s.open.subarray(start, end), high: s.high.subarray(start, end),
    low: s.low.subarray(start, end), close: s.close.subarray(start, end), volume: s.volume.subarray(start, end),
  };
  if (s.value) out.value = s.value.subarray(start, end);
  return out;
}

/** First index whose timestamp is > `t` in a sorted column. */
export function upperBound(ts: Float64Array, t: number): number {
  let lo = 0, hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid] <= t) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** Rows with `from <= timestamp <= to` (both inclusive) of a sorted series, as views (no copy). */
export function sliceByTime(s: CandleSeries, from = -Infinity, to = Infinity): CandleSeries {
  const start = lowerBound(s.timestamp, from);
  const end = upperBound(s.timestamp, to);
  return start === 0 && end === s.timestamp.length ? s : sliceSeries(s, start, Math.max(start, end));
}

/** Result of {@link upsertSorted}. */
export interface UpsertResult {
  readonly series: CandleSeries;
  /** Incoming rows whose timestamp was not present. */
  readonly inserted: number;
  /** Incoming rows that replaced a row with the same timestamp. */
  readonly replaced: number;
}

/**
 * Merges two strictly increasing series; on equal timestamps the `incoming` row replaces the
 * existing one, every other row of both is kept.
 */
export function upsertSorted(existing: CandleSeries, incoming: CandleSeries): UpsertResult {
  const a = existing.timestamp, b = incoming.timestamp;
  const na = a.length, nb = b.length;
  const withValue = existing.value !== undefined || incoming.value !== undefined;
  const out = allocSeries(na + nb, withValue);
  let i = 0, j = 0, k = 0, replaced = 0;
  const copy = (src: CandleSeries, r: number): void => {
    out.timestamp[k] = src.timestamp[r]; out.open[k] = src.open[r]; out.high[k] = src.high[r];
    out.low[k] = src.low[r]; out.close[k] = src.close[r]; out.volume[k] = src.volume[r];
    if (out.value) out.value[k] = src.value ? src.value[r] : NaN;
    k++;
  };
  while (i < na || j < nb) {
    if (j >= nb || (i < na && a[i] < b[j])) copy(existing, i++);
    else if (i >= na || b[j] < a[i]) copy(incoming, j++);
    else { copy(incoming, j++); i++; replaced++; }
  }
  return { series: k === na + nb ? out : sliceSeries(out, 0, k), inserted: nb - replaced, replaced };
}
