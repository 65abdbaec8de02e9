import { z } from 'zod';
import { defineStrategy } from '../define/define-strategy';
import { ind } from '../define/indicator-specs';
import { holdPeriodBarsParam, integerParam } from './params';

/** Parameters of {@link donchianBreakout}. */
export const DonchianBreakoutSchema = z.object({
  entry_period: integerParam({ min: 1, max: 10_000, default: 20, description: 'Bars of the channel whose highest high a close must exceed to Buy (turtle system 1: 20).' }),
  exit_period: integerParam({ min: 1, max: 10_000, default: 10, description: 'Bars of the channel whose lowest low a close must undercut to Sell (turtle system 1: 10).' }),
  hold_period_bars: holdPeriodBarsParam(),
}).strict().describe('Donchian channel breakout, turtle entry and exit (donchian_breakout).');

/** Parsed parameters of {@link donchianBreakout}. */
export type DonchianBreakoutConfig = z.output<typeof DonchianBreakoutSchema>;

/**
 * Donchian breakout (the turtles' entry and exit): Buy when the close is above the highest high
 * of the previous `entry_period` bars, Sell when it is below the lowest low of the previous
 * `exit_period` bars (this bar excluded: the channel as of the previous bar). Level = the channel
 * edge crossed. Repeated Buys while above the channel are ignored by the simulation when long.
 */
export const donchianBreakout = defineStrategy({
  name: 'donchian_breakout',
  title: 'Donchian breakout (turtle)',
  description: 'Buy when the close breaks above the highest high of the previous entry_period bars; Sell when it breaks below the lowest low of the previous exit_period bars.',
  params: DonchianBreakoutSchema,
  indicators: (p) => ({ upper: ind.highest('high', p.entry_period), lower: ind.lowest('low', p.exit_period) }),
  rule: ({ close, prev }) => {
    if (close > prev.upper) return 1;
    if (close < prev.lower) return -1;
    return null;
  },
  level: ({ close, prev }) => (close > prev.upper ? prev.upper : prev.lower),
});
