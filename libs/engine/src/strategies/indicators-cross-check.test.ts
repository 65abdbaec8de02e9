/**
 * Cross-check of the strategies' own rolling computations against @coinhts/indicators (written
 * independently, TA-Lib conventions). The strategies keep their own fast loops; this only proves
 * both libraries compute the same numbers where their documented conventions agree.
 */
import { rsi, sma } from '@coinhts/indicators';
import { syntheticCandles } from '../testing';
import { parseStrategyParams } from './params';
import { WilderRsi } from './rsi-reversion';
import { smaCrossover } from './sma-crossover';

describe('cross-check with @coinhts/indicators', () => {
  const c = syntheticCandles({ n: 5000, seed: 77, volatility: 0.01 });

  it.each([2, 14, 30])('WilderRsi(%i) equals indicators.rsi on a series that is never flat', (period) => {
    const want = rsi(c.close, period);
    const r = new WilderRsi(period);
    c.close.forEach((x, i) => {
      const got = r.next(x);
      if (Number.isNaN(want[i])) expect(got).toBeNaN();
      else if (Math.abs(got - want[i]) > 1e-9) throw new Error(`bar ${i}: ${got} vs ${want[i]}`);
    });
  });

  it('the SMA crossover level (slow SMA at the cross) equals indicators.sma', () => {
    const p = parseStrategyParams(smaCrossover, { fast_period: 7, slow_period: 25 });
    const s = smaCrossover.generate(c, p);
    const slow = sma(c.close, 25);
    let crosses = 0;
    s.side.forEach((side, i) => {
      if (side === 0) return;
      crosses++;
      expect(Math.abs(s.level![i] - slow[i]) / slow[i]).toBeLessThan(1e-12);
    });
    expect(crosses).toBeGreaterThan(50);
  });
});
