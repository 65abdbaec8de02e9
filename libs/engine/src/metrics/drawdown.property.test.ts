/**
 * drawdownStats and perBarReturnStats (one fused pass) against slow, obviously-correct
 * reference implementations written from the definitions in docs/metrics.md.
 */
import fc from 'fast-check';
import { drawdownStats, perBarReturnStats } from './equity';

/** Running peak value and the bar it was set on (a new peak is any bar at or above the previous one). */
function runningPeaks(equity: number[], initial: number): { value: number; index: number }[] {
  let peak = initial, peakIdx = -1;
  return equity.map((e, k) => {
    if (e >= peak) { peak = e; peakIdx = k; }
    return { value: peak, index: peakIdx };
  });
}

/** Drawdown in percent of the running peak at each bar. */
function drawdowns(equity: number[], initial: number): number[] {
  const peaks = runningPeaks(equity, initial);
  return equity.map((e, k) => ((peaks[k].value - e) / peaks[k].value) * 100);
}

/** Peak, recovery and duration of the drawdown whose trough is `trough`. */
function episode(equity: number[], initial: number, trough: number) {
  const p = runningPeaks(equity, initial)[trough];
  let recovery: number | null = null;
  for (let k = trough + 1; k < equity.length; k++) if (equity[k] >= p.value) { recovery = k; break; }
  return { peakIndex: p.index, troughIndex: trough, recoveryIndex: recovery, durationBars: (recovery ?? equity.length - 1) - p.index };
}

function longestReference(equity: number[], initial: number): number {
  // every maximal run of bars strictly below the running peak, from its peak to the bar that
  // regains it (or the last bar)
  let peak = initial, peakIdx = -1, longest = 0;
  for (let k = 0; k < equity.length; k++) {
    if (equity[k] >= peak) { if (k - peakIdx > 1) longest = Math.max(longest, k - peakIdx); peak = equity[k]; peakIdx = k; }
  }
  if (equity.length - 1 > peakIdx) longest = Math.max(longest, equity.length - 1 - peakIdx);
  return longest;
}

const curve = fc.array(fc.oneof(fc.integer({ min: 50, max: 150 }), fc.double({ min: 1, max: 300, noNaN: true })), { minLength: 1, maxLength: 40 });

describe('fused curve scan vs references (fast-check)', () => {
  it('drawdown depth, peak, trough, recovery, duration and longest drawdown', () => {
    fc.assert(fc.property(curve, fc.integer({ min: 50, max: 150 }), (equity, initial) => {
      const ts = equity.map((_, k) => 1000 * k);
      const got = drawdownStats(equity, ts, initial, 1000);
      const dd = drawdowns(equity, initial);
      const max = Math.max(0, ...dd);
      expect(got.maxDrawdownPct).toBeCloseTo(max, 9);
      if (max === 0) {
        expect(got.troughIndex).toBe(-1);
      } else {
        // The trough is the first bar at the maximum. Two bars within rounding of each other (an ulp
        // of a division) are a tie, so: the chosen bar is (within rounding) the deepest, and no
        // earlier bar is deeper than it beyond rounding.
        expect(dd[got.troughIndex]).toBeGreaterThanOrEqual(max * (1 - 1e-12));
        for (let k = 0; k < got.troughIndex; k++) expect(dd[k]).toBeLessThanOrEqual(dd[got.troughIndex] * (1 + 1e-12));
        const want = episode(equity, initial, got.troughIndex);
        expect(got.peakIndex).toBe(want.peakIndex);
        expect(got.recoveryIndex).toBe(want.recoveryIndex);
        expect(got.durationBars).toBe(want.durationBars);
        expect(got.durationMs).toBe(1000 * want.durationBars);
      }
      expect(got.longestBars).toBe(longestReference(equity, initial));
      expect(got.durationBars).toBeLessThanOrEqual(got.longestBars);
    }), { numRuns: 2000 });
  });

  it('mean, sample stdev and downside deviation of per-bar returns', () => {
    fc.assert(fc.property(curve, fc.integer({ min: 50, max: 150 }), fc.double({ min: -0.01, max: 0.01, noNaN: true }), (equity, initial, target) => {
      const r: number[] = [];
      let prev = initial;
      for (const e of equity) { r.push(e / prev - 1); prev = e; }
      const mean = r.reduce((a, b) => a + b, 0) / r.length;
      const sd = r.length > 1 ? Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / (r.length - 1)) : null;
      const dd = Math.sqrt(r.reduce((a, b) => a + Math.min(0, b - target) ** 2, 0) / r.length);
      const got = perBarReturnStats(equity, initial, target);
      expect(got.count).toBe(r.length);
      expect(got.mean!).toBeCloseTo(mean, 10);
      if (sd === null) expect(got.stdev).toBeNull(); else expect(got.stdev!).toBeCloseTo(sd, 9);
      expect(got.downsideDeviation!).toBeCloseTo(dd, 10);
    }), { numRuns: 1000 });
  });
});
