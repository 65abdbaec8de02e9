import fc from 'fast-check';
import { parseDateBound, parseDateRange, zoneOffsetMs, zonedToUtc } from './dates';
import { InvalidRangeError } from './errors';

const iso = (s: string): number => Date.parse(s);

describe('parseDateBound', () => {
  it('reads a date-only start in Asia/Seoul by default (KST midnight = 15:00Z the day before)', () => {
    expect(parseDateBound('2024-01-01')).toBe(iso('2023-12-31T15:00:00.000Z'));
  });

  it('makes a date-only end inclusive: the whole end day in the zone', () => {
    expect(parseDateBound('2024-01-31', { end: true })).toBe(iso('2024-01-31T14:59:59.999Z'));
    expect(parseDateBound('2024-02-29', { end: true, zone: 'UTC' })).toBe(iso('2024-02-29T23:59:59.999Z'));
    expect(parseDateBound('2024-12-31', { end: true, zone: 'UTC' })).toBe(iso('2024-12-31T23:59:59.999Z'));
  });

  it('honours explicit offsets and Z, whatever the zone', () => {
    expect(parseDateBound('2024-01-01T09:00:00+09:00', { zone: 'UTC' })).toBe(iso('2024-01-01T00:00:00Z'));
    expect(parseDateBound('2024-01-01T00:00:00Z')).toBe(iso('2024-01-01T00:00:00Z'));
    expect(parseDateBound('2024-01-01T00:00:00-0500')).toBe(iso('2024-01-01T05:00:00Z'));
    expect(parseDateBound('2024-01-01T00:00:00.25Z')).toBe(iso('2024-01-01T00:00:00.250Z'));
  });

  it('reads offset-less times as wall-clock time in the zone', () => {
    expect(parseDateBound('2024-01-01 09:00:00')).toBe(iso('2024-01-01T00:00:00Z'));
    expect(parseDateBound('2024-01-01T09:00', { zone: 'Europe/London' })).toBe(iso('2024-01-01T09:00:00Z'));
    expect(parseDateBound('2024-07-01T09:00', { zone: 'Europe/London' })).toBe(iso('2024-07-01T08:00:00Z'));
  });

  it('follows DST: a 23-hour day in New York', () => {
    const start = parseDateBound('2024-03-10', { zone: 'America/New_York' });
    const end = parseDateBound('2024-03-10', { zone: 'America/New_York', end: true });
    expect(start).toBe(iso('2024-03-10T05:00:00Z'));
    expect(end).toBe(iso('2024-03-11T03:59:59.999Z'));
    // 02:30 does not exist that night; it is moved forward by the jump (03:30 EDT).
    expect(zonedToUtc('America/New_York', 2024, 3, 10, 2, 30)).toBe(iso('2024-03-10T07:30:00Z'));
    // 01:30 happens twice on 2024-11-03; the earlier (EDT) instant is chosen.
    expect(zonedToUtc('America/New_York', 2024, 11, 3, 1, 30)).toBe(iso('2024-11-03T05:30:00Z'));
  });

  it.each(['yesterday', '2024-02-30', '2024-13-01', '2024-01-01T25:00', '20240101', '2024-01-01T00:00+25:00', ''])(
    'rejects %j with INVALID_RANGE', (text) => {
      expect(() => parseDateBound(text)).toThrow(InvalidRangeError);
    });

  it('rejects an unknown zone with INVALID_RANGE', () => {
    expect(() => parseDateBound('2024-01-01', { zone: 'Mars/Olympus' })).toThrow(/Unknown time zone/);
  });

  it('knows Seoul is UTC+9', () => {
    expect(zoneOffsetMs('Asia/Seoul', iso('2024-06-01T00:00:00Z'))).toBe(9 * 3_600_000);
  });

  it('date-only bounds of any day cover exactly that day (property, UTC and Seoul)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 40_000 }), fc.constantFrom('UTC', 'Asia/Seoul'), (dayIndex, zone) => {
      const day = new Date(Date.UTC(2000, 0, 1) + dayIndex * 86_400_000).toISOString().slice(0, 10);
      const start = parseDateBound(day, { zone });
      const end = parseDateBound(day, { zone, end: true });
      const shift = zone === 'UTC' ? 0 : 9 * 3_600_000;
      expect(start).toBe(Date.parse(`${day}T00:00:00Z`) - shift);
      expect(end - start).toBe(86_400_000 - 1);
    }));
  });
});

describe('parseDateRange', () => {
  it('accepts a one-day range and rejects a reversed one', () => {
    expect(parseDateRange('2024-01-01', '2024-01-01', 'UTC')).toEqual({ from: iso('2024-01-01T00:00:00Z'), to: iso('2024-01-01T23:59:59.999Z') });
    expect(() => parseDateRange('2024-02-01', '2024-01-01')).toThrow(InvalidRangeError);
  });
});
