import { downsampleMinMax, downsampleOhlc } from './downsample';

describe('downsampleMinMax', () => {
  it('keeps every point of a short series', () => {
    expect(downsampleMinMax([1, 2, 3], [5, 6, 7], 2)).toEqual({ t: [1, 2, 3], v: [5, 6, 7] });
  });
  it('keeps the minimum and maximum of each bucket in time order, plus the first and last points', () => {
    // 12 points, 3 buckets of 4: [5,9,1,4] → max 9 @1, min 1 @2; [3,3,8,2] → min 2 @7, max 8 @6; [7,0,6,5] → max 7 @8, min 0 @9; last @11 added.
    const v = [5, 9, 1, 4, 3, 3, 8, 2, 7, 0, 6, 5];
    const t = v.map((_, i) => i * 10);
    const d = downsampleMinMax(t, v, 3);
    expect(d.t).toEqual([0, 10, 20, 60, 70, 80, 90, 110]);
    expect(d.v).toEqual([5, 9, 1, 8, 2, 7, 0, 5]);
  });
  it('a million points become at most 2 × buckets + 2, and the global extremes survive exactly', () => {
    const n = 1_000_000;
    const t = new Float64Array(n), v = new Float64Array(n);
    for (let i = 0; i < n; i++) { t[i] = i * 60_000; v[i] = 1e7 + Math.sin(i / 5000) * 1e6 + (i % 97); }
    v[123_457] = 2e7; // a spike
    v[876_543] = 1; // a crash
    const d = downsampleMinMax(t, v, 2000);
    expect(d.t.length).toBeLessThanOrEqual(4002);
    expect(Math.max(...d.v)).toBe(2e7);
    expect(Math.min(...d.v)).toBe(1);
    expect(d.t[0]).toBe(0);
    expect(d.t[d.t.length - 1]).toBe((n - 1) * 60_000);
    for (let i = 1; i < d.t.length; i++) expect(d.t[i]).toBeGreaterThan(d.t[i - 1]);
  });
  it('skips non-finite values', () => {
    expect(downsampleMinMax([1, 2, 3], [NaN, 1, Infinity], 5)).toEqual({ t: [2], v: [1] });
  });
});

describe('downsampleOhlc', () => {
  it('merges candles per bucket: first open, highest high, lowest low, last close, first time', () => {
    const c = { timestamp: [0, 1, 2, 3], open: [10, 11, 12, 13], high: [15, 19, 14, 16], low: [9, 8, 11, 7], close: [11, 12, 13, 14] };
    expect(downsampleOhlc(c, 2)).toEqual({ t: [0, 2], o: [10, 12], h: [19, 16], l: [8, 7], c: [12, 14] });
    expect(downsampleOhlc(c, 10).t).toEqual([0, 1, 2, 3]);
  });
});
