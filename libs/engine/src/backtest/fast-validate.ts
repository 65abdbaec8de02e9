import { CANDLE_FIELDS, validateCandles, type CandleColumns } from '../core/candles';

/**
 * True exactly when {@link validateCandles} would accept `c` (non-empty, Float64Array columns of one
 * length, finite non-negative values, strictly increasing finite timestamps, low <= min(open, close),
 * high >= max(open, close)). One tight loop with no allocation: a clean 1M-candle series is checked
 * in a couple of ms, so the detailed (slower) checker only runs to explain a rejection.
 */
export function candlesAreValid(c: CandleColumns): boolean {
  const ts = c.timestamp;
  if (!(ts instanceof Float64Array)) return false;
  const n = ts.length;
  if (n === 0) return false;
  for (const f of CANDLE_FIELDS) {
    const col = c[f];
    if (!(col instanceof Float64Array) || col.length !== n) return false;
  }
  const { open, high, low, close, volume } = c;
  // Branch-free accumulation of every check (memory-bound loop: one read of each column).
  // Comparisons with NaN are false, so NaN fails every `ok` test below; `x <= MAX_VALUE`
  // rejects +Infinity, and low >= 0 with low <= open/close bounds the rest.
  const MAX = Number.MAX_VALUE;
  let prev = -Infinity;
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const t = ts[i], o = open[i], h = high[i], l = low[i], cl = close[i], v = volume[i];
    bad |= (t > prev ? 0 : 1) | (h <= MAX ? 0 : 1) | (v >= 0 && v <= MAX ? 0 : 1) | (l >= 0 ? 0 : 1)
      | (h >= o && h >= cl && l <= o && l <= cl ? 0 : 1);
    prev = t;
  }
  return bad === 0 && prev <= MAX;
}

/**
 * Column sets already found valid, keyed by the columns object and remembering its arrays: a
 * parameter sweep backtests the same candles thousands of times, and a full check reads every
 * column (~5 ms per million candles). Series handed to the engine are treated as immutable (the
 * engine never writes to them); replacing a column array invalidates the entry.
 */
const validated = new WeakMap<CandleColumns, readonly Float64Array[]>();

function sameColumns(c: CandleColumns, seen: readonly Float64Array[]): boolean {
  return seen[0] === c.timestamp && seen[1] === c.open && seen[2] === c.high && seen[3] === c.low && seen[4] === c.close && seen[5] === c.volume;
}

/**
 * Validates a series: the fast check first, {@link validateCandles} (throws InvalidCandlesError with
 * details) only when it fails. A columns object that passed before (same arrays) is not re-read.
 */
export function validateSeriesCandles(c: CandleColumns, symbol: string): void {
  const seen = validated.get(c);
  if (seen !== undefined && sameColumns(c, seen)) return;
  if (!candlesAreValid(c)) validateCandles(c, { symbol });
  validated.set(c, [c.timestamp, c.open, c.high, c.low, c.close, c.volume]);
}
