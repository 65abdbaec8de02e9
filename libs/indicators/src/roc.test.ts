import { expectSeries } from '../test/support/expect-series';
import { Roc, roc } from './roc';

describe('roc', () => {
  test('percent change against the value `period` bars back', () => {
    // (110/100-1)*100 = 10; (99/110-1)*100 = -10; period 2: (99/100-1)*100 = -1
    expectSeries(roc([100, 110, 99], 1), [NaN, 10, -10]);
    expectSeries(roc([100, 110, 99], 2), [NaN, NaN, -1]);
  });

  test('a zero base gives 0 (TA-Lib rule) instead of Infinity', () => {
    expectSeries(roc([0, 5, 10], 1), [NaN, 0, 100], 0);
    const s = new Roc(1);
    expect([0, 5].map((v) => s.add(v))).toEqual([null, 0]);
  });
});
