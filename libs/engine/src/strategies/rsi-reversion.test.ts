import { createRequire } from 'node:module';
import { candlesFromRows, type CandleColumns } from '../core/candles';
import { InvalidParamsError } from '../core/errors';
import { SignalSide } from '../core/signals';
import { syntheticCandles } from '../testing';
import { parseStrategyParams } from './params';
import { rsiReversion, type RsiReversionConfig } from './rsi-reversion';

// TA-Lib (native bindings, dev dependency) is the outside oracle for the RSI values.
const talib = createRequire(__filename)('talib') as {
  execute(o: { name: string; startIdx: number; endIdx: number; inReal: number[]; optInTimePeriod: number }): { begIndex: number; result: { outReal: number[] } };
};
const taRsi = (closes: ArrayLike<number>, period: number): Float64Array => {
  const r = talib.execute({ name: 'RSI', startIdx: 0, endIdx: closes.length - 1, inReal: Array.from(closes), optInTimePeriod: period });
  const out = new Float64Array(closes.length).fill(NaN);
  r.result.outReal.forEach((v, j) => (out[r.begIndex + j] = v));
  return out;
};

const params = (raw: Record<string, unknown>): RsiReversionConfig => parseStrategyParams(rsiReversion, raw);
const fromCloses = (closes: number[]): CandleColumns =>
  candlesFromRows(closes.map((c, i) => ({ timestamp: i, open: c, high: c, low: c, close: c, volume: 1 })));
const signals = (s: { side: Int8Array }): [number, number][] => [...s.side].flatMap((x, i) => (x !== 0 ? [[i, x] as [number, number]] : []));

describe('rsi_reversion', () => {
  it('Buy when the RSI crosses up through oversold, Sell when it crosses down through overbought (period 2 hand example)', () => {
    // closes 10 9 8 9 10 9: RSI(2): bar 2 = 0 (two losses); bar 3: gain (0 + 1) / 2 = 0.5,
    // loss (1 x 1 + 0) / 2 = 0.5 -> 50: crosses 30 upward -> Buy. bar 4: gain (0.5 + 1) / 2 = 0.75,
    // loss 0.25 -> 75 (> 70). bar 5: gain 0.375, loss (0.25 + 1) / 2 = 0.625 -> 37.5: crosses 70 down -> Sell.
    const s = rsiReversion.generate(fromCloses([10, 9, 8, 9, 10, 9]), params({ period: 2 }));
    expect(signals(s)).toEqual([[3, SignalSide.Buy], [5, SignalSide.Sell]]);
    expect(s.level![3]).toBe(50);
    expect(s.level![5]).toBe(37.5);
  });

  it('signals exactly where TA-Lib\'s RSI crosses the levels on 5 000 synthetic closes', () => {
    const c = syntheticCandles({ n: 5000, seed: 43, volatility: 0.01 });
    const p = params({ period: 14, oversold: 30, overbought: 70 });
    const r = taRsi(c.close, 14);
    const want: [number, number][] = [];
    for (let i = 1; i < r.length; i++) {
      if (r[i - 1] < 30 && r[i] >= 30) want.push([i, SignalSide.Buy]);
      else if (r[i - 1] > 70 && r[i] <= 70) want.push([i, SignalSide.Sell]);
    }
    expect(want.length).toBeGreaterThan(20);
    expect(signals(rsiReversion.generate(c, p))).toEqual(want);
  });

  it('flat windows follow TA-Lib: RSI 0 on a flat stretch, so an uptick after it crosses oversold (hand example, period 3)', () => {
    // closes 5 5 5 5 6: changes 0 0 0 +1. Seed at bar 3: gain 0, loss 0 -> TA-Lib's flat rule: RSI 0.
    // bar 4: gain (0 x 2 + 1) / 3 = 1/3, loss 0 -> RSI 100: previous 0 < 30 <= 100 -> Buy, level 100.
    const closes = [5, 5, 5, 5, 6];
    expect(Array.from(taRsi(closes, 3)).slice(3)).toEqual([0, 100]);
    const s = rsiReversion.generate(fromCloses(closes), params({ period: 3 }));
    expect(signals(s)).toEqual([[4, SignalSide.Buy]]);
    expect(s.level![4]).toBe(100);
  });

  it('a constant series never signals (RSI stays 0, TA-Lib\'s value), and neither does a series shorter than the warm-up', () => {
    expect(Array.from(taRsi([7, 7, 7, 7, 7, 7], 2)).slice(2)).toEqual([0, 0, 0, 0]);
    expect(signals(rsiReversion.generate(fromCloses([7, 7, 7, 7, 7, 7]), params({ period: 2 })))).toEqual([]);
    expect(signals(rsiReversion.generate(fromCloses([1, 2, 3]), params({ period: 3 })))).toEqual([]);
  });

  it('rejects overbought <= oversold and levels outside (0, 100)', () => {
    expect(() => params({ oversold: 60, overbought: 60 })).toThrow('overbought: must be greater than oversold (60), got 60');
    expect(() => params({ oversold: 0 })).toThrow(InvalidParamsError);
    expect(() => params({ overbought: 100 })).toThrow('overbought: must be a number > 0 and < 100, got 100');
  });
});
