import type { Timeframe } from '@coinhts/engine';
import { isCovered, type Intervals } from './coverage';
import { VALUE_FIELDS, sortAndDedupe, takeRows, type CandleSeries } from './series';
import { candleOpenAt, candleSlots, fixedDurationMs, isCandleOpen, nextCandleOpen, normalizeTimeframe } from './timeframe';

/** What to do with a series whose verdict is `invalid`: throw, repair it, or use it as it is. */
export type QualityPolicy = 'refuse' | 'repair' | 'ignore';

/** Overall judgement of a series. */
export type QualityVerdict = 'valid' | 'warnings' | 'invalid';

/** Severity of one finding: `error` makes the series invalid, `warning` deserves a look, `info` is expected. */
export type QualitySeverity = 'error' | 'warning' | 'info';

/** Options of {@link checkQuality}. */
export interface QualityOptions {
  /** Timeframe the series claims to have (code or alias). */
  readonly timeframe: Timeframe | string;
  /**
   * Ranges a collector fetched completely (the store's coverage record). Gaps inside them are
   * "no-trades" gaps (Upbit has no candle when nothing traded); gaps outside are "not-collected".
   * Without it every gap is "unknown".
   */
  readonly coverage?: Intervals;
  /**
   * Range the series is supposed to cover (UTC ms, inclusive). Missing candles before the first
   * and after the last row are then reported as gaps too.
   */
  readonly range?: { readonly from?: number; readonly to?: number };
  /**
   * Outlier threshold k: a log return r (close to close) or a bar range ln(high/low) is an outlier
   * when |r − median| > k · MAD, MAD being the median absolute deviation of that quantity over
   * the series (the mean absolute deviation when the MAD is 0, e.g. for mostly flat prices).
   * Default 15 (about 10 standard deviations for normal data; crypto is fat-tailed).
   */
  readonly outlierK?: number;
  /** How many examples each finding lists. Default 5. */
  readonly maxExamples?: number;
  /** "Now" for the future bound ({@link MAX_CANDLE_LEAD_MS}), UTC ms. Default `Date.now()`. */
  readonly now?: number;
}

/**
 * Earliest candle open a series may hold: 2009-01-03T00:00:00Z, the Bitcoin genesis block (no
 * crypto market traded before it), UTC ms. Earlier timestamps are wrong units or garbage.
 */
export const EARLIEST_CANDLE_MS = Date.UTC(2009, 0, 3);

/**
 * How far after "now" a candle may open, ms (one day: the still-open current candle and clock
 * skew are well inside it). A candle dated later (e.g. 2034) cannot have traded yet.
 */
export const MAX_CANDLE_LEAD_MS = 86_400_000;

/**
 * Why a candle open time is impossible (not finite, before {@link EARLIEST_CANDLE_MS}, or more
 * than {@link MAX_CANDLE_LEAD_MS} after `now`), or undefined when it is plausible. `t` and `now`
 * are UTC ms.
 */
export function timestampProblem(t: number, now: number): string | undefined {
  if (!Number.isFinite(t)) return `timestamp is ${t}`;
  if (t < EARLIEST_CANDLE_MS) return `timestamp ${isoOrNumber(t)} is before ${new Date(EARLIEST_CANDLE_MS).toISOString()} (the first crypto trade); check its unit`;
  if (t > now + MAX_CANDLE_LEAD_MS) return `timestamp ${isoOrNumber(t)} is in the future (after ${new Date(now + MAX_CANDLE_LEAD_MS).toISOString()}); check its unit`;
  return undefined;
}

/** ISO 8601 of `t` (UTC ms) when a Date can hold it, else the number. */
function isoOrNumber(t: number): string {
  return Number.isFinite(t) && Math.abs(t) <= 8.64e15 ? new Date(t).toISOString() : String(t);
}

/** A row named in a finding. */
export interface RowRef {
  /** 0-based row index in the checked series. */
  readonly row: number;
  /** Candle open time, UTC ms. */
  readonly timestamp: number;
  /** What is wrong with it. */
  readonly detail: string;
}

/** One run of missing candles. */
export interface GapRange {
  /** First missing candle open (UTC ms). */
  readonly from: number;
  /** Last missing candle open (UTC ms). */
  readonly to: number;
  /** Number of missing candles. */
  readonly missing: number;
  /** `no-trades`: inside a fetched range; `not-collected`: outside; `unknown`: no coverage record. */
  readonly kind: 'no-trades' | 'not-collected' | 'unknown';
}

/** A finding with a count and the first few examples. */
export interface Finding<T> {
  readonly count: number;
  readonly examples: readonly T[];
}

/** One outlier. */
export interface OutlierRef extends RowRef {
  /** `return`: close-to-close log return; `range`: ln(high/low) of the bar. */
  readonly measure: 'return' | 'range';
  /** The log value. */
  readonly value: number;
  /** |value − median| / MAD. */
  readonly score: number;
}

/** Data-quality report of one series (see {@link checkQuality}). */
export interface QualityReport {
  readonly verdict: QualityVerdict;
  readonly timeframe: Timeframe;
  readonly rows: number;
  /** First / last candle open (UTC ms) when there are rows. */
  readonly first?: number;
  readonly last?: number;
  /** Missing candle slots between consecutive rows (and at the range edges when `range` was given). */
  readonly gaps: Finding<GapRange> & { readonly missingCandles: number; readonly noTrades: number; readonly notCollected: number; readonly unknown: number };
  /** Rows repeating an earlier row's timestamp. */
  readonly duplicates: Finding<RowRef>;
  /** Rows whose timestamp is before the previous row's. */
  readonly nonMonotonic: Finding<RowRef>;
  /** Rows whose timestamp is not a candle open of the timeframe (UTC-aligned like Upbit). */
  readonly misaligned: Finding<RowRef>;
  /** high < low, high < max(open, close), low > min(open, close). */
  readonly ohlc: Finding<RowRef>;
  /** Non-finite values, negative values, prices <= 0. */
  readonly invalidValues: Finding<RowRef>;
  /** Runs of consecutive zero-volume rows (count = runs; `rows` = rows in all runs). */
  readonly zeroVolume: Finding<GapRange> & { readonly rows: number; readonly longestRun: number };
  /** Returns or bar ranges far from the series' typical size. */
  readonly outliers: Finding<OutlierRef> & { readonly k: number };
  /** One line per finding, most severe first. */
  readonly issues: readonly { readonly severity: QualitySeverity; readonly kind: string; readonly message: string }[];
}

/**
 * Checks a series: gaps against the timeframe (count, missing candles, first ranges, told apart
 * by the coverage record), duplicate and non-monotonic timestamps, misaligned timestamps, OHLC
 * inconsistencies, non-finite / negative / zero values, zero-volume runs and outliers.
 *
 * Verdict: `invalid` when any row breaks the engine's contract (duplicates, order, OHLC, invalid
 * values) or the series is empty; `warnings` for unexplained gaps, misaligned rows, zero volume or
 * outliers; otherwise `valid` (gaps inside fetched ranges are expected and only `info`).
 */
export function checkQuality(s: CandleSeries, options: QualityOptions): QualityReport {
  const tf = normalizeTimeframe(options.timeframe);
  const maxEx = options.maxExamples ?? 5;
  const k = options.outlierK ?? 15;
  const ts = s.timestamp;
  const n = ts.length;
  const iso = isoOrNumber;
  const now = options.now ?? Date.now();

  const duplicates = collector<RowRef>(maxEx);
  const nonMonotonic = collector<RowRef>(maxEx);
  const misaligned = collector<RowRef>(maxEx);
  const ohlc = collector<RowRef>(maxEx);
  const invalid = collector<RowRef>(maxEx);

  let sortedOk = true;
  const { open: O, high: Hi, low: Lo, close: C, volume: V } = s;
  const aligned = alignmentTest(tf);
  for (let i = 0; i < n; i++) {
    const t = ts[i];
    const bad = timestampProblem(t, now);
    if (bad !== undefined) { invalid.add({ row: i, timestamp: t, detail: bad }); continue; }
    if (i > 0 && t < ts[i - 1]) { sortedOk = false; nonMonotonic.add({ row: i, timestamp: t, detail: `${iso(t)} comes after ${iso(ts[i - 1])}` }); }
    if (!aligned(t)) misaligned.add({ row: i, timestamp: t, detail: `${iso(t)} is not a ${tf} candle open (expected ${iso(candleOpenAt(tf, t))})` });
    const o = O[i], h = Hi[i], l = Lo[i], c = C[i], v = V[i];
    // Fast path: every value finite and positive (volume may be 0).
    if (o > 0 && h > 0 && l > 0 && c > 0 && v >= 0 && o < Infinity && h < Infinity && l < Infinity && c < Infinity && v < Infinity) {
      if (h < l) ohlc.add({ row: i, timestamp: t, detail: `high ${h} < low ${l}` });
      else if (h < (o > c ? o : c)) ohlc.add({ row: i, timestamp: t, detail: `high ${h} < max(open, close) ${Math.max(o, c)}` });
      else if (l > (o < c ? o : c)) ohlc.add({ row: i, timestamp: t, detail: `low ${l} > min(open, close) ${Math.min(o, c)}` });
      continue;
    }
    for (const f of VALUE_FIELDS) {
      const x = s[f][i];
      if (!Number.isFinite(x)) invalid.add({ row: i, timestamp: t, detail: `${f} is ${x}` });
      else if (x < 0) invalid.add({ row: i, timestamp: t, detail: `${f} is negative (${x})` });
      else if (x === 0 && f !== 'volume') invalid.add({ row: i, timestamp: t, detail: `${f} is 0` });
    }
  }

  // Duplicates: adjacent equality when sorted, otherwise a set.
  if (sortedOk) {
    for (let i = 1; i < n; i++) if (ts[i] === ts[i - 1]) duplicates.add({ row: i, timestamp: ts[i], detail: `repeats ${iso(ts[i])} (row ${i - 1})` });
  } else {
    const firstRow = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const prev = firstRow.get(ts[i]);
      if (prev === undefined) firstRow.set(ts[i], i);
      else duplicates.add({ row: i, timestamp: ts[i], detail: `repeats ${iso(ts[i])} (row ${prev})` });
    }
  }

  // Gaps on the sorted, unique, finite timestamps.
  let uniq: Float64Array = ts;
  if (!sortedOk || duplicates.count > 0 || invalid.count > 0) {
    uniq = Float64Array.from(new Set(Array.from(ts).filter((t) => timestampProblem(t, now) === undefined))).sort();
  }
  const gaps = collector<GapRange>(maxEx);
  const tally = { missing: 0, noTrades: 0, notCollected: 0, unknown: 0 };
  const addGap = (fromOpen: number, toOpen: number): void => {
    const missing = candleSlots(tf, fromOpen, toOpen);
    if (missing <= 0) return;
    const kind: GapRange['kind'] = !options.coverage ? 'unknown' : isCovered(fromOpen, toOpen, options.coverage) ? 'no-trades' : 'not-collected';
    tally.missing += missing;
    if (kind === 'no-trades') tally.noTrades += missing; else if (kind === 'not-collected') tally.notCollected += missing; else tally.unknown += missing;
    gaps.add({ from: fromOpen, to: toOpen, missing, kind });
  };
  const rangeFrom = options.range?.from;
  const rangeTo = options.range?.to;
  const slotAtOrAfter = (t: number): number => (isCandleOpen(tf, t) ? t : nextCandleOpen(tf, candleOpenAt(tf, t)));
  // Gap ends are candle opens: the last slot strictly before the next present row.
  if (uniq.length > 0 && rangeFrom !== undefined) {
    const firstSlot = slotAtOrAfter(rangeFrom);
    if (firstSlot < uniq[0]) addGap(firstSlot, candleOpenAt(tf, uniq[0] - 1));
  }
  const step = fixedDurationMs(tf);
  for (let i = 1; i < uniq.length; i++) {
    // Fixed-length timeframes: aligned neighbours one step apart need no calendar arithmetic.
    if (step !== undefined && uniq[i] - uniq[i - 1] === step) continue;
    const expected = nextCandleOpen(tf, candleOpenAt(tf, uniq[i - 1]));
    if (uniq[i] > expected) addGap(expected, candleOpenAt(tf, uniq[i] - 1));
  }
  if (uniq.length > 0 && rangeTo !== undefined) {
    const after = nextCandleOpen(tf, candleOpenAt(tf, uniq[uniq.length - 1]));
    if (after <= rangeTo) addGap(after, candleOpenAt(tf, rangeTo));
  }
  if (uniq.length === 0 && rangeFrom !== undefined && rangeTo !== undefined) addGap(slotAtOrAfter(rangeFrom), candleOpenAt(tf, rangeTo));

  // Zero-volume runs in row order.
  const zero = collector<GapRange>(maxEx);
  let zeroRows = 0, longest = 0;
  for (let i = 0; i < n;) {
    if (s.volume[i] !== 0) { i++; continue; }
    let j = i;
    while (j + 1 < n && s.volume[j + 1] === 0) j++;
    const len = j - i + 1;
    zeroRows += len;
    longest = Math.max(longest, len);
    zero.add({ from: ts[i], to: ts[j], missing: len, kind: 'unknown' });
    i = j + 1;
  }

  // Outliers (only meaningful on ordered, positive prices).
  const outliers = collector<OutlierRef>(maxEx);
  if (sortedOk && n > 1) {
    const rets = new Float64Array(n), retRows = new Int32Array(n);
    const ranges = new Float64Array(n), rangeRows = new Int32Array(n);
    let nr = 0, ng = 0;
    for (let i = 0; i < n; i++) {
      const h = Hi[i], l = Lo[i], c = C[i];
      if (h > 0 && l > 0 && h !== Infinity && h >= l) { ranges[ng] = Math.log(h / l); rangeRows[ng++] = i; }
      if (i > 0) {
        const p = C[i - 1];
        if (p > 0 && c > 0 && p !== Infinity && c !== Infinity) { rets[nr] = Math.log(c / p); retRows[nr++] = i; }
      }
    }
    for (const [measure, xs, rows] of [['return', rets.subarray(0, nr), retRows], ['range', ranges.subarray(0, ng), rangeRows]] as const) {
      if (xs.length < 30) continue;
      const med = medianInPlace(Float64Array.from(xs));
      const dev = new Float64Array(xs.length);
      let devSum = 0;
      for (let q = 0; q < xs.length; q++) { dev[q] = Math.abs(xs[q] - med); devSum += dev[q]; }
      let mad = medianInPlace(dev);
      // Over half the values equal the median (flat prices): fall back to the mean absolute deviation.
      if (!(mad > 0)) mad = devSum / xs.length;
      if (!(mad > 0)) continue;
      const limit = k * mad;
      for (let q = 0; q < xs.length; q++) {
        const d = Math.abs(xs[q] - med);
        if (d > limit) {
          const i = rows[q];
          const score = d / mad;
          outliers.add({ row: i, timestamp: ts[i], measure, value: xs[q], score, detail: `${measure === 'return' ? 'log return' : 'ln(high/low)'} ${xs[q].toFixed(4)} is ${score.toFixed(1)} MADs from the median` });
        }
      }
    }
  }

  const issues: { severity: QualitySeverity; kind: string; message: string }[] = [];
  const note = (severity: QualitySeverity, kind: string, count: number, message: string, ex?: readonly { detail?: string; row?: number }[]): void => {
    if (count === 0) return;
    const first = ex && ex[0] ? ` (first: ${ex[0].row !== undefined ? `row ${ex[0].row}, ` : ''}${ex[0].detail ?? ''})` : '';
    issues.push({ severity, kind, message: `${message}${first}` });
  };
  if (n === 0) issues.push({ severity: 'error', kind: 'empty', message: 'the series has no rows' });
  note('error', 'invalid-values', invalid.count, `${invalid.count} impossible timestamps or non-finite, negative or zero values`, invalid.examples);
  note('error', 'ohlc', ohlc.count, `${ohlc.count} rows with inconsistent OHLC`, ohlc.examples);
  note('error', 'duplicates', duplicates.count, `${duplicates.count} duplicate timestamps`, duplicates.examples);
  note('error', 'non-monotonic', nonMonotonic.count, `${nonMonotonic.count} rows out of time order`, nonMonotonic.examples);
  const unexplained = tally.notCollected + tally.unknown;
  const gapKinds = [tally.noTrades && `${tally.noTrades} in fetched ranges (no trades)`, tally.notCollected && `${tally.notCollected} never collected`, tally.unknown && `${tally.unknown} of unknown cause`].filter(Boolean).join(', ');
  const firstGap = gaps.examples[0];
  const gapMsg = `${gaps.count} gaps, ${tally.missing} missing ${tf} candles (${gapKinds})${firstGap ? `; first ${iso(firstGap.from)} .. ${iso(firstGap.to)}` : ''}`;
  if (gaps.count > 0) issues.push({ severity: unexplained > 0 ? 'warning' : 'info', kind: 'gaps', message: gapMsg });
  note('warning', 'misaligned', misaligned.count, `${misaligned.count} timestamps not on the ${tf} grid`, misaligned.examples);
  if (zero.count > 0) issues.push({ severity: 'warning', kind: 'zero-volume', message: `${zeroRows} zero-volume rows in ${zero.count} runs (longest ${longest}); first at ${iso(zero.examples[0].from)}` });
  note('warning', 'outliers', outliers.count, `${outliers.count} outliers (|x − median| > ${k}·MAD)`, outliers.examples);
  const rank = { error: 0, warning: 1, info: 2 } as const;
  issues.sort((a, b) => rank[a.severity] - rank[b.severity]);

  const verdict: QualityVerdict = issues.some((i) => i.severity === 'error') ? 'invalid' : issues.some((i) => i.severity === 'warning') ? 'warnings' : 'valid';
  let first: number | undefined, last: number | undefined;
  if (uniq.length > 0) { first = uniq[0]; last = uniq[uniq.length - 1]; }
  return {
    verdict, timeframe: tf, rows: n, first, last,
    gaps: { count: gaps.count, examples: gaps.examples, missingCandles: tally.missing, noTrades: tally.noTrades, notCollected: tally.notCollected, unknown: tally.unknown },
    duplicates: duplicates.result(), nonMonotonic: nonMonotonic.result(), misaligned: misaligned.result(),
    ohlc: ohlc.result(), invalidValues: invalid.result(),
    zeroVolume: { count: zero.count, examples: zero.examples, rows: zeroRows, longestRun: longest },
    outliers: { ...outliers.result(), k },
    issues,
  };
}

function collector<T>(max: number): { count: number; examples: T[]; add(x: T): void; result(): Finding<T> } {
  const c = {
    count: 0,
    examples: [] as T[],
    add(x: T) { c.count++; if (c.examples.length < max) c.examples.push(x); },
    result(): Finding<T> { return { count: c.count, examples: c.examples }; },
  };
  return c;
}

/** Median of an array the caller owns (reordered in place by quickselect, O(n)). Exported for tests. */
export function medianInPlace(a: Float64Array): number {
  const n = a.length;
  const m = n >>> 1;
  const hi = select(a, m);
  if (n % 2) return hi;
  // The lower middle is the largest value left of position m after selection.
  let lo = -Infinity;
  for (let i = 0; i < m; i++) if (a[i] > lo) lo = a[i];
  return (lo + hi) / 2;
}

/** k-th smallest value (0-based); partially orders `a` (Hoare partition, middle pivot). */
function select(a: Float64Array, k: number): number {
  let left = 0, right = a.length - 1;
  while (right > left) {
    const pivot = a[(left + right) >>> 1];
    let i = left, j = right;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) { const t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return a[k];
  }
  return a[k];
}

/** Alignment check for every row: modular arithmetic for fixed lengths, calendar for months. */
function alignmentTest(tf: Timeframe): (t: number) => boolean {
  const step = fixedDurationMs(tf);
  if (step === undefined) return (t) => isCandleOpen(tf, t);
  const offset = tf === '1w' ? 4 * 86_400_000 : 0;
  return (t) => (t - offset) % step === 0;
}

/** A row removed by {@link repairSeries}. */
export interface DroppedRow {
  /** 0-based row index in the input. */
  readonly row: number;
  readonly timestamp: number;
  readonly reason: string;
}

/** What {@link repairSeries} did. */
export interface RepairResult {
  /** The repaired series: sorted, unique timestamps, only valid rows. */
  readonly series: CandleSeries;
  readonly rowsBefore: number;
  readonly rowsAfter: number;
  /** True when rows had to be reordered. */
  readonly reordered: boolean;
  /** Rows removed because a later row had the same timestamp (the last one is kept). */
  readonly duplicatesRemoved: number;
  /** Rows removed for invalid values or inconsistent OHLC (first 100 listed; `droppedCount` has the total). */
  readonly dropped: readonly DroppedRow[];
  readonly droppedCount: number;
}

/**
 * Repairs what can be repaired mechanically: drops rows with non-finite, negative or zero
 * values and rows with inconsistent OHLC, then sorts by time (stable) and removes duplicate
 * timestamps keeping the **last** remaining row. Gaps, misaligned rows and outliers are left
 * alone (they are facts about the data, not errors) and still show in the quality report.
 */
export function repairSeries(s: CandleSeries, options: { readonly now?: number } = {}): RepairResult {
  const now = options.now ?? Date.now();
  const n = s.timestamp.length;
  const keep: number[] = [];
  const dropped: DroppedRow[] = [];
  let droppedCount = 0;
  for (let i = 0; i < n; i++) {
    const reason = rowProblem(s, i, now);
    if (reason === undefined) keep.push(i);
    else {
      droppedCount++;
      if (dropped.length < 100) dropped.push({ row: i, timestamp: s.timestamp[i], reason });
    }
  }
  const valid = keep.length === n ? s : takeRows(s, keep);
  const { series, reordered, duplicatesRemoved } = sortAndDedupe(valid);
  return { series, rowsBefore: n, rowsAfter: series.timestamp.length, reordered, duplicatesRemoved, dropped, droppedCount };
}

function rowProblem(s: CandleSeries, i: number, now: number): string | undefined {
  const bad = timestampProblem(s.timestamp[i], now);
  if (bad !== undefined) return bad;
  for (const f of VALUE_FIELDS) {
    const v = s[f][i];
    if (!Number.isFinite(v)) return `${f} is ${v}`;
    if (v < 0) return `${f} is negative (${v})`;
    if (v === 0 && f !== 'volume') return `${f} is 0`;
  }
  const o = s.open[i], h = s.high[i], l = s.low[i], c = s.close[i];
  if (h < l) return `high ${h} < low ${l}`;
  if (h < Math.max(o, c)) return `high ${h} < max(open, close) ${Math.max(o, c)}`;
  if (l > Math.min(o, c)) return `low ${l} > min(open, close) ${Math.min(o, c)}`;
  return undefined;
}
