import { z } from 'zod';
import { candlesFromRows, type CandleColumns } from '../core/candles';
import { BacktestAbortedError, InvalidParamsError } from '../core/errors';
import { emptySignals, SignalSide } from '../core/signals';
import type { StrategyDefinition } from '../core/strategy';
import { getStrategy } from '../strategies';
import { syntheticCandles } from '../testing';
import { runSweep } from './run-sweep';
import { walkForward } from './walk-forward';

// A strategy whose outcome is known by hand: buy at bar `entry`, sell at bar `exit`.
const Schema = z.strictObject({ entry: z.number().int().min(0), exit: z.number().int().min(0) })
  .refine((p) => p.exit > p.entry, { message: 'exit must be after entry', path: ['exit'] });
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

const closes = [100, 90, 120, 110, 150, 130];
const candles = candlesFromRows(closes.map((c, i) => ({ timestamp: Date.UTC(2024, 0, 1 + i), open: c, high: c, low: c, close: c, volume: 1 })));
const series = [{ symbol: 'KRW-TEST', timeframe: '1d' as const, candles }];
// No costs, fills at the signal bar's close: the return is close[exit] / close[entry] - 1 (up to lot rounding).
const options = { fee_rate: 0, slippage_rate: 0, fill: 'signal-close', hold_bars: null, lot_step: 0 };

describe('runSweep', () => {
  it('ranks combinations by the chosen metric, best first', () => {
    const r = runSweep({ strategy: buyThenSell as never, space: { entry: { values: [0, 1, 2] }, exit: { values: [3, 4, 5] } }, series, options, rankBy: 'total_return_pct' });
    expect(r.total).toBe(9);
    expect(r.failed).toBe(0);
    // By hand: best is buy 90 (bar 1), sell 150 (bar 4): +66.67 %; worst is buy 120 (bar 2), sell 110 (bar 3): -8.33 %.
    expect(r.best?.params).toEqual({ entry: 1, exit: 4 });
    expect(r.best?.score).toBeCloseTo((150 / 90 - 1) * 100, 6);
    const last = r.rows[r.rows.length - 1];
    expect(last.params).toEqual({ entry: 2, exit: 3 });
    expect(last.score).toBeCloseTo((110 / 120 - 1) * 100, 6);
    const scores = r.rows.map((x) => x.score as number);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it('ranks smaller-is-better metrics ascending and honours an explicit direction', () => {
    const space = { entry: { values: [0, 1] }, exit: { values: [3, 4] } };
    const dd = runSweep({ strategy: buyThenSell as never, space, series, options, rankBy: 'max_drawdown_pct' });
    expect(dd.direction).toBe('min');
    const worst = runSweep({ strategy: buyThenSell as never, space, series, options, rankBy: 'total_return_pct', direction: 'min' });
    // buy 100 sell 110 = +10 % is the smallest return of the four.
    expect(worst.best?.params).toEqual({ entry: 0, exit: 3 });
  });

  it('records combinations the strategy rejects instead of failing the sweep', () => {
    const r = runSweep({ strategy: buyThenSell as never, space: { entry: { values: [2, 4] }, exit: { values: [3] } }, series, options, rankBy: 'total_return_pct' });
    expect(r.failed).toBe(1);
    const failedRow = r.rows.find((x) => x.error);
    expect(failedRow?.params).toEqual({ entry: 4, exit: 3 });
    expect(failedRow?.error?.code).toBe('INVALID_PARAMS');
    expect(r.rows[r.rows.length - 1]).toBe(failedRow);
  });

  it('reports progress, keeps the top rows, and is deterministic', () => {
    const seen: number[] = [];
    const req = { strategy: buyThenSell as never, space: { entry: { values: [0, 1, 2] }, exit: { values: [3, 4, 5] } }, series, options, rankBy: 'sharpe' as const, top: 3 };
    const a = runSweep({ ...req, onProgress: (p) => seen.push(p.done) });
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(a.rows).toHaveLength(3);
    expect(JSON.stringify(runSweep(req))).toBe(JSON.stringify(a));
  });

  it('rejects an unknown metric and stops when aborted', () => {
    expect(() => runSweep({ strategy: buyThenSell as never, space: { entry: { values: [0] } }, series, options, rankBy: 'nope' as never })).toThrow(InvalidParamsError);
    const ac = new AbortController();
    ac.abort();
    expect(() => runSweep({ strategy: buyThenSell as never, space: { entry: { values: [0] }, exit: { values: [3] } }, series, options, signal: ac.signal })).toThrow(BacktestAbortedError);
  });
});

describe('walkForward', () => {
  // 12 daily bars: prices dip on even days and jump on odd days.
  const wfCloses = [100, 90, 110, 95, 120, 100, 130, 105, 140, 110, 150, 115];
  const wfCandles = candlesFromRows(wfCloses.map((c, i) => ({ timestamp: Date.UTC(2024, 0, 1 + i), open: c, high: c, low: c, close: c, volume: 1 })));
  const wfSeries = [{ symbol: 'KRW-TEST', timeframe: '1d' as const, candles: wfCandles }];

  it('optimises in-sample and evaluates out-of-sample on the following window', () => {
    const r = walkForward({
      strategy: buyThenSell as never, space: { entry: { values: [0, 1] }, exit: { values: [2, 3] } },
      series: wfSeries, options, rankBy: 'total_return_pct', inSampleBars: 4, outOfSampleBars: 4,
    });
    // OOS windows start at bars 4 and 8 -> 2 folds.
    expect(r.folds).toHaveLength(2);
    // Fold 0 in-sample = bars 0..3 (100, 90, 110, 95): best is buy bar 1 (90) sell bar 2 (110).
    expect(r.folds[0].bestParams).toEqual({ entry: 1, exit: 2 });
    expect(r.folds[0].inSampleScore).toBeCloseTo((110 / 90 - 1) * 100, 6);
    // Applied to bars 4..7 (120, 100, 130, 105): buy 100, sell 130.
    expect(r.folds[0].outOfSampleScore).toBeCloseTo((130 / 100 - 1) * 100, 6);
    expect(r.folds[0].inSample).toEqual({ start_ms: Date.UTC(2024, 0, 1), end_ms: Date.UTC(2024, 0, 5) });
    expect(r.folds[0].outOfSample).toEqual({ start_ms: Date.UTC(2024, 0, 5), end_ms: Date.UTC(2024, 0, 9) });
    // Fold 1: in-sample bars 4..7 -> best buy bar 1 (100) sell bar 2 (130); OOS bars 8..11 (140, 110, 150, 115): buy 110 sell 150.
    expect(r.folds[1].bestParams).toEqual({ entry: 1, exit: 2 });
    expect(r.folds[1].outOfSampleScore).toBeCloseTo((150 / 110 - 1) * 100, 6);
    expect(r.oosCompoundedReturnPct).toBeCloseTo((1.3 * (150 / 110) - 1) * 100, 6);
  });

  it('validates the fold geometry', () => {
    expect(() => walkForward({ strategy: buyThenSell as never, space: { entry: { values: [0] } }, series: wfSeries, inSampleBars: 10, outOfSampleBars: 10 })).toThrow(/exceed the 12 bars/);
    expect(() => walkForward({ strategy: buyThenSell as never, space: { entry: { values: [0] } }, series: wfSeries, inSampleBars: 0, outOfSampleBars: 2 })).toThrow(/in_sample_bars/);
  });
});

describe('runSweep evaluation modes', () => {
  // The expected rows come from evaluation 'full' (runBacktest per set, tested on its own).
  const big = [{ symbol: 'KRW-BTC', timeframe: '1m' as const, candles: syntheticCandles({ n: 2000, seed: 5, volatility: 0.01 }) }];
  const space = { fast_period: { values: [2, 5, 30] }, slow_period: { values: [3, 20, 40] } }; // fast >= slow sets are rejected
  const options = { stop_loss_pct: 1, take_profit_pct: 2, fee_rate: 0.002 };

  it('the fused summary pass gives the rows, best set and verdict of full runs, rejected sets included', () => {
    const strategy = getStrategy('sma_crossover') as never;
    const full = runSweep({ strategy, space, series: big, options, rankBy: 'sharpe', evaluation: 'full', verdictBlocks: 4 });
    const summary = runSweep({ strategy, space, series: big, options, rankBy: 'sharpe', verdictBlocks: 4 });
    expect(full.failed).toBe(3); // (5, 3), (30, 3) and (30, 20): slow must exceed fast
    expect(summary).toEqual(full);
  });

  it('refuses an unknown evaluation before any work', () => {
    expect(() => runSweep({ strategy: getStrategy('sma_crossover') as never, space, series: big, evaluation: 'fast' as never })).toThrow(/evaluation.*"summary" or "full"/s);
  });
});
