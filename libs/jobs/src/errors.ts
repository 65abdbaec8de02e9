/**
 * Errors of `@coinhts/jobs`, and the one place that decides whether a failed job is retried.
 *
 * Every error thrown on purpose extends {@link JobsError} and carries a literal `code`. Errors of
 * the other libraries (engine, market-data, results, storage) carry codes of their own; the
 * worker never looks at classes or messages, only at `code`, through {@link failureDecision}.
 */

/** Base class of every error `@coinhts/jobs` throws on purpose. */
export abstract class JobsError extends Error {
  /** Stable, machine-readable failure kind. */
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One problem found in a job payload. */
export interface PayloadIssue {
  /** Dotted path of the field, e.g. `request.symbols.0`; empty for the payload itself. */
  readonly path: string;
  /** What is wrong and what is expected. */
  readonly message: string;
}

/** A submitted request or a job payload does not match its schema. HTTP 422; never retried. */
export class InvalidJobRequestError extends JobsError {
  readonly code = 'INVALID_REQUEST' as const;
  constructor(
    /** Every problem found. */
    readonly issues: readonly PayloadIssue[],
    /** What was being validated, e.g. `backtest request`. */
    readonly subject: string,
  ) {
    super(`Invalid ${subject}: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`);
  }
}

/** A job payload was written with a schema version this code does not read. Never retried. */
export class UnsupportedPayloadVersionError extends JobsError {
  readonly code = 'UNSUPPORTED_VERSION' as const;
  constructor(
    /** The version found in the payload (`undefined` when missing). */
    readonly version: unknown,
    /** The versions this code reads. */
    readonly supported: readonly number[],
  ) {
    super(`Job payload version ${JSON.stringify(version)} is not supported (this worker reads v${supported.join(', v')}); upgrade the worker`);
  }
}

/** The same idempotency key was used earlier with a different request. HTTP 409. */
export class IdempotencyConflictError extends JobsError {
  readonly code = 'IDEMPOTENCY_CONFLICT' as const;
  constructor(
    /** The key that was reused. */
    readonly idempotencyKey: string,
    /** Id of the job the key already names. */
    readonly jobId: string,
  ) {
    super(`Idempotency key ${JSON.stringify(idempotencyKey)} was already used for job ${jobId} with a different request; use a new key`);
  }
}

/** No job (and no record of one) exists under this id. HTTP 404. */
export class JobNotFoundError extends JobsError {
  readonly code = 'JOB_NOT_FOUND' as const;
  constructor(
    /** The id looked up. */
    readonly jobId: string,
  ) {
    super(`Job not found: ${jobId}`);
  }
}

/** A job was cancelled while it was processed; it ends as `cancelled` and is never retried. */
export class JobCancelledError extends JobsError {
  readonly code = 'CANCELLED' as const;
  constructor(
    /** Id of the cancelled job. */
    readonly jobId: string,
    /** Why, as given to `cancel` (default `cancelled by user`). */
    readonly reason = 'cancelled by user',
  ) {
    super(`Job ${jobId} was cancelled: ${reason}`);
  }
}

/**
 * A sweep cannot be resumed in its current state: it is still queued or running, it completed,
 * one of its chunks is still stopping after a cancel, or its job record is gone. HTTP 409.
 */
export class SweepNotResumableError extends JobsError {
  readonly code = 'NOT_RESUMABLE' as const;
  constructor(
    /** Id of the sweep. */
    readonly sweepId: string,
    /** Its state when the resume was asked for. */
    readonly state: string,
    /** Why not, and what to do instead. */
    readonly why: string,
  ) {
    super(`Sweep ${sweepId} cannot be resumed (${state}): ${why}`);
  }
}

/** Redis (the queue) cannot be reached or answered with an error. Retried; HTTP 503. */
export class QueueUnavailableError extends JobsError {
  readonly code = 'UNAVAILABLE' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** An alert channel (Slack webhook, SMTP) rejected or did not take a message. */
export class AlertDeliveryError extends JobsError {
  readonly code = 'ALERT_FAILED' as const;
  constructor(
    /** `slack` or `email`. */
    readonly channel: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${channel} alert not delivered: ${message}`, options);
  }
}

/**
 * Codes after which running the same job again cannot help: the input is wrong, or the job was
 * cancelled. Everything else (storage, database, network, Redis, Upbit, unknown bugs) is retried
 * with backoff until the attempts run out — a transient fault costs a few seconds, while a
 * wrongly "permanent" one would need a human.
 */
export const PERMANENT_FAILURE_CODES: ReadonlySet<string> = new Set([
  // jobs
  'INVALID_REQUEST', 'UNSUPPORTED_VERSION', 'IDEMPOTENCY_CONFLICT', 'CANCELLED',
  // engine
  'INVALID_PARAMS', 'INVALID_CANDLES', 'UNKNOWN_STRATEGY', 'ABORTED', 'INVALID_STRATEGY_STATE',
  // positions
  'INVALID_POSITIONS_CONFIG', 'INVALID_ORDER',
  // market-data
  'NO_DATA', 'INVALID_SYMBOL', 'INVALID_TIMEFRAME', 'INVALID_RANGE', 'INVALID_FILE', 'CORRUPT_FILE', 'DATA_QUALITY',
  // results / storage
  'NOT_FOUND', 'CONFLICT', 'VALIDATION',
]);

/** Codes that mean the job ended because somebody cancelled it (not a failure to alert on). */
export const CANCELLED_CODES: ReadonlySet<string> = new Set(['CANCELLED', 'ABORTED']);

/** What the worker does with a failed attempt. */
export type FailureDecision = 'retry' | 'fail' | 'cancelled';

/** The code of any error: its `code` property when it is a string, else `INTERNAL`. */
export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && code.length > 0 ? code : 'INTERNAL';
}

/**
 * THE retry policy: maps an error to retry / fail now / cancelled, by `code` only.
 * An HTTP error from Upbit with a 4xx status other than 408/429 is a request the exchange will
 * keep refusing, so it fails now; 5xx, 408, 429 and network errors are retried.
 */
export function failureDecision(err: unknown): FailureDecision {
  const code = errorCode(err);
  if (CANCELLED_CODES.has(code)) return 'cancelled';
  if (PERMANENT_FAILURE_CODES.has(code)) return 'fail';
  if (code === 'UPBIT_HTTP') {
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500 && status !== 408 && status !== 429) return 'fail';
  }
  return 'retry';
}

const CODE_PREFIX = /^\[([A-Z][A-Z0-9_]*)\] /;

/**
 * Message under which a failure is stored in the queue: `[CODE] message`. BullMQ keeps only the
 * message of a failed job (and it crosses the sandbox boundary as plain JSON), so the code
 * travels inside it and {@link parseFailureMessage} reads it back.
 */
export function formatFailureMessage(code: string, message: string): string {
  return CODE_PREFIX.test(message) ? message : `[${code}] ${message}`;
}

/** Splits a stored failure message into code and text; `INTERNAL` when it has no code. */
export function parseFailureMessage(stored: string | undefined | null): { code: string; message: string } {
  const text = stored ?? '';
  const m = CODE_PREFIX.exec(text);
  return m ? { code: m[1], message: text.slice(m[0].length) } : { code: 'INTERNAL', message: text };
}
