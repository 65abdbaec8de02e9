import { z } from 'zod';
import { defineStrategy } from '../define/define-strategy';
import { ind } from '../define/indicator-specs';
import { holdPeriodBarsParam, integerParam, numberParam } from './params';

/** Parameters of {@link rsiReversion}. `overbought` must be greater than `oversold`. */
export const RsiReversionSchema = z.object({
  period: integerParam({ min: 2, max: 1000, default: 14, description: 'RSI period in bars (Wilder smoothing, TA-Lib seeding).' }),
  oversold: numberParam({ min: 0, max: 100, minExclusive: true, maxExclusive: true, default: 30, description: 'RSI level (0-100) that a Buy crosses upward.' }),
  overbought: numberParam({ min: 0, max: 100, minExclusive: true, maxExclusive: true, default: 70, description: 'RSI level (0-100) that a Sell crosses downward; must be greater than oversold.' }),
  hold_period_bars: holdPeriodBarsParam(),
}).strict().superRefine((p, ctx) => {
  if (typeof p.oversold === 'number' && typeof p.overbought === 'number' && !(p.overbought > p.oversold)) {
    ctx.addIssue({ code: 'custom', path: ['overbought'], message: `must be greater than oversold (${p.oversold}), got ${p.overbought}` });
  }
}).describe('RSI mean reversion (rsi_reversion). overbought must be greater than oversold.');

/** Parsed (defaults applied) parameters of {@link rsiReversion}. */
export type RsiReversionConfig = z.output<typeof RsiReversionSchema>;

/**
 * RSI mean reversion: Buy when the RSI of the close (`@coinhts/indicators` `rsi`: Wilder, TA-Lib
 * seeding, 0 on a flat window) crosses up through `oversold` (previous < oversold ≤ current), Sell
 * when it crosses down through `overbought` (previous > overbought ≥ current). Level = the RSI.
 * First RSI at bar `period`, first possible signal at bar `period + 1`.
 */
export const rsiReversion = defineStrategy({
  name: 'rsi_reversion',
  title: 'RSI mean reversion',
  description: 'Buy when the RSI crosses up through the oversold level; Sell when it crosses down through the overbought level.',
  params: RsiReversionSchema,
  indicators: (p) => ({ rsi: ind.rsi('close', p.period) }),
  rule: ({ rsi, prev }, p) => {
    if (prev.rsi < p.oversold && rsi >= p.oversold) return 1;
    if (prev.rsi > p.overbought && rsi <= p.overbought) return -1;
    return null;
  },
  level: (bar) => bar.rsi,
});
