import { expectSeries } from '../test/support/expect-series';
import { BollingerBands, bollingerBands } from './bollinger-bands';

describe('bollingerBands', () => {
  test('middle = SMA, bands = middle ± k * population sd', () => {
    // window (1,2,3): mean 2, sd sqrt(2/3); window (2,3,4): mean 3, same sd
    const sd = Math.sqrt(2 / 3);
    const b = bollingerBands([1, 2, 3, 4], { period: 3, stdDevUp: 2, stdDevDown: 1 });
    expectSeries(b.middle, [NaN, NaN, 2, 3]);
    expectSeries(b.upper, [NaN, NaN, 2 + 2 * sd, 3 + 2 * sd]);
    expectSeries(b.lower, [NaN, NaN, 2 - sd, 3 - sd]);
  });

  test('defaults are period 20 and 2 standard deviations', () => {
    const s = new BollingerBands();
    expect({ period: s.period, up: s.stdDevUp, down: s.stdDevDown, lookback: s.lookback }).toEqual({ period: 20, up: 2, down: 2, lookback: 19 });
    const x = Array.from({ length: 20 }, (_, i) => i + 1); // 1..20: mean 10.5, population variance (20²-1)/12
    const sd = Math.sqrt((400 - 1) / 12);
    const b = bollingerBands(x);
    expect(b.middle[19]).toBeCloseTo(10.5, 12);
    expect(b.upper[19]).toBeCloseTo(10.5 + 2 * sd, 12);
  });

  test('zero multipliers collapse the bands onto the middle', () => {
    const b = bollingerBands([1, 5, 2, 8], { period: 2, stdDevUp: 0, stdDevDown: 0 });
    expect(Array.from(b.upper)).toEqual(Array.from(b.middle));
    expect(Array.from(b.lower)).toEqual(Array.from(b.middle));
  });
});
