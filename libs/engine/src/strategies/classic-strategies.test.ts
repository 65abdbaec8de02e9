/**
 * Hand-checked examples of the three classics written with defineStrategy. Every number is worked
 * out in the comments from the indicator definitions (TA-Lib conventions), not taken from a run.
 */
import { candlesFromRows, type CandleColumns } from '../core/candles';
import { InvalidParamsError } from '../core/errors';
import { SignalSide } from '../core/signals';
import { bollingerBreakout } from './bollinger-breakout';
import { donchianBreakout } from './donchian-breakout';
import { macdCrossover } from './macd-crossover';
import { parseStrategyParams } from './params';

const fromCloses = (closes: number[]): CandleColumns =>
  candlesFromRows(closes.map((c, i) => ({ timestamp: i * 60_000, open: c, high: c, low: c, close: c, volume: 1 })));
const signals = (s: { side: Int8Array }): [number, number][] => [...s.side].flatMap((x, i) => (x !== 0 ? [[i, x] as [number, number]] : []));

describe('bollinger_breakout', () => {
  it('hand example, period 3, 1 standard deviation: 10 10 10 13 9', () => {
    // bar 2: window 10 10 10 -> middle 10, sd 0, upper 10. Warm-up: lookback 2 + 1 = bar 3.
    // bar 3: window 10 10 13 -> middle 11, mean of squares 369 / 3 = 123, variance 123 - 121 = 2,
    //        upper 11 + sqrt(2) = 12.414; previous close 10 <= previous upper 10 and 13 > 12.414 -> Buy, level = upper.
    // bar 4: window 10 13 9 -> middle 32 / 3 = 10.667; previous close 13 >= previous middle 11 and 9 < 10.667 -> Sell, level = middle.
    const p = parseStrategyParams(bollingerBreakout, { period: 3, std_devs: 1 });
    const s = bollingerBreakout.generate(fromCloses([10, 10, 10, 13, 9]), p);
    expect(signals(s)).toEqual([[3, SignalSide.Buy], [4, SignalSide.Sell]]);
    expect(s.level![3]).toBeCloseTo(11 + Math.SQRT2, 12);
    expect(s.level![4]).toBeCloseTo(32 / 3, 12);
    expect(bollingerBreakout.warmupBars(p)).toBe(3);
  });

  it('a close that stays above the upper band buys once (a cross, not a level)', () => {
    // 10 10 10 13 16 19: bar 4 window 10 13 16: middle 13, variance (100+169+256)/3 - 169 = 6, upper 15.449;
    // previous close 13 > previous upper 12.414, so no new cross at bar 4 although 16 > 15.449.
    const s = bollingerBreakout.generate(fromCloses([10, 10, 10, 13, 16, 19]), parseStrategyParams(bollingerBreakout, { period: 3, std_devs: 1 }));
    expect(signals(s)).toEqual([[3, SignalSide.Buy]]);
  });

  it('rejects a non-positive band width, naming the field', () => {
    expect(() => parseStrategyParams(bollingerBreakout, { std_devs: 0 })).toThrow(InvalidParamsError);
    expect(() => parseStrategyParams(bollingerBreakout, { std_devs: 0 })).toThrow(/std_devs/);
  });
});

describe('macd_crossover', () => {
  it('hand example, fast 2 / slow 3 / signal 2: closes 1 2 3 1 5 1', () => {
    // k_fast = 2/3, k_slow = 1/2, k_signal = 2/3. Seeds at bar 2: slow = mean(1,2,3) = 2, fast = mean(2,3) = 2.5, line 0.5.
    // bar 3 (1): slow 1.5, fast 1.5, line 0; signal seed = mean(0.5, 0) = 0.25.   (lookback 2 + 1 = 3, warm-up bar 4)
    // bar 4 (5): slow 3.25, fast 1.5 + 3.5 x 2/3 = 3.8333, line 7/12 = 0.5833; signal 0.25 + (0.5833 - 0.25) x 2/3 = 0.4722
    //            previous line 0 <= previous signal 0.25, line > signal -> Buy, level = line 7/12.
    // bar 5 (1): slow 2.125, fast 3.8333 - 2.8333 x 2/3 = 1.9444, line -0.1806; signal 0.4722 - 0.6528 x 2/3 = 0.0370
    //            previous line 0.5833 >= previous signal 0.4722, line < signal -> Sell.
    const p = parseStrategyParams(macdCrossover, { fast_period: 2, slow_period: 3, signal_period: 2 });
    const s = macdCrossover.generate(fromCloses([1, 2, 3, 1, 5, 1]), p);
    expect(signals(s)).toEqual([[4, SignalSide.Buy], [5, SignalSide.Sell]]);
    expect(s.level![4]).toBeCloseTo(7 / 12, 12);
    expect(s.level![5]).toBeCloseTo(1.9444444444444444 - 2.125, 12);
    expect(macdCrossover.warmupBars(p)).toBe(4);
  });

  it('rejects slow_period <= fast_period, naming the field', () => {
    expect(() => parseStrategyParams(macdCrossover, { fast_period: 12, slow_period: 12 })).toThrow('slow_period: must be greater than fast_period (12), got 12');
  });
});

describe('donchian_breakout', () => {
  it('hand example, entry 3 / exit 2: a break above the previous 3 highs buys, a break below the previous 2 lows sells', () => {
    //          bar:  0    1    2     3     4     5
    const highs = [10, 11, 10, 12.5, 12, 11];
    const lows = [8, 9, 9, 10, 10.5, 8];
    const closes = [9, 10, 9.5, 12, 11, 8.5];
    // warm-up: max(3 - 1, 2 - 1) + 1 = bar 3.
    // bar 3: highest high of bars 0..2 = 11; close 12 > 11 -> Buy, level 11.
    // bar 4: highest high of bars 1..3 = 12.5, lowest low of bars 2..3 = 9; close 11: neither.
    // bar 5: lowest low of bars 3..4 = 10; close 8.5 < 10 -> Sell, level 10.
    const c = candlesFromRows(closes.map((cl, i) => ({ timestamp: i * 86_400_000, open: cl, high: highs[i], low: lows[i], close: cl, volume: 1 })));
    const p = parseStrategyParams(donchianBreakout, { entry_period: 3, exit_period: 2 });
    const s = donchianBreakout.generate(c, p);
    expect(signals(s)).toEqual([[3, SignalSide.Buy], [5, SignalSide.Sell]]);
    expect([s.level![3], s.level![5]]).toEqual([11, 10]);
    expect(donchianBreakout.warmupBars(p)).toBe(3);
  });
});
