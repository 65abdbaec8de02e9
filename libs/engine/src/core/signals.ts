/**
 * Signal sides as small integers so a whole series of signals fits an Int8Array.
 * `Buy` opens (or keeps) a long position; `Sell` closes it. The engine is long-only.
 */
export const SignalSide = { None: 0, Buy: 1, Sell: -1 } as const;
/** One of {@link SignalSide}'s values. */
export type SignalSide = (typeof SignalSide)[keyof typeof SignalSide];

/**
 * The batch output of a strategy: one entry per candle, aligned with the input columns.
 * A signal at bar i is decided with data up to and including bar i only (no look-ahead).
 */
export interface SignalColumns {
  /** {@link SignalSide} per bar (0 = no signal). */
  readonly side: Int8Array;
  /** Confidence 0..1 per bar (0 where there is no signal). */
  readonly confidence: Float64Array;
  /**
   * Optional strategy-specific level per bar (e.g. the resistance a breakout crossed); NaN where
   * not defined. Reported in the signal study.
   */
  readonly level?: Float64Array;
}

/** A signal emitted by a streaming strategy for the candle just added. */
export interface StreamSignal {
  readonly side: Exclude<SignalSide, 0>;
  /** Confidence 0..1. */
  readonly confidence: number;
  /** Strategy-specific level (see {@link SignalColumns.level}); NaN when not defined. */
  readonly level: number;
}

/** Allocates empty signal columns for `n` bars. */
export function emptySignals(n: number, withLevel = false): { side: Int8Array; confidence: Float64Array; level?: Float64Array } {
  const out: { side: Int8Array; confidence: Float64Array; level?: Float64Array } = { side: new Int8Array(n), confidence: new Float64Array(n) };
  if (withLevel) out.level = new Float64Array(n).fill(NaN);
  return out;
}
