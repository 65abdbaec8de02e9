import fc from 'fast-check';
import { z } from 'zod';
import { candlesFromRows, type CandleColumns } from '../core/candles';
import { emptySignals, SignalSide } from '../core/signals';
import type { StrategyDefinition } from '../core/strategy';
import { deflatedSharpeRatio, probabilityOfBacktestOverfitting } from '../metrics/overfitting';
import { runBacktest } from '../backtest';
import { smaCrossover } from '../strategies';
import { syntheticCandles } from '../testing';
import { SweepCollector, type CollectedRow } from './collector';
import { runSweep } from './run-sweep';

describe('SweepCollector: streaming top-k', () => {
  it('keeps exactly the first k rows of the full ranking, whatever the arrival order', () => {
    const rowArb = fc.array(fc.oneof(fc.constant(null), fc.integer({ min: -5, max: 5 }), fc.constant('error' as const)), { minLength: 1, maxLength: 60 });
    fc.assert(fc.property(rowArb, fc.integer({ min: 1, max: 70 }), fc.constantFrom<'max' | 'min'>('max', 'min'), fc.integer(), (scores, k, direction, seed) => {
      const rows: CollectedRow[] = scores.map((s, index) => (s === 'error'
        ? { index, params: { i: index }, score: null, metrics: null, error: { code: 'INVALID_PARAMS', message: 'x' } }
        : { index, params: { i: index }, score: s, metrics: {} }));
      // the full ranking, written out: scores by direction, nulls (and errors) last, ties by index
      const full = [...rows].sort((a, b) => {
        if (a.score === null || b.score === null) return a.score === null ? (b.score === null ? a.index - b.index : 1) : -1;
        return a.score === b.score ? a.index - b.index : (direction === 'max' ? b.score - a.score : a.score - b.score);
      });
      const shuffled = [...rows];
      let x = seed >>> 0;
      for (let i = shuffled.length - 1; i > 0; i--) { x = (x * 1103515245 + 12345) >>> 0; const j = x % (i + 1); [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]]; }
      const c = new SweepCollector(rows.length, 0, direction, k);
      for (const r of shuffled) c.add(r, null);
      const kept = c.rows().map((r) => r.index);
      const bestExpected = full.find((r) => !r.error)?.index ?? null;
      return JSON.stringify(kept) === JSON.stringify(full.slice(0, k).map((r) => r.index)) && (c.bestRow()?.index ?? null) === bestExpected;
    }), { numRuns: 300 });
  });
});

// A strategy whose outcome is known by hand: buy at bar `entry`, sell at bar `exit`.
const Schema = z.strictObject({ entry: z.number().int().min(0), exit: z.number().int().min(0) });
type P = z.output<typeof Schema>;
let generated = 0;
const buyThenSell: StrategyDefinition<P> = {
  name: 'buy_then_sell', title: 'Buy then sell', description: 'test strategy',
  paramsSchema: Schema, jsonSchema: { type: 'object', properties: { entry: {}, exit: {} } },
  warmupBars: () => 0, holdPeriodBars: () => 1,
  generate(c: CandleColumns, p: P) {
    generated++;
    const s = emptySignals(c.timestamp.length);
    s.side[p.entry] = SignalSide.Buy; s.confidence[p.entry] = 1;
    s.side[p.exit] = SignalSide.Sell; s.confidence[p.exit] = 1;
    return s;
  },
  createStream() { throw new Error('not used'); },
};
const closes = [100, 90, 120, 110, 150, 130];
const candles = candlesFromRows(closes.map((c, i) => ({ timestamp: Date.UTC(2024, 0, 1 + i), open: c, high: c, low: c, close: c, volume: 1 })));
const series = [{ symbol: 'KRW-TEST', timeframe: '1d' as const, candles }];
const options = { fee_rate: 0, slippage_rate: 0, fill: 'signal-close', hold_bars: null, lot_step: 0 };

describe('sweep heat map', () => {
  it('puts each (x, y) cell\'s score where the hand calculation says', () => {
    const r = runSweep({ strategy: buyThenSell as never, space: { entry: { values: [2, 0, 1] }, exit: { values: [3, 4, 5] } }, series, options, rankBy: 'total_return_pct', heatmap: ['entry', 'exit'] });
    const h = r.heatmap;
    expect(h?.xValues).toEqual([0, 1, 2]); // ascending, whatever the order of the list
    expect(h?.yValues).toEqual([3, 4, 5]);
    // close[exit] / close[entry] − 1, percent: rows are exits 3, 4, 5; columns entries 0, 1, 2
    const expected = [
      [10, 22.2222222, -8.3333333], // 110/100, 110/90, 110/120
      [50, 66.6666667, 25], // 150/…
      [30, 44.4444444, 8.3333333], // 130/…
    ];
    h?.cells.forEach((row, j) => row.forEach((v, i) => expect(v).toBeCloseTo(expected[j][i], 5)));
  });
});

describe('bad sweep input is refused before any work, naming the field and the limit', () => {
  const base = { strategy: buyThenSell as never, series, options };
  const cases: [string, object, RegExp][] = [
    ['a grid over 10 M sets', { space: { entry: { min: 0, max: 9_999, step: 1 }, exit: { min: 0, max: 999, step: 1 } } }, /space: 10000000 combinations exceed the limit of 1000000/],
    ['a parameter not in the schema', { space: { entry: { values: [0] }, hold: { values: [1] } } }, /space\.hold: not a parameter of buy_then_sell; its parameters are entry, exit/],
    ['a budget of 0 random samples', { space: { entry: { min: 0, max: 2 } }, mode: { kind: 'random', samples: 0 } }, /samples: must be an integer >= 1, got 0/],
    ['an empty range', { space: { entry: { min: 3, max: 1, step: 1 } } }, /entry: range needs finite min <= max, got 3\.\.1/],
    ['an empty list', { space: { entry: { values: [] } } }, /entry: values must be a non-empty list/],
    ['a metric that does not exist', { space: { entry: { values: [0] } }, rankBy: 'alpha' }, /rank_by: unknown metric "alpha"; one of total_return_pct, /],
    ['top of 0', { space: { entry: { values: [0] } }, top: 0 }, /top: must be an integer >= 1, got 0/],
    ['odd verdict blocks', { space: { entry: { values: [0] } }, verdictBlocks: 3 }, /verdict_blocks: must be 0 \(no verdict\) or an even integer from 2 to 32, got 3/],
    ['a heat map of a parameter not swept', { space: { entry: { values: [0] }, exit: { values: [3] } }, heatmap: ['entry', 'nope'] }, /heatmap: needs two different swept parameters \(entry, exit\), got entry, nope/],
  ];
  it.each(cases)('%s', (_name, req, message) => {
    generated = 0;
    expect(() => runSweep({ ...base, ...req } as never)).toThrow(message);
    expect(generated).toBe(0);
  });
});

describe('overfitting verdict of a sweep', () => {
  it('equals the verdict computed from each set\'s own equity curve', () => {
    const c = syntheticCandles({ n: 2_000, seed: 21 });
    const s = [{ symbol: 'KRW-BTC', timeframe: '1m' as const, candles: c }];
    const space = { fast_period: { values: [3, 5, 8, 13] }, slow_period: { values: [21, 34, 55] } };
    const r = runSweep({ strategy: smaCrossover as never, space, series: s, rankBy: 'sharpe', verdictBlocks: 4 });
    // Independently: every set's bar returns from its equity curve (initial capital 1e9 by default; see options)
    const sets = [3, 5, 8, 13].flatMap((f) => [21, 34, 55].map((sl) => ({ fast_period: f, slow_period: sl })));
    const curves = sets.map((p) => runBacktest({ strategy: smaCrossover, params: p, series: s }));
    const returns = curves.map((run) => {
      const e = run.equity.equity;
      let prev = run.summary.options.initial_capital;
      return Array.from(e, (x) => { const q = x / prev - 1; prev = x; return q; });
    });
    const T = returns[0].length;
    const stat = (xs: number[]) => {
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length;
      const sk = xs.reduce((a, b) => a + (b - m) ** 3, 0) / xs.length / v ** 1.5;
      const ku = xs.reduce((a, b) => a + (b - m) ** 4, 0) / xs.length / v ** 2;
      return { sr: m / Math.sqrt(v), sk, ku, v };
    };
    const live = returns.map((x, i) => ({ i, ...stat(x) })).filter((x) => x.v > 0);
    const srs = live.map((x) => x.sr);
    const mean = srs.reduce((a, b) => a + b, 0) / srs.length;
    const varSr = srs.reduce((a, b) => a + (b - mean) ** 2, 0) / (srs.length - 1);
    const bestIdx = sets.findIndex((p) => p.fast_period === r.best?.params.fast_period && p.slow_period === r.best?.params.slow_period);
    const b = stat(returns[bestIdx]);
    const expectedDsr = deflatedSharpeRatio({ sharpe: b.sr, bars: T, skewness: b.sk, kurtosis: b.ku, trials: live.length, trialSharpeVariance: varSr });
    expect(r.verdict?.trials).toBe(live.length);
    expect(r.verdict?.deflated_sharpe?.dsr).toBeCloseTo(expectedDsr.dsr, 8);
    expect(r.verdict?.deflated_sharpe?.kurtosis).toBeCloseTo(b.ku, 6);
    // PBO from block sums built here (bar t in block ⌊4t/T⌋)
    const S = 4;
    const sum = new Float64Array(live.length * S), sumSq = new Float64Array(live.length * S), count = new Float64Array(S);
    for (let t = 0; t < T; t++) count[Math.floor((t * S) / T)]++;
    live.forEach((x, n) => returns[x.i].forEach((q, t) => { const k = Math.floor((t * S) / T); sum[n * S + k] += q; sumSq[n * S + k] += q * q; }));
    expect(r.verdict?.pbo).toEqual({ blocks: 4, splits: 6, pbo: probabilityOfBacktestOverfitting({ blocks: S, trials: live.length, sum, sumSq, count }).pbo });
  });

  it('picks fewer blocks by default when the sets are many, and refuses explicit blocks over the work limit', () => {
    const c = syntheticCandles({ n: 300, seed: 2 });
    const s = [{ symbol: 'KRW-BTC', timeframe: '1m' as const, candles: c }];
    expect(runSweep({ strategy: smaCrossover as never, space: { fast_period: { values: [2, 3] }, slow_period: { values: [10, 20] } }, series: s }).verdict?.pbo?.blocks).toBe(8);
    // 4 sets x C(32,16) x 32 = 7.7e10 is far over the limit; refused with the field before anything runs
    expect(() => runSweep({ strategy: smaCrossover as never, space: { fast_period: { values: [2, 3] }, slow_period: { values: [10, 20] } }, series: s, verdictBlocks: 32 }))
      .toThrow(/verdict_blocks: 4 sets x C\(32, 16\) splits exceed the CSCV limit/);
  });
});
