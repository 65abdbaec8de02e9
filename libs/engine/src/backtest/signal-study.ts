import type { CandleColumns } from '../core/candles';
import { SignalSide, type SignalColumns } from '../core/signals';
import { signalValuesAt } from '../core/sparse-signals';
import { finiteOrNull } from '../metrics/finite';
import { legacyMaxDrawdownPct } from '../metrics/legacy';

/**
 * The signal study's rows, one per Buy signal, in bar order. Prices are KRW per unit, times epoch ms.
 * This is what the original coin_hts reported (REFERENCE §1.5): every signal is an independent
 * trade from its bar's close to the close `hold` bars later, with no costs and no capital.
 */
export interface SignalStudyColumns {
  /** Bar index of the signal within its series. */
  readonly index: Int32Array;
  /** Time of the signal bar, epoch ms. */
  readonly timestamp: Float64Array;
  /** Signal price: the close of the signal bar. */
  readonly price: Float64Array;
  /** Entry: close[i]. */
  readonly entry: Float64Array;
  /** Exit: close[min(i + hold, n − 1)]. */
  readonly exit: Float64Array;
  /** (exit − entry) / entry × 100, **percent** (the original's API rows used a fraction). */
  readonly return_pct: Float64Array;
  /** Strategy confidence 0..1. */
  readonly confidence: Float64Array;
  /** Strategy level (e.g. the resistance crossed); NaN where the strategy defines none. */
  readonly level: Float64Array;
}

/** Aggregates of a signal study. Null where undefined (no signals); never NaN. */
export interface SignalStudyStats {
  /** Number of Buy signals. */
  readonly signals: number;
  /** Holding period used, bars. */
  readonly hold_period_bars: number;
  /** Fraction (0..1) of returns > 0; a zero return is not a win. */
  readonly win_rate: number | null;
  /** Arithmetic mean of return_pct, percent. */
  readonly avg_return_pct: number | null;
  /**
   * The original's max drawdown: on the **additive** running sum of percent returns, with the
   * peak starting at the first signal (REFERENCE §1.6). Informative only; the portfolio's
   * `max_drawdown_pct` is the compounded one.
   */
  readonly legacy_max_drawdown_pct: number | null;
}

/** Counts Buy signals and checks every side is -1, 0 or 1; returns -1 on a bad side value. */
export function countBuys(side: Int8Array): number {
  return collectBuys(side, null);
}

/**
 * One pass over the sides: counts the Buy bars and, when `into` is given (length >= side.length),
 * writes their indices to its front. Returns -1 when a side is not -1, 0 or 1. Branch-light: the
 * study then visits the signal bars only, not every bar again.
 */
export function collectBuys(side: Int8Array, into: Int32Array | null): number {
  // Locals, not module imports: CommonJS import bindings are property reads inside the loop.
  const BUY = SignalSide.Buy as number, SELL = SignalSide.Sell as number;
  const n = side.length;
  let buys = 0;
  let bad = 0;
  if (into === null) {
    for (let i = 0; i < n; i++) {
      const s = side[i];
      buys += s === BUY ? 1 : 0;
      bad |= s > BUY || s < SELL ? 1 : 0;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const s = side[i];
      if (s === BUY) into[buys++] = i;
      bad |= s > BUY || s < SELL ? 1 : 0;
    }
  }
  return bad ? -1 : buys;
}

/**
 * The bar indices of the Buy signals, or null when a side is not -1, 0 or 1. One pass; the result
 * grows by doubling, so a series with few signals does not reserve an index per bar. Reads the
 * sides four at a time where it can: signals are rare, and a zero word is four bars without one.
 */
export function buyIndices(side: Int8Array): Int32Array | null {
  const BUY = SignalSide.Buy as number, SELL = SignalSide.Sell as number;
  const n = side.length;
  let out = new Int32Array(Math.min(n, 4096));
  let buys = 0;
  let bad = 0;
  const aligned = side.byteOffset % 4 === 0;
  const wordsEnd = aligned ? n & ~3 : 0;
  const w32 = new Int32Array(side.buffer, aligned ? side.byteOffset : 0, wordsEnd >> 2);
  for (let i = 0; i < n; i++) {
    if ((i & 3) === 0 && i < wordsEnd && w32[i >> 2] === 0) { i += 3; continue; }
    const s = side[i];
    if (s === BUY) {
      if (buys === out.length) {
        const grown = new Int32Array(Math.min(n, out.length * 2));
        grown.set(out);
        out = grown;
      }
      out[buys++] = i;
    }
    bad |= s > BUY || s < SELL ? 1 : 0;
  }
  return bad ? null : out.subarray(0, buys);
}

/**
 * Runs the signal study of one series. `hold` >= 0 bars; `buyIndices` holds the bar index of
 * every Buy signal in order (see {@link collectBuys}); only those are visited.
 */
export function signalStudy(candles: CandleColumns, signals: SignalColumns, hold: number, buyIndices: Int32Array): { columns: SignalStudyColumns; stats: SignalStudyStats } {
  const { timestamp: ts, close } = candles;
  const n = ts.length;
  const buys = buyIndices.length;
  const timestamp = new Float64Array(buys), price = new Float64Array(buys), entryCol = new Float64Array(buys);
  const exitCol = new Float64Array(buys), returnPct = new Float64Array(buys), conf = new Float64Array(buys), lvl = new Float64Array(buys);
  for (let k = 0; k < buys; k++) {
    const i = buyIndices[k];
    const j = i + hold < n ? i + hold : n - 1;
    const entry = close[i];
    const exit = close[j];
    timestamp[k] = ts[i];
    price[k] = entry;
    entryCol[k] = entry;
    exitCol[k] = exit;
    // Same expression as the original, so fixtures match bit for bit.
    returnPct[k] = ((exit - entry) / entry) * 100;
  }
  signalValuesAt(signals, buyIndices, conf, lvl);
  const columns: SignalStudyColumns = { index: buyIndices, timestamp, price, entry: entryCol, exit: exitCol, return_pct: returnPct, confidence: conf, level: lvl };
  return { columns, stats: signalStudyStats(returnPct, hold) };
}

/** Aggregates percent returns (in the order given) into {@link SignalStudyStats}; non-finite returns are left out. */
export function signalStudyStats(returnsPct: ArrayLike<number>, hold: number): SignalStudyStats {
  let count = 0, wins = 0, sum = 0;
  let finite: number[] | null = null;
  for (let i = 0; i < returnsPct.length; i++) {
    const r = returnsPct[i];
    if (!Number.isFinite(r)) {
      finite ??= Array.from(returnsPct).slice(0, i);
      continue;
    }
    finite?.push(r);
    count++;
    sum += r;
    if (r > 0) wins++;
  }
  return {
    signals: returnsPct.length,
    hold_period_bars: hold,
    win_rate: count > 0 ? wins / count : null,
    avg_return_pct: count > 0 ? finiteOrNull(sum / count) : null,
    legacy_max_drawdown_pct: finiteOrNull(legacyMaxDrawdownPct(finite ?? returnsPct)),
  };
}
