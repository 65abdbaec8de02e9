import { z } from 'zod';
import type { Candle, CandleColumns } from '../core/candles';
import { emptySignals, SignalSide, type SignalColumns, type StreamSignal } from '../core/signals';
import type { StrategyDefinition, StrategyState, StreamingStrategy } from '../core/strategy';
import { integerParam, numberParam, paramsJsonSchema } from './params';
import { RollingSum, FLOAT64_EPS, type RollingSumState } from './rolling-sum';
import { checkSnapshotOrigin } from './strategy-state-error';

/**
 * Parameters of {@link volumeLongCandle} (REFERENCE §1.3; defaults are the original code's).
 * Unknown keys are rejected.
 */
export const VolumeLongCandleSchema = z.object({
  vol_ma_window: integerParam({ min: 1, max: 10_000, default: 20, description: 'Bars in the volume moving average, current bar included (min_periods 1).' }),
  vol_multiplier: numberParam({ min: 0, minExclusive: true, max: 100, default: 1.5, description: 'Volume surge: volume >= vol_multiplier x volume MA.' }),
  body_pct: numberParam({ min: 0, minExclusive: true, max: 1, default: 0.02, description: 'Minimum body (close - open) / open, a fraction (0.02 = 2 %); wicks must each stay below 2 x body_pct.' }),
  hold_period_bars: integerParam({ min: 1, max: 10_000, default: 1, description: 'Bars after entry at which the signal study measures the return.' }),
}).strict().describe('Volume surge + long bullish candle (volume_long_candle).');

/** Parsed (defaults applied) parameters of {@link volumeLongCandle}. */
export type VolumeLongCandleConfig = z.output<typeof VolumeLongCandleSchema>;

/**
 * The bar-by-bar computation shared by the batch and the streaming form, so both give the same
 * bits. The volume MA uses a running sum (O(1) per bar); a surge decision that lies within the
 * running sum's error bound of a tie is re-taken with the fresh left-to-right window sum, which is
 * exactly what the original's rolling mean computes up to rounding.
 */
class VlcKernel {
  readonly volumes: RollingSum;
  private nonZero = 0;
  private readonly twoBody: number;
  /** Confidence of the last signal. */
  confidence = 0;

  constructor(private readonly p: VolumeLongCandleConfig) {
    this.volumes = new RollingSum(p.vol_ma_window);
    this.twoBody = 2 * p.body_pct;
  }

  /** Adds a bar; returns true when it is a signal (then `confidence` is set). */
  step(open: number, high: number, low: number, close: number, volume: number): boolean {
    const left = this.volumes.count === this.volumes.size ? 1 : 0;
    const out = this.volumes.push(volume);
    if (volume > 0) this.nonZero++;
    if (left && out > 0) this.nonZero--;
    if (!(close > open)) return false;
    const { body_pct, vol_multiplier: mult } = this.p;
    // (close - open) / open, not close / open - 1: the latter flips borderline bars (fixture README).
    if (!((close - open) / open >= body_pct)) return false;
    const upper = high - close > 0 ? high - close : 0;
    if (!(upper / open < this.twoBody)) return false;
    const lower = open - low > 0 ? open - low : 0;
    if (!(lower / open < this.twoBody)) return false;
    // An all-zero volume window has MA 0; the original divided 0 by 0 here and failed.
    if (this.nonZero === 0) return false;
    const n = this.volumes.count;
    let ma = this.volumes.sum / n;
    const tol = 2 * mult * (this.volumes.errorBound() / n + FLOAT64_EPS * ma) + FLOAT64_EPS * volume;
    if (Math.abs(volume - ma * mult) <= tol) ma = this.volumes.freshSum() / n;
    if (!(volume >= ma * mult)) return false;
    const c = volume / ma / mult;
    this.confidence = c < 1 ? c : 1;
    return true;
  }

  snapshot(): { volumes: RollingSumState; nonZero: number } {
    return { volumes: this.volumes.snapshot(), nonZero: this.nonZero };
  }

  restore(s: { volumes: RollingSumState; nonZero: number }): void {
    this.volumes.restore(s.volumes);
    this.nonZero = s.nonZero;
  }
}

const NAME = 'volume_long_candle';

/**
 * VolumeLongCandle ("거래량 급증 + 장대양봉"): Buy on a bar whose volume is at least
 * `vol_multiplier` times the mean volume of the last `vol_ma_window` bars (this bar included; fewer
 * bars at the start) and which is a long bullish candle: close > open,
 * (close − open) / open ≥ body_pct, and both wicks — max(high − close, 0) / open and
 * max(open − low, 0) / open — below 2 × body_pct.
 * Confidence = min(volume / MA / vol_multiplier, 1) (so 1 in practice). No level.
 *
 * Difference from the original: a window whose volumes are all zero gives no signal (the original
 * produced a NaN confidence and failed). Matches the original's outputs signal for signal on the
 * fixtures. Cost: O(1) per bar.
 */
export const volumeLongCandle: StrategyDefinition<VolumeLongCandleConfig> = {
  name: NAME,
  title: 'Volume surge + long bullish candle',
  description: 'Buy when the volume is at least vol_multiplier times its moving average (current bar included) and the candle is a long bullish one: body (close - open)/open >= body_pct, each wick below 2 x body_pct.',
  paramsSchema: VolumeLongCandleSchema,
  jsonSchema: paramsJsonSchema(VolumeLongCandleSchema),
  warmupBars: (p) => (p.vol_multiplier > 1 ? 1 : 0),
  holdPeriodBars: (p) => p.hold_period_bars,
  generate(candles: CandleColumns, params: VolumeLongCandleConfig): SignalColumns {
    const { open, high, low, close, volume } = candles;
    const n = open.length;
    const out = emptySignals(n);
    const side = out.side;
    const conf = out.confidence;
    const k = new VlcKernel(params);
    for (let i = 0; i < n; i++) {
      if (k.step(open[i], high[i], low[i], close[i], volume[i])) {
        side[i] = SignalSide.Buy;
        conf[i] = k.confidence;
      }
    }
    return out;
  },
  createStream(params: VolumeLongCandleConfig): StreamingStrategy {
    const k = new VlcKernel(params);
    return {
      onCandle(c: Candle): StreamSignal | null {
        return k.step(c.open, c.high, c.low, c.close, c.volume) ? { side: SignalSide.Buy, confidence: k.confidence, level: NaN } : null;
      },
      snapshot: (): StrategyState => ({ strategy: NAME, params, ...k.snapshot() }),
      restore(state: StrategyState): void {
        checkSnapshotOrigin(NAME, params, state);
        k.restore(state as unknown as Parameters<VlcKernel['restore']>[0]);
      },
    };
  },
};
