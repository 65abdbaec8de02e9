import { assertPeriod } from './params';
import { assertFiniteInput } from './series';
import { SmaState, smaOf } from './sma';
import type { StreamingIndicator, VolumeColumns, VolumeOnly } from './types';

/**
 * Volume moving average: the simple moving average (`sma`) of the volume column, in base units
 * (e.g. BTC). Same running-sum computation and lookback (`period - 1`) as `sma`, so it matches
 * TA-Lib's `SMA` applied to volume.
 *
 * @param columns - Anything with a `volume` column (e.g. the engine's candle columns).
 * @param period - Window length in bars, integer in [1, {@link MAX_PERIOD}].
 * @returns A Float64Array of the same length; NaN at indices `< period - 1`.
 */
export function volumeSma(columns: VolumeColumns, period: number): Float64Array {
  return smaOf('VolumeSma', 'volume', columns.volume, period);
}

/** Streaming volume moving average; reads `candle.volume`. See {@link volumeSma}. */
export class VolumeSma implements StreamingIndicator<VolumeOnly, number> {
  /** Window length in bars. */
  readonly period: number;
  /** `period - 1`. */
  readonly lookback: number;
  private readonly state: SmaState;

  /** @param period - Window length in bars, integer in [1, {@link MAX_PERIOD}]. */
  constructor(period: number) {
    this.period = assertPeriod('VolumeSma', 'period', period);
    this.lookback = period - 1;
    this.state = new SmaState(period);
  }

  /** Inputs accepted so far. */
  get count(): number {
    return this.state.count;
  }

  /** Whether a result is available. */
  get isStable(): boolean {
    return this.state.count > this.lookback;
  }

  /** Adds one candle; returns the mean volume (base units) or `null` during warm-up. */
  add(candle: VolumeOnly): number | null {
    assertFiniteInput('VolumeSma', 'volume', this.state.count, candle.volume);
    return this.state.push(candle.volume) ? this.state.result : null;
  }

  /** The latest mean volume (base units), or `null` during warm-up. */
  getResult(): number | null {
    return this.isStable ? this.state.result : null;
  }
}
