/**
 * Base class of every error `@coinhts/results` throws on purpose. `code` is a literal per failure
 * kind so callers (the API's error middleware, the worker's retry policy, the CLI's exit code)
 * switch on it rather than on messages. The underlying driver or file-system error is kept as `cause`.
 */
export abstract class ResultsError extends Error {
  /** Stable, machine-readable failure kind. */
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The requested run, preset or job record does not exist. HTTP 404; do not retry. */
export class ResultNotFoundError extends ResultsError {
  readonly code = 'NOT_FOUND' as const;
  constructor(
    /** What was looked up: `run`, `preset`, `job` or `paper-session`. */
    readonly entity: 'run' | 'preset' | 'job' | 'paper-session',
    /** The id or name that was not found. */
    readonly key: string,
  ) {
    super(`${entity[0].toUpperCase()}${entity.slice(1)} not found: ${key}`);
  }
}

/** A unique key is already taken (preset name, idempotency key used by another run). HTTP 409. */
export class ResultConflictError extends ResultsError {
  readonly code = 'CONFLICT' as const;
  constructor(
    message: string,
    /**
     * Which unique key or state collided: `preset_name`, `idempotency_key`, `paper_session_name`
     * (a live session already has the name) or `paper_session_state` (stop of a session that is not running).
     */
    readonly key: 'preset_name' | 'idempotency_key' | 'paper_session_name' | 'paper_session_state',
    /** The id of the row that already holds the key, when known. */
    readonly existingId?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** One problem with an input value. */
export interface ResultsIssue {
  /** Dotted path of the field, e.g. `symbols.2` or `params.volume_window`. */
  readonly field: string;
  /** What is wrong, including the allowed values or range. */
  readonly message: string;
}

/**
 * Input rejected before touching the database: a malformed run, filter, cursor or preset, or
 * strategy parameters refused by the injected validator (that error is kept as `cause`). HTTP 400.
 */
export class ResultValidationError extends ResultsError {
  readonly code = 'INVALID_PARAMS' as const;
  constructor(
    /** Every problem found. */
    readonly issues: readonly ResultsIssue[],
    /** What was being validated, e.g. `run`, `preset`, `list filter`. */
    readonly context: string,
    options?: { cause?: unknown },
  ) {
    super(`Invalid ${context}: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, options);
  }
}

/**
 * The database cannot be reached (connection refused, timed out, server shutting down, too many
 * connections). Transient: a worker should retry later; the API answers 503.
 */
export class DatabaseUnavailableError extends ResultsError {
  readonly code = 'UNAVAILABLE' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The database answered with an error that is not one of the kinds above (a bug or a broken schema). */
export class DatabaseQueryError extends ResultsError {
  readonly code = 'QUERY_FAILED' as const;
  constructor(
    message: string,
    /** PostgreSQL SQLSTATE, when the server sent one (e.g. `42P01` undefined table). */
    readonly sqlState?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Writing, reading, listing or deleting a run archive failed. Usually transient (disk, S3). */
export class ArchiveStorageError extends ResultsError {
  readonly code = 'STORAGE_FAILED' as const;
  constructor(
    message: string,
    /** The run whose archive was being accessed, when there was one. */
    readonly runId?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A legacy result file could not be imported (bad JSON, missing or mistyped fields, checksum mismatch). */
export class LegacyFileError extends ResultsError {
  readonly code = 'INVALID_FILE' as const;
  constructor(
    /** Path of the offending file. */
    readonly file: string,
    /** What is wrong with it. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${reason}`, options);
  }
}

/**
 * This process no longer holds the lease of a paper session (it expired and another process took
 * the session over). The caller must stop running the session at once and write nothing more.
 */
export class LeaseLostError extends ResultsError {
  readonly code = 'LEASE_LOST' as const;
  constructor(
    /** The session whose lease was lost. */
    readonly sessionId: string,
    /** This process's owner id. */
    readonly owner: string,
  ) {
    super(`Paper session ${sessionId}: the lease held by ${owner} expired or was taken over; stop running it here`);
  }
}

/** Every error code this library uses. */
export type ResultsErrorCode =
  | ResultNotFoundError['code']
  | ResultConflictError['code']
  | ResultValidationError['code']
  | DatabaseUnavailableError['code']
  | DatabaseQueryError['code']
  | ArchiveStorageError['code']
  | LegacyFileError['code']
  | LeaseLostError['code'];

/** Network-level error codes of Node sockets that mean "no server to talk to". */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EPIPE']);

/**
 * SQLSTATEs meaning the server cannot serve us now: class 08 (connection exception), 53300 too many
 * connections, 57P01-57P03 (admin/crash shutdown, cannot connect now).
 */
function isUnavailableSqlState(state: string | undefined): boolean {
  return state !== undefined && (state.startsWith('08') || state === '53300' || state === '57P01' || state === '57P02' || state === '57P03');
}

function field(err: unknown, name: string): unknown {
  return typeof err === 'object' && err !== null && name in err ? (err as Record<string, unknown>)[name] : undefined;
}

/** True when `err` (or its cause, or one of an AggregateError's errors) says the database is unreachable. */
export function isConnectionFailure(err: unknown, depth = 0): boolean {
  if (depth > 4 || typeof err !== 'object' || err === null) return false;
  const code = field(err, 'code');
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || isUnavailableSqlState(code))) return true;
  const message = err instanceof Error ? err.message : '';
  if (/Connection terminated|timeout expired|connect ECONNREFUSED|Connection is not established/i.test(message)) return true;
  const errors = field(err, 'errors');
  if (Array.isArray(errors) && errors.some((e) => isConnectionFailure(e, depth + 1))) return true;
  const driverError = field(err, 'driverError');
  if (driverError && isConnectionFailure(driverError, depth + 1)) return true;
  return isConnectionFailure(field(err, 'cause'), depth + 1);
}

/** The PostgreSQL SQLSTATE carried by a pg or TypeORM error, if any. */
export function sqlStateOf(err: unknown): string | undefined {
  const direct = field(err, 'code');
  if (typeof direct === 'string' && /^[0-9A-Z]{5}$/.test(direct)) return direct;
  const driver = field(err, 'driverError');
  return driver ? sqlStateOf(driver) : undefined;
}

/**
 * Converts whatever the driver threw into a {@link ResultsError}: our own errors pass through,
 * connection failures become {@link DatabaseUnavailableError}, the rest {@link DatabaseQueryError}.
 * `doing` completes the sentence "Could not …" in the message.
 */
export function toResultsError(err: unknown, doing: string): ResultsError {
  if (err instanceof ResultsError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  if (isConnectionFailure(err)) return new DatabaseUnavailableError(`Could not ${doing}: database unavailable (${detail})`, { cause: err });
  return new DatabaseQueryError(`Could not ${doing}: ${detail}`, sqlStateOf(err), { cause: err });
}
