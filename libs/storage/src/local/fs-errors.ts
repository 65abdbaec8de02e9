/** Maps Node filesystem errors to storage errors, in one place. */
import {
  AccessDeniedError,
  InvalidKeyError,
  NotFoundError,
  StorageError,
  StorageUnavailableError,
  UnexpectedStorageError,
} from '../errors';

const NOT_FOUND = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);
const DENIED = new Set(['EACCES', 'EPERM', 'EROFS']);
const TRANSIENT = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EMFILE', 'ENFILE', 'EBUSY', 'EAGAIN', 'ETIMEDOUT', 'ENOMEM', 'ESTALE']);

/**
 * The `code` of a Node system error (`ENOENT`, ...), or `undefined`.
 * @param error - anything caught
 */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Converts a filesystem error into the matching {@link StorageError} (storage errors pass through):
 * ENOENT / ENOTDIR / EISDIR → NOT_FOUND; EACCES / EPERM / EROFS → ACCESS_DENIED;
 * ENOSPC, EDQUOT, EIO, EMFILE, ENFILE, EBUSY, EAGAIN, ETIMEDOUT, ENOMEM, ESTALE → UNAVAILABLE;
 * ENAMETOOLONG → INVALID_KEY; anything else → UNEXPECTED. The original is kept as `cause`.
 * @param error - the caught error
 * @param key - object key the operation was about
 * @param operation - short verb phrase for the message, e.g. "write"
 * @param file - the file the operation was on, named when the error does not carry a path (a
 *   failed `write(2)` on an open file, e.g. ENOSPC, has none)
 */
export function mapFsError(error: unknown, key: string | undefined, operation: string, file?: string): StorageError {
  if (error instanceof StorageError) return error;
  const code = errnoCode(error);
  // the file or folder the system refused (Node's fs errors carry it): an operator must see where
  const path = typeof (error as { path?: unknown } | null)?.path === 'string' ? (error as { path: string }).path : file;
  const what = `local storage: ${operation}${key === undefined ? '' : ` ${JSON.stringify(key)}`} failed (${code ?? String(error)}${path === undefined ? '' : ` at ${path}`})`;
  const options = { key, cause: error };
  if (code !== undefined && NOT_FOUND.has(code)) return new NotFoundError(what, options);
  if (code !== undefined && DENIED.has(code)) return new AccessDeniedError(what, options);
  if (code !== undefined && TRANSIENT.has(code)) return new StorageUnavailableError(what, options);
  if (code === 'ENAMETOOLONG') return new InvalidKeyError(`${what}: a path name is too long for this filesystem`, options);
  return new UnexpectedStorageError(what, options);
}
