import { assertFiniteInput, sameLengthColumns, throwNonFinite } from './series';
import type { CloseVolume, CloseVolumeColumns, StreamingIndicator } from './types';

/**
 * On-Balance Volume as TA-Lib's `OBV`, in base units (e.g. BTC): starts at the first bar's volume
 * (not at 0), then adds the bar's volume when the close rises, subtracts it when the close falls,
 * and carries it unchanged when the close is equal. Lookback 0: every index has a value.
 *
 * @param columns - `close` and `volume` columns of equal length.
 * @returns A Float64Array of the same length (no warm-up NaNs).
 */
export function obv(columns: CloseVolumeColumns): Float64Array {
  const { close, volume } = sameLengthColumns('Obv', columns, ['close', 'volume']);
  const n = close.length;
  const out = new Float64Array(n);
  if (n === 0) return out;
  let prevClose = close[0];
  let total = volume[0];
  if (prevClose - prevClose + (total - total) !== 0) checkBar(close, volume, 0);
  out[0] = total;
  for (let i = 1; i < n; i++) {
    const c = close[i];
    const v = volume[i];
    if (c - c + (v - v) !== 0) checkBar(close, volume, i);
    if (c > prevClose) total += v;
    else if (c < prevClose) total -= v;
    out[i] = total;
    prevClose = c;
  }
  return out;
}

function checkBar(close: Float64Array, volume: Float64Array, i: number): void {
  if (!Number.isFinite(close[i])) throwNonFinite('Obv', 'close', i, close[i]);
  throwNonFinite('Obv', 'volume', i, volume[i]);
}

/** Streaming On-Balance Volume (base units); see {@link obv}. */
export class Obv implements StreamingIndicator<CloseVolume, number> {
  /** 0: the first candle already gives a value. */
  readonly lookback = 0;
  private n = 0;
  private prevClose = 0;
  private total = NaN;

  /** Inputs accepted so far. */
  get count(): number {
    return this.n;
  }

  /** Whether a result is available (after the first candle). */
  get isStable(): boolean {
    return this.n > 0;
  }

  /** Adds one candle; returns the running OBV (base units). */
  add(candle: CloseVolume): number {
    const { close, volume } = candle;
    assertFiniteInput('Obv', 'close', this.n, close);
    assertFiniteInput('Obv', 'volume', this.n, volume);
    if (this.n === 0) this.total = volume;
    else if (close > this.prevClose) this.total += volume;
    else if (close < this.prevClose) this.total -= volume;
    this.prevClose = close;
    this.n++;
    return this.total;
  }

  /** The running OBV, or `null` before the first candle. */
  getResult(): number | null {
    return this.n > 0 ? this.total : null;
  }
}
