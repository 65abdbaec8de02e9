import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { ApiError, ApiErrorCode, type FieldIssue } from './api-error';
import { requestIdOf } from './request-context';

/**
 * THE mapping from error codes to HTTP status. Library errors carry a literal `code`
 * (engine, market-data, results, storage, jobs); the HTTP layer's own errors are `ApiError`s.
 * Nothing else in the app chooses an error status.
 */
export const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  // bad input → 400 / 415 / 422
  MALFORMED_JSON: 400,
  BAD_REQUEST: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  NOT_ACCEPTABLE: 406,
  VALIDATION_FAILED: 422,
  INVALID_REQUEST: 422, // jobs: request schema
  INVALID_PARAMS: 422, // engine / results: params, options, filters, cursors
  UNKNOWN_STRATEGY: 422,
  INVALID_CANDLES: 422,
  INVALID_SYMBOL: 422,
  INVALID_TIMEFRAME: 422,
  INVALID_RANGE: 422,
  INVALID_FILE: 422,
  CORRUPT_FILE: 422,
  DATA_QUALITY: 422,
  IMPORT_FAILED: 422,
  NO_DATA: 422,
  INVALID_KEY: 422, // storage key
  // auth
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  // missing
  ROUTE_NOT_FOUND: 404,
  NOT_FOUND: 404, // results / storage
  JOB_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  // conflicts
  CONFLICT: 409,
  IDEMPOTENCY_CONFLICT: 409,
  ALREADY_FINISHED: 409,
  NOT_RESUMABLE: 409, // jobs: a sweep resumed while running, completed, or without its job record
  // size
  PAYLOAD_TOO_LARGE: 413,
  REQUEST_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  // throttling
  RATE_LIMITED: 429,
  // client went away while its run was computed
  ABORTED: 499,
  // our side: stored data is damaged or out of reach. Typed (code and message are shown, no
  // stack) but 500: the client cannot fix it and retrying does not help.
  INTEGRITY_MISMATCH: 500, // storage: bytes differ from their recorded SHA-256 / size
  CORRUPT_ARCHIVE: 500, // storage: intact bytes that cannot be decoded
  ARCHIVE_MISSING: 500,
  ARCHIVE_UNREACHABLE: 500,
  UNAVAILABLE: 503,
  STORE_BUSY: 503,
  STORAGE_FAILED: 503,
  SHUTTING_DOWN: 503,
};

/** HTTP status for an error code (500 for unknown codes). */
export function statusForCode(code: string): number {
  return STATUS_BY_CODE[code] ?? 500;
}

/** Body-parser (`express.json`, `express.raw`) error types → our codes. */
const BODY_PARSER_CODES: Readonly<Record<string, ApiErrorCode>> = {
  'entity.parse.failed': ApiErrorCode.MalformedJson,
  'entity.too.large': ApiErrorCode.PayloadTooLarge,
  'encoding.unsupported': ApiErrorCode.UnsupportedMediaType,
  'charset.unsupported': ApiErrorCode.UnsupportedMediaType,
  'request.aborted': ApiErrorCode.BadRequest,
  'request.size.invalid': ApiErrorCode.BadRequest,
  'parameters.too.many': ApiErrorCode.PayloadTooLarge,
};

/** The error body every failing route returns. */
export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly details: unknown;
    readonly request_id: string;
  };
}

interface Classified {
  readonly code: string;
  readonly message: string;
  readonly details: unknown;
}

function field(err: unknown, name: string): unknown {
  return typeof err === 'object' && err !== null ? (err as Record<string, unknown>)[name] : undefined;
}

/** Issues of library errors in one shape: `{field, message}` (plus `row` for candle issues). */
function issuesOf(err: unknown, prefix: string): FieldIssue[] | undefined {
  const issues = field(err, 'issues');
  if (!Array.isArray(issues)) return undefined;
  return issues.map((i: { field?: unknown; path?: unknown; message?: unknown; row?: unknown }) => {
    const name = typeof i.field === 'string' ? i.field : typeof i.path === 'string' ? i.path : '';
    const out: FieldIssue & { row?: number } = { field: name ? `${prefix}${name}` : prefix.replace(/\.$/, '') || '(root)', message: String(i.message ?? '') };
    if (typeof i.row === 'number' && i.row >= 0) out.row = i.row;
    return out;
  });
}

/** node-redis errors raised while Redis is out of reach (the client is offline, closed or timing out). */
const REDIS_DOWN_ERRORS = new Set(['ClientOfflineError', 'ClientClosedError', 'SocketClosedUnexpectedlyError', 'ConnectionTimeoutError', 'ReconnectStrategyError', 'SocketTimeoutError', 'DisconnectsClientError']);
/** Socket errors of a backing service that is down or restarting. */
const SOCKET_DOWN_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** Seconds a client is asked to wait (`Retry-After`) when a backing service is out of reach. */
export const UNAVAILABLE_RETRY_AFTER_S = 5;

/**
 * Which backing service an error says is out of reach — PostgreSQL (connection refused or
 * terminated, SQLSTATE class 08, 57P01–57P03, 53300) or Redis (node-redis offline/closed errors)
 * — or undefined when the error is something else. Follows `cause` and TypeORM's `driverError`.
 */
export function unavailableService(err: unknown): 'database' | 'Redis' | 'a backing service' | undefined {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    // node-redis does not set `name`; its classes tell.
    const names = [field(e, 'name'), (e as { constructor?: { name?: unknown } }).constructor?.name];
    if (names.some((n) => typeof n === 'string' && REDIS_DOWN_ERRORS.has(n))) return 'Redis';
    const code = field(e, 'code');
    if (typeof code === 'string') {
      if (/^08[0-9A-Z]{3}$/.test(code) || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300') return 'database';
      if (SOCKET_DOWN_CODES.has(code)) return 'a backing service';
    }
    const message = field(e, 'message');
    if (typeof message === 'string' && /^Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down)/i.test(message)) return 'database';
    e = field(e, 'driverError') ?? field(e, 'cause');
  }
  return undefined;
}

function classify(err: unknown): Classified {
  if (err instanceof ApiError) return { code: err.code, message: err.message, details: err.details ?? null };
  const down = unavailableService(err);
  if (down) {
    return { code: 'UNAVAILABLE', message: `${down === 'database' ? 'The database' : down === 'Redis' ? 'Redis (the job queue)' : 'A backing service'} is out of reach; retry in ${UNAVAILABLE_RETRY_AFTER_S} s`, details: { retry_after_s: UNAVAILABLE_RETRY_AFTER_S } };
  }
  const type = field(err, 'type');
  if (typeof type === 'string' && BODY_PARSER_CODES[type]) {
    const code = BODY_PARSER_CODES[type];
    const limit = field(err, 'limit');
    const message =
      code === ApiErrorCode.MalformedJson ? `The request body is not valid JSON: ${(err as Error).message}`
      : code === ApiErrorCode.PayloadTooLarge ? `The request body is larger than the limit of ${String(limit)} bytes`
      : (err as Error).message;
    return { code, message, details: code === ApiErrorCode.PayloadTooLarge ? { limit_bytes: limit } : null };
  }
  const code = field(err, 'code');
  if (typeof code === 'string' && STATUS_BY_CODE[code] !== undefined) {
    const message = err instanceof Error ? err.message : String(err);
    const details: Record<string, unknown> = {};
    // Validation issues of the engine and results are about the request body's params;
    // the jobs' request schema issues name body fields already.
    const issues = issuesOf(err, code === 'INVALID_REQUEST' ? 'body.' : '');
    if (issues) details.issues = issues;
    const extra = field(err, 'details');
    if (extra && typeof extra === 'object' && !Array.isArray(extra)) Object.assign(details, extra);
    for (const k of ['available', 'symbol', 'strategy', 'jobId', 'file', 'line', 'column', 'key', 'existingId']) {
      const v = field(err, k);
      if (v !== undefined && (typeof v !== 'object' || Array.isArray(v))) details[k] = v;
    }
    return { code, message, details: Object.keys(details).length > 0 ? details : null };
  }
  // Other client errors of Express and its parsers (http-errors with `expose`): their message is
  // written for clients; anything else stays hidden behind INTERNAL.
  const httpStatus = field(err, 'status') ?? field(err, 'statusCode');
  if (typeof httpStatus === 'number' && httpStatus >= 400 && httpStatus < 500 && field(err, 'expose') === true) {
    const code = httpStatus === 413 ? ApiErrorCode.PayloadTooLarge : httpStatus === 415 ? ApiErrorCode.UnsupportedMediaType : ApiErrorCode.BadRequest;
    return { code, message: err instanceof Error ? err.message : 'Bad request', details: null };
  }
  return { code: 'INTERNAL', message: 'Internal server error', details: null };
}

/**
 * The one error middleware: classifies the error, answers `{error: {code, message, details,
 * request_id}}` with the status of its code, and logs (warn for 4xx, error with stack for 5xx).
 */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const c = classify(err);
    const status = statusForCode(c.code);
    const requestId = requestIdOf(res);
    if (status >= 500 && status !== 503) logger.error({ req_id: requestId, err, code: c.code }, 'request failed');
    else logger.warn({ req_id: requestId, code: c.code, status, msg_detail: c.message }, 'request rejected');
    if (c.code === ApiErrorCode.MethodNotAllowed && c.details && typeof c.details === 'object') {
      const allow = (c.details as { allow?: string[] }).allow;
      if (allow) res.setHeader('Allow', allow.join(', '));
    }
    if (status === 503 && !res.getHeader('Retry-After')) res.setHeader('Retry-After', String(UNAVAILABLE_RETRY_AFTER_S));
    const body: ErrorBody = { error: { code: c.code, message: c.message, details: c.details, request_id: requestId } };
    res.status(status).json(body);
  };
}

/** Last route: anything unmatched is a 404 in the common shape. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new ApiError(ApiErrorCode.RouteNotFound, `No route ${req.method} ${req.path}; see /docs for the routes`));
};
