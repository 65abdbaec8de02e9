/**
 * Base class of every error `@coinhts/indicators` throws on purpose. Switch on `code` (a literal per
 * failure kind), not on messages. All of them mean a broken contract by the caller (bad parameter
 * or bad input), so they are not worth retrying.
 */
export abstract class IndicatorError extends Error {
  /** Stable, machine-readable failure kind. */
  abstract readonly code: IndicatorErrorCode;
  /** Name of the indicator that threw, e.g. `Rsi` or `BollingerBands`. */
  abstract readonly indicator: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Every `code` an {@link IndicatorError} can carry. */
export const IndicatorErrorCode = {
  /** See {@link InvalidIndicatorParamError}. */
  InvalidParam: 'INVALID_INDICATOR_PARAM',
  /** See {@link NonFiniteInputError}. */
  NonFiniteInput: 'NON_FINITE_INPUT',
  /** See {@link InputLengthMismatchError}. */
  InputLengthMismatch: 'INPUT_LENGTH_MISMATCH',
} as const;

/** Union of the literal error codes of this library. */
export type IndicatorErrorCode = (typeof IndicatorErrorCode)[keyof typeof IndicatorErrorCode];

/**
 * A constructor or batch-function parameter is outside its allowed range, e.g. `period: 0` or
 * `period: 14.5`. The message names the parameter and the allowed range.
 */
export class InvalidIndicatorParamError extends IndicatorError {
  override readonly name = 'InvalidIndicatorParamError' as const;
  readonly code = IndicatorErrorCode.InvalidParam;
  constructor(
    /** Indicator that rejected the parameter. */
    readonly indicator: string,
    /** Parameter name as spelled in the API, e.g. `period`, `fastPeriod`, `stdDevUp`. */
    readonly param: string,
    /** The rejected value, as given. */
    readonly value: unknown,
    /** Smallest allowed value (inclusive). */
    readonly min: number,
    /** Largest allowed value (inclusive). */
    readonly max: number,
    /** Whether the parameter must be an integer. */
    readonly integer: boolean,
  ) {
    const kind = integer ? 'an integer' : 'a finite number';
    super(`${indicator}: ${param} must be ${kind} in [${min}, ${max}], got ${describe(value)}`);
  }
}

/**
 * An input value is NaN or ±Infinity. Indicators keep running sums, so one NaN would silently poison
 * every later output; we refuse it instead. Clean or slice the series first (e.g. drop the warm-up
 * NaNs of another indicator before feeding its output into this one).
 */
export class NonFiniteInputError extends IndicatorError {
  override readonly name = 'NonFiniteInputError' as const;
  readonly code = IndicatorErrorCode.NonFiniteInput;
  constructor(
    /** Indicator that rejected the input. */
    readonly indicator: string,
    /** Input field: `value` for single-series indicators, else `high`, `low`, `close` or `volume`. */
    readonly field: string,
    /**
     * 0-based position of the bad value: the array index for batch functions, the number of values
     * accepted so far for streaming `add()`.
     */
    readonly index: number,
    /** The rejected value. */
    readonly value: unknown,
  ) {
    super(`${indicator}: ${field} at index ${index} must be a finite number, got ${describe(value)}`);
  }
}

/** The columns given to a multi-input batch function (e.g. high, low, close) differ in length. */
export class InputLengthMismatchError extends IndicatorError {
  override readonly name = 'InputLengthMismatchError' as const;
  readonly code = IndicatorErrorCode.InputLengthMismatch;
  constructor(
    /** Indicator that rejected the input. */
    readonly indicator: string,
    /** Length of every column given, by field name. */
    readonly lengths: Readonly<Record<string, number>>,
  ) {
    const parts = Object.entries(lengths).map(([k, v]) => `${k}=${v}`).join(', ');
    super(`${indicator}: input columns must have the same length, got ${parts}`);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value === null || value === undefined) return String(value);
  return typeof value;
}
