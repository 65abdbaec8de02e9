import { z } from 'zod';
import type { Candle, CandleColumns } from '../core/candles';
import { emptySignals, SignalSide, type SignalColumns, type StreamSignal } from '../core/signals';
import type { StrategyDefinition, StrategyState, StreamingStrategy } from '../core/strategy';
import { booleanParam, integerParam, numberParam, paramsJsonSchema } from './params';
import { VolumeZoneKernel, type VolumeZoneKernelState } from './volume-zone-kernel';
import { checkSnapshotOrigin, KERNEL_SNAPSHOT_VERSION } from './strategy-state-error';

/**
 * Parameters of {@link volumeZoneBreakout} (REFERENCE §1.4; defaults are the original code's).
 * Unknown keys are rejected.
 */
export const VolumeZoneBreakoutSchema = z.object({
  volume_window: integerParam({ min: 2, max: 10_000, default: 10, description: 'Bars before the current one whose volume profile defines the zone (the current bar is not included).' }),
  top_percentile: numberParam({ min: 0, minExclusive: true, max: 1, default: 0.2, description: 'Fraction of the window volume, counted from the highest price bin down, that marks the resistance (0.2 = top 20 %).' }),
  breakout_buffer: numberParam({ min: 0, max: 1, default: 0, description: 'Extra margin above the resistance, a fraction (0.01 = 1 %): signal when the high >= resistance x (1 + breakout_buffer).' }),
  hold_period_bars: integerParam({ min: 1, max: 10_000, default: 1, description: 'Bars after entry at which the signal study measures the return.' }),
  num_bins: integerParam({ min: 1, max: 1000, default: 20, description: 'Equal-width price bins between the window low and high.' }),
  include_wicks: booleanParam({ default: true, description: 'Use each candle\'s low..high range (true) or its body min(open, close)..max(open, close) (false).' }),
}).strict().describe('Volume-profile zone breakout (volume_zone_breakout), per-window semantics.');

/** Parsed (defaults applied) parameters of {@link volumeZoneBreakout}. */
export type VolumeZoneBreakoutConfig = z.output<typeof VolumeZoneBreakoutSchema>;

const NAME = 'volume_zone_breakout';

/**
 * Below this many candles the JavaScript sums are used: setting up a WebAssembly instance (~20 µs)
 * costs more than it saves on a short series. Both give the same bits.
 */
const WASM_MIN_CANDLES = 4096;

function newKernel(p: VolumeZoneBreakoutConfig, candles = 0): VolumeZoneKernel {
  return new VolumeZoneKernel({
    window: p.volume_window, bins: p.num_bins, topPercentile: p.top_percentile, bufferMultiplier: 1 + p.breakout_buffer,
    sums: candles >= WASM_MIN_CANDLES ? 'auto' : 'js',
  });
}

/** Low and high of a candle under the include_wicks setting. */
function candleRange(wicks: boolean, open: number, high: number, low: number, close: number): [number, number] {
  if (wicks) return [low, high];
  return open < close ? [open, close] : [close, open];
}

/**
 * VolumeZoneBreakout ("매물대 돌파"), per-window semantics: for bar i, build the volume profile of
 * the previous `volume_window` bars (their own price range split into `num_bins` bins, each
 * candle's volume spread in proportion to its overlap with each bin), take the resistance as the
 * lower edge of the first bin from the top at which the cumulative volume reaches
 * `top_percentile` × total, and Buy when bar i's high ≥ resistance × (1 + breakout_buffer).
 * Confidence = min(0.5 + (high − level) / level, 1) with level = resistance × (1 + breakout_buffer);
 * the signal's `level` is the resistance. A window with zero price range or zero volume gives no
 * signal. The current bar is never part of its own window (no look-ahead).
 *
 * Decisions vs the original (REFERENCE §1.4):
 * - per-window profile, as its spec and its pre-optimisation code; the original's optimised code
 *   froze the grid of the first window and went silent once prices left it (fixtures:
 *   vzb_window_*.json, 45 and 117 signals on 100 and 300 bars);
 * - `include_wicks: false` uses each candle's body, min(open, close)..max(open, close); the
 *   original took the grid minimum from the opens only (close ignored), a bug;
 * - top_percentile is limited to (0, 1] (the original accepted > 1, which made the resistance the
 *   window maximum). If rounding leaves the cumulative volume below the threshold at the bottom
 *   bin (possible only at top_percentile = 1), the resistance is the bottom edge;
 * - a resistance of 0 (zero prices) gives confidence 1 instead of the formula's 0/0.
 * Cost: O(volume_window + num_bins) per bar at worst, O(1) on about half the bars (see the
 * README); a decision within rounding of a tie is re-checked in O(volume_window × bins spanned).
 */
export const volumeZoneBreakout: StrategyDefinition<VolumeZoneBreakoutConfig> = {
  name: NAME,
  title: 'Volume-profile zone breakout',
  description: 'Buy when the high breaks the resistance of the previous volume_window bars\' volume profile: the lower edge of the first price bin, from the top, where the cumulative volume reaches top_percentile of the window volume (times 1 + breakout_buffer).',
  paramsSchema: VolumeZoneBreakoutSchema,
  jsonSchema: paramsJsonSchema(VolumeZoneBreakoutSchema),
  warmupBars: (p) => p.volume_window,
  holdPeriodBars: (p) => p.hold_period_bars,
  generate(candles: CandleColumns, params: VolumeZoneBreakoutConfig): SignalColumns {
    const { open, high, low, close, volume } = candles;
    const n = open.length;
    const out = emptySignals(n, true);
    const side = out.side;
    const conf = out.confidence;
    const level = out.level as Float64Array;
    const k = newKernel(params, n);
    if (params.include_wicks) k.run(low, high, volume, side, conf, level);
    else {
      const lo = new Float64Array(n);
      const hi = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const o = open[i];
        const c = close[i];
        lo[i] = o < c ? o : c;
        hi[i] = o < c ? c : o;
      }
      k.run(lo, hi, volume, side, conf, level);
    }
    return out;
  },
  createStream(params: VolumeZoneBreakoutConfig): StreamingStrategy {
    const k = newKernel(params);
    const wicks = params.include_wicks;
    return {
      onCandle(c: Candle): StreamSignal | null {
        const [lo, hi] = candleRange(wicks, c.open, c.high, c.low, c.close);
        return k.step(lo, hi, c.volume) ? { side: SignalSide.Buy, confidence: k.confidence, level: k.resistance } : null;
      },
      snapshot: (): StrategyState => ({ strategy: NAME, version: KERNEL_SNAPSHOT_VERSION, params, ...k.snapshot() }),
      restore(state: StrategyState): void {
        checkSnapshotOrigin(NAME, params, state);
        k.restore(state as unknown as VolumeZoneKernelState);
      },
    };
  },
};

/**
 * @internal For tests and benchmarks: how often the kernel fell back to its slower paths over a
 * series (exact re-checks near ties, O(W + B) profile builds).
 */
export function volumeZoneBreakoutDiagnostics(candles: CandleColumns, params: VolumeZoneBreakoutConfig): { exactRechecks: number; profileBuilds: number } {
  const k = newKernel(params);
  const { open, high, low, close, volume } = candles;
  for (let i = 0; i < open.length; i++) {
    const [lo, hi] = candleRange(params.include_wicks, open[i], high[i], low[i], close[i]);
    k.step(lo, hi, volume[i]);
  }
  return { exactRechecks: k.exactRechecks, profileBuilds: k.profileBuilds };
}
