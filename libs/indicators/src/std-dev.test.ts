import { loadFixture300 } from '../test/support/fixtures';
import { expectSeries } from '../test/support/expect-series';
import { randomWalkCandles } from '../test/support/random';
import { arr, talibRun } from '../test/support/talib';
import { StdDev, stdDev } from './std-dev';

describe('stdDev', () => {
  test('population standard deviation (divides by period): the textbook example gives 2', () => {
    // mean of 2,4,4,4,5,5,7,9 is 5; squared deviations sum to 32; 32/8 = 4; sqrt = 2
    expectSeries(stdDev([2, 4, 4, 4, 5, 5, 7, 9], 8), [NaN, NaN, NaN, NaN, NaN, NaN, NaN, 2]);
  });

  test('small window by hand: sd(1,2,3) = sqrt(2/3)', () => {
    expectSeries(stdDev([1, 2, 3, 3], 3), [NaN, NaN, Math.sqrt(2 / 3), Math.sqrt(2 / 9)]);
    // (2,3,3): mean 8/3, deviations -2/3, 1/3, 1/3 -> (4+1+1)/9/3 = 2/9
  });

  test('period 1 and constant windows give 0, never NaN', () => {
    expectSeries(stdDev([4, 7, 1], 1), [0, 0, 0], 0);
    expectSeries(stdDev([5, 5, 5, 5], 3), [NaN, NaN, 0, 0], 0);
  });

  test('tiny prices keep a real value (TA-Lib forces variances below 1e-14 to 0)', () => {
    const close = loadFixture300().close;
    const scale = 2 ** -40; // exact scaling: sd(scaled) must be scale * sd(original)
    const ref = talibRun('STDDEV', close.length, { inReal: arr(close), optInTimePeriod: 5, optInNbDev: 1 });
    const ours = stdDev(close.map((v) => v * scale), 5);
    for (let j = 0; j < ref.nbElement; j++) {
      const expected = ref.result.outReal[j] * scale;
      expect(Math.abs(ours[ref.begIndex + j] - expected)).toBeLessThanOrEqual(1e-9 * expected);
    }
  });

  test('precision at 100,000,000 KRW: error against an exact two-pass computation < 1e-9 of the price', () => {
    const { close } = randomWalkCandles(20_000, 7);
    const period = 5;
    const ours = stdDev(close, period);
    let worst = 0;
    for (let i = period - 1; i < close.length; i++) {
      let mean = 0;
      for (let j = i - period + 1; j <= i; j++) mean += close[j];
      mean /= period;
      let ss = 0;
      for (let j = i - period + 1; j <= i; j++) ss += (close[j] - mean) ** 2;
      worst = Math.max(worst, Math.abs(ours[i] - Math.sqrt(ss / period)) / close[i]);
    }
    expect(worst).toBeLessThan(1e-9);
  });

  test('streaming matches the hand calculation', () => {
    const s = new StdDev(3);
    const out = [1, 2, 3].map((v) => s.add(v));
    expect(out.slice(0, 2)).toEqual([null, null]);
    expect(out[2]).toBeCloseTo(Math.sqrt(2 / 3), 12);
  });
});
