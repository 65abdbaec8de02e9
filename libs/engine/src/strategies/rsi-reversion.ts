import { z } from 'zod';
import type { Candle, CandleColumns } from '../core/candles';
import { emptySignals, SignalSide, type SignalColumns, type StreamSignal } from '../core/signals';
import type { GenerateContext } from '../core/columns';
import type { StrategyDefinition, StrategyState, StreamingStrategy } from '../core/strategy';
import { integerParam, numberParam, paramsJsonSchema } from './params';
import { checkSnapshotOrigin } from './strategy-state-error';

/** Parameters of {@link rsiReversion}. `overbought` must be greater than `oversold`. */
export const RsiReversionSchema = z.object({
  period: integerParam({ min: 2, max: 1000, default: 14, description: 'RSI period in bars (Wilder smoothing, TA-Lib seeding).' }),
  oversold: numberParam({ min: 0, max: 100, minExclusive: true, maxExclusive: true, default: 30, description: 'RSI level (0-100) that a Buy crosses upward.' }),
  overbought: numberParam({ min: 0, max: 100, minExclusive: true, maxExclusive: true, default: 70, description: 'RSI level (0-100) that a Sell crosses downward; must be greater than oversold.' }),
  hold_period_bars: integerParam({ min: 1, max: 10_000, default: 1, description: 'Bars after entry at which the signal study measures the return.' }),
}).strict().superRefine((p, ctx) => {
  if (typeof p.oversold === 'number' && typeof p.overbought === 'number' && !(p.overbought > p.oversold)) {
    ctx.addIssue({ code: 'custom', path: ['overbought'], message: `must be greater than oversold (${p.oversold}), got ${p.overbought}` });
  }
}).describe('RSI mean reversion (rsi_reversion). overbought must be greater than oversold.');

/** Parsed (defaults applied) parameters of {@link rsiReversion}. */
export type RsiReversionConfig = z.output<typeof RsiReversionSchema>;

/** Plain-JSON state of {@link WilderRsi}. */
export interface WilderRsiState {
  readonly closes: number;
  readonly prevClose: number;
  readonly avgGain: number;
  readonly avgLoss: number;
}

/**
 * Wilder's RSI, streaming, with TA-Lib's seeding: the first value is at bar `period`, from the
 * simple means of the first `period` gains and losses; then avg = (avg × (period − 1) + x) / period,
 * evaluated in TA-Lib's order. RSI = 100 × avgGain / (avgGain + avgLoss).
 * One deliberate difference: when both averages are exactly 0 (no price change at all) the RSI is
 * 50 (neutral), where TA-Lib returns 0 (and TA-Lib also returns 0 when the sum is below 1e-14).
 * Engine-internal; `@coinhts/indicators` is the public home of indicators.
 */
export class WilderRsi {
  private closes = 0;
  private prevClose = 0;
  private avgGain = 0;
  private avgLoss = 0;

  constructor(private readonly period: number) {}

  /** Adds a close; returns the RSI (0..100) once `period` changes have been seen, else NaN. */
  next(close: number): number {
    const p = this.period;
    const seen = this.closes++;
    if (seen === 0) {
      this.prevClose = close;
      return NaN;
    }
    const diff = close - this.prevClose;
    this.prevClose = close;
    if (seen <= p) {
      // seeding: sums of the first `period` gains and losses
      if (diff < 0) this.avgLoss -= diff;
      else this.avgGain += diff;
      if (seen < p) return NaN;
      this.avgGain /= p;
      this.avgLoss /= p;
    } else {
      let g = this.avgGain * (p - 1);
      let l = this.avgLoss * (p - 1);
      if (diff < 0) l -= diff;
      else g += diff;
      this.avgGain = g / p;
      this.avgLoss = l / p;
    }
    const sum = this.avgGain + this.avgLoss;
    return sum === 0 ? 50 : 100 * (this.avgGain / sum);
  }

  /** Captures the state as plain JSON. */
  snapshot(): WilderRsiState {
    return { closes: this.closes, prevClose: this.prevClose, avgGain: this.avgGain, avgLoss: this.avgLoss };
  }

  /** Replaces the state with a snapshot from an RSI of the same period. */
  restore(s: WilderRsiState): void {
    this.closes = s.closes;
    this.prevClose = s.prevClose;
    this.avgGain = s.avgGain;
    this.avgLoss = s.avgLoss;
  }
}

interface RsiStrategyState {
  rsi: WilderRsiState;
  prev: number | null;
}

class RsiKernel {
  private readonly rsi: WilderRsi;
  private prev = NaN;
  /** RSI at the last signal. */
  level = NaN;

  constructor(private readonly p: RsiReversionConfig) {
    this.rsi = new WilderRsi(p.period);
  }

  step(close: number): number {
    const r = this.rsi.next(close);
    const prev = this.prev;
    this.prev = r;
    if (prev < this.p.oversold && r >= this.p.oversold) {
      this.level = r;
      return SignalSide.Buy;
    }
    if (prev > this.p.overbought && r <= this.p.overbought) {
      this.level = r;
      return SignalSide.Sell;
    }
    return 0;
  }

  snapshot(): RsiStrategyState {
    // NaN is not JSON; null stands for "no RSI yet".
    return { rsi: this.rsi.snapshot(), prev: Number.isNaN(this.prev) ? null : this.prev };
  }

  restore(s: RsiStrategyState): void {
    this.rsi.restore(s.rsi);
    this.prev = s.prev === null ? NaN : s.prev;
  }
}

const NAME = 'rsi_reversion';

/** Wilder RSI of every close (NaN during warm-up), by {@link WilderRsi}. */
function rsiColumn(close: Float64Array, period: number): Float64Array {
  const out = new Float64Array(close.length);
  const rsi = new WilderRsi(period);
  for (let i = 0; i < close.length; i++) out[i] = rsi.next(close[i]);
  return out;
}

/**
 * RSI mean reversion: Buy when the RSI of the close crosses up through `oversold`
 * (previous RSI < oversold ≤ current RSI), Sell when it crosses down through `overbought`
 * (previous RSI > overbought ≥ current RSI). Wilder RSI with TA-Lib seeding (see
 * {@link WilderRsi}); first RSI at bar `period`, first possible signal at bar `period + 1`.
 * Confidence 1; level = the RSI at the signal. O(1) per bar.
 */
export const rsiReversion: StrategyDefinition<RsiReversionConfig> = {
  name: NAME,
  title: 'RSI mean reversion',
  description: 'Buy when the RSI crosses up through the oversold level; Sell when it crosses down through the overbought level.',
  paramsSchema: RsiReversionSchema,
  jsonSchema: paramsJsonSchema(RsiReversionSchema),
  warmupBars: (p) => p.period + 1,
  holdPeriodBars: (p) => p.hold_period_bars,
  exitsOnSignal: true,
  generate(candles: CandleColumns, params: RsiReversionConfig, ctx?: GenerateContext): SignalColumns {
    const close = candles.close;
    const n = close.length;
    const out = emptySignals(n, true);
    const level = out.level as Float64Array;
    if (!ctx?.columns) {
      const k = new RsiKernel(params);
      for (let i = 0; i < n; i++) {
        const s = k.step(close[i]);
        if (s !== 0) {
          out.side[i] = s;
          out.confidence[i] = 1;
          level[i] = k.level;
        }
      }
      return out;
    }
    // The RSI column (the kernel's arithmetic), shared through ctx.columns; the same crossing rule.
    const [rsi] = ctx.columns.get('rsi_wilder', `period=${params.period}`, close, () => [rsiColumn(close, params.period)]);
    const { oversold, overbought } = params;
    let prev = NaN;
    for (let i = 0; i < n; i++) {
      const r = rsi[i];
      let s = 0;
      if (prev < oversold && r >= oversold) s = SignalSide.Buy;
      else if (prev > overbought && r <= overbought) s = SignalSide.Sell;
      prev = r;
      if (s !== 0) {
        out.side[i] = s;
        out.confidence[i] = 1;
        level[i] = r;
      }
    }
    return out;
  },
  createStream(params: RsiReversionConfig): StreamingStrategy {
    const k = new RsiKernel(params);
    return {
      onCandle(c: Candle): StreamSignal | null {
        const s = k.step(c.close);
        return s === 0 ? null : { side: s === 1 ? SignalSide.Buy : SignalSide.Sell, confidence: 1, level: k.level };
      },
      snapshot: (): StrategyState => ({ strategy: NAME, params, ...k.snapshot() }),
      restore(state: StrategyState): void {
        checkSnapshotOrigin(NAME, params, state);
        k.restore(state as unknown as RsiStrategyState);
      },
    };
  },
};
