import type { Columns } from './fixtures';

/** Deterministic PRNG (mulberry32): same seed, same sequence, so failures are reproducible. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A geometric random walk of `n` consistent candles (low <= open, close <= high), starting at
 * `startPrice` (e.g. 100,000,000 KRW) with per-bar moves of about ±`stepFraction`.
 */
export function randomWalkCandles(n: number, seed: number, startPrice = 100_000_000, stepFraction = 0.002): Columns {
  const r = mulberry32(seed);
  const cols = { open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n) };
  let price = startPrice;
  for (let i = 0; i < n; i++) {
    const open = price;
    price *= 1 + (r() - 0.5) * 2 * stepFraction;
    const close = price;
    cols.open[i] = open;
    cols.close[i] = close;
    cols.high[i] = Math.max(open, close) * (1 + r() * stepFraction);
    cols.low[i] = Math.min(open, close) * (1 - r() * stepFraction);
    cols.volume[i] = Math.round(r() * 1e8) / 1e6; // base units with 6 decimals
  }
  return cols;
}
