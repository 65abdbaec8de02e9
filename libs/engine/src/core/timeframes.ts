/**
 * Candle timeframes, with codes that cannot be confused: minutes are lower-case `m`, months are
 * `mo` (the original used `1M` for both minutes and months).
 */
export const TIMEFRAMES = {
  '1m': { ms: 60_000, upbit: 'minutes/1' },
  '3m': { ms: 180_000, upbit: 'minutes/3' },
  '5m': { ms: 300_000, upbit: 'minutes/5' },
  '10m': { ms: 600_000, upbit: 'minutes/10' },
  '15m': { ms: 900_000, upbit: 'minutes/15' },
  '30m': { ms: 1_800_000, upbit: 'minutes/30' },
  '1h': { ms: 3_600_000, upbit: 'minutes/60' },
  '4h': { ms: 14_400_000, upbit: 'minutes/240' },
  '1d': { ms: 86_400_000, upbit: 'days' },
  '1w': { ms: 604_800_000, upbit: 'weeks' },
  /** Calendar month; `ms` is the mean Gregorian month, used only for annualisation. */
  '1mo': { ms: 2_629_746_000, upbit: 'months' },
} as const;

/** A canonical timeframe code. */
export type Timeframe = keyof typeof TIMEFRAMES;

/** All canonical timeframe codes, shortest first. */
export const TIMEFRAME_CODES = Object.keys(TIMEFRAMES) as Timeframe[];

/** Milliseconds in a (mean) year of 365.2425 days; crypto markets trade around the clock. */
export const MS_PER_YEAR = 365.2425 * 86_400_000;

/** True when `code` is a canonical timeframe code. */
export function isTimeframe(code: string): code is Timeframe {
  return Object.prototype.hasOwnProperty.call(TIMEFRAMES, code);
}

/** Bars per year for a timeframe (24/7 market), used to annualise returns and volatility. */
export function barsPerYear(tf: Timeframe): number {
  return MS_PER_YEAR / TIMEFRAMES[tf].ms;
}
