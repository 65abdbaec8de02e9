/**
 * Errors of `@coinhts/storage`: one base class, one subclass per failure kind, each with a literal
 * `code` (what a caller switches on) and the original error kept as `cause`.
 *
 * How callers are expected to react (the worker maps codes to retry / do-not-retry in one place,
 * the API maps them to HTTP statuses in one middleware):
 * - `UNAVAILABLE` is the only code worth retrying (network, timeouts, 5xx, disk full).
 * - `NOT_FOUND`, `INVALID_KEY`, `INVALID_METADATA` are caller problems (404 / 400).
 * - `INTEGRITY_MISMATCH` and `CORRUPT_ARCHIVE` mean stored data is damaged: never retry blindly,
 *   alert someone.
 */

/** Every code a {@link StorageError} can carry. */
export const StorageErrorCode = {
  /** The object (or archive) does not exist, or an archive has no manifest yet (incomplete). */
  NOT_FOUND: 'NOT_FOUND',
  /** The store refused the credentials or the operation (S3 403, filesystem EACCES/EPERM). */
  ACCESS_DENIED: 'ACCESS_DENIED',
  /** Content does not match its recorded SHA-256 / size, or the checksum record is missing. */
  INTEGRITY_MISMATCH: 'INTEGRITY_MISMATCH',
  /** The store could not be reached or failed transiently (connection refused, timeout, 5xx, ENOSPC). */
  UNAVAILABLE: 'UNAVAILABLE',
  /** An archive's bytes are intact but cannot be decoded (bad manifest JSON, unreadable Parquet, schema drift). */
  CORRUPT_ARCHIVE: 'CORRUPT_ARCHIVE',
  /** An object key, key prefix or run id breaks the key rules (see `validateKey`). */
  INVALID_KEY: 'INVALID_KEY',
  /** User metadata has a bad name, a reserved name, or is too large. */
  INVALID_METADATA: 'INVALID_METADATA',
  /** A store error this library does not recognise; the original is in `cause`. */
  UNEXPECTED: 'UNEXPECTED',
} as const;

/** Union of the literal codes in {@link StorageErrorCode}. */
export type StorageErrorCode = (typeof StorageErrorCode)[keyof typeof StorageErrorCode];

/** Context shared by every storage error. */
export interface StorageErrorOptions {
  /** Object key the operation was about, when there was one. */
  readonly key?: string;
  /** The underlying error (SDK exception, `fs` error, decoder error). */
  readonly cause?: unknown;
}

/** Base class of every error thrown by `@coinhts/storage`. Switch on `code`, not on the class. */
export class StorageError extends Error {
  override readonly name: string = 'StorageError';
  /** What went wrong, as a literal (see {@link StorageErrorCode}). */
  readonly code: StorageErrorCode;
  /** Object key the operation was about, when there was one. */
  readonly key: string | undefined;

  /**
   * @param code - failure kind
   * @param message - human-readable explanation (include the key)
   * @param options - key and cause
   */
  constructor(code: StorageErrorCode, message: string, options: StorageErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.key = options.key;
  }
}

/** The object or archive does not exist (or an archive is incomplete: it has no manifest). */
export class NotFoundError extends StorageError {
  override readonly name = 'NotFoundError';
  declare readonly code: 'NOT_FOUND';
  /** @param message - explanation; @param options - key and cause */
  constructor(message: string, options: StorageErrorOptions = {}) {
    super(StorageErrorCode.NOT_FOUND, message, options);
  }
}

/** The store refused access (S3 403, filesystem EACCES / EPERM). */
export class AccessDeniedError extends StorageError {
  override readonly name = 'AccessDeniedError';
  declare readonly code: 'ACCESS_DENIED';
  /** @param message - explanation; @param options - key and cause */
  constructor(message: string, options: StorageErrorOptions = {}) {
    super(StorageErrorCode.ACCESS_DENIED, message, options);
  }
}

/** Context of an {@link IntegrityMismatchError}. */
export interface IntegrityMismatchErrorOptions extends StorageErrorOptions {
  /** SHA-256 (lower-case hex) that was recorded, if any was. */
  readonly expectedSha256?: string;
  /** SHA-256 (lower-case hex) of the bytes actually read, if they were read to the end. */
  readonly actualSha256?: string;
  /** Size in bytes that was recorded. */
  readonly expectedSize?: number;
  /** Size in bytes actually read. */
  readonly actualSize?: number;
}

/** Content does not match its recorded checksum or size, or no checksum was recorded at all. */
export class IntegrityMismatchError extends StorageError {
  override readonly name = 'IntegrityMismatchError';
  declare readonly code: 'INTEGRITY_MISMATCH';
  /** SHA-256 (hex) that was recorded, if any. */
  readonly expectedSha256: string | undefined;
  /** SHA-256 (hex) of the bytes read, if they were read to the end. */
  readonly actualSha256: string | undefined;
  /** Recorded size in bytes. */
  readonly expectedSize: number | undefined;
  /** Size in bytes actually read. */
  readonly actualSize: number | undefined;
  /** @param message - explanation; @param options - key, checksums, sizes and cause */
  constructor(message: string, options: IntegrityMismatchErrorOptions = {}) {
    super(StorageErrorCode.INTEGRITY_MISMATCH, message, options);
    this.expectedSha256 = options.expectedSha256;
    this.actualSha256 = options.actualSha256;
    this.expectedSize = options.expectedSize;
    this.actualSize = options.actualSize;
  }
}

/** The store is unreachable or failed transiently; retrying later may succeed. */
export class StorageUnavailableError extends StorageError {
  override readonly name = 'StorageUnavailableError';
  declare readonly code: 'UNAVAILABLE';
  /** @param message - explanation; @param options - key and cause */
  constructor(message: string, options: StorageErrorOptions = {}) {
    super(StorageErrorCode.UNAVAILABLE, message, options);
  }
}

/** An archive file is intact byte-wise but cannot be decoded or does not match its manifest's schema. */
export class CorruptArchiveError extends StorageError {
  override readonly name = 'CorruptArchiveError';
  declare readonly code: 'CORRUPT_ARCHIVE';
  /** @param message - explanation; @param options - key and cause */
  constructor(message: string, options: StorageErrorOptions = {}) {
    super(StorageErrorCode.CORRUPT_ARCHIVE, message, options);
  }
}

/** A key, key prefix or run id breaks the key rules. */
export class InvalidKeyError extends StorageError {
  override readonly name = 'InvalidKeyError';
  declare readonly code: 'INVALID_KEY';
  /** @param message - explanation; @param options - key and cause */
  constructor(message: string, options: StorageErrorOptions = {}) {
    super(StorageErrorCode.INVALID_KEY, message, options);
  }
}

/** User metadata is invalid (bad or reserved name, too large). */
export class InvalidMetadataError extends StorageError {
  override readonly name = 'InvalidMetadataError';
  declare readonly code: 'INVALID_METADATA';
  /** @param message - explanation; @param options - key and cause */
  constructor(message: string, options: StorageErrorOptions = {}) {
    super(StorageErrorCode.INVALID_METADATA, message, options);
  }
}

/** A store error this library does not recognise; inspect `cause`. */
export class UnexpectedStorageError extends StorageError {
  override readonly name = 'UnexpectedStorageError';
  declare readonly code: 'UNEXPECTED';
  /** @param message - explanation; @param options - key and cause */
  constructor(message: string, options: StorageErrorOptions = {}) {
    super(StorageErrorCode.UNEXPECTED, message, options);
  }
}

/**
 * Type guard: is `error` a {@link StorageError} (optionally with the given `code`)?
 * @param error - anything caught
 * @param code - when given, also require this code
 */
export function isStorageError<C extends StorageErrorCode>(
  error: unknown,
  code?: C,
): error is StorageError & { readonly code: C } {
  return error instanceof StorageError && (code === undefined || error.code === code);
}
