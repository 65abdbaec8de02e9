import { createRequire } from 'node:module';
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

// TA-Lib (native bindings, dev dependency) is the outside oracle for the SMA values.
const talib = createRequire(__filename)('talib') as {
  execute(o: { name: string; startIdx: number; endIdx: number; inReal: number[]; optInTimePeriod: number }): { begIndex: number; result: { outReal: number[] } };
};
const taSma = (closes: ArrayLike<number>, period: number): Float64Array => {
  if (period === 1) return Float64Array.from(closes); // TA-Lib's SMA needs period >= 2; the mean of one value is the value
  if (closes.length < period) return new Float64Array(closes.length).fill(NaN); // the native binding aborts on too-short input
  const r = talib.execute({ name: 'SMA', startIdx: 0, endIdx: closes.length - 1, inReal: Array.from(closes), optInTimePeriod: period });
  const out = new Float64Array(closes.length).fill(NaN);
  r.result.outReal.forEach((v, j) => (out[r.begIndex + j] = v));
  return out;
};

/** Crossovers of TA-Lib's SMAs (the definition, written out over the oracle's values). */
function referenceCross(close: Float64Array, p: SmaCrossoverConfig): [number, number][] {
  const fast = taSma(close, p.fast_period);
  const slow = taSma(close, p.slow_period);
  const out: [number, number][] = [];
  let last = 0;
  for (let i = p.slow_period - 1; i < close.length; i++) {
    const d = fast[i] - slow[i];
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

  it.each([[1, 2], [5, 20], [10, 30], [50, 51]])('same crosses as TA-Lib SMAs on 5 000 synthetic closes (fast %i, slow %i)', (f, sl) => {
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

  it('the level is TA-Lib\'s slow SMA at the cross, identical in the batch, the per-bar reference and the streaming form', () => {
    const c = syntheticCandles({ n: 4000, seed: 33 });
    const p = params({ fast_period: 7, slow_period: 25 });
    const batch = smaCrossover.generate(c, p);
    const reference = smaCrossover.generateReference(c, p);
    const slow = taSma(c.close, 25);
    const stream = smaCrossover.createStream(p);
    let checked = 0;
    for (let i = 0; i < c.close.length; i++) {
      const got = stream.onCandle({ timestamp: c.timestamp[i], open: c.open[i], high: c.high[i], low: c.low[i], close: c.close[i], volume: c.volume[i] });
      expect([i, reference.side[i], got?.side ?? 0]).toEqual([i, batch.side[i], batch.side[i]]);
      if (batch.side[i] === 0) continue;
      expect(batch.level![i]).toBe(slow[i]);
      expect(reference.level![i]).toBe(slow[i]);
      expect(got?.level).toBe(slow[i]);
      checked++;
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('rejects slow_period <= fast_period, naming the field', () => {
    expect(() => params({ fast_period: 10, slow_period: 10 })).toThrow(InvalidParamsError);
    expect(() => params({ fast_period: 10, slow_period: 5 })).toThrow('slow_period: must be greater than fast_period (10), got 5');
  });
});
