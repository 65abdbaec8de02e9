import { z } from 'zod';
import { candlesFromRows, type CandleColumns } from '../core/candles';
import { emptySignals, SignalSide } from '../core/signals';
import type { StrategyDefinition } from '../core/strategy';
import { parameterStability, walkForward } from './walk-forward';

// Buy at window bar `entry`, sell at window bar `exit` (positions are relative to each window).
const Schema = z.strictObject({ entry: z.number().int().min(0), exit: z.number().int().min(0) });
type P = z.output<typeof Schema>;
const buyThenSell: StrategyDefinition<P> = {
  name: 'buy_then_sell', title: 'Buy then sell', description: 'test strategy',
  paramsSchema: Schema, jsonSchema: {},
  warmupBars: () => 0, holdPeriodBars: () => 1,
  generate(c: CandleColumns, p: P) {
    const s = emptySignals(c.timestamp.length);
    if (p.entry < s.side.length) { s.side[p.entry] = SignalSide.Buy; s.confidence[p.entry] = 1; }
    if (p.exit < s.side.length) { s.side[p.exit] = SignalSide.Sell; s.confidence[p.exit] = 1; }
    return s;
  },
  createStream() { throw new Error('not used'); },
};
const closes = [100, 90, 120, 110, 150, 130, 140, 120];
const candles = candlesFromRows(closes.map((c, i) => ({ timestamp: Date.UTC(2024, 0, 1 + i), open: c, high: c, low: c, close: c, volume: 1 })));
const series = [{ symbol: 'KRW-TEST', timeframe: '1d' as const, candles }];
const options = { fee_rate: 0, slippage_rate: 0, fill: 'signal-close', hold_bars: null, lot_step: 0, initial_capital: 1000 };

describe('walkForward: stitched out-of-sample equity and parameter stability', () => {
  it('chains each fold\'s out-of-sample curve from where the previous one ended (by hand)', () => {
    // 8 bars, in-sample 2, out-of-sample 2, step 2: folds test bars 2–3, 4–5, 6–7 with the only set
    // (buy at the window's first close, sell at its second). No costs, all-in at the close:
    //   fold 0: 1000, 1000 × 110/120 = 916.6667
    //   fold 1 starts at 916.6667: 916.6667, 916.6667 × 130/150 = 794.4444
    //   fold 2 starts at 794.4444: 794.4444, 794.4444 × 120/140 = 680.9524
    const r = walkForward({ strategy: buyThenSell as never, space: { entry: { values: [0] }, exit: { values: [1] } }, series, options, rankBy: 'total_return_pct', inSampleBars: 2, outOfSampleBars: 2 });
    expect(Array.from(r.oosEquity.timestamp)).toEqual([2, 3, 4, 5, 6, 7].map((i) => candles.timestamp[i]));
    const expected = [1000, 916.6666667, 916.6666667, 794.4444444, 794.4444444, 680.9523810];
    Array.from(r.oosEquity.equity).forEach((e, i) => expect(e).toBeCloseTo(expected[i], 5));
    // and it agrees with the compounded fold returns: (680.9524 / 1000 − 1) × 100 = −31.90476 %
    expect(r.oosCompoundedReturnPct).toBeCloseTo(-31.904762, 5);
    expect(r.stability).toMatchObject({ changes: 0, modalShare: 1 });
  });

  it('overlapping out-of-sample windows contribute only their bars before the next fold starts', () => {
    // out-of-sample 3, step 2: folds test bars 2–4, 4–6, 6–7; the stitched curve keeps 2–3, 4–5, 6–7
    const r = walkForward({ strategy: buyThenSell as never, space: { entry: { values: [0] }, exit: { values: [1] } }, series, options, rankBy: 'total_return_pct', inSampleBars: 2, outOfSampleBars: 3, stepBars: 2 });
    expect(Array.from(r.oosEquity.timestamp)).toEqual([2, 3, 4, 5, 6, 7].map((i) => candles.timestamp[i]));
  });

  it('measures how the chosen parameters move between folds (by hand)', () => {
    // chosen: (1, x), (3, x), none, (3, y) → 2 changes among the 3 folds that ran; every set chosen once → modal share 1/3
    // a: 1, 3, 3 → mean 7/3 = 2.333333, population sd √(((1 − 7/3)² + 2 × (3 − 7/3)²)/3) = √(8/9 × 3/3) = 0.942809; relative 0.404061
    const s = parameterStability(['a', 'b'], [{ a: 1, b: 'x' }, { a: 3, b: 'x' }, null, { a: 3, b: 'y' }]);
    expect(s.changes).toBe(2);
    expect(s.modalShare).toBeCloseTo(1 / 3, 12);
    expect(s.params[0]).toMatchObject({ name: 'a', values: [1, 3, null, 3], distinct: 2 });
    expect(s.params[0].mean).toBeCloseTo(2.333333, 6);
    expect(s.params[0].std).toBeCloseTo(0.942809, 6);
    expect(s.params[0].relativeStd).toBeCloseTo(0.404061, 6);
    expect(s.params[1]).toMatchObject({ name: 'b', distinct: 2, mean: null, std: null, relativeStd: null });
  });
});
