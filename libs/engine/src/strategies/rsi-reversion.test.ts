import { createRequire } from 'node:module';
import { candlesFromRows, type CandleColumns } from '../core/candles';
import { InvalidParamsError } from '../core/errors';
import { SignalSide } from '../core/signals';
import { syntheticCandles } from '../testing';
import { parseStrategyParams } from './params';
import { rsiReversion, WilderRsi, type RsiReversionConfig } from './rsi-reversion';

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

describe('WilderRsi', () => {
  it('hand example, period 2: closes 1 2 1 3', () => {
    // changes +1, -1, +2. Seed at bar 2: avg gain 1/2, avg loss 1/2 -> RSI 50.
    // bar 3: gain (0.5 x 1 + 2) / 2 = 1.25, loss (0.5 x 1 + 0) / 2 = 0.25 -> RSI 100 x 1.25 / 1.5 = 83.33...
    const r = new WilderRsi(2);
    const got = [1, 2, 1, 3].map((c) => r.next(c));
    expect(got.slice(0, 3)).toEqual([NaN, NaN, 50]);
    expect(got[3]).toBeCloseTo(250 / 3, 12);
  });

  it.each([2, 14, 50])('matches TA-Lib RSI (period %i) on 3 000 synthetic closes', (period) => {
    const c = syntheticCandles({ n: 3000, seed: 41 + period, volatility: 0.01 });
    const want = taRsi(c.close, period);
    const r = new WilderRsi(period);
    c.close.forEach((x, i) => {
      const got = r.next(x);
      if (Number.isNaN(want[i])) expect(got).toBeNaN();
      else expect(Math.abs(got - want[i])).toBeLessThan(1e-9);
    });
  });

  it('is 50 (neutral) on a flat series, where TA-Lib says 0', () => {
    const r = new WilderRsi(3);
    expect([5, 5, 5, 5, 5].map((c) => r.next(c)).slice(3)).toEqual([50, 50]);
  });
});

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

  it('rejects overbought <= oversold and levels outside (0, 100)', () => {
    expect(() => params({ oversold: 60, overbought: 60 })).toThrow('overbought: must be greater than oversold (60), got 60');
    expect(() => params({ oversold: 0 })).toThrow(InvalidParamsError);
    expect(() => params({ overbought: 100 })).toThrow('overbought: must be a number > 0 and < 100, got 100');
  });
});
