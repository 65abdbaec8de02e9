import { z } from 'zod';
import { defineStrategy } from '../define/define-strategy';
import { ind } from '../define/indicator-specs';
import { holdPeriodBarsParam, integerParam } from './params';

/** Parameters of {@link smaCrossover}. `slow_period` must be greater than `fast_period`. */
export const SmaCrossoverSchema = z.object({
  fast_period: integerParam({ min: 1, max: 10_000, default: 10, description: 'Bars in the fast simple moving average of the close.' }),
  slow_period: integerParam({ min: 2, max: 10_000, default: 30, description: 'Bars in the slow simple moving average of the close; must be greater than fast_period.' }),
  hold_period_bars: holdPeriodBarsParam(),
}).strict().superRefine((p, ctx) => {
  if (typeof p.fast_period === 'number' && typeof p.slow_period === 'number' && !(p.slow_period > p.fast_period)) {
    ctx.addIssue({ code: 'custom', path: ['slow_period'], message: `must be greater than fast_period (${p.fast_period}), got ${p.slow_period}` });
  }
}).describe('Simple moving average crossover (sma_crossover). slow_period must be greater than fast_period.');

/** Parsed (defaults applied) parameters of {@link smaCrossover}. */
export type SmaCrossoverConfig = z.output<typeof SmaCrossoverSchema>;

/** Sign of fast − slow: 1, −1, or 0 for a tie or a warm-up NaN. */
const signOf = (d: number): number => (d > 0 ? 1 : d < 0 ? -1 : 0);

/**
 * SMA crossover: Buy when the fast SMA of the close (`@coinhts/indicators` `sma`, TA-Lib's running
 * sum) crosses above the slow one, Sell when it crosses below. A cross is a change of the sign of
 * (fast − slow) from the last bar where they differed: a cross through equality counts once, a
 * touch that turns back does not. Level = slow SMA. First possible signal at bar `slow_period`.
 */
export const smaCrossover = defineStrategy({
  name: 'sma_crossover',
  title: 'SMA crossover',
  description: 'Buy when the fast SMA of the close crosses above the slow SMA; Sell when it crosses below.',
  params: SmaCrossoverSchema,
  indicators: (p) => ({ fast: ind.sma('close', p.fast_period), slow: ind.sma('close', p.slow_period) }),
  state: () => ({ last: 0 }),
  rule: (bar, _p, s) => {
    if (s.last === 0) s.last = signOf(bar.prev.fast - bar.prev.slow);
    const sign = signOf(bar.fast - bar.slow);
    if (sign === 0) return null;
    const was = s.last;
    s.last = sign;
    return was === -sign ? (sign as 1 | -1) : null;
  },
  level: (bar) => bar.slow,
  // The same rule over whole columns (the warm-up NaNs give sign 0), for the batch form's speed.
  columns: ({ fast, slow }, _p, out) => {
    let last = 0;
    for (let i = 0; i < fast.length; i++) {
      const sign = signOf(fast[i] - slow[i]);
      if (sign === 0) continue;
      if (last === -sign) { out.side[i] = sign; out.level[i] = slow[i]; }
      last = sign;
    }
  },
});
