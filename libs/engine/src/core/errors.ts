/**
 * Base class of every error the engine throws on purpose. `code` is a literal per failure kind, so
 * callers (the API's error middleware, the worker's retry policy, the CLI's exit code) switch on it
 * rather than on messages.
 */
export abstract class EngineError extends Error {
  /** Stable, machine-readable failure kind. */
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One problem found in the input candles. */
export interface CandleIssue {
  /** Column name (`timestamp`, `open`, `high`, `low`, `close`, `volume`) or `series`. */
  readonly field: string;
  /** Row index (0-based) where the problem was found; -1 for series-level problems. */
  readonly row: number;
  /** What is wrong and how to fix it. */
  readonly message: string;
}

/** The candle series cannot be backtested: NaN/Infinity/negative values, high < low, unsorted or duplicate timestamps, empty series. */
export class InvalidCandlesError extends EngineError {
  readonly code = 'INVALID_CANDLES' as const;
  constructor(
    /** Every issue found (at most a bounded number are collected). */
    readonly issues: readonly CandleIssue[],
    /** Symbol of the series, when known. */
    readonly symbol?: string,
  ) {
    const first = issues[0];
    const where = first ? `${first.field}${first.row >= 0 ? ` at row ${first.row}` : ''}: ${first.message}` : 'invalid candles';
    super(`Invalid candles${symbol ? ` for ${symbol}` : ''}: ${where}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`);
  }
}

/** One invalid parameter. */
export interface ParamIssue {
  /** Dotted path of the parameter, e.g. `volume_window`. */
  readonly field: string;
  /** What is wrong, including the allowed range or type. */
  readonly message: string;
}

/** Strategy or backtest parameters are missing, of the wrong type or out of range. */
export class InvalidParamsError extends EngineError {
  readonly code = 'INVALID_PARAMS' as const;
  constructor(readonly issues: readonly ParamIssue[], readonly context?: string) {
    super(`Invalid ${context ?? 'parameters'}: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
  }
}

/** The named strategy is not registered. */
export class UnknownStrategyError extends EngineError {
  readonly code = 'UNKNOWN_STRATEGY' as const;
  constructor(readonly strategy: string, readonly available: readonly string[]) {
    super(`Unknown strategy "${strategy}". Available strategies: ${available.join(', ')}`);
  }
}

/** A run was cancelled through its AbortSignal. */
export class BacktestAbortedError extends EngineError {
  readonly code = 'ABORTED' as const;
  constructor(reason?: unknown) {
    super('The run was cancelled', { cause: reason });
  }
}
