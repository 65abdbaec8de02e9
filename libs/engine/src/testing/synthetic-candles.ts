import type { CandleColumns } from '../core/candles';
import { seededRandom } from './seeded-random';

/** Options of {@link syntheticCandles}; everything but `n` has a default. */
export interface SyntheticCandlesOptions {
  /** Number of candles. */
  readonly n: number;
  /** Seed of the random source (default 1). Same seed, same candles. */
  readonly seed?: number;
  /** Open time of the first candle, UTC epoch ms (default 2024-01-01T00:00:00Z). */
  readonly startMs?: number;
  /** Spacing of candles in ms (default 60 000, one-minute candles). */
  readonly intervalMs?: number;
  /** Open price of the first candle (default 100). */
  readonly startPrice?: number;
  /** Typical standard deviation of the log return per bar, a fraction (default 0.001 = 0.1 %). */
  readonly volatility?: number;
  /**
   * Volatility clustering: standard deviation of the per-bar shock to log-volatility (default 0.05;
   * 0 gives constant volatility). Log-volatility mean-reverts to `log(volatility)` (AR(1), 0.98).
   */
  readonly volOfVol?: number;
  /** Mean log return per bar (default 0). */
  readonly drift?: number;
  /** Typical volume per bar in base units (default 10). */
  readonly baseVolume?: number;
  /** Probability that a bar's volume is multiplied by `spikeMultiplier` (default 0.01). */
  readonly spikeProbability?: number;
  /** Volume multiplier of a spike bar (default 8). */
  readonly spikeMultiplier?: number;
}

/**
 * Deterministic, realistic-looking OHLCV: a geometric random walk with clustered volatility, wicks
 * beyond the body, volume that rises with the size of the move, and occasional volume spikes.
 * Every candle is valid (low ≤ min(open, close) ≤ max(open, close) ≤ high, all positive) and
 * `open` equals the previous `close`. Used by tests, benchmarks and the CLI's sample data
 * (about 0.2 s per million candles).
 */
export function syntheticCandles(options: SyntheticCandlesOptions): CandleColumns {
  const { n } = options;
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`syntheticCandles: n must be a non-negative integer, got ${n}`);
  const rnd = seededRandom(options.seed ?? 1);
  const startMs = options.startMs ?? Date.UTC(2024, 0, 1);
  const intervalMs = options.intervalMs ?? 60_000;
  const baseSigma = options.volatility ?? 0.001;
  const volOfVol = options.volOfVol ?? 0.05;
  const drift = options.drift ?? 0;
  const baseVolume = options.baseVolume ?? 10;
  const spikeP = options.spikeProbability ?? 0.01;
  const spikeM = options.spikeMultiplier ?? 8;
  const out = {
    timestamp: new Float64Array(n), open: new Float64Array(n), high: new Float64Array(n),
    low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n),
  };
  const logBase = Math.log(baseSigma);
  let logSigma = logBase;
  let price = options.startPrice ?? 100;
  for (let i = 0; i < n; i++) {
    logSigma = logBase + 0.98 * (logSigma - logBase) + volOfVol * rnd.normal();
    const sigma = Math.exp(logSigma);
    const r = drift + sigma * rnd.normal();
    const open = price;
    const close = open * Math.exp(r);
    const top = Math.max(open, close);
    const bottom = Math.min(open, close);
    out.timestamp[i] = startMs + i * intervalMs;
    out.open[i] = open;
    out.close[i] = close;
    out.high[i] = top * Math.exp(0.5 * sigma * Math.abs(rnd.normal()));
    out.low[i] = bottom * Math.exp(-0.5 * sigma * Math.abs(rnd.normal()));
    const spike = rnd.next() < spikeP ? spikeM : 1;
    out.volume[i] = baseVolume * Math.exp(0.5 * rnd.normal()) * (1 + Math.abs(r) / baseSigma) * spike;
    price = close;
  }
  return out;
}
