import { expectSeries } from '../test/support/expect-series';
import { Stochastic, stochastic } from './stochastic';

// fastK 3, slowK 2, slowD 2 -> lookback 2 + 1 + 1 = 4
//  idx 2: HH(0..2) 12, LL 8  -> fastK = 100*(11-8)/4  = 75
//  idx 3: HH(1..3) 12, LL 9  -> 100*(10-9)/3          = 100/3
//  idx 4: HH(2..4) 13, LL 9  -> 100*(13-9)/4          = 100
//  idx 5: HH(3..5) 13, LL 10 -> 100*(12-10)/3         = 200/3
//  slowK: idx3 (75+100/3)/2 = 325/6; idx4 (100/3+100)/2 = 200/3; idx5 (100+200/3)/2 = 250/3
//  slowD: idx4 (325/6+200/3)/2 = 725/12; idx5 (200/3+250/3)/2 = 75
const bars = [
  { high: 10, low: 8, close: 9 },
  { high: 11, low: 9, close: 10 },
  { high: 12, low: 9, close: 11 },
  { high: 12, low: 10, close: 10 },
  { high: 13, low: 11, close: 13 },
  { high: 13, low: 12, close: 12 },
];
const columns = { high: bars.map((b) => b.high), low: bars.map((b) => b.low), close: bars.map((b) => b.close) };
const opts = { fastKPeriod: 3, slowKPeriod: 2, slowDPeriod: 2 };

describe('stochastic', () => {
  test('slow %K / %D worked by hand, both starting at TA-Lib index (fastK-1)+(slowK-1)+(slowD-1)', () => {
    const s = stochastic(columns, opts);
    expectSeries(s.k, [NaN, NaN, NaN, NaN, 200 / 3, 250 / 3]);
    expectSeries(s.d, [NaN, NaN, NaN, NaN, 725 / 12, 75]);
  });

  test('a zero high-low range gives fast %K = 0 (TA-Lib rule), not NaN', () => {
    const flat = { high: [5, 5, 5, 5], low: [5, 5, 5, 5], close: [5, 5, 5, 5] };
    expectSeries(stochastic(flat, { fastKPeriod: 2, slowKPeriod: 1, slowDPeriod: 1 }).k, [NaN, 0, 0, 0], 0);
  });

  test('streaming gives the same values; defaults are 14/3/3', () => {
    const st = new Stochastic(opts);
    const out = bars.map((b) => st.add(b));
    expect(out.slice(0, 4)).toEqual([null, null, null, null]);
    expect(out[5]!.k).toBeCloseTo(250 / 3, 12);
    expect(out[5]!.d).toBeCloseTo(75, 12);
    expect(new Stochastic().lookback).toBe(17);
  });
});
