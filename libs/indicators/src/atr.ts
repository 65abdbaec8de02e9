import { assertPeriod } from './params';
import { assertFiniteInput, sameLengthColumns, throwNonFinite, warmUpOutput } from './series';
import type { HighLowClose, HighLowCloseColumns, StreamingIndicator } from './types';

/**
 * Average True Range with Wilder's smoothing, in price units (quote currency, e.g. KRW).
 *
 * True range of bar i (i >= 1) = max(high - low, |prevClose - high|, |prevClose - low|). Bar 0 has no
 * previous close, so (as in TA-Lib's `ATR`) its range is not used at all. Seeding follows TA-Lib:
 * the first ATR, at index `period`, is the plain mean of TR[1..period]; after that
 * `atr = (atr * (period - 1) + tr) / period`. Lookback `period`. Period 1 gives the true range.
 *
 * @param columns - `high`, `low`, `close` columns of equal length (e.g. the engine's candle columns).
 * @param period - Integer in [1, {@link MAX_PERIOD}] (14 is usual).
 * @returns A Float64Array of the same length; NaN at indices `< period`.
 */
export function atr(columns: HighLowCloseColumns, period: number): Float64Array {
  assertPeriod('Atr', 'period', period);
  const { high, low, close } = sameLengthColumns('Atr', columns, ['high', 'low', 'close']);
  const n = close.length;
  const out = warmUpOutput(n, period);
  if (n === 0) return out;
  checkBar(high, low, close, 0);
  let prevClose = close[0];
  let sum = 0;
  const seedEnd = Math.min(period, n - 1);
  for (let i = 1; i <= seedEnd; i++) {
    const h = high[i];
    const l = low[i];
    const c = close[i];
    if (h - h + (l - l) + (c - c) !== 0) checkBar(high, low, close, i);
    sum += trueRange(h, l, prevClose);
    prevClose = c;
  }
  if (n <= period) return out;
  let prev = sum / period;
  out[period] = prev;
  const m = period - 1;
  for (let i = period + 1; i < n; i++) {
    const h = high[i];
    const l = low[i];
    const c = close[i];
    if (h - h + (l - l) + (c - c) !== 0) checkBar(high, low, close, i);
    prev *= m;
    prev += trueRange(h, l, prevClose);
    prev /= period;
    out[i] = prev;
    prevClose = c;
  }
  return out;
}

/** TA-Lib's TRANGE for one bar: greatest of high-low, |prevClose-high|, |prevClose-low|. @internal */
export function trueRange(high: number, low: number, prevClose: number): number {
  let greatest = high - low;
  const v2 = Math.abs(prevClose - high);
  if (v2 > greatest) greatest = v2;
  const v3 = Math.abs(prevClose - low);
  if (v3 > greatest) greatest = v3;
  return greatest;
}

function checkBar(high: Float64Array, low: Float64Array, close: Float64Array, i: number): void {
  if (!Number.isFinite(high[i])) throwNonFinite('Atr', 'high', i, high[i]);
  if (!Number.isFinite(low[i])) throwNonFinite('Atr', 'low', i, low[i]);
  if (!Number.isFinite(close[i])) throwNonFinite('Atr', 'close', i, close[i]);
}

/** Streaming Wilder ATR (price units); see {@link atr} for the seeding. */
export class Atr implements StreamingIndicator<HighLowClose, number> {
  /** Smoothing period in bars. */
  readonly period: number;
  /** `period` (bar 0 only provides the first previous close). */
  readonly lookback: number;
  private n = 0;
  private prevClose = 0;
  private sum = 0;
  private result = NaN;
  /**
   * The latest ATR (price units) as a plain number field, NaN during the warm-up. Written in place by
   * {@link update} (and {@link add}), so reading it after `update()` allocates nothing.
   */
  value = NaN;

  /** @param period - Integer in [1, {@link MAX_PERIOD}]. */
  constructor(period: number) {
    this.period = assertPeriod('Atr', 'period', period);
    this.lookback = period;
  }

  /** Inputs accepted so far. */
  get count(): number {
    return this.n;
  }

  /** Whether a result is available. */
  get isStable(): boolean {
    return this.n > this.lookback;
  }

  /**
   * Adds one candle and stores the ATR in {@link value} (price units, NaN during warm-up);
   * returns nothing, so no number is boxed. Same numbers as {@link add}, which is built on it.
   */
  update(candle: HighLowClose): void {
    const { high, low, close } = candle;
    assertFiniteInput('Atr', 'high', this.n, high);
    assertFiniteInput('Atr', 'low', this.n, low);
    assertFiniteInput('Atr', 'close', this.n, close);
    const p = this.period;
    const i = this.n;
    if (i > 0) {
      const tr = trueRange(high, low, this.prevClose);
      if (i < p) {
        this.sum += tr;
      } else if (i === p) {
        this.sum += tr;
        this.result = this.sum / p;
      } else {
        let prev = this.result;
        prev *= p - 1;
        prev += tr;
        prev /= p;
        this.result = prev;
      }
    }
    this.prevClose = close;
    this.n++;
    if (this.n > p) this.value = this.result;
  }

  /** Adds one candle; returns the ATR (price units) or `null` during warm-up. */
  add(candle: HighLowClose): number | null {
    this.update(candle);
    return this.n > this.period ? this.value : null;
  }

  /** The latest ATR (price units), or `null` during warm-up. */
  getResult(): number | null {
    return this.n > this.period ? this.result : null;
  }
}
