/**
 * The streaming side of every indicator: feed one input at a time with `add()`, read the latest
 * output with `getResult()`. This is the semantic source of truth; the batch functions are a fast
 * path that is tested to produce bit-identical numbers.
 *
 * Before the indicator is stable (the first `lookback` inputs), `add()` and `getResult()` return
 * `null` — never NaN or a partial value — so the type system makes callers handle the warm-up.
 * `add()` throws {@link NonFiniteInputError} for NaN/±Infinity inputs and then leaves the state
 * exactly as it was before the call.
 */
export interface StreamingIndicator<Input, Result> {
  /**
   * Number of inputs consumed before the first result (TA-Lib's "lookback"). The batch function puts
   * exactly this many NaNs at the start of its output, and `isStable` turns true on input
   * number `lookback + 1`.
   */
  readonly lookback: number;
  /** Number of inputs accepted so far. */
  readonly count: number;
  /** Whether `getResult()` returns a value (`count > lookback`). */
  readonly isStable: boolean;
  /** Feeds one input and returns the new result (`null` during warm-up). */
  add(input: Input): Result | null;
  /** The latest result, or `null` during warm-up. */
  getResult(): Result | null;
}

/** A candle reduced to the fields that range-based indicators (ATR, Stochastic) read. Prices in quote currency (e.g. KRW). */
export interface HighLowClose {
  /** Highest traded price of the bar. */
  readonly high: number;
  /** Lowest traded price of the bar. */
  readonly low: number;
  /** Last traded price of the bar. */
  readonly close: number;
}

/** Columnar form of {@link HighLowClose} for batch functions; all columns must have the same length. */
export interface HighLowCloseColumns {
  /** High prices. */
  readonly high: ArrayLike<number>;
  /** Low prices. */
  readonly low: ArrayLike<number>;
  /** Close prices. */
  readonly close: ArrayLike<number>;
}

/** A candle reduced to the fields OBV reads. */
export interface CloseVolume {
  /** Close price (quote currency). */
  readonly close: number;
  /** Traded volume in base units (e.g. BTC). */
  readonly volume: number;
}

/** Columnar form of {@link CloseVolume}; both columns must have the same length. */
export interface CloseVolumeColumns {
  /** Close prices. */
  readonly close: ArrayLike<number>;
  /** Volumes in base units. */
  readonly volume: ArrayLike<number>;
}

/** A candle reduced to its volume (for the volume moving average). */
export interface VolumeOnly {
  /** Traded volume in base units (e.g. BTC). */
  readonly volume: number;
}

/** Columnar form of {@link VolumeOnly}. */
export interface VolumeColumns {
  /** Volumes in base units. */
  readonly volume: ArrayLike<number>;
}
