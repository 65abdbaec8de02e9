import { z } from 'zod';
import { defineStrategy } from '../define/define-strategy';
import { ind } from '../define/indicator-specs';
import { holdPeriodBarsParam, integerParam } from './params';

/** Parameters of {@link macdCrossover}. `slow_period` must be greater than `fast_period`. */
export const MacdCrossoverSchema = z.object({
  fast_period: integerParam({ min: 2, max: 10_000, default: 12, description: 'Bars in the fast EMA of the close.' }),
  slow_period: integerParam({ min: 3, max: 10_000, default: 26, description: 'Bars in the slow EMA of the close; must be greater than fast_period.' }),
  signal_period: integerParam({ min: 1, max: 10_000, default: 9, description: 'Bars in the EMA of the MACD line (the signal line).' }),
  hold_period_bars: holdPeriodBarsParam(),
}).strict().superRefine((p, ctx) => {
  if (typeof p.fast_period === 'number' && typeof p.slow_period === 'number' && !(p.slow_period > p.fast_period)) {
    ctx.addIssue({ code: 'custom', path: ['slow_period'], message: `must be greater than fast_period (${p.fast_period}), got ${p.slow_period}` });
  }
}).describe('MACD / signal line crossover (macd_crossover). slow_period must be greater than fast_period.');

/** Parsed parameters of {@link macdCrossover}. */
export type MacdCrossoverConfig = z.output<typeof MacdCrossoverSchema>;

/**
 * MACD crossover: Buy when the MACD line crosses above its signal line (previous MACD ≤ previous
 * signal, MACD > signal), Sell when it crosses below. `@coinhts/indicators` `macd` (TA-Lib `MACD`).
 * Level = the MACD line at the cross.
 */
export const macdCrossover = defineStrategy({
  name: 'macd_crossover',
  title: 'MACD crossover',
  description: 'Buy when the MACD line crosses above its signal line; Sell when it crosses below.',
  params: MacdCrossoverSchema,
  indicators: (p) => ({
    line: ind.macd('close', p.fast_period, p.slow_period, p.signal_period, 'macd'),
    signal: ind.macd('close', p.fast_period, p.slow_period, p.signal_period, 'signal'),
  }),
  rule: ({ line, signal, prev }) => {
    if (prev.line <= prev.signal && line > signal) return 1;
    if (prev.line >= prev.signal && line < signal) return -1;
    return null;
  },
  level: (bar) => bar.line,
});
