import type { Candle, CandleColumns } from '../core/candles';
import { TIMEFRAMES, type Timeframe } from '../core/timeframes';

/** 1970-01-05, the first Monday after the epoch: weeks start on Monday 00:00 UTC. */
const WEEK_OFFSET_MS = 4 * 86_400_000;

/** Start (epoch ms) of the higher-timeframe bar that contains time `t`. Days and hours are UTC; weeks start on Monday. */
export function bucketStart(t: number, tf: Timeframe): number {
  const ms = TIMEFRAMES[tf].ms;
  const off = tf === '1w' ? WEEK_OFFSET_MS : 0;
  return Math.floor((t - off) / ms) * ms + off;
}

/**
 * Higher-timeframe bars built from base bars, in columnar form, and for every base bar the index
 * of the last higher-timeframe bar that is **closed** at that bar's close (−1 before the first).
 *
 * A higher bar [T, T + H) is closed at base bar i when bar i is its last bar and ends at or after
 * T + H (`timestamp + baseMs >= T + H`), or, when its last bars are missing, at the first base bar
 * of a later period. A bar still open at the end of the series is never visible.
 */
export interface HigherBars {
  readonly candles: CandleColumns;
  /** Per base bar: index into `candles` of the last closed higher bar, or −1. */
  readonly visible: Int32Array;
}

/** Aggregates base candles into closed higher-timeframe bars (batch form; see {@link HigherBars}). */
export function higherBars(c: CandleColumns, baseMs: number, higher: Timeframe): HigherBars {
  const n = c.timestamp.length;
  const H = TIMEFRAMES[higher].ms;
  const ts: number[] = [], op: number[] = [], hi: number[] = [], lo: number[] = [], cl: number[] = [], vo: number[] = [];
  const visible = new Int32Array(n);
  let bucket = NaN;
  let closed = -1; // last closed higher bar
  let open = false; // a higher bar is being built
  for (let i = 0; i < n; i++) {
    const t = c.timestamp[i];
    const b = bucketStart(t, higher);
    if (open && b !== bucket) { closed = ts.length - 1; open = false; }
    if (!open) {
      bucket = b;
      ts.push(b); op.push(c.open[i]); hi.push(c.high[i]); lo.push(c.low[i]); cl.push(c.close[i]); vo.push(c.volume[i]);
      open = true;
    } else {
      const j = ts.length - 1;
      if (c.high[i] > hi[j]) hi[j] = c.high[i];
      if (c.low[i] < lo[j]) lo[j] = c.low[i];
      cl[j] = c.close[i];
      vo[j] += c.volume[i];
    }
    if (t + baseMs >= bucket + H) { closed = ts.length - 1; open = false; }
    visible[i] = closed;
  }
  return {
    candles: {
      timestamp: Float64Array.from(ts), open: Float64Array.from(op), high: Float64Array.from(hi),
      low: Float64Array.from(lo), close: Float64Array.from(cl), volume: Float64Array.from(vo),
    },
    visible,
  };
}

/**
 * Streaming form of {@link higherBars}: `add(candle)` returns the higher bar that closed with this
 * candle (at most one... or two when a gap closes the previous one and the candle closes its own),
 * through `onClose`. Plain fields only (snapshotted generically).
 */
export class HigherBarBuilder {
  bucket = NaN;
  open = false;
  bar = { timestamp: 0, open: 0, high: 0, low: 0, close: 0, volume: 0 };

  constructor(readonly baseMs: number, readonly higher: Timeframe) {}

  /** Adds a base candle; calls `onClose` with each higher bar that is closed once this candle has closed. */
  add(c: Candle, onClose: (bar: Candle) => void): void {
    const H = TIMEFRAMES[this.higher].ms;
    const b = bucketStart(c.timestamp, this.higher);
    const bar = this.bar;
    if (this.open && b !== this.bucket) { this.open = false; onClose(bar); }
    if (!this.open) {
      this.bucket = b;
      bar.timestamp = b; bar.open = c.open; bar.high = c.high; bar.low = c.low; bar.close = c.close; bar.volume = c.volume;
      this.open = true;
    } else {
      if (c.high > bar.high) bar.high = c.high;
      if (c.low < bar.low) bar.low = c.low;
      bar.close = c.close;
      bar.volume += c.volume;
    }
    if (c.timestamp + this.baseMs >= this.bucket + H) { this.open = false; onClose(bar); }
  }
}
