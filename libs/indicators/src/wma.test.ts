import { expectSeries } from '../test/support/expect-series';
import { Wma, wma } from './wma';

describe('wma', () => {
  test('weights 1..period with the newest heaviest, divided by period*(period+1)/2', () => {
    // period 3, divider 6: (1*1+2*2+3*3)/6 = 14/6; (2+6+12)/6 = 20/6; (3*1+4*2+10*3)/6 = 41/6
    expectSeries(wma([1, 2, 3, 4, 10], 3), [NaN, NaN, 14 / 6, 20 / 6, 41 / 6]);
  });

  test('period 1 is the identity (no drift from the running sums)', () => {
    const x = [0.1, 0.2, 0.3, 1e8 + 0.7, 3];
    expectSeries(wma(x, 1), x, 0);
    const s = new Wma(1);
    expect(x.map((v) => s.add(v))).toEqual(x);
  });

  test('streaming gives the same hand-calculated values', () => {
    const s = new Wma(2);
    // divider 3: (1+2*3)/3 = 7/3, (3+2*5)/3 = 13/3
    const r = [1, 3, 5].map((v) => s.add(v));
    expect(r[0]).toBeNull();
    expect(r[1]).toBeCloseTo(7 / 3, 12);
    expect(r[2]).toBeCloseTo(13 / 3, 12);
  });
});
