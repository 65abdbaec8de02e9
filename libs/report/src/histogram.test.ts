import { histogram } from './histogram';
import { heatmapGrid } from './heatmap';

describe('histogram (the original\'s bin rule)', () => {
  it('5 equal bins below 30 values, the maximum in the last bin', () => {
    // min 0, max 10 → width 2: [0,2) [2,4) [4,6) [6,8) [8,10]
    const h = histogram([0, 1, 2, 3, 9.99, 10, NaN]);
    expect(h.edges).toEqual([0, 2, 4, 6, 8, 10]);
    expect(h.counts).toEqual([2, 2, 0, 0, 2]);
  });
  it('10, 15, 20 bins at 30..100, 101..500, over 500 values; one bin when all are equal; none when empty', () => {
    const n = (k: number) => Array.from({ length: k }, (_, i) => i);
    expect(histogram(n(30)).counts).toHaveLength(10);
    expect(histogram(n(100)).counts).toHaveLength(10);
    expect(histogram(n(101)).counts).toHaveLength(15);
    expect(histogram(n(501)).counts).toHaveLength(20);
    expect(histogram([2.5, 2.5, 2.5])).toEqual({ edges: [2.5, 2.5], counts: [3] });
    expect(histogram([])).toEqual({ edges: [], counts: [] });
  });
});

describe('heatmapGrid', () => {
  const row = (index: number, fast: number, slow: number, stop: number, sharpe: number | null) =>
    ({ index, params: { fast, slow, stop }, score: sharpe, metrics: sharpe === null ? null : { sharpe, total_return_pct: sharpe * 10 } });
  const rows = [row(0, 5, 20, 1, 0.5), row(1, 5, 20, 2, 0.9), row(2, 10, 20, 1, -0.2), row(3, 5, 40, 1, null), row(4, 10, 40, 2, 1.4)];
  it('one cell per pair of values, the best over the other parameters, null where nothing ran', () => {
    const g = heatmapGrid(rows, 'fast', 'slow', 'score', 'max');
    expect(g.xs).toEqual([5, 10]);
    expect(g.ys).toEqual([20, 40]);
    expect(g.cells).toEqual([[0.9, -0.2], [null, 1.4]]);
    expect([g.min, g.max]).toEqual([-0.2, 1.4]);
    expect(heatmapGrid(rows, 'fast', 'slow', 'total_return_pct', 'min').cells).toEqual([[5, -2], [null, 14]]);
  });
});
