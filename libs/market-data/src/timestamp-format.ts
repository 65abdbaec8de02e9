import { zonedToUtc } from './dates';

/**
 * Timestamp spellings accepted by imports. One file must use one of them throughout:
 * - `iso-offset`: ISO 8601 with `Z` or an offset (`2024-01-01T09:00:00+09:00`), honoured as given;
 * - `iso-local`: ISO 8601 without offset (`2024-01-01T09:00:00`), wall-clock time in the import zone;
 * - `space-local`: `YYYY-MM-DD HH:mm[:ss]`, wall-clock time in the import zone;
 * - `date`: `YYYY-MM-DD`, the day candle opening at 00:00 UTC that date (a label, not an instant);
 * - `epoch-ms`: integer milliseconds since 1970-01-01T00:00Z (values >= 1e11);
 * - `epoch-s`: seconds since the epoch, fractions allowed (values < 1e11).
 */
export type TimestampFormat = 'iso-offset' | 'iso-local' | 'space-local' | 'date' | 'epoch-ms' | 'epoch-s';

/** Epoch values at or above this are milliseconds (1e11 ms ≈ 1973-03; 1e11 s ≈ year 5138). */
export const EPOCH_MS_THRESHOLD = 1e11;

const ISO_OFFSET = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)$/;
const ISO_LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;
const SPACE_LOCAL = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const EPOCH = /^\d+(\.\d+)?$/;

/** The format of one timestamp text, or undefined when it matches none. */
export function classifyTimestamp(text: string): TimestampFormat | undefined {
  const s = text.trim();
  if (EPOCH.test(s)) return Number(s) >= EPOCH_MS_THRESHOLD ? 'epoch-ms' : 'epoch-s';
  if (DATE.test(s)) return 'date';
  if (ISO_LOCAL.test(s)) return 'iso-local';
  if (SPACE_LOCAL.test(s)) return 'space-local';
  if (ISO_OFFSET.test(s)) return 'iso-offset';
  return undefined;
}

/**
 * Converts wall-clock times in one zone to UTC quickly: the zone offset is looked up once per
 * wall-clock hour (offsets change only on hour boundaries in practice) instead of once per row.
 */
export class ZonedClock {
  private readonly offsets = new Map<number, number>();
  constructor(
    /** IANA zone name. */
    readonly zone: string,
  ) {}

  /** UTC epoch ms of the wall-clock time `wallMs` (a `Date.UTC(...)` value read as local time). */
  toUtc(wallMs: number): number {
    const hour = Math.floor(wallMs / 3_600_000) * 3_600_000;
    let offset = this.offsets.get(hour);
    if (offset === undefined) {
      const d = new Date(hour);
      offset = hour - zonedToUtc(this.zone, d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours());
      this.offsets.set(hour, offset);
    }
    return wallMs - offset;
  }
}

function wallFromMatch(m: RegExpExecArray): number {
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0));
  if (mo < 1 || mo > 12 || d < 1 || d > new Date(Date.UTC(y, mo, 0)).getUTCDate() || h > 23 || mi > 59 || s > 59) return NaN;
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  return Date.UTC(y, mo - 1, d, h, mi, s, ms);
}

/**
 * Parses one timestamp text known to be in `format`; NaN when it does not fit (wrong shape,
 * impossible date). `clock` converts local formats.
 */
export function parseTimestamp(text: string, format: TimestampFormat, clock: ZonedClock): number {
  const s = text.trim();
  switch (format) {
    case 'epoch-ms': {
      if (!EPOCH.test(s)) return NaN;
      const v = Number(s);
      return v >= EPOCH_MS_THRESHOLD && Number.isInteger(v) ? v : NaN;
    }
    case 'epoch-s': {
      if (!EPOCH.test(s)) return NaN;
      const v = Number(s);
      return v < EPOCH_MS_THRESHOLD ? Math.round(v * 1000) : NaN;
    }
    case 'date': {
      const m = DATE.exec(s);
      if (!m) return NaN;
      const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
      if (mo < 1 || mo > 12 || d < 1 || d > new Date(Date.UTC(y, mo, 0)).getUTCDate()) return NaN;
      return Date.UTC(y, mo - 1, d);
    }
    case 'iso-local':
    case 'space-local': {
      const m = (format === 'iso-local' ? ISO_LOCAL : SPACE_LOCAL).exec(s);
      if (!m) return NaN;
      const wall = wallFromMatch(m);
      return Number.isNaN(wall) ? NaN : clock.toUtc(wall);
    }
    case 'iso-offset': {
      const m = ISO_OFFSET.exec(s);
      if (!m) return NaN;
      const wall = wallFromMatch(m);
      const off = m[8];
      if (off === 'Z' || off === 'z') return wall;
      const digits = off.slice(1).replace(':', '');
      const oh = Number(digits.slice(0, 2)), om = digits.length > 2 ? Number(digits.slice(2)) : 0;
      if (oh > 23 || om > 59) return NaN;
      return wall - (off[0] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
    }
  }
}
