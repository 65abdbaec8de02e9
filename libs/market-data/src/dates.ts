import { InvalidRangeError } from './errors';

/** Zone used for date-only bounds and offset-less times unless told otherwise (the original's rule). */
export const DEFAULT_ZONE = 'Asia/Seoul';

/** Options of {@link parseDateBound}. */
export interface DateBoundOptions {
  /** IANA zone for date-only text and times without an offset. Default {@link DEFAULT_ZONE}. */
  readonly zone?: string;
  /**
   * True for the upper bound of a range: a date-only bound then means the **end** of that day
   * (the last millisecond before the next local midnight), so the end date is inclusive.
   */
  readonly end?: boolean;
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Parses a range bound to UTC epoch ms.
 *
 * - `2024-01-01` (date only) is a calendar day in `zone` (default Asia/Seoul): the start of the
 *   day, or with `end: true` its last millisecond (the whole end day is included).
 * - `2024-01-01T09:30`, `2024-01-01 09:30:00` (no offset) is a wall-clock time in `zone`.
 * - `2024-01-01T00:00:00Z`, `…+09:00`, `…-0500` honour the given offset.
 *
 * Throws {@link InvalidRangeError} for anything else, impossible dates (`2024-02-30`) and unknown zones.
 */
export function parseDateBound(text: string, options: DateBoundOptions = {}): number {
  const zone = options.zone ?? DEFAULT_ZONE;
  const s = String(text).trim();
  const d = DATE_ONLY.exec(s);
  if (d) {
    const [y, mo, da] = [Number(d[1]), Number(d[2]), Number(d[3])];
    checkFields(s, y, mo, da, 0, 0, 0);
    if (!options.end) return zonedToUtc(zone, y, mo, da, 0, 0, 0, 0);
    // Next day's local midnight minus 1 ms; Date.UTC normalises day overflow (Jan 32 → Feb 1).
    const next = new Date(Date.UTC(y, mo - 1, da + 1));
    return zonedToUtc(zone, next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), 0, 0, 0, 0) - 1;
  }
  const m = DATE_TIME.exec(s);
  if (!m) {
    throw new InvalidRangeError(`Cannot read the date ${JSON.stringify(text)}: use YYYY-MM-DD, YYYY-MM-DDTHH:mm[:ss] (in ${zone}) or an ISO 8601 time with Z or an offset`);
  }
  const [y, mo, da, h, mi, se] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0));
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  checkFields(s, y, mo, da, h, mi, se);
  const offset = m[8];
  if (offset === undefined) return zonedToUtc(zone, y, mo, da, h, mi, se, ms);
  const wall = Date.UTC(y, mo - 1, da, h, mi, se, ms);
  if (offset === 'Z' || offset === 'z') return wall;
  const sign = offset[0] === '-' ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  const oh = Number(digits.slice(0, 2));
  const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  if (oh > 23 || om > 59) throw new InvalidRangeError(`Cannot read the date ${JSON.stringify(text)}: offset ${offset} is out of range`);
  return wall - sign * (oh * 60 + om) * 60_000;
}

/**
 * Parses a `[from, to]` pair with {@link parseDateBound} (`to` as an end bound) and checks order.
 * Either side may be omitted. Throws {@link InvalidRangeError} when `from` is after `to`.
 */
export function parseDateRange(from: string | undefined, to: string | undefined, zone = DEFAULT_ZONE): { from?: number; to?: number } {
  const f = from === undefined ? undefined : parseDateBound(from, { zone });
  const t = to === undefined ? undefined : parseDateBound(to, { zone, end: true });
  if (f !== undefined && t !== undefined && f > t) {
    throw new InvalidRangeError(`The range starts after it ends: from ${from} (${new Date(f).toISOString()}) > to ${to} (${new Date(t).toISOString()})`);
  }
  return { from: f, to: t };
}

function checkFields(text: string, y: number, mo: number, d: number, h: number, mi: number, s: number): void {
  const dim = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (mo < 1 || mo > 12 || d < 1 || d > dim || h > 23 || mi > 59 || s > 59) {
    throw new InvalidRangeError(`Cannot read the date ${JSON.stringify(text)}: no such calendar date or time`);
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
        hour: 'numeric', minute: 'numeric', second: 'numeric', era: 'short',
      });
    } catch (err) {
      throw new InvalidRangeError(`Unknown time zone ${JSON.stringify(zone)}: use an IANA name such as Asia/Seoul or UTC`, { cause: err });
    }
    formatters.set(zone, f);
  }
  return f;
}

/**
 * Offset of `zone` from UTC at the instant `utcMs`, in ms (Asia/Seoul → +32 400 000). Uses
 * `Intl.DateTimeFormat`, so it follows the runtime's time-zone database (DST included).
 */
export function zoneOffsetMs(zone: string, utcMs: number): number {
  const parts = formatterFor(zone).formatToParts(new Date(utcMs));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  let year = get('year');
  if (parts.find((p) => p.type === 'era')?.value === 'BC') year = 1 - year;
  const asUtc = Date.UTC(year, get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  const whole = Math.floor(utcMs / 1000) * 1000;
  return asUtc - whole;
}

/**
 * UTC epoch ms of a wall-clock time in `zone`. For a time skipped by a DST jump the result is
 * shifted forward by the jump; for a repeated time the earlier instant is chosen.
 */
export function zonedToUtc(zone: string, y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number {
  const wall = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const o1 = zoneOffsetMs(zone, wall);
  let utc = wall - o1;
  const o2 = zoneOffsetMs(zone, utc);
  if (o2 !== o1) {
    const alt = wall - o2;
    // Prefer the candidate that maps back to the same wall time (handles both DST directions).
    utc = zoneOffsetMs(zone, alt) === o2 ? Math.min(alt, utc) : utc;
  }
  return utc;
}
