import { z } from 'zod';
import { defineStrategy } from '../define/define-strategy';
import { ind } from '../define/indicator-specs';
import { holdPeriodBarsParam, integerParam, numberParam } from './params';

/** Parameters of {@link bollingerBreakout}. */
export const BollingerBreakoutSchema = z.object({
  period: integerParam({ min: 2, max: 10_000, default: 20, description: 'Bars in the middle band (SMA of the close) and in the standard deviation.' }),
  std_devs: numberParam({ min: 0, max: 10, minExclusive: true, default: 2, description: 'Band distance from the middle band, in population standard deviations.' }),
  hold_period_bars: holdPeriodBarsParam(),
}).strict().describe('Bollinger Bands breakout (bollinger_breakout).');

/** Parsed parameters of {@link bollingerBreakout}. */
export type BollingerBreakoutConfig = z.output<typeof BollingerBreakoutSchema>;

/**
 * Bollinger breakout: Buy when the close crosses above the upper band (previous close ≤ previous
 * upper, close > upper); Sell when it crosses below the middle band (previous close ≥ previous
 * middle, close < middle). Bands of `@coinhts/indicators` (TA-Lib `BBANDS`). Level = the band crossed.
 */
export const bollingerBreakout = defineStrategy({
  name: 'bollinger_breakout',
  title: 'Bollinger breakout',
  description: 'Buy when the close crosses above the upper Bollinger band; Sell when it crosses below the middle band.',
  params: BollingerBreakoutSchema,
  indicators: (p) => ({
    upper: ind.bollinger('close', p.period, p.std_devs, 'upper'),
    middle: ind.bollinger('close', p.period, p.std_devs, 'middle'),
  }),
  rule: ({ close, upper, middle, prev }) => {
    if (prev.close <= prev.upper && close > upper) return 1;
    if (prev.close >= prev.middle && close < middle) return -1;
    return null;
  },
  level: (bar) => (bar.close > bar.upper ? bar.upper : bar.middle),
});
