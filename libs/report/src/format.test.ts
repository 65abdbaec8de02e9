import {
  formatCount, formatDuration, formatFractionAsPercent, formatKrw, formatNumber, formatPercent, formatPrice, formatQuantity,
  formatRatio, formatUtcDate, formatUtcTime, formatValue, MISSING, unitLabel,
} from './format';

// Every expected string below is written by hand from the rule in the function's TSDoc.
describe('percent: one rule whether the value is a fraction or already percent', () => {
  it('0.025 as a fraction and 2.5 as percent both read "2.50 %" (the original showed 2.5 % as "250.00%")', () => {
    expect(formatFractionAsPercent(0.025)).toBe('2.50 %');
    expect(formatPercent(2.5)).toBe('2.50 %');
  });
  it('digits, unit-less form for tables whose header names the unit, negatives, large values grouped', () => {
    expect(formatPercent(2.5, { digits: 4 })).toBe('2.5000 %');
    expect(formatPercent(-12.346, { unit: false })).toBe('-12.35');
    expect(formatPercent(12345.678)).toBe('12,345.68 %');
    expect(formatFractionAsPercent(1)).toBe('100.00 %');
    expect(formatFractionAsPercent(0.0005, { digits: 3 })).toBe('0.050 %');
  });
  it('a value that rounds to zero has no sign', () => {
    expect(formatPercent(-0.001)).toBe('0.00 %');
    expect(formatNumber(-0)).toBe('0.00');
  });
  it('missing values print as "-"', () => {
    for (const f of [formatPercent, formatFractionAsPercent, formatKrw]) {
      expect(f(null)).toBe(MISSING);
      expect(f(undefined)).toBe(MISSING);
      expect(f(Number.NaN)).toBe(MISSING);
      expect(f(Number.POSITIVE_INFINITY)).toBe(MISSING);
    }
  });
});

describe('KRW money: thousands separators, no decimals from 1,000 up', () => {
  it('formats amounts', () => {
    expect(formatKrw(10_000_000)).toBe('10,000,000 KRW');
    expect(formatKrw(1_234_567.8)).toBe('1,234,568 KRW');
    expect(formatKrw(-98_765.4, { unit: false })).toBe('-98,765');
    expect(formatKrw(12.345)).toBe('12.35 KRW'); // 12.345 is 12.3450000000000006 in binary → rounds up
    expect(formatKrw(999.5)).toBe('999.5 KRW');
    expect(formatKrw(1234.5, { digits: 2 })).toBe('1,234.50 KRW');
  });
});

describe('ratios, counts, prices, quantities', () => {
  it('ratio: 3 decimals', () => {
    expect(formatRatio(1.23456)).toBe('1.235');
    expect(formatRatio(-0.5)).toBe('-0.500');
    expect(formatRatio(null)).toBe('-');
  });
  it('count: grouped integers', () => {
    expect(formatCount(10_000)).toBe('10,000');
    expect(formatCount(7)).toBe('7');
  });
  it('price: no decimals from 1,000, at most 2 from 1, 4 significant digits below 1', () => {
    expect(formatPrice(95_123_000)).toBe('95,123,000');
    expect(formatPrice(3456.5)).toBe('3,457');
    expect(formatPrice(12.5)).toBe('12.5');
    expect(formatPrice(0.00123456)).toBe('0.001235');
  });
  it('quantity: up to 8 decimals', () => {
    expect(formatQuantity(0.123456789)).toBe('0.12345679');
    expect(formatQuantity(2)).toBe('2');
  });
});

describe('durations and dates (UTC)', () => {
  it('durations to the minute', () => {
    expect(formatDuration(0)).toBe('0m');
    expect(formatDuration(45 * 60_000)).toBe('45m');
    expect(formatDuration((5 * 60 + 30) * 60_000)).toBe('5h 30m');
    expect(formatDuration(2 * 3_600_000)).toBe('2h');
    expect(formatDuration((12 * 24 + 3) * 3_600_000)).toBe('12d 3h');
    expect(formatDuration(366 * 86_400_000)).toBe('366d');
    expect(formatDuration(-90 * 60_000)).toBe('-1h 30m');
  });
  it('times and dates', () => {
    // 2024-01-01T00:00:00Z = 1704067200000 ms (1704067200 s is the published Unix time of that instant).
    expect(formatUtcTime(1_704_067_200_000)).toBe('2024-01-01 00:00 UTC');
    expect(formatUtcTime(1_704_067_200_000 + 9 * 3_600_000 + 5_000)).toBe('2024-01-01 09:00:05 UTC');
    expect(formatUtcDate(1_704_067_200_000 + 23 * 3_600_000)).toBe('2024-01-01');
  });
});

describe('formatValue by kind', () => {
  it('dispatches on the kind and its unit', () => {
    expect(formatValue('fraction', 0.025)).toBe('2.50 %');
    expect(formatValue('percent', 2.5)).toBe('2.50 %');
    expect(formatValue('krw', 1500, { unit: false })).toBe('1,500');
    expect(formatValue('ratio', 2)).toBe('2.000');
    expect(formatValue('duration_ms', 3_600_000)).toBe('1h');
    expect(formatValue('text', 'KRW-BTC')).toBe('KRW-BTC');
    expect(formatValue('percent', 'not a number')).toBe('-');
    expect([unitLabel('percent'), unitLabel('fraction'), unitLabel('krw'), unitLabel('ratio')]).toEqual(['%', '%', 'KRW', '']);
  });
});
