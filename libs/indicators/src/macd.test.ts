import { expectSeries } from '../test/support/expect-series';
import { ema } from './ema';
import { Macd, macd } from './macd';

// fast 2 (k = 2/3), slow 3 (k = 1/2), signal 2 (k = 2/3) on x = 1, 3, 2, 6, 4
//  idx 2: slow seed = mean(1,3,2) = 2; fast seed = mean of its last 2 inputs (3,2) = 2.5 -> macd 1/2
//  idx 3: slow = (6-2)/2+2 = 4; fast = 2.5 + (6-2.5)*2/3 = 29/6 -> macd 5/6
//         signal seed = mean(1/2, 5/6) = 2/3 -> hist 1/6
//  idx 4: slow = 4; fast = 29/6 + (4-29/6)*2/3 = 77/18 -> macd 5/18
//         signal = 2/3 + (5/18-2/3)*2/3 = 11/27 -> hist 5/18 - 11/27 = -7/54
const x = [1, 3, 2, 6, 4];
const opts = { fastPeriod: 2, slowPeriod: 3, signalPeriod: 2 };

describe('macd', () => {
  test("TA-Lib alignment worked by hand: the fast EMA is seeded on the slow EMA's last inputs", () => {
    const m = macd(x, opts);
    expectSeries(m.macd, [NaN, NaN, NaN, 5 / 6, 5 / 18]);
    expectSeries(m.signal, [NaN, NaN, NaN, 2 / 3, 11 / 27]);
    expectSeries(m.histogram, [NaN, NaN, NaN, 1 / 6, -7 / 54]);
  });

  test('differs from ema(fast) - ema(slow), whose fast EMA starts earlier (mean(1,3) at index 1)', () => {
    // ema(x,2)[3] = 2 + (6-2)*2/3 = 14/3, so the naive line at idx 3 is 14/3 - 4 = 2/3, not 5/6
    const naive = ema(x, 2)[3] - ema(x, 3)[3];
    expect(naive).toBeCloseTo(2 / 3, 12);
    expect(macd(x, opts).macd[3]).toBeCloseTo(5 / 6, 12);
  });

  test('defaults 12/26/9 give the first values at index 33 (TA-Lib begIndex)', () => {
    const m = new Macd();
    expect({ fast: m.fastPeriod, slow: m.slowPeriod, signal: m.signalPeriod, lookback: m.lookback }).toEqual({ fast: 12, slow: 26, signal: 9, lookback: 33 });
  });

  test('streaming gives the same hand-calculated values', () => {
    const m = new Macd(opts);
    const out = x.map((v) => m.add(v));
    expect(out.slice(0, 3)).toEqual([null, null, null]);
    expect(out[3]!.macd).toBeCloseTo(5 / 6, 12);
    expect(out[4]!.signal).toBeCloseTo(11 / 27, 12);
    expect(out[4]!.histogram).toBeCloseTo(-7 / 54, 12);
  });
});
