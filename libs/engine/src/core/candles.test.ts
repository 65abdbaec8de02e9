import { candlesFromRows, findCandleIssues, validateCandles } from './candles';
import { InvalidCandlesError } from './errors';

const row = (t: number, o = 10, h = 12, l = 9, c = 11, v = 5) => ({ timestamp: t, open: o, high: h, low: l, close: c, volume: v });

describe('validateCandles', () => {
  it('accepts a well-formed series', () => {
    expect(() => validateCandles(candlesFromRows([row(1), row(2), row(3)]))).not.toThrow();
  });
  it('rejects an empty series', () => {
    expect(() => validateCandles(candlesFromRows([]))).toThrow(InvalidCandlesError);
  });
  it.each([
    ['NaN close', [row(1), row(2, 10, 12, 9, NaN)], 'close', 1],
    ['Infinity high', [row(1, 10, Infinity)], 'high', 0],
    ['negative volume', [row(1, 10, 12, 9, 11, -1)], 'volume', 0],
    ['high < low', [row(1, 10, 8, 9, 9)], 'high', 0],
    ['duplicate timestamp', [row(5), row(5)], 'timestamp', 1],
    ['unsorted', [row(5), row(4)], 'timestamp', 1],
  ] as const)('names the field and row for %s', (_label, rows, field, rowIdx) => {
    const issues = findCandleIssues(candlesFromRows(rows));
    expect(issues[0]).toMatchObject({ field, row: rowIdx });
    expect(() => validateCandles(candlesFromRows(rows), { symbol: 'KRW-BTC' })).toThrow(/KRW-BTC/);
  });
});
