/**
 * The strategies read their indicators from @coinhts/indicators (through `ind`): the levels they
 * report are that library's values, bit for bit.
 */
import { sma } from '@coinhts/indicators';
import { syntheticCandles } from '../testing';
import { parseStrategyParams } from './params';
import { smaCrossover } from './sma-crossover';

describe('cross-check with @coinhts/indicators', () => {
  const c = syntheticCandles({ n: 5000, seed: 77, volatility: 0.01 });

  it('the SMA crossover level (slow SMA at the cross) equals indicators.sma', () => {
    const p = parseStrategyParams(smaCrossover, { fast_period: 7, slow_period: 25 });
    const s = smaCrossover.generate(c, p);
    const slow = sma(c.close, 25);
    let crosses = 0;
    s.side.forEach((side, i) => {
      if (side === 0) return;
      crosses++;
      expect(s.level![i]).toBe(slow[i]);
    });
    expect(crosses).toBeGreaterThan(50);
  });
});
