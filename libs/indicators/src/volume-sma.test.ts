import { expectSeries } from '../test/support/expect-series';
import { VolumeSma, volumeSma } from './volume-sma';

describe('volumeSma', () => {
  test('SMA of the volume column; other columns are ignored', () => {
    // (1+2)/2, (2+3)/2, (3+4)/2
    expectSeries(volumeSma({ volume: [1, 2, 3, 4] }, 2), [NaN, 1.5, 2.5, 3.5], 0);
    const v = new VolumeSma(2);
    expect([1, 2, 3].map((volume) => v.add({ volume }))).toEqual([null, 1.5, 2.5]);
  });
});
