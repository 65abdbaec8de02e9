import { candleOpenAt, candleSlots, isCandleOpen, nextCandleOpen, normalizeTimeframe } from './timeframe';
import { InvalidTimeframeError } from './errors';

const iso = (s: string): number => Date.parse(s);

describe('normalizeTimeframe', () => {
  it.each([
    ['1m', '1m'], ['1M', '1m'], ['5M', '5m'], ['30M', '30m'], ['1H', '1h'], ['4H', '4h'], ['60m', '1h'],
    ['1D', '1d'], ['1W', '1w'], ['1Mo', '1mo'], ['1MO', '1mo'], ['1mo', '1mo'],
    ['minutes/240', '4h'], ['days', '1d'], ['months', '1mo'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeTimeframe(input)).toBe(expected);
  });

  it.each(['2m', '1y', '', '../1d', '1d/..', 'ONE_DAY', '1 d'])('rejects %j with INVALID_TIMEFRAME', (input) => {
    expect(() => normalizeTimeframe(input)).toThrow(InvalidTimeframeError);
  });
});

describe('candle alignment (UTC, as Upbit)', () => {
  it('floors to the candle open', () => {
    expect(candleOpenAt('1h', iso('2024-03-05T10:59:59.999Z'))).toBe(iso('2024-03-05T10:00:00Z'));
    expect(candleOpenAt('4h', iso('2024-03-05T07:00:00Z'))).toBe(iso('2024-03-05T04:00:00Z'));
    expect(candleOpenAt('1d', iso('2024-03-05T23:00:00Z'))).toBe(iso('2024-03-05T00:00:00Z'));
    // 2024-03-07 is a Thursday; its week opened on Monday 2024-03-04.
    expect(candleOpenAt('1w', iso('2024-03-07T12:00:00Z'))).toBe(iso('2024-03-04T00:00:00Z'));
    expect(candleOpenAt('1w', iso('2024-03-04T00:00:00Z'))).toBe(iso('2024-03-04T00:00:00Z'));
    expect(candleOpenAt('1mo', iso('2024-02-29T23:00:00Z'))).toBe(iso('2024-02-01T00:00:00Z'));
  });

  it('steps calendar months and fixed lengths', () => {
    expect(nextCandleOpen('1mo', iso('2024-12-01T00:00:00Z'))).toBe(iso('2025-01-01T00:00:00Z'));
    expect(nextCandleOpen('1m', iso('2024-12-31T23:59:00Z'))).toBe(iso('2025-01-01T00:00:00Z'));
    expect(isCandleOpen('1h', iso('2024-01-01T10:30:00Z'))).toBe(false);
  });

  it('counts slots in an inclusive range', () => {
    expect(candleSlots('1d', iso('2024-01-01T00:00:00Z'), iso('2024-01-31T00:00:00Z'))).toBe(31);
    // A KST calendar day seen in UTC: 15:00Z .. 14:59:59.999Z next day holds 24 hourly opens.
    expect(candleSlots('1h', iso('2023-12-31T15:00:00Z'), iso('2024-01-01T14:59:59.999Z'))).toBe(24);
    expect(candleSlots('1mo', iso('2024-01-15T00:00:00Z'), iso('2024-12-31T00:00:00Z'))).toBe(11);
    expect(candleSlots('1m', 10, 5)).toBe(0);
  });
});
