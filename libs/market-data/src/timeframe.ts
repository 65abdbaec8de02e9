import { TIMEFRAMES, isTimeframe, type Timeframe } from '@coinhts/engine';
import { InvalidTimeframeError } from './errors';

/**
 * Legacy and alternative spellings accepted on input, mapped to canonical codes.
 *
 * Decision: the original stored 1-minute data under `1M` (fetcher, scheduler and data paths),
 * while one config file also used `1M` for months and the fetcher used `1Mo` for months. Since
 * every data directory the original wrote used `1M` for minutes, `1M` (and `3M`…`30M`) means
 * **minutes** here; months are only `1mo` / `1Mo` / `1MO` / `months`. Canonical codes (lower
 * case, `mo` for months) are what the store writes.
 */
export const TIMEFRAME_ALIASES: Readonly<Record<string, Timeframe>> = {
  '1M': '1m', '3M': '3m', '5M': '5m', '10M': '10m', '15M': '15m', '30M': '30m',
  '60m': '1h', '60M': '1h', '1H': '1h', '240m': '4h', '240M': '4h', '4H': '4h',
  '1D': '1d', 'D': '1d', '1W': '1w', 'W': '1w', '1Mo': '1mo', '1MO': '1mo', '1mon': '1mo',
  'minutes/1': '1m', 'minutes/3': '3m', 'minutes/5': '5m', 'minutes/10': '10m', 'minutes/15': '15m',
  'minutes/30': '30m', 'minutes/60': '1h', 'minutes/240': '4h', days: '1d', weeks: '1w', months: '1mo',
};

/**
 * Normalises a timeframe code to the engine's canonical code (`1m`, `3m`, `5m`, `10m`, `15m`,
 * `30m`, `1h`, `4h`, `1d`, `1w`, `1mo`), accepting the aliases in {@link TIMEFRAME_ALIASES}.
 * Throws {@link InvalidTimeframeError} for anything else.
 */
export function normalizeTimeframe(text: string): Timeframe {
  if (typeof text !== 'string') throw new InvalidTimeframeError(String(text));
  const t = text.trim();
  if (isTimeframe(t)) return t;
  const alias = TIMEFRAME_ALIASES[t];
  if (alias) return alias;
  throw new InvalidTimeframeError(text);
}

/** Duration of one candle in ms for fixed-length timeframes; `undefined` for `1mo` (calendar months). */
export function fixedDurationMs(tf: Timeframe): number | undefined {
  return tf === '1mo' ? undefined : TIMEFRAMES[tf].ms;
}

/** Weeks start on Monday 00:00 UTC (Upbit's week candles); 1970-01-05 was a Monday, 4 days after the epoch. */
const WEEK_OFFSET_MS = 4 * 86_400_000;

/**
 * Open time (UTC ms) of the candle of timeframe `tf` that contains the instant `t`. Candles are
 * aligned to UTC like Upbit's: minutes and hours to multiples of their length since the epoch,
 * days to 00:00 UTC, weeks to Monday 00:00 UTC, months to the 1st 00:00 UTC.
 */
export function candleOpenAt(tf: Timeframe, t: number): number {
  if (tf === '1mo') {
    const d = new Date(t);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
  const ms = TIMEFRAMES[tf].ms;
  if (tf === '1w') return Math.floor((t - WEEK_OFFSET_MS) / ms) * ms + WEEK_OFFSET_MS;
  return Math.floor(t / ms) * ms;
}

/** Open time of the candle after the one opening at `open`. */
export function nextCandleOpen(tf: Timeframe, open: number): number {
  if (tf === '1mo') {
    const d = new Date(open);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  }
  return open + TIMEFRAMES[tf].ms;
}

/** True when `t` is a candle open time of `tf` (see {@link candleOpenAt}). */
export function isCandleOpen(tf: Timeframe, t: number): boolean {
  return candleOpenAt(tf, t) === t;
}

/**
 * Number of candle slots of `tf` whose open time lies in `[from, to]` (both inclusive). For
 * `1mo` this counts calendar months.
 */
export function candleSlots(tf: Timeframe, from: number, to: number): number {
  if (to < from) return 0;
  const first = isCandleOpen(tf, from) ? from : nextCandleOpen(tf, candleOpenAt(tf, from));
  if (first > to) return 0;
  if (tf === '1mo') {
    const a = new Date(first), b = new Date(candleOpenAt(tf, to));
    return (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + (b.getUTCMonth() - a.getUTCMonth()) + 1;
  }
  return Math.floor((to - first) / TIMEFRAMES[tf].ms) + 1;
}
