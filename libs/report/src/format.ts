/**
 * One formatting rule for every number a person reads: the CLI's stats table, the HTML report and
 * the web console all format through these functions, so a percent is never shown ×100 twice (the
 * original showed an average return of 2.5 % as "250.00%") and money always has its separators.
 *
 * Units are explicit in the function name: {@link formatPercent} takes a value that is already in
 * percent (2.5 → "2.50 %"), {@link formatFractionAsPercent} a fraction (0.025 → "2.50 %").
 * Missing or non-finite values print as {@link MISSING}. Pure code, no I/O: runs in Node and browsers.
 */

/** What a missing, null or non-finite value prints as. */
export const MISSING = '-';

/** Options shared by the unit formatters. */
export interface UnitFormatOptions {
  /** Decimals (default per formatter). */
  readonly digits?: number;
  /** Append the unit (` %`, ` KRW`); false when a table header already names it (default true). */
  readonly unit?: boolean;
}

const isNum = (x: number | null | undefined): x is number => typeof x === 'number' && Number.isFinite(x);

const grouped = new Map<string, Intl.NumberFormat>();
function numberFormat(minDigits: number, maxDigits: number): Intl.NumberFormat {
  const key = `${minDigits}:${maxDigits}`;
  let f = grouped.get(key);
  if (!f) {
    f = new Intl.NumberFormat('en-US', { minimumFractionDigits: minDigits, maximumFractionDigits: maxDigits, useGrouping: true });
    grouped.set(key, f);
  }
  return f;
}

/** Removes the sign of a value that rounds to zero ("-0.00" → "0.00"). */
function unsignedZero(text: string): string {
  return /^-[0.,]+$/.test(text) ? text.slice(1) : text;
}

/** A number with exactly `digits` decimals and thousands separators: 12345.678 → "12,345.68". */
export function formatNumber(x: number | null | undefined, digits = 2): string {
  return isNum(x) ? unsignedZero(numberFormat(digits, digits).format(x)) : MISSING;
}

/** A value already in percent: 2.5 → "2.50 %" (2 decimals by default). */
export function formatPercent(pct: number | null | undefined, options: UnitFormatOptions = {}): string {
  if (!isNum(pct)) return MISSING;
  const text = formatNumber(pct, options.digits ?? 2);
  return options.unit === false ? text : `${text} %`;
}

/** A fraction shown as percent: 0.025 → "2.50 %" (2 decimals by default). */
export function formatFractionAsPercent(fraction: number | null | undefined, options: UnitFormatOptions = {}): string {
  return isNum(fraction) ? formatPercent(fraction * 100, options) : MISSING;
}

/**
 * An amount of KRW with thousands separators: no decimals from 1,000 up, at most 2 below
 * (1234567.8 → "1,234,568 KRW", 12.345 → "12.35 KRW"); `digits` forces a fixed number of decimals.
 */
export function formatKrw(krw: number | null | undefined, options: UnitFormatOptions = {}): string {
  if (!isNum(krw)) return MISSING;
  const text = options.digits !== undefined
    ? formatNumber(krw, options.digits)
    : unsignedZero(numberFormat(0, Math.abs(krw) >= 1000 ? 0 : 2).format(krw));
  return options.unit === false ? text : `${text} KRW`;
}

/** A dimensionless ratio (Sharpe, profit factor, SQN): 3 decimals by default, 1.23456 → "1.235". */
export function formatRatio(x: number | null | undefined, digits = 3): string {
  return formatNumber(x, digits);
}

/** A count with thousands separators: 10000 → "10,000". */
export function formatCount(n: number | null | undefined): string {
  return isNum(n) ? numberFormat(0, 0).format(n) : MISSING;
}

/**
 * A price in KRW per unit without the unit: from 1,000 up no decimals (95,123,000), from 1 up at
 * most 2 (3,456.5), below 1 four significant digits (0.001234).
 */
export function formatPrice(x: number | null | undefined): string {
  if (!isNum(x)) return MISSING;
  const a = Math.abs(x);
  if (a >= 1000) return unsignedZero(numberFormat(0, 0).format(x));
  if (a >= 1 || a === 0) return unsignedZero(numberFormat(0, 2).format(x));
  return String(Number(x.toPrecision(4)));
}

/** A quantity of base units (e.g. BTC): up to 8 decimals, trailing zeros dropped (0.12345678). */
export function formatQuantity(x: number | null | undefined): string {
  return isNum(x) ? unsignedZero(numberFormat(0, 8).format(x)) : MISSING;
}

/** A time span in ms, to the minute: `12d 3h`, `5h 30m`, `45m`, `0m`; negative spans get a `-`. */
export function formatDuration(ms: number | null | undefined): string {
  if (!isNum(ms)) return MISSING;
  const minutes = Math.round(Math.abs(ms) / 60_000);
  const d = Math.floor(minutes / 1440), h = Math.floor((minutes % 1440) / 60), m = minutes % 60;
  const sign = ms < 0 && minutes > 0 ? '-' : '';
  if (d > 0) return `${sign}${h > 0 ? `${d}d ${h}h` : `${d}d`}`;
  if (h > 0) return `${sign}${m > 0 ? `${h}h ${m}m` : `${h}h`}`;
  return `${sign}${m}m`;
}

/** An epoch-ms time as `2024-01-01 09:00 UTC` (seconds shown only when not zero). */
export function formatUtcTime(ms: number | null | undefined): string {
  if (!isNum(ms)) return MISSING;
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, iso.endsWith(':00.000Z') ? 16 : 19)} UTC`;
}

/** An epoch-ms time as its UTC date `2024-01-01`. */
export function formatUtcDate(ms: number | null | undefined): string {
  return isNum(ms) ? new Date(ms).toISOString().slice(0, 10) : MISSING;
}

/** Kinds of values {@link formatValue} knows; each names its unit. */
export const ValueKind = {
  /** Already in percent (2.5 = 2.5 %). */
  Percent: 'percent',
  /** A fraction shown as percent (0.025 = 2.5 %). */
  Fraction: 'fraction',
  /** KRW. */
  Krw: 'krw',
  /** Dimensionless, 3 decimals. */
  Ratio: 'ratio',
  /** Integer count. */
  Count: 'count',
  /** Milliseconds of duration. */
  DurationMs: 'duration_ms',
  /** Epoch ms, shown as UTC time. */
  TimeMs: 'time_ms',
  /** Price in KRW per unit. */
  Price: 'price',
  /** Base units. */
  Quantity: 'quantity',
  /** Plain text (shown as given). */
  Text: 'text',
} as const;
/** One of {@link ValueKind}'s values. */
export type ValueKind = (typeof ValueKind)[keyof typeof ValueKind];

/** The unit a table header shows for a kind (`%`, `KRW`), or '' when the value carries none. */
export function unitLabel(kind: ValueKind): string {
  return kind === 'percent' || kind === 'fraction' ? '%' : kind === 'krw' ? 'KRW' : '';
}

/** Formats a value by its kind (see {@link ValueKind}); `unit: false` leaves the unit to a header. */
export function formatValue(kind: ValueKind, value: unknown, options: UnitFormatOptions = {}): string {
  if (kind === 'text') return value === null || value === undefined ? MISSING : String(value);
  const x = typeof value === 'number' ? value : null;
  switch (kind) {
    case 'percent': return formatPercent(x, options);
    case 'fraction': return formatFractionAsPercent(x, options);
    case 'krw': return formatKrw(x, options);
    case 'ratio': return formatRatio(x, options.digits ?? 3);
    case 'count': return formatCount(x);
    case 'duration_ms': return formatDuration(x);
    case 'time_ms': return formatUtcTime(x);
    case 'price': return formatPrice(x);
    case 'quantity': return formatQuantity(x);
  }
}
