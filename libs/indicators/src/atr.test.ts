import { expectSeries } from '../test/support/expect-series';
import { Atr, atr } from './atr';

// Bar 0 has a huge range on purpose: TA-Lib ignores TR[0] (no previous close), so it must not count.
const bars = [
  { high: 20, low: 0, close: 9 },
  { high: 11, low: 9, close: 10.5 }, //  TR = max(2, |9-11|, |9-9|)         = 2
  { high: 12, low: 10.5, close: 11 }, // TR = max(1.5, |10.5-12|, 0)          = 1.5
  { high: 11.5, low: 9, close: 9.5 }, // TR = max(2.5, |11-11.5|, |11-9|)     = 2.5
  { high: 13, low: 12, close: 12.5 }, // gap up: max(1, |9.5-13|, |9.5-12|)   = 3.5
];
const columns = { high: bars.map((b) => b.high), low: bars.map((b) => b.low), close: bars.map((b) => b.close) };

describe('atr', () => {
  test('first value at index period = mean of TR[1..period], then Wilder smoothing', () => {
    // ATR[2] = (2 + 1.5)/2 = 1.75; ATR[3] = (1.75*1 + 2.5)/2 = 2.125; ATR[4] = (2.125 + 3.5)/2 = 2.8125
    expectSeries(atr(columns, 2), [NaN, NaN, 1.75, 2.125, 2.8125], 0);
  });

  test('period 1 is the true range from bar 1 on', () => {
    expectSeries(atr(columns, 1), [NaN, 2, 1.5, 2.5, 3.5], 0);
  });

  test('streaming takes candles (extra fields are ignored)', () => {
    const a = new Atr(2);
    const out = bars.map((b) => a.add({ ...b, volume: 1 } as typeof b));
    expect(out).toEqual([null, null, 1.75, 2.125, 2.8125]);
  });
});
