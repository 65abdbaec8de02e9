import { InvalidCandlesError, type CandleIssue } from './errors';

/**
 * A candle series in columnar form: one Float64Array per column, all of the same length.
 * This is the only shape the engine's hot paths read; market-data adapters produce it.
 */
export interface CandleColumns {
  /** Candle open time, UTC epoch milliseconds, strictly increasing. */
  readonly timestamp: Float64Array;
  /** Open price (quote currency, e.g. KRW). */
  readonly open: Float64Array;
  /** High price. */
  readonly high: Float64Array;
  /** Low price. */
  readonly low: Float64Array;
  /** Close price. */
  readonly close: Float64Array;
  /** Traded volume in base units (e.g. BTC). */
  readonly volume: Float64Array;
}

/** One candle as a plain object (streaming strategies and row-based imports). */
export interface Candle {
  /** Candle open time, UTC epoch milliseconds. */
  readonly timestamp: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/** Column names of a candle series, in canonical order. */
export const CANDLE_FIELDS = ['timestamp', 'open', 'high', 'low', 'close', 'volume'] as const;

/** Number of candles in a series. */
export function candleCount(c: CandleColumns): number {
  return c.timestamp.length;
}

/** Builds columns from row objects (not for hot paths). */
export function candlesFromRows(rows: readonly Candle[]): CandleColumns {
  const n = rows.length;
  const out = {
    timestamp: new Float64Array(n), open: new Float64Array(n), high: new Float64Array(n),
    low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    out.timestamp[i] = r.timestamp; out.open[i] = r.open; out.high[i] = r.high;
    out.low[i] = r.low; out.close[i] = r.close; out.volume[i] = r.volume;
  }
  return out;
}

/** Reads candle `i` as an object. */
export function candleAt(c: CandleColumns, i: number): Candle {
  return { timestamp: c.timestamp[i], open: c.open[i], high: c.high[i], low: c.low[i], close: c.close[i], volume: c.volume[i] };
}

/** Rows `[start, end)` as a new view (no copy). */
export function sliceCandles(c: CandleColumns, start: number, end: number): CandleColumns {
  return {
    timestamp: c.timestamp.subarray(start, end), open: c.open.subarray(start, end), high: c.high.subarray(start, end),
    low: c.low.subarray(start, end), close: c.close.subarray(start, end), volume: c.volume.subarray(start, end),
  };
}

/** Options of {@link validateCandles}. */
export interface ValidateCandlesOptions {
  /** Symbol named in the error. */
  readonly symbol?: string;
  /** Stop collecting after this many issues (default 20). */
  readonly maxIssues?: number;
}

/**
 * Checks a series before a backtest and throws {@link InvalidCandlesError} listing what is wrong:
 * empty series, columns of different lengths, non-finite or negative prices/volumes, high below
 * low (or below open/close, or low above them), unsorted or duplicate timestamps.
 */
export function validateCandles(c: CandleColumns, options: ValidateCandlesOptions = {}): void {
  const issues = findCandleIssues(c, options.maxIssues ?? 20);
  if (issues.length > 0) throw new InvalidCandlesError(issues, options.symbol);
}

/** Like {@link validateCandles} but returns the issues instead of throwing. */
export function findCandleIssues(c: CandleColumns, maxIssues = 20): CandleIssue[] {
  const issues: CandleIssue[] = [];
  const n = c.timestamp?.length ?? 0;
  if (n === 0) return [{ field: 'series', row: -1, message: 'the series is empty; supply at least one candle' }];
  for (const f of CANDLE_FIELDS) {
    const col = c[f];
    if (!(col instanceof Float64Array)) {
      issues.push({ field: f, row: -1, message: 'column is missing or not a Float64Array' });
    } else if (col.length !== n) {
      issues.push({ field: f, row: -1, message: `column has ${col.length} values but timestamp has ${n}` });
    }
  }
  if (issues.length > 0) return issues;
  const push = (field: string, row: number, message: string): boolean => {
    issues.push({ field, row, message });
    return issues.length >= maxIssues;
  };
  const { timestamp: ts, open, high, low, close, volume } = c;
  for (let i = 0; i < n; i++) {
    const t = ts[i];
    if (!Number.isFinite(t)) { if (push('timestamp', i, `timestamp is ${t}; use epoch milliseconds`)) return issues; }
    else if (i > 0 && t <= ts[i - 1]) {
      if (push('timestamp', i, t === ts[i - 1] ? `duplicate timestamp ${new Date(t).toISOString()}; remove the repeated row` : `timestamps are not sorted ascending (${new Date(t).toISOString()} after ${new Date(ts[i - 1]).toISOString()}); sort the rows by time`)) return issues;
    }
    const o = open[i], h = high[i], l = low[i], cl = close[i], v = volume[i];
    // Fast path (no allocation): every value finite and >= 0 and the OHLC ordered. NaN fails every comparison.
    if (o >= 0 && h >= 0 && l >= 0 && cl >= 0 && v >= 0 && h < Infinity && v < Infinity && h >= l && h >= o && h >= cl && l <= o && l <= cl) continue;
    let bad = false;
    const values = [['open', o], ['high', h], ['low', l], ['close', cl], ['volume', v]] as const;
    for (const [name, x] of values) {
      if (!Number.isFinite(x)) { bad = true; if (push(name, i, `${name} is ${x}; every value must be a finite number`)) return issues; }
      else if (x < 0) { bad = true; if (push(name, i, `${name} is negative (${x}); prices and volumes must be >= 0`)) return issues; }
    }
    if (bad) continue;
    if (h < l) { if (push('high', i, `high ${h} is below low ${l}`)) return issues; }
    else if (h < Math.max(o, cl)) { if (push('high', i, `high ${h} is below max(open, close) ${Math.max(o, cl)}`)) return issues; }
    else if (l > Math.min(o, cl)) { if (push('low', i, `low ${l} is above min(open, close) ${Math.min(o, cl)}`)) return issues; }
  }
  return issues;
}
