import { isCovered, subtractIntervals, unionIntervals } from './coverage';

describe('coverage intervals', () => {
  it('joins overlapping and touching intervals', () => {
    expect(unionIntervals([[10, 20], [0, 5]], [[6, 8], [19, 30], [40, 41]])).toEqual([[0, 8], [10, 30], [40, 41]]);
  });
  it('subtracts covered parts from a range', () => {
    expect(subtractIntervals(0, 100, [[10, 20], [50, 200]])).toEqual([[0, 9], [21, 49]]);
    expect(subtractIntervals(0, 100, [])).toEqual([[0, 100]]);
    expect(subtractIntervals(0, 100, [[-5, 100]])).toEqual([]);
    expect(subtractIntervals(30, 40, [[10, 20], [50, 60]])).toEqual([[30, 40]]);
  });
  it('tells whether a range is inside one interval', () => {
    expect(isCovered(12, 18, [[10, 20]])).toBe(true);
    expect(isCovered(5, 18, [[10, 20]])).toBe(false);
  });
});
