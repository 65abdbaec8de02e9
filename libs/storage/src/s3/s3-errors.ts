/** Maps AWS SDK v3 / network errors to storage errors, in one place. */
import {
  AccessDeniedError,
  NotFoundError,
  StorageError,
  StorageUnavailableError,
  UnexpectedStorageError,
} from '../errors';

const NOT_FOUND_NAMES = new Set(['NoSuchKey', 'NotFound', 'NoSuchBucket', 'NoSuchUpload']);
const DENIED_NAMES = new Set([
  'AccessDenied', 'Forbidden', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AllAccessDisabled', 'ExpiredToken',
  'InvalidToken', 'AccountProblem', 'InvalidSecurity',
]);
const TRANSIENT_NAMES = new Set([
  'TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'NetworkingError', 'SlowDown', 'ServiceUnavailable',
  'InternalError', 'ThrottlingException', 'Throttling', 'RequestTimeTooSkewed',
]);
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE',
  'ECONNABORTED', 'ESOCKETTIMEDOUT', 'ERR_SOCKET_CONNECTION_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET',
]);

interface SdkLikeError {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly Code?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly errors?: readonly unknown[];
}

const CODE_IN_MESSAGE = /\b(E[A-Z]{3,}|ERR_[A-Z_]+|UND_ERR_[A-Z_]+)\b/g;

/**
 * Network error codes on `error` and, for an AggregateError (happy eyeballs), on its members.
 * The SDK's retry layer replaces an error that is not `instanceof Error` in its realm (a Node
 * socket error seen from inside a Jest sandbox, for one) by "AWS SDK error wrapper for Error:
 * connect ECONNREFUSED …", dropping `code`; the code is then recovered from the message.
 */
function networkCodes(error: SdkLikeError): string[] {
  const codes: string[] = [];
  if (typeof error.code === 'string') codes.push(error.code);
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string' && message.startsWith('AWS SDK error wrapper')) codes.push(...(message.match(CODE_IN_MESSAGE) ?? []));
  for (const inner of error.errors ?? []) {
    const code = (inner as SdkLikeError | null)?.code;
    if (typeof code === 'string') codes.push(code);
  }
  return codes;
}

/**
 * Converts an S3 client error into the matching {@link StorageError} (storage errors pass through):
 * NoSuchKey / NotFound / NoSuchBucket / HTTP 404 → NOT_FOUND; AccessDenied, bad keys or signature,
 * HTTP 401 / 403 → ACCESS_DENIED; connection refused / reset / DNS failures, timeouts, throttling,
 * HTTP 429 and 5xx → UNAVAILABLE; anything else → UNEXPECTED. The original is kept as `cause`.
 * @param error - the caught error
 * @param key - object key the operation was about
 * @param operation - short verb phrase for the message, e.g. "put"
 */
export function mapS3Error(error: unknown, key: string | undefined, operation: string): StorageError {
  if (error instanceof StorageError) return error;
  const e = (error ?? {}) as SdkLikeError;
  const name = typeof e.name === 'string' ? e.name : typeof e.Code === 'string' ? e.Code : '';
  const status = e.$metadata?.httpStatusCode;
  const codes = networkCodes(e);
  const detail = [name, status, ...codes].filter((x) => x !== undefined && x !== '').join(' ');
  const message = `S3: ${operation}${key === undefined ? '' : ` ${JSON.stringify(key)}`} failed (${detail || String(error)})`;
  const options = { key, cause: error };
  if (NOT_FOUND_NAMES.has(name) || status === 404) return new NotFoundError(message, options);
  if (DENIED_NAMES.has(name) || status === 403 || status === 401) return new AccessDeniedError(message, options);
  if (
    TRANSIENT_NAMES.has(name) || codes.some((c) => TRANSIENT_CODES.has(c)) ||
    (status !== undefined && (status >= 500 || status === 429))
  ) {
    return new StorageUnavailableError(message, options);
  }
  return new UnexpectedStorageError(message, options);
}
