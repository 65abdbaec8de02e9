import { z } from 'zod';
import type { Candle, CandleColumns } from '../core/candles';
import { emptySignals, SignalSide, type SignalColumns, type StreamSignal } from '../core/signals';
import type { StrategyDefinition, StrategyState, StreamingStrategy } from '../core/strategy';
import { integerParam, numberParam, paramsJsonSchema } from './params';
import { FLOAT64_EPS, maxOf, RollingSum, SUM_SEGMENT, UNIT_ROUNDOFF, windowSum, type RollingSumState } from './rolling-sum';
import { checkSnapshotOrigin, KERNEL_SNAPSHOT_VERSION } from './strategy-state-error';

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
 * The candle rule: bullish, body (close − open) / open ≥ `body`, each wick below `twoBody` of the
 * open. Shared by the batch and the streaming form.
 */
function isLongBullish(open: number, high: number, low: number, close: number, body: number, twoBody: number): boolean {
  if (!(close > open)) return false;
  // (close - open) / open, not close / open - 1: the latter flips borderline bars (fixture README).
  if (!((close - open) / open >= body)) return false;
  const upper = high - close > 0 ? high - close : 0;
  if (!(upper / open < twoBody)) return false;
  const lower = open - low > 0 ? open - low : 0;
  return lower / open < twoBody;
}

/**
 * The streaming form's bar-by-bar computation. The volume MA uses a running sum (O(1) per bar); a
 * surge decision that lies within the running sum's error bound of a tie is re-taken with the
 * fresh left-to-right window sum, which is exactly what the original's rolling mean computes up to
 * rounding. The batch form ({@link volumeLongCandleBatch}) decides the same, so both give the same bits.
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
    const { body_pct, vol_multiplier: mult } = this.p;
    if (!isLongBullish(open, high, low, close, body_pct, this.twoBody)) return false;
    // An all-zero volume window has MA 0; the original divided 0 by 0 here and failed.
    if (this.nonZero === 0) return false;
    const n = this.volumes.count;
    let ma = this.volumes.sum / n;
    const tol = 2 * mult * (this.volumes.errorBound() / n + FLOAT64_EPS * ma) + FLOAT64_EPS * volume;
    if (Math.abs(volume - ma * mult) <= tol) ma = this.volumes.freshSum() / n;
    if (!(volume >= ma * mult)) return false;
    // the confidence from the reference MA (fresh sum), so the batch form gives the same bits
    const c = volume / (this.volumes.freshSum() / n) / mult;
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
 * The batch form: the same decisions and confidences as {@link VlcKernel} (the reference: the MA
 * from a fresh left-to-right window sum), organised for speed. The running volume sum restarts
 * from a fresh sum every {@link SUM_SEGMENT} bars; one tolerance per segment, from its largest
 * volume, bounds how far the running MA × multiplier can be from the reference one (volumes are
 * validated ≥ 0, so partial sums are ≤ (w + 1)·maxV; ≤ 2·SUM_SEGMENT + 2w roundings of those,
 * then a division and a product each erring by ≤ u·maxV·multiplier). Only a candidate bar whose
 * volume is within it of MA × multiplier, and a signal (for its confidence), re-read the window.
 * An all-zero window (MA 0, which the original divided by) gives no signal, as in the kernel:
 * its fresh sum is exactly 0.
 */
function volumeLongCandleBatch(candles: CandleColumns, params: VolumeLongCandleConfig): SignalColumns {
  const { open, high, low, close, volume } = candles;
  const n = open.length;
  const out = emptySignals(n);
  const side = out.side;
  const conf = out.confidence;
  const w = params.vol_ma_window;
  const mult = params.vol_multiplier;
  const body = params.body_pct;
  const twoBody = 2 * body;
  const SEGMENT = SUM_SEGMENT;
  const tolCoef = 2 * UNIT_ROUNDOFF * mult * ((2 * SEGMENT + 2 * w) * (w + 1) + 4);
  for (let seg = 0; seg < n; seg += SEGMENT) {
    const end = seg + SEGMENT < n ? seg + SEGMENT : n;
    const tol = tolCoef * maxOf(volume, seg > w ? seg - w : 0, end);
    // running sum, starting as bar seg − 1's window; bar i's window is bars max(0, i − w + 1) .. i
    let sum = seg > 0 ? windowSum(volume, seg > w ? seg - w : 0, seg - 1) : 0;
    for (let i = seg; i < end; i++) {
      const v = volume[i];
      sum = i >= w ? sum - volume[i - w] + v : sum + v;
      if (!isLongBullish(open[i], high[i], low[i], close[i], body, twoBody)) continue;
      const count = i + 1 < w ? i + 1 : w;
      let ma = sum / count;
      if (!(Math.abs(v - ma * mult) > tol)) {
        const fresh = windowSum(volume, i - count + 1, i);
        if (fresh === 0) continue;
        ma = fresh / count;
      }
      if (!(v >= ma * mult)) continue;
      const r = v / (windowSum(volume, i - count + 1, i) / count) / mult;
      side[i] = SignalSide.Buy;
      conf[i] = r < 1 ? r : 1;
    }
  }
  return out;
}

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
    return volumeLongCandleBatch(candles, params);
  },
  createStream(params: VolumeLongCandleConfig): StreamingStrategy {
    const k = new VlcKernel(params);
    return {
      onCandle(c: Candle): StreamSignal | null {
        return k.step(c.open, c.high, c.low, c.close, c.volume) ? { side: SignalSide.Buy, confidence: k.confidence, level: NaN } : null;
      },
      snapshot: (): StrategyState => ({ strategy: NAME, version: KERNEL_SNAPSHOT_VERSION, params, ...k.snapshot() }),
      restore(state: StrategyState): void {
        checkSnapshotOrigin(NAME, params, state);
        k.restore(state as unknown as Parameters<VlcKernel['restore']>[0]);
      },
    };
  },
};
