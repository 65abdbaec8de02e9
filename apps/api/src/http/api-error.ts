/**
 * Errors raised by the HTTP layer itself (authentication, request parsing, limits). Library
 * errors are not wrapped: they reach the error middleware with their own `code`.
 */
export class ApiError extends Error {
  constructor(
    /** Machine-readable code; its HTTP status is decided only by `statusForCode`. */
    readonly code: ApiErrorCode,
    message: string,
    /** JSON detail for the client (e.g. the invalid fields). */
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ApiError';
  }
}

/** Codes of {@link ApiError}. */
export const ApiErrorCode = {
  ValidationFailed: 'VALIDATION_FAILED',
  MalformedJson: 'MALFORMED_JSON',
  BadRequest: 'BAD_REQUEST',
  UnsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  NotAcceptable: 'NOT_ACCEPTABLE',
  Unauthenticated: 'UNAUTHENTICATED',
  Forbidden: 'FORBIDDEN',
  RouteNotFound: 'ROUTE_NOT_FOUND',
  /** A resource of a known route that does not exist (e.g. the trades of a sweep run). */
  NotFound: 'NOT_FOUND',
  MethodNotAllowed: 'METHOD_NOT_ALLOWED',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  /** The request target (path + query) is longer than the server accepts. */
  UriTooLong: 'URI_TOO_LONG',
  RequestTooLarge: 'REQUEST_TOO_LARGE',
  RateLimited: 'RATE_LIMITED',
  /** The request conflicts with the server's state or configuration. */
  Conflict: 'CONFLICT',
  AlreadyFinished: 'ALREADY_FINISHED',
  NoData: 'NO_DATA',
  ShuttingDown: 'SHUTTING_DOWN',
  /** A run's archive is recorded in a store this server is not configured to read (server configuration). */
  ArchiveUnreachable: 'ARCHIVE_UNREACHABLE',
  /** A run's row names an archive (or a file of it) that is not there (damaged store). */
  ArchiveMissing: 'ARCHIVE_MISSING',
} as const;
/** One of {@link ApiErrorCode}'s values. */
export type ApiErrorCode = (typeof ApiErrorCode)[keyof typeof ApiErrorCode];

/** One invalid input field. */
export interface FieldIssue {
  /** Where: `body.symbols.0`, `query.limit`, `params.id`. */
  readonly field: string;
  readonly message: string;
}
