import fc from 'fast-check';
import { expectSeries } from '../test/support/expect-series';
import { RollingMax, rollingMax, RollingMin, rollingMin } from './rolling-extremes';

/** Brute-force definition: max/min over each full window (O(n * period)). */
function naive(x: readonly number[], period: number, pick: (...v: number[]) => number): number[] {
  return x.map((_, i) => (i < period - 1 ? NaN : pick(...x.slice(i - period + 1, i + 1))));
}

describe('rolling max / min', () => {
  test('worked example', () => {
    const x = [3, 1, 4, 1, 5, 9, 2, 6];
    expectSeries(rollingMax(x, 3), [NaN, NaN, 4, 4, 5, 9, 9, 9], 0);
    expectSeries(rollingMin(x, 3), [NaN, NaN, 1, 1, 1, 1, 2, 2], 0);
  });

  test('the maximum leaves the window exactly `period` bars later (monotonic decreasing run)', () => {
    expectSeries(rollingMax([9, 8, 7, 6, 5], 2), [NaN, 9, 8, 7, 6], 0);
    expectSeries(rollingMin([1, 2, 3, 4, 5], 2), [NaN, 1, 2, 3, 4], 0);
  });

  test('equals the brute-force definition on random series with ties (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 60 }), fc.integer({ min: 1, max: 12 }), (x, period) => {
        expectSeries(rollingMax(x, period), naive(x, period, Math.max), 0);
        expectSeries(rollingMin(x, period), naive(x, period, Math.min), 0);
        const smax = new RollingMax(period);
        const smin = new RollingMin(period);
        x.forEach((v, i) => {
          const hi = smax.add(v);
          const lo = smin.add(v);
          if (i >= period - 1) {
            expect(hi).toBe(Math.max(...x.slice(i - period + 1, i + 1)));
            expect(lo).toBe(Math.min(...x.slice(i - period + 1, i + 1)));
          }
        });
      }),
      { numRuns: 200, seed: 7 },
    );
  });
});
