import { expectSeries } from '../test/support/expect-series';
import { Sma, sma } from './sma';

describe('sma', () => {
  test('mean of the last `period` values, first value at index period-1', () => {
    // (1+2+3)/3 = 2, (2+3+4)/3 = 3, (3+4+5)/3 = 4
    expectSeries(sma([1, 2, 3, 4, 5], 3), [NaN, NaN, 2, 3, 4]);
  });

  test('period 1 is the identity', () => {
    expectSeries(sma([5, -1.5, 7], 1), [5, -1.5, 7], 0);
  });

  test('writes into a given buffer (overwriting what was there) and returns it', () => {
    const out = Float64Array.of(9, 9, 9, 9, 9);
    expect(sma([1, 2, 3, 4, 5], 3, out)).toBe(out);
    expectSeries(out, [NaN, NaN, 2, 3, 4]); // (1+2+3)/3, (2+3+4)/3, (3+4+5)/3
  });

  test('a buffer of the wrong length is refused with the length it needs', () => {
    expect(() => sma([1, 2, 3], 2, new Float64Array(2))).toThrow("out must be a Float64Array of the input's length 3, got length 2");
  });

  test('streaming example from the TSDoc', () => {
    const s = new Sma(3);
    expect([s.add(1), s.add(2), s.add(3), s.add(10)]).toEqual([null, null, 2, 5]); // (2+3+10)/3 = 5
  });
});
