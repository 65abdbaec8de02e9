import fc from 'fast-check';
import { findCandleIssues } from '@coinhts/engine';
import { checkQuality, medianInPlace, repairSeries } from './quality';
import { series, toRows, type Row } from '../test/helpers';

const H = 3_600_000;
const T0 = Date.parse('2024-01-01T00:00:00Z');
const at = (hours: number): string => new Date(T0 + hours * H).toISOString();

/** Calm hourly candles: close alternates 100.0 / 100.1, bars span 99.9 .. 100.2-100.35. */
function calm(count = 40): Row[] {
  return Array.from({ length: count }, (_, i) => {
    const close = i % 2 ? 100.1 : 100;
    const open = i % 2 ? 100 : 100.1;
    return [at(i), open, 100.2 + (i % 4) * 0.05, 99.9, close, 10 + (i % 3)] as Row;
  });
}

describe('checkQuality', () => {
  it('calls a complete, consistent series valid', () => {
    const r = checkQuality(series(calm()), { timeframe: '1h' });
    expect(r.verdict).toBe('valid');
    expect(r.issues).toEqual([]);
    expect(r).toMatchObject({ rows: 40, first: T0, last: T0 + 39 * H, gaps: { count: 0, missingCandles: 0 } });
  });

  it('counts gaps with their first and last missing candle', () => {
    const rows = calm(8).filter((_, i) => i !== 2 && i !== 3 && i !== 6);
    const r = checkQuality(series(rows), { timeframe: '1h' });
    expect(r.verdict).toBe('warnings');
    expect(r.gaps).toMatchObject({ count: 2, missingCandles: 3, unknown: 3 });
    expect(r.gaps.examples).toEqual([
      { from: T0 + 2 * H, to: T0 + 3 * H, missing: 2, kind: 'unknown' },
      { from: T0 + 6 * H, to: T0 + 6 * H, missing: 1, kind: 'unknown' },
    ]);
  });

  it('tells no-trade gaps (inside fetched ranges) from collection holes', () => {
    const rows = calm(8).filter((_, i) => i !== 2 && i !== 6);
    const covered = checkQuality(series(rows), { timeframe: '1h', coverage: [[T0, T0 + 7 * H]] });
    expect(covered.verdict).toBe('valid');
    expect(covered.gaps).toMatchObject({ count: 2, noTrades: 2, notCollected: 0 });
    expect(covered.issues[0]).toMatchObject({ severity: 'info', kind: 'gaps' });
    const partly = checkQuality(series(rows), { timeframe: '1h', coverage: [[T0, T0 + 4 * H]] });
    expect(partly.verdict).toBe('warnings');
    expect(partly.gaps.examples.map((g) => g.kind)).toEqual(['no-trades', 'not-collected']);
  });

  it('reports missing candles at the edges of a requested range', () => {
    const r = checkQuality(series(calm(4).slice(1, 3)), { timeframe: '1h', range: { from: T0, to: T0 + 5 * H + 59 * 60_000 } });
    expect(r.gaps.examples).toEqual([
      { from: T0, to: T0, missing: 1, kind: 'unknown' },
      { from: T0 + 3 * H, to: T0 + 5 * H, missing: 3, kind: 'unknown' },
    ]);
  });

  it('counts calendar months for 1mo gaps', () => {
    const r = checkQuality(series([
      ['2024-01-01T00:00:00Z', 1, 1, 1, 1, 1], ['2024-02-01T00:00:00Z', 1, 1, 1, 1, 1], ['2024-05-01T00:00:00Z', 1, 1, 1, 1, 1],
    ]), { timeframe: '1mo' });
    expect(r.gaps.examples).toEqual([{ from: Date.parse('2024-03-01T00:00:00Z'), to: Date.parse('2024-04-01T00:00:00Z'), missing: 2, kind: 'unknown' }]);
  });

  it('marks duplicates, disorder, OHLC breaks and bad values invalid, naming the rows', () => {
    const rows: Row[] = [
      [at(0), 100, 101, 99, 100, 1],
      [at(1), 100, 101, 99, 100, 1],
      [at(1), 100, 101, 99, 100, 2], // duplicate of row 1
      [at(0), 100, 101, 99, 100, 1], // goes back in time (and repeats row 0)
      [at(3), 100, 99, 101, 100, 1], // high < low
      [at(4), 100, 100.5, 99, 101, 1], // high < close
      [at(5), 100, 101, 100.5, 100, 1], // low > min(open, close)
      [at(6), NaN, 101, 99, 100, 1],
      [at(7), 100, 101, 99, 100, -3],
      [at(8), 0, 101, 0, 100, 1],
    ];
    const r = checkQuality(series(rows), { timeframe: '1h' });
    expect(r.verdict).toBe('invalid');
    expect(r.duplicates.examples.map((x) => x.row)).toEqual([2, 3]);
    expect(r.nonMonotonic.examples.map((x) => x.row)).toEqual([3]);
    expect(r.ohlc.examples.map((x) => [x.row, x.detail])).toEqual([
      [4, 'high 99 < low 101'], [5, 'high 100.5 < max(open, close) 101'], [6, 'low 100.5 > min(open, close) 100'],
    ]);
    expect(r.invalidValues.examples.map((x) => [x.row, x.detail])).toEqual([[7, 'open is NaN'], [8, 'volume is negative (-3)'], [9, 'open is 0'], [9, 'low is 0']]);
    expect(r.issues.filter((i) => i.severity === 'error').map((i) => i.kind)).toEqual(['invalid-values', 'ohlc', 'duplicates', 'non-monotonic']);
  });

  it('warns about timestamps off the timeframe grid', () => {
    const r = checkQuality(series([[at(0), 1, 1, 1, 1, 1], ['2024-01-01T01:30:00Z', 1, 1, 1, 1, 1]]), { timeframe: '1h' });
    expect(r.verdict).toBe('warnings');
    expect(r.misaligned.examples).toEqual([{ row: 1, timestamp: Date.parse('2024-01-01T01:30:00Z'), detail: '2024-01-01T01:30:00.000Z is not a 1h candle open (expected 2024-01-01T01:00:00.000Z)' }]);
  });

  it('finds zero-volume runs', () => {
    const rows = calm(6).map((r, i) => [r[0], r[1], r[2], r[3], r[4], [1, 0, 0, 1, 0, 1][i]] as Row);
    const r = checkQuality(series(rows), { timeframe: '1h' });
    expect(r.zeroVolume).toMatchObject({ count: 2, rows: 3, longestRun: 2 });
    expect(r.zeroVolume.examples.map((z) => [z.from, z.to])).toEqual([[T0 + H, T0 + 2 * H], [T0 + 4 * H, T0 + 4 * H]]);
  });

  it('flags a spike far beyond k·MAD of log returns and bar ranges', () => {
    const rows = calm(40);
    // Bar 20 closes 50 % up (open 100, high 150.5, close 150), bar 21 falls back to 100.
    rows[20] = [at(20), 100, 150.5, 99.9, 150, 10];
    rows[21] = [at(21), 150, 150.2, 99.9, 100.1, 10];
    const r = checkQuality(series(rows), { timeframe: '1h' });
    expect(r.verdict).toBe('warnings');
    // Typical |log return| is ln(100.1/100) ≈ 0.001; ln(1.5) ≈ 0.405 is hundreds of MADs away.
    expect(r.outliers.examples.filter((o) => o.measure === 'return').map((o) => o.row)).toEqual([20, 21]);
    expect(r.outliers.examples.filter((o) => o.measure === 'range').map((o) => o.row)).toEqual([20, 21]);
    expect(r.outliers.examples[0].value).toBeCloseTo(Math.log(150 / 100.1), 12);
    const lenient = checkQuality(series(rows), { timeframe: '1h', outlierK: 1e6 });
    expect(lenient.outliers.count).toBe(0);
  });

  it('calls an empty series invalid', () => {
    expect(checkQuality(series([]), { timeframe: '1d' }).verdict).toBe('invalid');
  });

  it('agrees with the engine: invalid exactly when the engine finds issues (property, no zero prices)', () => {
    const value = fc.oneof(fc.double({ min: 1, max: 200, noNaN: true }), fc.constantFrom(NaN, -1, Infinity));
    const row = fc.tuple(fc.integer({ min: 0, max: 20 }), value, value, value, value, fc.oneof(fc.double({ min: 0, max: 50, noNaN: true }), fc.constant(-2)));
    fc.assert(fc.property(fc.array(row, { minLength: 1, maxLength: 15 }), (raw) => {
      const s = series(raw.map(([h, o, hi, lo, c, v]) => [at(h), o, hi, lo, c, v] as Row));
      const ours = checkQuality(s, { timeframe: '1h' }).verdict === 'invalid';
      expect(ours).toBe(findCandleIssues(s).length > 0);
    }), { numRuns: 300 });
  });
});

describe('repairSeries', () => {
  it('drops invalid rows, sorts, and keeps the last of duplicate timestamps', () => {
    const rows: Row[] = [
      [at(2), 100, 101, 99, 100, 1],
      [at(0), 100, 101, 99, 100, 1],
      [at(1), 100, 101, 99, 100, 5],
      [at(1), 100, 101, 99, 100, 7],
      [at(3), 100, 99, 101, 100, 1],
      [at(1), 100, 101, 99, NaN, 9],
    ];
    const r = repairSeries(series(rows));
    expect(toRows(r.series)).toEqual([
      [at(0), 100, 101, 99, 100, 1],
      [at(1), 100, 101, 99, 100, 7],
      [at(2), 100, 101, 99, 100, 1],
    ]);
    expect(r).toMatchObject({ rowsBefore: 6, rowsAfter: 3, reordered: true, duplicatesRemoved: 1, droppedCount: 2 });
    expect(r.dropped).toEqual([
      { row: 4, timestamp: T0 + 3 * H, reason: 'high 99 < low 101' },
      { row: 5, timestamp: T0 + H, reason: 'close is NaN' },
    ]);
  });

  it('always yields a series the engine accepts, unless nothing valid is left (property)', () => {
    const value = fc.oneof(fc.double({ min: 0.5, max: 200, noNaN: true }), fc.constantFrom(NaN, -1, 0));
    const row = fc.tuple(fc.integer({ min: 0, max: 20 }), value, value, value, value, value);
    fc.assert(fc.property(fc.array(row, { minLength: 1, maxLength: 20 }), (raw) => {
      const r = repairSeries(series(raw.map(([h, o, hi, lo, c, v]) => [at(h), o, hi, lo, c, v] as Row)));
      if (r.rowsAfter > 0) expect(findCandleIssues(r.series)).toEqual([]);
      expect(r.rowsAfter + r.duplicatesRemoved + r.droppedCount).toBe(r.rowsBefore);
    }), { numRuns: 300 });
  });
});

describe('medianInPlace (quickselect)', () => {
  it('equals the median of the sorted values, duplicates included (property)', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double({ min: -1e6, max: 1e6, noNaN: true })), { minLength: 1, maxLength: 200 }), (xs) => {
      const sorted = [...xs].sort((a, b) => a - b);
      const m = sorted.length >>> 1;
      const expected = sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
      const got = medianInPlace(Float64Array.from(xs));
      expect({ xs, got, same: got === expected }).toEqual({ xs, got, same: true }); // === so that 0 and -0 count as equal
    }), { numRuns: 500 });
  });
});
