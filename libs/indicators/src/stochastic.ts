import { assertPeriod, withDefault } from './params';
import { MonotonicWindow, rollingExtreme } from './rolling-extremes';
import { assertFiniteInput, sameLengthColumns, throwNonFinite, warmUpOutput } from './series';
import { SmaState } from './sma';
import type { HighLowClose, HighLowCloseColumns, StreamingIndicator } from './types';

/** Options of {@link stochastic} / {@link Stochastic}. Defaults 14 / 3 / 3. */
export interface StochasticOptions {
  /** Look-back window of the highest high / lowest low, in bars. Integer >= 1. Default 14 (TA-Lib's default is 5). */
  readonly fastKPeriod?: number;
  /** SMA period smoothing fast %K into slow %K. Integer >= 1. Default 3. */
  readonly slowKPeriod?: number;
  /** SMA period smoothing slow %K into slow %D. Integer >= 1. Default 3. */
  readonly slowDPeriod?: number;
}

/** One slow stochastic value, in percent (0..100 for consistent candles). */
export interface StochasticResult {
  /** Slow %K: SMA(slowKPeriod) of fast %K. */
  readonly k: number;
  /** Slow %D: SMA(slowDPeriod) of slow %K. */
  readonly d: number;
}

/** Batch slow stochastic: two columns of the input's length, NaN during the warm-up. */
export interface StochasticSeries {
  /** Slow %K (percent). */
  readonly k: Float64Array;
  /** Slow %D (percent). */
  readonly d: Float64Array;
}

function resolve(options: StochasticOptions | undefined): Required<StochasticOptions> {
  return {
    fastKPeriod: assertPeriod('Stochastic', 'fastKPeriod', withDefault(options?.fastKPeriod, 14)),
    slowKPeriod: assertPeriod('Stochastic', 'slowKPeriod', withDefault(options?.slowKPeriod, 3)),
    slowDPeriod: assertPeriod('Stochastic', 'slowDPeriod', withDefault(options?.slowDPeriod, 3)),
  };
}

/** Fast %K exactly as TA-Lib computes it (division by range/100, and 0 for a zero range). */
function fastK(close: number, highest: number, lowest: number): number {
  const diff = (highest - lowest) / 100;
  return diff !== 0 ? (close - lowest) / diff : 0;
}

/**
 * Slow stochastic oscillator exactly as TA-Lib's `STOCH` with `slowk_matype = slowd_matype = 0`
 * (SMA), in percent.
 *
 * fast %K = 100 * (close - lowest low) / (highest high - lowest low) over `fastKPeriod` bars
 * (0 when the range is 0, as in TA-Lib); slow %K = SMA(fast %K, slowKPeriod);
 * slow %D = SMA(slow %K, slowDPeriod). Both outputs begin at TA-Lib's index
 * `lookback = (fastKPeriod - 1) + (slowKPeriod - 1) + (slowDPeriod - 1)` (8 for 5/3/3), even though
 * slow %K alone would exist earlier.
 *
 * @param columns - `high`, `low`, `close` columns of equal length.
 * @param options - Periods; defaults 14 / 3 / 3.
 * @returns `{ k, d }` Float64Arrays of the input's length; NaN at indices `< lookback`.
 */
export function stochastic(columns: HighLowCloseColumns, options?: StochasticOptions): StochasticSeries {
  const { fastKPeriod, slowKPeriod, slowDPeriod } = resolve(options);
  const { high, low, close } = sameLengthColumns('Stochastic', columns, ['high', 'low', 'close']);
  const n = close.length;
  // Validate per bar in the streaming order (high, low, close) so both report the same field.
  for (let i = 0; i < n; i++) {
    const h = high[i];
    const l = low[i];
    const c = close[i];
    if (h - h + (l - l) + (c - c) !== 0) {
      if (h - h !== 0) throwNonFinite('Stochastic', 'high', i, h);
      if (l - l !== 0) throwNonFinite('Stochastic', 'low', i, l);
      throwNonFinite('Stochastic', 'close', i, c);
    }
  }
  const highest = rollingExtreme(high, fastKPeriod, true, 'Stochastic', 'high');
  const lowest = rollingExtreme(low, fastKPeriod, false, 'Stochastic', 'low');
  const lookback = fastKPeriod - 1 + (slowKPeriod - 1) + (slowDPeriod - 1);
  const kOut = warmUpOutput(n, lookback);
  const dOut = warmUpOutput(n, lookback);
  // Two running-sum SMAs (TA-Lib's INT_SMA), fed in sequence: fast %K -> slow %K -> slow %D.
  const kStart = fastKPeriod - 1;
  const dStart = kStart + slowKPeriod - 1;
  const kWindow = new Float64Array(slowKPeriod);
  let kSum = 0;
  let dSum = 0;
  const dWindow = new Float64Array(slowDPeriod);
  for (let i = kStart; i < n; i++) {
    const fk = fastK(close[i], highest[i], lowest[i]);
    const kj = i - kStart;
    kSum += fk;
    kWindow[kj % slowKPeriod] = fk;
    if (kj < slowKPeriod - 1) continue;
    const slowK = kSum / slowKPeriod;
    kSum -= kWindow[(kj + 1) % slowKPeriod];
    const dj = i - dStart;
    dSum += slowK;
    dWindow[dj % slowDPeriod] = slowK;
    if (dj < slowDPeriod - 1) continue;
    const slowD = dSum / slowDPeriod;
    dSum -= dWindow[(dj + 1) % slowDPeriod];
    kOut[i] = slowK;
    dOut[i] = slowD;
  }
  return { k: kOut, d: dOut };
}

/** Streaming slow stochastic with TA-Lib's alignment; see {@link stochastic}. */
export class Stochastic implements StreamingIndicator<HighLowClose, StochasticResult> {
  /** Highest-high / lowest-low window in bars. */
  readonly fastKPeriod: number;
  /** Slow %K smoothing period. */
  readonly slowKPeriod: number;
  /** Slow %D smoothing period. */
  readonly slowDPeriod: number;
  /** `(fastKPeriod - 1) + (slowKPeriod - 1) + (slowDPeriod - 1)`. */
  readonly lookback: number;
  private readonly highest: MonotonicWindow;
  private readonly lowest: MonotonicWindow;
  private readonly slowK: SmaState;
  private readonly slowD: SmaState;
  private n = 0;
  private result: StochasticResult | null = null;

  /** @param options - Periods; defaults 14 / 3 / 3. */
  constructor(options?: StochasticOptions) {
    const o = resolve(options);
    this.fastKPeriod = o.fastKPeriod;
    this.slowKPeriod = o.slowKPeriod;
    this.slowDPeriod = o.slowDPeriod;
    this.lookback = o.fastKPeriod - 1 + (o.slowKPeriod - 1) + (o.slowDPeriod - 1);
    this.highest = new MonotonicWindow(o.fastKPeriod, true);
    this.lowest = new MonotonicWindow(o.fastKPeriod, false);
    this.slowK = new SmaState(o.slowKPeriod);
    this.slowD = new SmaState(o.slowDPeriod);
  }

  /** Inputs accepted so far. */
  get count(): number {
    return this.n;
  }

  /** Whether a result is available. */
  get isStable(): boolean {
    return this.n > this.lookback;
  }

  /** Adds one candle; returns slow %K and %D (percent) or `null` during warm-up. */
  add(candle: HighLowClose): StochasticResult | null {
    const { high, low, close } = candle;
    assertFiniteInput('Stochastic', 'high', this.n, high);
    assertFiniteInput('Stochastic', 'low', this.n, low);
    assertFiniteInput('Stochastic', 'close', this.n, close);
    this.highest.push(high);
    this.lowest.push(low);
    const hh = this.highest.front();
    const ll = this.lowest.front();
    this.n++;
    if (this.n < this.fastKPeriod) return null;
    if (!this.slowK.push(fastK(close, hh, ll))) return null;
    if (!this.slowD.push(this.slowK.result)) return null;
    this.result = { k: this.slowK.result, d: this.slowD.result };
    return this.result;
  }

  /** The latest slow %K / %D, or `null` during warm-up. */
  getResult(): StochasticResult | null {
    return this.result;
  }
}
