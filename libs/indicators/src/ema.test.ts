import { expectSeries } from '../test/support/expect-series';
import { Ema, ema } from './ema';

describe('ema', () => {
  test('seeded with the SMA of the first `period` values at index period-1 (TA-Lib default)', () => {
    // period 3 -> k = 2/4 = 0.5; seed = (1+2+3)/3 = 2; then (6-2)*0.5+2 = 4; (2-4)*0.5+4 = 3
    expectSeries(ema([1, 2, 3, 6, 2], 3), [NaN, NaN, 2, 4, 3]);
  });

  test('the seed is the plain mean, not the first value (Metastock seeding would give 1.75 at index 2)', () => {
    // Metastock-style seed x[0]=1: 1 -> (2-1)/2+1 = 1.5 -> (3-1.5)/2+1.5 = 2.25; SMA seed gives 2.
    expect(ema([1, 2, 3], 3)[2]).toBe(2);
  });

  test('period 1 (k = 1) gives the input back', () => {
    expectSeries(ema([3, 1, 4, 1, 5], 1), [3, 1, 4, 1, 5], 0);
  });

  test('streaming exposes k and matches the hand calculation', () => {
    const e = new Ema(3);
    expect(e.k).toBe(0.5);
    expect([1, 2, 3, 6].map((v) => e.add(v))).toEqual([null, null, 2, 4]);
  });
});
