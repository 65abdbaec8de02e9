import fc from 'fast-check';
import { candlesFromRows, findCandleIssues, type CandleColumns } from '../core/candles';
import { InvalidCandlesError } from '../core/errors';
import { candlesAreValid, validateSeriesCandles } from './fast-validate';

const special = fc.constantFrom(Number.NaN, Infinity, -Infinity, -1, 0, -0, 1e308, Number.MAX_VALUE);
const value = fc.oneof({ weight: 8, arbitrary: fc.double({ min: 0, max: 200, noNaN: true }) }, { weight: 1, arbitrary: special });

/** Mostly valid rows with occasional corruption of any field, including timestamps. */
const series = fc.array(fc.record({ dt: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 5 }) }, { weight: 1, arbitrary: fc.constantFrom(0, -1, Number.NaN, Infinity) }), o: value, spread: value, c: value, v: value, corrupt: fc.nat(12) }), { minLength: 0, maxLength: 12 })
  .map((rows): CandleColumns => {
    let t = 1_700_000_000_000;
    return candlesFromRows(rows.map((r) => {
      t += r.dt;
      const o = r.o, c = r.c;
      let high = Math.max(o, c) + (Number.isFinite(r.spread) ? r.spread : 0);
      let low = Math.min(o, c) - (Number.isFinite(r.spread) ? Math.min(r.spread, Math.min(o, c)) : 0);
      if (r.corrupt === 1) high = low - 1;
      if (r.corrupt === 2) low = r.spread;
      if (r.corrupt === 3) high = r.spread;
      return { timestamp: t, open: o, high, low, close: c, volume: r.v };
    }));
  });

describe('candlesAreValid', () => {
  it('accepts exactly what validateCandles accepts (fast-check against the detailed checker)', () => {
    let valid = 0, invalid = 0;
    fc.assert(fc.property(series, (c) => {
      const expected = findCandleIssues(c).length === 0;
      if (expected) valid++; else invalid++;
      expect(candlesAreValid(c)).toBe(expected);
    }), { numRuns: 3000 });
    // the generator must exercise both outcomes, or the property proves little
    expect(Math.min(valid, invalid)).toBeGreaterThan(300);
  });

  it('rejects missing or mismatched columns like validateCandles', () => {
    const ok = candlesFromRows([{ timestamp: 1, open: 1, high: 1, low: 1, close: 1, volume: 1 }]);
    expect(candlesAreValid(ok)).toBe(true);
    expect(candlesAreValid({ ...ok, volume: new Float64Array(2) })).toBe(false);
    expect(candlesAreValid({ ...ok, close: [1] as unknown as Float64Array })).toBe(false);
  });

  it('validateSeriesCandles remembers a valid column set, and re-checks when a column array is replaced', () => {
    const c = candlesFromRows([{ timestamp: 1, open: 1, high: 1, low: 1, close: 1, volume: 1 }, { timestamp: 2, open: 1, high: 1, low: 1, close: 1, volume: 1 }]) as { -readonly [K in keyof CandleColumns]: Float64Array };
    expect(() => validateSeriesCandles(c, 'A')).not.toThrow();
    c.close = Float64Array.of(1, Number.NaN);
    expect(() => validateSeriesCandles(c, 'A')).toThrow(/close at row 1/);
  });

  it('validateSeriesCandles throws the detailed InvalidCandlesError only for bad input', () => {
    const bad = candlesFromRows([{ timestamp: 1, open: 1, high: 0.5, low: 1, close: 1, volume: 1 }]);
    expect(() => validateSeriesCandles(bad, 'KRW-ETH')).toThrow(InvalidCandlesError);
    expect(() => validateSeriesCandles(bad, 'KRW-ETH')).toThrow(/KRW-ETH: high at row 0/);
  });
});
