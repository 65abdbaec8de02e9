import { MS_PER_YEAR } from '../core/timeframes';
import { cagrPct, drawdownStats, equityMetrics, perBarReturnStats, perBarRate, totalReturnPct } from './equity';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);
const days = (n: number) => Float64Array.from({ length: n }, (_, i) => T0 + i * DAY);
const DAILY_BARS_PER_YEAR = 365.2425; // 1d timeframe: MS_PER_YEAR / 86,400,000

/**
 * Curve used below: initial 100 → 110, 99, 118.8, 118.8
 * per-bar returns r = +0.1, −0.1, +0.2, 0
 * mean = 0.2 / 4 = 0.05
 * deviations 0.05, −0.15, 0.15, −0.05 → squares 0.0025, 0.0225, 0.0225, 0.0025 → Σ = 0.05
 * sample variance = 0.05 / 3 → stdev = sqrt(0.05 / 3) = 0.1290994449
 * downside (target 0): only −0.1 → 0.01 / 4 = 0.0025 → sqrt = 0.05
 */
const CURVE = Float64Array.from([110, 99, 118.8, 118.8]);

describe('per-bar return statistics', () => {
  it('mean, sample stdev and downside deviation by hand', () => {
    const s = perBarReturnStats(CURVE, 100);
    expect(s.count).toBe(4);
    expect(s.mean).toBeCloseTo(0.05, 14);
    expect(s.stdev).toBeCloseTo(0.1290994449, 10);
    expect(s.downsideDeviation).toBeCloseTo(0.05, 14);
  });
  it('null where undefined', () => {
    expect(perBarReturnStats(new Float64Array(0), 100)).toEqual({ count: 0, mean: null, stdev: null, downsideDeviation: null });
    expect(perBarReturnStats(Float64Array.of(101), 100).stdev).toBeNull();
  });
});

describe('equityMetrics on a hand-computed curve', () => {
  const m = equityMetrics({ equity: CURVE, timestamps: days(4), initialCapital: 100, barsPerYear: DAILY_BARS_PER_YEAR, barMs: DAY });

  it('total return: 118.8 / 100 − 1 = 18.8 %', () => {
    expect(m.total_return_pct).toBeCloseTo(18.8, 10);
    expect(m.net_profit_krw).toBeCloseTo(18.8, 10);
    expect(m.final_equity_krw).toBe(118.8);
  });
  it('volatility: sqrt(0.05/3) × sqrt(365.2425) × 100 = 246.72607 %', () => {
    // sqrt(365.2425) = 19.1113186; 0.1290994449 × 19 = 2.4528895, × 0.1113186 = 0.0143712 → 2.4672607
    expect(m.volatility_ann_pct).toBeCloseTo(246.72607, 4);
  });
  it('Sharpe: 0.05 / 0.1290994449 × sqrt(365.2425) = 7.401782', () => {
    // 0.3872983346 × 19 = 7.3586684, × 0.1113186 = 0.0431136 → 7.4017820
    expect(m.sharpe).toBeCloseTo(7.401782, 5);
  });
  it('Sortino: 0.05 / 0.05 × sqrt(365.2425) = 19.1113186', () => {
    expect(m.sortino).toBeCloseTo(19.1113186, 6);
  });
  it('max drawdown: peak 110 (bar 0) → 99 (bar 1) = 10 %, recovered at bar 2: 2 bars, 2 days', () => {
    expect(m.max_drawdown_pct).toBeCloseTo(10, 12);
    expect(m.max_drawdown_duration_bars).toBe(2);
    expect(m.max_drawdown_duration_ms).toBe(2 * DAY);
    expect(m.longest_drawdown_bars).toBe(2);
  });
  it('CAGR over 3 days: 1.188^(365.2425 / 3) − 1; Calmar = CAGR / 10', () => {
    const expected = (Math.pow(1.188, 365.2425 / 3) - 1) * 100;
    expect(m.cagr_pct! / expected).toBeCloseTo(1, 12);
    expect(m.calmar! / (expected / 10)).toBeCloseTo(1, 12);
  });
});

describe('risk-free rate', () => {
  it('per-bar rate of 2 % a year with one bar a year is 0.02; Sharpe and Sortino subtract it', () => {
    expect(perBarRate(2, 1)).toBeCloseTo(0.02, 15);
    // 12 % a year over 12 monthly-ish bars: 1.12^(1/12) − 1 = 0.0094888
    expect(perBarRate(12, 12)).toBeCloseTo(0.0094887929, 9);
    // Same curve, 1 bar per year, rf 2 %:
    // Sharpe = (0.05 − 0.02) / 0.1290994449 = 0.2323790
    // below target 0.02: −0.12 → 0.0144, −0.02 → 0.0004; (0.0148 / 4) = 0.0037 → sqrt = 0.0608276
    // Sortino = 0.03 / 0.0608276 = 0.4931970
    const m = equityMetrics({ equity: CURVE, timestamps: days(4), initialCapital: 100, barsPerYear: 1, barMs: DAY, riskFreeRatePct: 2 });
    expect(m.sharpe).toBeCloseTo(0.232379, 6);
    expect(m.sortino).toBeCloseTo(0.493197, 6);
  });
});

describe('CAGR and total return', () => {
  it('121 from 100 over exactly two years is 10 % a year', () => {
    expect(cagrPct(100, 121, T0, T0 + 2 * MS_PER_YEAR)).toBeCloseTo(10, 10);
  });
  it('null when the span is zero or the capital is not positive', () => {
    expect(cagrPct(100, 121, T0, T0)).toBeNull();
    expect(cagrPct(0, 121, T0, T0 + DAY)).toBeNull();
    expect(totalReturnPct(0, 5)).toBeNull();
  });
  it('losing everything is −100 %', () => {
    expect(cagrPct(100, 0, T0, T0 + MS_PER_YEAR)).toBe(-100);
  });
});

describe('drawdownStats', () => {
  it('the initial capital can be the peak: 100 → 90, 95, 100 recovers at bar 2, 3 bars from index −1', () => {
    const d = drawdownStats(Float64Array.of(90, 95, 100), days(3), 100, DAY);
    expect(d).toMatchObject({ peakIndex: -1, troughIndex: 0, recoveryIndex: 2, durationBars: 3 });
    expect(d.maxDrawdownPct).toBeCloseTo(10, 12);
    // initial capital stamped one bar before bar 0: from T0 − 1 day to T0 + 2 days
    expect(d.durationMs).toBe(3 * DAY);
  });
  it('an unrecovered drawdown lasts to the last bar: 100, 80, 90 → 20 %, 2 bars', () => {
    const d = drawdownStats(Float64Array.of(100, 80, 90), days(3), 100, DAY);
    expect(d).toMatchObject({ peakIndex: 0, troughIndex: 1, recoveryIndex: null, durationBars: 2, longestBars: 2 });
    expect(d.maxDrawdownPct).toBeCloseTo(20, 12);
  });
  it('the longest drawdown need not be the deepest', () => {
    // 100 → 50 (50 %) recovers next bar; then 101 → 100, 99, 100.5 stays under water to the end
    const d = drawdownStats(Float64Array.of(100, 50, 100, 101, 100, 99, 100.5), days(7), 100, DAY);
    expect(d.maxDrawdownPct).toBeCloseTo(50, 12);
    expect(d).toMatchObject({ peakIndex: 0, troughIndex: 1, recoveryIndex: 2, durationBars: 2 });
    // deepest episode lasts 2 bars (0 → 2); the last one runs from bar 3 to bar 6: 3 bars
    expect(d.longestBars).toBe(3);
    expect(d.longestMs).toBe(3 * DAY);
  });
  it('no drawdown → zeros', () => {
    expect(drawdownStats(Float64Array.of(100, 101, 102), days(3), 100, DAY)).toMatchObject({ maxDrawdownPct: 0, durationBars: 0, longestBars: 0 });
  });
});

describe('undefined values are null, never NaN or Infinity', () => {
  it('a flat curve has no Sharpe, Sortino or Calmar', () => {
    const m = equityMetrics({ equity: Float64Array.of(100, 100, 100), timestamps: days(3), initialCapital: 100, barsPerYear: DAILY_BARS_PER_YEAR, barMs: DAY });
    expect(m).toMatchObject({ sharpe: null, sortino: null, calmar: null, max_drawdown_pct: 0, total_return_pct: 0, volatility_ann_pct: 0, cagr_pct: 0 });
  });
  it('a single bar has no volatility or CAGR', () => {
    const m = equityMetrics({ equity: Float64Array.of(101), timestamps: days(1), initialCapital: 100, barsPerYear: DAILY_BARS_PER_YEAR, barMs: DAY });
    expect(m).toMatchObject({ volatility_ann_pct: null, sharpe: null, cagr_pct: null });
    for (const v of Object.values(m)) if (typeof v === 'number') expect(Number.isFinite(v)).toBe(true);
  });
});
