import fc from 'fast-check';
import { SMA } from 'technicalindicators';
import { candlesFromRows, type CandleColumns } from '../core/candles';
import { InvalidParamsError } from '../core/errors';
import { SignalSide } from '../core/signals';
import { syntheticCandles } from '../testing';
import { parseStrategyParams } from './params';
import { smaCrossover, type SmaCrossoverConfig } from './sma-crossover';

const params = (raw: Record<string, unknown>): SmaCrossoverConfig => parseStrategyParams(smaCrossover, raw);
const fromCloses = (closes: number[]): CandleColumns =>
  candlesFromRows(closes.map((c, i) => ({ timestamp: i, open: c, high: c, low: c, close: c, volume: 1 })));
const signals = (s: { side: Int8Array }): [number, number][] => [...s.side].flatMap((x, i) => (x !== 0 ? [[i, x] as [number, number]] : []));

/** Crossovers from SMAs computed with fresh sums at every bar (the definition, written out). */
function referenceCross(close: Float64Array, p: SmaCrossoverConfig): [number, number][] {
  const mean = (i: number, w: number) => {
    let s = 0;
    for (let j = i - w + 1; j <= i; j++) s += close[j];
    return s / w;
  };
  const out: [number, number][] = [];
  let last = 0;
  for (let i = p.slow_period - 1; i < close.length; i++) {
    const d = mean(i, p.fast_period) - mean(i, p.slow_period);
    const sign = d > 0 ? 1 : d < 0 ? -1 : 0;
    if (sign === 0) continue;
    if (last === -sign) out.push([i, sign]);
    last = sign;
  }
  return out;
}

describe('sma_crossover', () => {
  it('hand example: fast 2 / slow 3 on 5 4 3 2 3 4 5 4 3', () => {
    // fast:  -, 4.5, 3.5, 2.5, 2.5, 3.5, 4.5, 4.5, 3.5
    // slow:  -, -,   4,   3,   2.67, 3,  4,   4.33, 4
    // fast - slow: bars 2..4 negative, 5..7 positive (Buy at 5, slow 3), bar 8 negative (Sell, slow 4)
    const s = smaCrossover.generate(fromCloses([5, 4, 3, 2, 3, 4, 5, 4, 3]), params({ fast_period: 2, slow_period: 3 }));
    expect(signals(s)).toEqual([[5, SignalSide.Buy], [8, SignalSide.Sell]]);
    expect(s.level![5]).toBe(3);
    expect(s.level![8]).toBe(4);
    expect(s.confidence[5]).toBe(1);
  });

  it('a cross through equality counts once; a touch that turns back does not count', () => {
    // fast 1 / slow 2: fast - slow = (c[i] - c[i-1]) / 2, i.e. the sign of the change
    const p = params({ fast_period: 1, slow_period: 2 });
    expect(signals(smaCrossover.generate(fromCloses([5, 4, 4, 5, 5, 4]), p))).toEqual([[3, SignalSide.Buy], [5, SignalSide.Sell]]);
    expect(signals(smaCrossover.generate(fromCloses([5, 4, 4, 3]), p))).toEqual([]);
    expect(signals(smaCrossover.generate(fromCloses([4, 5, 5, 6]), p))).toEqual([]);
  });

  it('the level is the slow SMA at the cross, matching technicalindicators (an outside implementation)', () => {
    const c = syntheticCandles({ n: 3000, seed: 31 });
    const p = params({ fast_period: 5, slow_period: 20 });
    const s = smaCrossover.generate(c, p);
    const slow = SMA.calculate({ period: 20, values: [...c.close] }); // slow[i - 19] is the SMA ending at bar i
    const bars = signals(s);
    expect(bars.length).toBeGreaterThan(50);
    for (const [i] of bars) expect(Math.abs(s.level![i] - slow[i - 19]) / slow[i - 19]).toBeLessThan(1e-12);
  });

  it.each([[1, 2], [5, 20], [10, 30], [50, 51]])('same crosses as fresh-sum SMAs on 5 000 synthetic closes (fast %i, slow %i)', (f, sl) => {
    const c = syntheticCandles({ n: 5000, seed: 32 + f });
    const p = params({ fast_period: f, slow_period: sl });
    expect(signals(smaCrossover.generate(c, p))).toEqual(referenceCross(c.close, p));
  });

  it('same crosses on short decimal closes, where fast == slow (near-)ties are common', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom(0.1, 0.2, 0.3, 0.7, 1.1), { maxLength: 60 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), (closes, f, extra) => {
      const p = params({ fast_period: f, slow_period: f + extra });
      expect(signals(smaCrossover.generate(fromCloses(closes), p))).toEqual(referenceCross(Float64Array.from(closes), p));
    }), { numRuns: 500, seed: 5 });
  });

  it('same crosses when huge closes just left the windows: their rounding residue in the running sums is not mistaken for a cross', () => {
    // 1e9-sized closes, then closes of a few tenths with exact ties: subtracting the 1e9s leaves
    // running-sum residue (~1e-7) far larger than a tie's zero difference
    fc.assert(fc.property(fc.array(fc.constantFrom(0.1, 0.2, 0.3), { minLength: 20, maxLength: 300 }), fc.integer({ min: 1, max: 6 }), (tail, f) => {
      const closes = [...Array.from({ length: 40 }, (_, i) => 1e9 + i * 0.37), ...tail];
      const p = params({ fast_period: f, slow_period: f + 3 });
      const close = Float64Array.from(closes);
      expect(signals(smaCrossover.generate(fromCloses(closes), p))).toEqual(referenceCross(close, p));
    }), { numRuns: 300, seed: 9 });
  });

  it('the level is the slow SMA of the fresh window sum, identical in the batch and the streaming form', () => {
    const c = syntheticCandles({ n: 4000, seed: 33 });
    const p = params({ fast_period: 7, slow_period: 25 });
    const batch = smaCrossover.generate(c, p);
    const stream = smaCrossover.createStream(p);
    let checked = 0;
    for (let i = 0; i < c.close.length; i++) {
      const got = stream.onCandle({ timestamp: c.timestamp[i], open: c.open[i], high: c.high[i], low: c.low[i], close: c.close[i], volume: c.volume[i] });
      if (batch.side[i] === 0) continue;
      let sum = 0;
      for (let j = i - 24; j <= i; j++) sum += c.close[j];
      expect(batch.level![i]).toBe(sum / 25);
      expect(got?.level).toBe(sum / 25);
      checked++;
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('rejects slow_period <= fast_period, naming the field', () => {
    expect(() => params({ fast_period: 10, slow_period: 10 })).toThrow(InvalidParamsError);
    expect(() => params({ fast_period: 10, slow_period: 5 })).toThrow('slow_period: must be greater than fast_period (10), got 5');
  });
});
