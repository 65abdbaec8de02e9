import { smaCrossover } from '../strategies';
import { syntheticCandles } from '../testing';
import { randomParamSets } from './param-space';
import { runSweep, sliceByTime } from './run-sweep';
import { halvingCandidates, successiveHalving } from './successive-halving';

const candles = syntheticCandles({ n: 900, seed: 5 });
const series = [{ symbol: 'KRW-BTC', timeframe: '1m' as const, candles }];
const space = { fast_period: { min: 2, max: 20, step: 1 }, slow_period: { min: 25, max: 80, step: 5 } };
const base = { strategy: smaCrossover as never, space, series, rankBy: 'total_return_pct' as const };

describe('successiveHalving', () => {
  it('spends the budget as worked out by hand', () => {
    // eta 3, 3 rungs: n candidates cost n + ⌊n/3⌋ + ⌊n/9⌋ (at least 1 each). n = 9: 9 + 3 + 1 = 13; n = 10: 10 + 3 + 1 = 14
    expect(halvingCandidates(13, 3, 3)).toBe(9);
    expect(halvingCandidates(40, 3, 3)).toBe(28); // 28 + 9 + 3 = 40; 29 + 9 + 3 = 41
    const r = successiveHalving({ ...base, budget: 13, seed: 7 });
    expect(r.candidates).toBe(9);
    expect(r.evaluations).toBe(13);
    // windows grow by eta up to all 900 bars: 900/9 = 100, 900/3 = 300, 900
    expect(r.rungs.map((g) => [g.bars, g.sets])).toEqual([[100, 9], [300, 3], [900, 1]]);
  });

  it('keeps each rung\'s best third, and its winner is the best of the last rung on all the data', () => {
    const r = successiveHalving({ ...base, budget: 40, seed: 3 });
    // rung 1 by hand: the 28 seeded candidates on the first 100 bars, ranked; the best 9 go on
    const drawn = randomParamSets(space, 28, 3);
    const first = runSweep({ ...base, series: [{ ...series[0], candles: sliceByTime(candles, candles.timestamp[0], candles.timestamp[100]) }], mode: { kind: 'list', sets: drawn } });
    const second = runSweep({ ...base, series: [{ ...series[0], candles: sliceByTime(candles, candles.timestamp[0], candles.timestamp[300]) }], mode: { kind: 'list', sets: first.rows.slice(0, 9).map((x) => x.params) } });
    const last = runSweep({ ...base, mode: { kind: 'list', sets: second.rows.slice(0, 3).map((x) => x.params) } });
    expect(r.final.best?.params).toEqual(last.best?.params);
    expect(r.final.best?.score).toBe(last.best?.score);
  });

  it('is reproducible from its seed', () => {
    const a = successiveHalving({ ...base, budget: 40, seed: 11 });
    const b = successiveHalving({ ...base, budget: 40, seed: 11 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  it('refuses a budget of 0 and one too small for its rungs, naming the field and the limit', () => {
    expect(() => successiveHalving({ ...base, budget: 0 })).toThrow(/budget: must be an integer from 1 to 1000000 backtests, got 0/);
    expect(() => successiveHalving({ ...base, budget: 2 })).toThrow(/budget: 2 backtests cannot cover 3 rungs/);
    expect(() => successiveHalving({ ...base, budget: 10, eta: 1 })).toThrow(/eta: must be an integer from 2 to 100, got 1/);
  });
});
