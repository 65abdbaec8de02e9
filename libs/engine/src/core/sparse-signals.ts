import type { SignalColumns } from './signals';

/**
 * Signal columns kept as the list of their signal bars until someone reads the whole columns.
 *
 * A strategy signals on a few bars in a hundred, but `confidence` and `level` are bar-sized
 * Float64Arrays (8 MB each per million bars): writing them, and the page faults of the fresh memory,
 * cost a backtest more than deciding the signals. A run reads them only at its Buy bars (the signal
 * study), so the engine's own strategies return {@link sparseSignals}: `side` as usual, and
 * `confidence` / `level` as enumerable getters that build the full columns on first read (then keep
 * them). Anyone reading the columns sees exactly what a dense result would hold (0 and NaN where
 * there is no signal); the engine reads the signal bars' values through {@link signalValuesAt}
 * instead, which gives the same numbers without building the columns. Internal: not exported.
 */
interface SignalBars {
  /** Bar indices of the signals, ascending. */
  readonly index: Int32Array;
  /** Confidence at each of those bars. */
  readonly confidence: Float64Array;
  /** Level at each of those bars. */
  readonly level: Float64Array;
  /** True once a full column was built (it may have been changed since: read the columns then). */
  built: boolean;
}

const barsOf = new WeakMap<object, SignalBars>();

/**
 * Signal columns of `side.length` bars whose confidence and level are 0 and NaN except at the bars
 * `index` (ascending), where they are `confidence[k]` and `level[k]`. See the module comment.
 */
export function sparseSignals(side: Int8Array, index: Int32Array, confidence: Float64Array, level: Float64Array): SignalColumns {
  const n = side.length;
  const bars: SignalBars = { index, confidence, level, built: false };
  let conf: Float64Array | null = null;
  let lvl: Float64Array | null = null;
  const out = {
    side,
    get confidence(): Float64Array {
      if (conf === null) {
        bars.built = true;
        conf = new Float64Array(n);
        for (let k = 0; k < index.length; k++) conf[index[k]] = confidence[k];
      }
      return conf;
    },
    get level(): Float64Array {
      if (lvl === null) {
        bars.built = true;
        lvl = new Float64Array(n).fill(NaN);
        for (let k = 0; k < index.length; k++) lvl[index[k]] = level[k];
      }
      return lvl;
    },
  };
  barsOf.set(out, bars);
  return out;
}

/** True when `s` came from {@link sparseSignals}: its confidence and level columns are valid by construction. */
export function isSparseSignals(s: SignalColumns): boolean {
  return barsOf.has(s);
}

/**
 * Confidence and level of `s` at the bars `at` (ascending), written to `conf[k]` / `level[k]`:
 * `s.confidence[at[k]]` and `s.level[at[k]]` (NaN without a level column), read from the signal
 * list when the columns were never built.
 */
export function signalValuesAt(s: SignalColumns, at: Int32Array, conf: Float64Array, level: Float64Array): void {
  const bars = barsOf.get(s);
  const m = at.length;
  if (bars === undefined || bars.built) {
    const c = s.confidence, l = s.level;
    for (let k = 0; k < m; k++) {
      const i = at[k];
      conf[k] = c[i];
      level[k] = l ? l[i] : NaN;
    }
    return;
  }
  // Merge walk of two ascending lists; a bar without a signal (its side changed after generate)
  // reads what the built columns would hold there: 0 and NaN.
  const idx = bars.index, bc = bars.confidence, bl = bars.level;
  let p = 0;
  for (let k = 0; k < m; k++) {
    const i = at[k];
    while (p < idx.length && idx[p] < i) p++;
    if (p < idx.length && idx[p] === i) { conf[k] = bc[p]; level[k] = bl[p]; }
    else { conf[k] = 0; level[k] = NaN; }
  }
}
