import { drawdownStats } from './equity';

describe('drawdown duration when a deeper drawdown follows a recovered one', () => {
  it('measures the deepest drawdown from its own peak, not the earlier recovery', () => {
    // Bars:        0    1    2    3    4    5    6
    const equity = [100, 90, 101, 120, 60, 70, 80];
    const ts = equity.map((_, k) => k * 1000);
    const dd = drawdownStats(equity, ts, 100, 1000);
    // By hand: first drawdown 100 -> 90 (10 %) recovers at bar 2. The deepest is 120 (bar 3) -> 60 (bar 4): 50 %,
    // never recovered, so its duration runs from bar 3 to the last bar 6: 3 bars, 3000 ms.
    expect(dd.maxDrawdownPct).toBeCloseTo(50, 12);
    expect(dd.peakIndex).toBe(3);
    expect(dd.troughIndex).toBe(4);
    expect(dd.recoveryIndex).toBeNull();
    expect(dd.durationBars).toBe(3);
    expect(dd.durationMs).toBe(3000);
  });

  it('keeps the recovery of the deepest drawdown when it did recover', () => {
    const equity = [100, 50, 100, 110, 100, 111];
    const dd = drawdownStats(equity, equity.map((_, k) => k), 100, 1);
    // Deepest: 100 (initial capital, bar -1) -> 50 (bar 0... bar 1), recovered at bar 2 (back to 100).
    // The initial capital is the peak at index -1; equity[0] = 100 equals it, so the peak moves to bar 0.
    expect(dd.peakIndex).toBe(0);
    expect(dd.troughIndex).toBe(1);
    expect(dd.recoveryIndex).toBe(2);
    expect(dd.durationBars).toBe(2);
  });
});
