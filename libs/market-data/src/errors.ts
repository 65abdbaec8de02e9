/**
 * Base class of every error `@coinhts/market-data` throws on purpose. `code` is a literal per
 * failure kind so callers (the CLI's exit code, the API's status mapping, the worker's retry
 * policy) switch on it rather than on messages. The original error, when there is one, is `cause`.
 */
export abstract class MarketDataError extends Error {
  /** Stable, machine-readable failure kind. */
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A symbol is not a market code this store accepts (e.g. `../x`, `/etc`, `BTC`, empty). */
export class InvalidSymbolError extends MarketDataError {
  readonly code = 'INVALID_SYMBOL' as const;
  constructor(
    /** The text that was rejected. */
    readonly symbol: string,
    reason: string,
  ) {
    super(`Invalid symbol ${JSON.stringify(symbol)}: ${reason}. Use an Upbit market code such as KRW-BTC (legacy BTC_KRW is accepted).`);
  }
}

/** A timeframe code is unknown. */
export class InvalidTimeframeError extends MarketDataError {
  readonly code = 'INVALID_TIMEFRAME' as const;
  constructor(
    /** The text that was rejected. */
    readonly timeframe: string,
    reason?: string,
  ) {
    super(`Invalid timeframe ${JSON.stringify(timeframe)}${reason ? `: ${reason}` : ''}. Use one of 1m, 3m, 5m, 10m, 15m, 30m, 1h, 4h, 1d, 1w, 1mo.`);
  }
}

/** A date or time bound cannot be parsed, names an unknown zone, or `from` is after `to`. */
export class InvalidRangeError extends MarketDataError {
  readonly code = 'INVALID_RANGE' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Where in a file a problem was found. */
export interface FileLocation {
  /** Path of the file as given. */
  readonly file: string;
  /** 1-based line of a text file (the header is line 1), when known. */
  readonly line?: number;
  /** 0-based data row, when known. */
  readonly row?: number;
  /** Column name in the file, when known. */
  readonly column?: string;
}

function where(loc: FileLocation): string {
  const parts = [loc.file];
  if (loc.line !== undefined) parts.push(`line ${loc.line}`);
  else if (loc.row !== undefined) parts.push(`row ${loc.row}`);
  if (loc.column !== undefined) parts.push(`column "${loc.column}"`);
  return parts.join(', ');
}

/**
 * A file is readable but its content is not acceptable: missing or mistyped columns, an
 * unparseable cell, mixed timestamp formats, no rows. Names the file and, where relevant,
 * the line/row and column.
 */
export class InvalidFileError extends MarketDataError {
  readonly code = 'INVALID_FILE' as const;
  /** Path of the file. */
  readonly file: string;
  /** 1-based line in a text file, when known. */
  readonly line?: number;
  /** 0-based data row, when known. */
  readonly row?: number;
  /** Column name, when known. */
  readonly column?: string;
  constructor(loc: FileLocation, problem: string, options?: { cause?: unknown }) {
    super(`${where(loc)}: ${problem}`, options);
    this.file = loc.file;
    this.line = loc.line;
    this.row = loc.row;
    this.column = loc.column;
  }
}

/** A file is not valid Parquet (truncated, wrong magic bytes, undecodable pages). */
export class CorruptFileError extends MarketDataError {
  readonly code = 'CORRUPT_FILE' as const;
  constructor(
    /** Path of the file. */
    readonly file: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: not a readable Parquet file (${detail})`, options);
  }
}

/** Nothing is stored (or nothing was found) for a symbol/timeframe/range. */
export class NoDataError extends MarketDataError {
  readonly code = 'NO_DATA' as const;
  constructor(message: string) {
    super(message);
  }
}

/**
 * Upbit answered with an error status, a body that stayed invalid after retries, or blocked the
 * client (HTTP 418). `status` is 0 when no HTTP response was received (network error, timeout).
 */
export class UpbitHttpError extends MarketDataError {
  readonly code = 'UPBIT_HTTP' as const;
  constructor(
    /** HTTP status of the last attempt (0 = no response). */
    readonly status: number,
    /** URL of the request. */
    readonly url: string,
    message: string,
    /** Number of attempts made. */
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The data-quality report of a series says it is invalid and the caller asked to refuse such data. */
export class DataQualityError extends MarketDataError {
  readonly code = 'DATA_QUALITY' as const;
  constructor(
    message: string,
    /** The full report (see `checkQuality`). */
    readonly report: unknown,
  ) {
    super(message);
  }
}

/** An import could not be completed for a reason that is not one file's content (e.g. nothing to import). */
export class ImportFailedError extends MarketDataError {
  readonly code = 'IMPORT_FAILED' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Another writer held the series lock for longer than the configured timeout. */
export class StoreBusyError extends MarketDataError {
  readonly code = 'STORE_BUSY' as const;
  constructor(
    /** Path of the lock file. */
    readonly lockFile: string,
    waitedMs: number,
  ) {
    super(`${lockFile}: another writer holds this series (waited ${waitedMs} ms); retry later or remove the lock file if no writer is running`);
  }
}
