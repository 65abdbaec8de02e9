/**
 * The `StorageProvider` port: a small object store (put / get / head / delete / list / verify) with
 * a SHA-256 recorded for every object at write time and checked on every read.
 * Implementations: {@link LocalFsStorageProvider} (embedded default) and {@link S3StorageProvider}.
 */
import type { Readable } from 'node:stream';

/** Content read from a file on the local disk. */
export interface FileSource {
  /** Path of the file to upload (absolute, or relative to the process working directory). */
  readonly filePath: string;
}

/**
 * What `put` accepts: bytes (Buffer is a Uint8Array), a file, or a stream of bytes (a Node
 * `Readable` or any async iterable of `Uint8Array` / `string` chunks; strings are UTF-8 encoded).
 */
export type PutSource = Uint8Array | FileSource | AsyncIterable<Uint8Array | string>;

/** Options of `put`. */
export interface PutOptions {
  /** MIME type stored with the object. Default `application/octet-stream`. */
  readonly contentType?: string;
  /** User metadata (string to string); names must follow `validateMetadata`. Default `{}`. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Abort the upload; the promise rejects with the signal's reason and no object becomes visible. */
  readonly signal?: AbortSignal;
}

/** Options of reads. */
export interface ReadOptions {
  /** Abort the read. */
  readonly signal?: AbortSignal;
}

/** What `put` returns: the object as stored. */
export interface StoredObject {
  /** Object key. */
  readonly key: string;
  /** Size in bytes. */
  readonly size: number;
  /** SHA-256 of the content, lower-case hex (64 characters). */
  readonly sha256: string;
}

/** Everything recorded about an object. */
export interface ObjectInfo extends StoredObject {
  /** MIME type given at write time (default `application/octet-stream`). */
  readonly contentType: string;
  /** User metadata given at write time. */
  readonly metadata: Readonly<Record<string, string>>;
  /** When the object was last written (S3 has 1 s resolution). */
  readonly lastModified: Date;
}

/** A stream of an object's content plus what is recorded about it. */
export interface ObjectStream {
  /** Recorded facts (size, SHA-256, content type, metadata). */
  readonly info: ObjectInfo;
  /**
   * The content. It is checked while it flows: if the bytes do not hash to `info.sha256` (or the
   * size differs) the stream emits an `IntegrityMismatchError` instead of ending normally, so a
   * consumer using `stream.pipeline` or `for await` sees a rejection, never a silent success.
   */
  readonly body: Readable;
}

/** One entry of a listing. */
export interface ObjectSummary {
  /** Object key. */
  readonly key: string;
  /** Size in bytes. */
  readonly size: number;
  /** When the object was last written. */
  readonly lastModified: Date;
}

/** Options of `list`. */
export interface ListOptions {
  /** Only keys starting with this string (plain string prefix, as on S3). Default `''` (all). */
  readonly prefix?: string;
  /** `nextCursor` of the previous page; omit for the first page. Opaque. */
  readonly cursor?: string;
  /** Maximum entries per page, 1 to 1000. Default 1000. */
  readonly limit?: number;
}

/** A page of a listing, in ascending key order (UTF-8 byte order, as S3). */
export interface ListPage {
  /** Objects on this page. */
  readonly items: readonly ObjectSummary[];
  /** Pass as `cursor` to get the next page; `undefined` when this is the last page. */
  readonly nextCursor: string | undefined;
}

/**
 * A key-value object store with integrity checking.
 *
 * Contract (enforced by `describeStorageProviderContract` for every implementation):
 * - Writes are atomic: a reader sees the old object or the new one, and a failed or aborted `put`
 *   leaves no new object visible (an existing object under the same key stays intact).
 * - Every object has a SHA-256 and size recorded at write time; every read recomputes them and a
 *   difference is an `IntegrityMismatchError` (`INTEGRITY_MISMATCH`), never a silent success.
 * - Missing objects are `NotFoundError` (`NOT_FOUND`); `delete` of a missing object succeeds.
 * - Keys are checked by `validateKey` (`INVALID_KEY`), metadata by `validateMetadata`.
 * - Portable key sets never use one key as a "folder" of another (`a` and `a/b`): S3 accepts both,
 *   the local filesystem cannot and rejects the second with `INVALID_KEY`.
 * - Errors raised by a `put` source (a stream that fails, a missing source file) are rethrown
 *   unchanged; store failures become `StorageError`s with the original as `cause`.
 */
export interface StorageProvider {
  /**
   * Writes an object, replacing any object under the same key.
   * @param key - object key
   * @param source - bytes, a file, or a stream
   * @param options - content type, metadata, abort signal
   */
  put(key: string, source: PutSource, options?: PutOptions): Promise<StoredObject>;
  /**
   * Reads a whole object into memory, verified.
   * @param key - object key
   */
  getBytes(key: string, options?: ReadOptions): Promise<Uint8Array>;
  /**
   * Opens an object as a stream that is verified as it flows (see {@link ObjectStream.body}).
   * @param key - object key
   */
  getStream(key: string, options?: ReadOptions): Promise<ObjectStream>;
  /**
   * Downloads an object to a file: written to a temporary file next to `filePath`, verified, and only
   * then renamed into place; on a mismatch nothing is left at `filePath`. Parent folders are created.
   * @param key - object key
   * @param filePath - destination path (replaced if it exists)
   */
  getToFile(key: string, filePath: string, options?: ReadOptions): Promise<ObjectInfo>;
  /**
   * Returns what is recorded about an object without reading its content (so it does not verify).
   * @param key - object key
   */
  head(key: string): Promise<ObjectInfo>;
  /**
   * Deletes an object; succeeds if it does not exist.
   * @param key - object key
   */
  delete(key: string): Promise<void>;
  /**
   * Lists objects by key prefix, one page at a time, in UTF-8 byte order of keys.
   * @param options - prefix, cursor, page size
   */
  list(options?: ListOptions): Promise<ListPage>;
  /**
   * Reads the whole object, recomputes its SHA-256 and size and compares them with the recorded
   * ones; throws `IntegrityMismatchError` on any difference.
   * @param key - object key
   * @returns the recorded facts, now confirmed
   */
  verify(key: string, options?: ReadOptions): Promise<ObjectInfo>;
}

/**
 * Iterates over every object under `prefix`, fetching pages as needed.
 * @param provider - the store
 * @param options - prefix and page size (`cursor` is managed here)
 */
export async function* listAll(
  provider: StorageProvider,
  options: Omit<ListOptions, 'cursor'> = {},
): AsyncGenerator<ObjectSummary, void, undefined> {
  let cursor: string | undefined;
  do {
    const page = await provider.list({ ...options, cursor });
    yield* page.items;
    cursor = page.nextCursor;
  } while (cursor !== undefined);
}
