import { loadFixture300 } from '../test/support/fixtures';
import { expectSeries } from '../test/support/expect-series';
import { arr, talibRun } from '../test/support/talib';
import { Rsi, rsi } from './rsi';

describe('rsi', () => {
  test('Wilder seeding and smoothing, worked by hand for period 2', () => {
    // changes: +1, -0.5, +1, 0, -1.5
    // seed (changes 1..2): gain = 1/2 = 0.5, loss = 0.5/2 = 0.25 -> 100*0.5/0.75 = 66.67 at index 2
    // i=3 (+1):   gain = (0.5*1 + 1)/2 = 0.75,   loss = 0.25/2 = 0.125    -> 100*0.75/0.875
    // i=4 (0):    gain = 0.75/2 = 0.375,         loss = 0.0625            -> 100*0.375/0.4375
    // i=5 (-1.5): gain = 0.1875,                 loss = (0.0625+1.5)/2 = 0.78125 -> 100*0.1875/0.96875
    expectSeries(rsi([10, 11, 10.5, 11.5, 11.5, 10], 2), [NaN, NaN, 200 / 3, 600 / 7, 600 / 7, 18.75 / 0.96875]);
  });

  test('only rises -> 100; a perfectly flat window -> 0 (TA-Lib rule)', () => {
    expectSeries(rsi([1, 2, 3, 4], 2), [NaN, NaN, 100, 100]);
    expectSeries(rsi([5, 5, 5, 5], 2), [NaN, NaN, 0, 0]);
  });

  test('scale invariant down to tiny prices, unlike TA-Lib whose 1e-14 zero test returns 0 there', () => {
    // Multiplying by a power of two is exact, so RSI of the scaled series must equal TA-Lib's RSI of
    // the original. TA-Lib itself returns 0 at this scale because gain+loss < 1e-14.
    const close = loadFixture300().close;
    const scale = 2 ** -50; // prices around 1e-13
    const scaled = close.map((v) => v * scale);
    const ref = talibRun('RSI', close.length, { inReal: arr(close), optInTimePeriod: 14 });
    const ours = rsi(scaled, 14);
    for (let j = 0; j < ref.nbElement; j++) expect(Math.abs(ours[ref.begIndex + j] - ref.result.outReal[j])).toBeLessThanOrEqual(1e-9);
    const talibScaled = talibRun('RSI', close.length, { inReal: arr(scaled), optInTimePeriod: 14 });
    expect(talibScaled.result.outReal.some((v) => v === 0)).toBe(true);
  });

  test('streaming: first result after period+1 prices', () => {
    const r = new Rsi(2);
    const out = [10, 11, 10.5].map((v) => r.add(v));
    expect(out.slice(0, 2)).toEqual([null, null]);
    expect(out[2]).toBeCloseTo(200 / 3, 12);
    expect(r.lookback).toBe(2);
  });
});
