/**
 * `LocalFsStorageProvider`: the embedded default store, a folder on the local disk.
 *
 * Layout under `rootDir` (documented in docs/storage.md):
 * - `objects/<key>` — the content, as a plain file (other tools such as DuckDB can read it).
 * - `meta/<key>`    — a sidecar JSON: size, SHA-256, content type, metadata, time, write id.
 * - `tmp/`          — in-flight writes (same filesystem, so renames are atomic).
 *
 * A write streams the content into `tmp/` while hashing it, writes the sidecar into `tmp/`, fsyncs
 * both at once (option), then renames the content into place and the sidecar last, then fsyncs both
 * folders at once. The sidecar rename is
 * the commit point: an object exists exactly when its sidecar does, so a write that fails or is
 * aborted before it leaves nothing visible. Every read recomputes the SHA-256.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, rmdir, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { addAbortSignal, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  InvalidKeyError,
  IntegrityMismatchError,
  NotFoundError,
  StorageError,
} from '../errors';
import {
  assertContentMatches,
  ContentDigest,
  createVerifyingStream,
  pumpSource,
  sha256Hex,
  SinkFailure,
} from '../integrity';
import { compareKeys, validateKey, validateMetadata, validatePrefix } from '../key';
import type {
  ListOptions,
  ListPage,
  ObjectInfo,
  ObjectStream,
  ObjectSummary,
  PutOptions,
  PutSource,
  ReadOptions,
  StorageProvider,
  StoredObject,
} from '../provider';
import { decodeCursor, encodeCursor, resolveLimit } from '../listing';
import { errnoCode, mapFsError } from './fs-errors';

/** Options of {@link LocalFsStorageProvider}. */
export interface LocalFsStorageProviderOptions {
  /** Folder that holds the store (created on first write). */
  readonly rootDir: string;
  /**
   * fsync content, sidecar and their folders before a write returns, so a power cut cannot lose an
   * acknowledged write. Default `true`; turn off only for throwaway stores (tests).
   */
  readonly fsync?: boolean;
}

/** MIME type used when `put` is given none. */
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** The sidecar JSON stored in `meta/<key>`. */
interface Sidecar {
  readonly formatVersion: 1;
  readonly key: string;
  readonly size: number;
  readonly sha256: string;
  readonly contentType: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** Epoch ms. */
  readonly lastModified: number;
  /** Random id of the write, to tell a concurrent replacement from damage. */
  readonly writeId: string;
  /** Inode number of the content file (decimal; `'0'` where the filesystem has none). */
  readonly ino: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** A sidecar plus an open handle on the content file. */
interface OpenPair {
  readonly sidecar: Sidecar;
  readonly handle: FileHandle;
  /** The open file is the one the sidecar was written for (same inode). */
  readonly sameFile: boolean;
}
/** Attempts of a rename into a folder a concurrent delete may prune. */
const RENAME_ATTEMPTS = 3;
/** Waits between re-reads while a concurrent write is between its two renames (ms; ~0.2 s in all). */
const RETRY_DELAYS_MS = [1, 2, 4, 8, 16, 32, 64, 100];
/** How many of those a stream waits before it starts (a stream cannot restart later). */
const STREAM_WAITS = 4;

const delay = (ms: number): Promise<void> => new Promise((ok) => setTimeout(ok, ms));

function parseSidecar(text: string, key: string): Sidecar {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new IntegrityMismatchError(`local storage: sidecar of ${JSON.stringify(key)} is not valid JSON`, { key, cause });
  }
  const s = value as Partial<Sidecar> | null;
  if (
    !s || s.formatVersion !== 1 || s.key !== key || typeof s.size !== 'number' || !Number.isSafeInteger(s.size) ||
    typeof s.sha256 !== 'string' || !HEX64.test(s.sha256) || typeof s.contentType !== 'string' ||
    typeof s.metadata !== 'object' || s.metadata === null || typeof s.lastModified !== 'number' || typeof s.writeId !== 'string' || typeof s.ino !== 'string'
  ) {
    throw new IntegrityMismatchError(`local storage: sidecar of ${JSON.stringify(key)} is malformed`, { key });
  }
  return s as Sidecar;
}

function toInfo(s: Sidecar): ObjectInfo {
  return { key: s.key, size: s.size, sha256: s.sha256, contentType: s.contentType, metadata: { ...s.metadata }, lastModified: new Date(s.lastModified) };
}

async function writeFully(handle: FileHandle, chunk: Buffer): Promise<void> {
  let offset = 0;
  while (offset < chunk.byteLength) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset);
    offset += bytesWritten;
  }
}

/** A {@link StorageProvider} over a local folder; see the module comment for the layout. */
export class LocalFsStorageProvider implements StorageProvider {
  /** Absolute root folder. */
  readonly rootDir: string;
  private readonly fsync: boolean;
  private readonly objectsDir: string;
  private readonly metaDir: string;
  private readonly tmpDir: string;

  /** @param options - root folder and durability setting */
  constructor(options: LocalFsStorageProviderOptions) {
    this.rootDir = resolve(options.rootDir);
    this.fsync = options.fsync ?? true;
    this.objectsDir = join(this.rootDir, 'objects');
    this.metaDir = join(this.rootDir, 'meta');
    this.tmpDir = join(this.rootDir, 'tmp');
  }

  /**
   * Absolute path of the file holding `key`'s content, for tools that read files directly. Read
   * only; writing to it is detected as tampering on the next read.
   * @param key - object key
   */
  pathOf(key: string): string {
    validateKey(key);
    return join(this.objectsDir, ...key.split('/'));
  }

  private metaPathOf(key: string): string {
    return join(this.metaDir, ...key.split('/'));
  }

  /** {@inheritDoc StorageProvider.put} */
  async put(key: string, source: PutSource, options: PutOptions = {}): Promise<StoredObject> {
    validateKey(key);
    const metadata = { ...(options.metadata ?? {}) };
    validateMetadata(metadata, key);
    const contentType = options.contentType ?? DEFAULT_CONTENT_TYPE;
    const writeId = randomUUID();
    const tmpData = join(this.tmpDir, `${writeId}.data`);
    const tmpMeta = join(this.tmpDir, `${writeId}.meta`);
    let handle: FileHandle | undefined;
    try {
      try {
        await mkdir(this.tmpDir, { recursive: true });
        handle = await open(tmpData, 'wx');
      } catch (error) {
        throw mapFsError(error, key, 'create temporary file for');
      }
      const fh = handle;
      let digest: ContentDigest;
      try {
        digest = await pumpSource(source, (chunk) => writeFully(fh, chunk), options.signal);
      } catch (error) {
        if (error instanceof SinkFailure) throw mapFsError(error.cause, key, 'write', tmpData);
        throw error; // the source's own error (or the abort reason), unchanged
      }
      try {
        const ino = String((await fh.stat({ bigint: true })).ino);
        const sidecar: Sidecar = {
          formatVersion: 1, key, size: digest.size, sha256: digest.sha256, contentType, metadata, lastModified: Date.now(), writeId, ino,
        };
        // Both temporaries are made durable at once (neither is visible before the renames below,
        // which wait for both), so a write waits for one fsync round here instead of two.
        const settled = await Promise.allSettled([this.fsync ? fh.sync() : undefined, this.writeFileDurably(tmpMeta, JSON.stringify(sidecar))]);
        for (const r of settled) if (r.status === 'rejected') throw r.reason;
        await fh.close();
        handle = undefined;
      } catch (error) {
        throw mapFsError(error, key, 'write', handle === undefined ? tmpMeta : tmpData);
      }
      options.signal?.throwIfAborted();
      await this.commit(key, tmpData, tmpMeta);
      return { key, size: digest.size, sha256: digest.sha256 };
    } finally {
      await handle?.close().catch(() => undefined);
      // After a successful commit both temporaries are gone and these are no-ops.
      await rm(tmpData, { force: true }).catch(() => undefined);
      await rm(tmpMeta, { force: true }).catch(() => undefined);
    }
  }

  private async writeFileDurably(path: string, text: string): Promise<void> {
    const fh = await open(path, 'wx');
    try {
      await writeFully(fh, Buffer.from(text, 'utf8'));
      if (this.fsync) await fh.sync();
    } finally {
      await fh.close();
    }
  }

  /** Renames content then sidecar into place (sidecar last: the commit point). */
  private async commit(key: string, tmpData: string, tmpMeta: string): Promise<void> {
    const dataPath = this.pathOf(key);
    const metaPath = this.metaPathOf(key);
    await this.renameInto(key, tmpData, dataPath);
    await this.renameInto(key, tmpMeta, metaPath);
    if (this.fsync) {
      // The two renames are durable once both folders are synced; both at once (one round).
      const settled = await Promise.allSettled([this.syncDir(dirname(dataPath), key), this.syncDir(dirname(metaPath), key)]);
      for (const r of settled) if (r.status === 'rejected') throw r.reason;
    }
  }

  private async renameInto(key: string, from: string, to: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await mkdir(dirname(to), { recursive: true });
        await rename(from, to);
        return;
      } catch (error) {
        const code = errnoCode(error);
        // A concurrent delete may prune the folder between mkdir and rename: try again.
        if (code === 'ENOENT' && attempt < RENAME_ATTEMPTS) continue;
        if (code === 'EISDIR' && attempt < RENAME_ATTEMPTS) {
          // An empty folder left behind can be removed; a non-empty one holds other objects.
          const removed = await rmdir(to).then(() => true, () => false);
          if (removed) continue;
        }
        if (code === 'EISDIR' || code === 'ENOTDIR' || code === 'EEXIST') {
          throw new InvalidKeyError(
            `local storage: key ${JSON.stringify(key)} conflicts with an existing object: a local folder cannot hold both ` +
              `"x" and "x/…" as objects`,
            { key, cause: error },
          );
        }
        throw mapFsError(error, key, 'commit');
      }
    }
  }

  private async syncDir(dir: string, key: string): Promise<void> {
    try {
      const fh = await open(dir, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    } catch (error) {
      // Some filesystems refuse fsync on folders (EINVAL); the rename itself has happened.
      if (errnoCode(error) !== 'EINVAL') throw mapFsError(error, key, 'sync folder of');
    }
  }

  private async readSidecar(key: string): Promise<Sidecar> {
    let text: string;
    try {
      text = await readFile(this.metaPathOf(key), 'utf8');
    } catch (error) {
      const mapped = mapFsError(error, key, 'read');
      if (mapped.code === 'NOT_FOUND') throw new NotFoundError(`local storage: object ${JSON.stringify(key)} not found`, { key, cause: error });
      throw mapped;
    }
    return parseSidecar(text, key);
  }

  /** True when the object's sidecar now differs from `before` (it was replaced or deleted). */
  private async changedSince(key: string, before: Sidecar): Promise<boolean> {
    try {
      return (await this.readSidecar(key)).writeId !== before.writeId;
    } catch (error) {
      if (error instanceof StorageError && error.code === 'NOT_FOUND') return true;
      return false;
    }
  }

  /**
   * Opens the content file and reads the sidecar. `sameFile` tells whether the opened file is the
   * one the sidecar was written for (rename keeps inode numbers): a write renames the content
   * before the sidecar, so for a moment the file may be newer than the sidecar. A different inode
   * is not damage by itself (a store restored from a backup has new inodes); the checksum decides.
   */
  private async openPair(key: string): Promise<OpenPair> {
    for (let attempt = 1; ; attempt++) {
      const sidecar = await this.readSidecar(key);
      try {
        const handle = await open(this.pathOf(key), 'r');
        const ino = String((await handle.stat({ bigint: true })).ino);
        return { sidecar, handle, sameFile: sidecar.ino === '0' || ino === '0' || ino === sidecar.ino };
      } catch (error) {
        if (errnoCode(error) !== 'ENOENT') throw mapFsError(error, key, 'open');
        // Deleted (or replaced) between reading the sidecar and opening the content?
        if (attempt < RETRY_DELAYS_MS.length && (await this.changedSince(key, sidecar))) continue;
        throw new IntegrityMismatchError(`local storage: content file of ${JSON.stringify(key)} is missing (its sidecar exists)`, { key, cause: error });
      }
    }
  }

  /**
   * Runs a whole-object read (`read` hashes and checks). On a mismatch while the content file is
   * not the sidecar's own (a write is between its two renames), waits briefly and reads again.
   */
  private async readVerified<T>(key: string, read: (pair: OpenPair) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const pair = await this.openPair(key);
      try {
        return await read(pair);
      } catch (error) {
        if (!(error instanceof IntegrityMismatchError) || pair.sameFile || attempt >= RETRY_DELAYS_MS.length) throw error;
      } finally {
        await pair.handle.close().catch(() => undefined);
      }
      await delay(RETRY_DELAYS_MS[attempt]);
    }
  }

  /** {@inheritDoc StorageProvider.getBytes} */
  async getBytes(key: string, options: ReadOptions = {}): Promise<Uint8Array> {
    validateKey(key);
    return this.readVerified(key, async ({ sidecar, handle }) => {
      let bytes: Buffer;
      try {
        bytes = await handle.readFile({ signal: options.signal });
      } catch (error) {
        if (options.signal?.aborted) throw error;
        throw mapFsError(error, key, 'read');
      }
      assertContentMatches(sidecar, { size: bytes.byteLength, sha256: sha256Hex(bytes) });
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    });
  }

  /** {@inheritDoc StorageProvider.getStream} */
  async getStream(key: string, options: ReadOptions = {}): Promise<ObjectStream> {
    validateKey(key);
    // A stream cannot be restarted once bytes went out, so wait out an in-flight write up front
    // (a few ms); if the file still differs (e.g. restored from a backup), the checksum decides.
    let pair = await this.openPair(key);
    for (let attempt = 0; !pair.sameFile && attempt < STREAM_WAITS; attempt++) {
      await pair.handle.close().catch(() => undefined);
      await delay(RETRY_DELAYS_MS[attempt]);
      pair = await this.openPair(key);
    }
    const { sidecar, handle } = pair;
    const file = handle.createReadStream();
    const body = createVerifyingStream(sidecar);
    file.on('error', (error) => body.destroy(mapFsError(error, key, 'read')));
    body.on('close', () => file.destroy());
    file.pipe(body);
    if (options.signal) addAbortSignal(options.signal, body);
    return { info: toInfo(sidecar), body };
  }

  /** {@inheritDoc StorageProvider.getToFile} */
  async getToFile(key: string, filePath: string, options: ReadOptions = {}): Promise<ObjectInfo> {
    validateKey(key);
    const target = resolve(filePath);
    try {
      await mkdir(dirname(target), { recursive: true });
    } catch (error) {
      throw mapFsError(error, key, `create folder of ${target} for`);
    }
    return this.readVerified(key, async ({ sidecar, handle }) => {
      const partial = `${target}.${randomUUID()}.part`;
      try {
        await pipeline(
          handle.createReadStream({ autoClose: false }),
          createVerifyingStream(sidecar),
          createWriteStream(partial, { flags: 'wx' }),
          { signal: options.signal },
        );
        await rename(partial, target);
        return toInfo(sidecar);
      } catch (error) {
        await rm(partial, { force: true }).catch(() => undefined);
        if (error instanceof StorageError || options.signal?.aborted) throw error;
        throw mapFsError(error, key, `download to ${target}`);
      }
    });
  }

  /** {@inheritDoc StorageProvider.head} */
  async head(key: string): Promise<ObjectInfo> {
    validateKey(key);
    return toInfo(await this.readSidecar(key));
  }

  /** {@inheritDoc StorageProvider.verify} */
  async verify(key: string, options: ReadOptions = {}): Promise<ObjectInfo> {
    validateKey(key);
    return this.readVerified(key, async ({ sidecar, handle }) => {
      const digest = new ContentDigest();
      try {
        const stream: Readable = handle.createReadStream({ autoClose: false });
        if (options.signal) addAbortSignal(options.signal, stream);
        for await (const chunk of stream) digest.update(chunk as Buffer);
      } catch (error) {
        if (options.signal?.aborted) throw error;
        throw mapFsError(error, key, 'read');
      }
      assertContentMatches(sidecar, digest);
      return toInfo(sidecar);
    });
  }

  /** {@inheritDoc StorageProvider.delete} */
  async delete(key: string): Promise<void> {
    validateKey(key);
    // Sidecar first: the object disappears atomically, then its content goes.
    await this.removeFile(this.metaPathOf(key), key);
    await this.removeFile(this.pathOf(key), key);
    await this.pruneEmptyFolders(dirname(this.metaPathOf(key)), this.metaDir);
    await this.pruneEmptyFolders(dirname(this.pathOf(key)), this.objectsDir);
  }

  private async removeFile(path: string, key: string): Promise<void> {
    try {
      await unlink(path);
    } catch (error) {
      const code = errnoCode(error);
      // Missing, or a folder (key "a" while only "a/…" objects exist): nothing to delete.
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return;
      throw mapFsError(error, key, 'delete');
    }
  }

  private async pruneEmptyFolders(from: string, stopAt: string): Promise<void> {
    let dir = from;
    while (dir.startsWith(stopAt + sep)) {
      const removed = await rmdir(dir).then(() => true, () => false);
      if (!removed) return;
      dir = dirname(dir);
    }
  }

  /** {@inheritDoc StorageProvider.list} */
  async list(options: ListOptions = {}): Promise<ListPage> {
    const prefix = options.prefix ?? '';
    validatePrefix(prefix);
    const limit = resolveLimit(options.limit);
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
    const base = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const keys: string[] = [];
    await this.collectKeys(join(this.metaDir, ...base.split('/').filter(Boolean)), base, prefix, keys);
    const candidates = keys
      .filter((k) => k.startsWith(prefix) && (after === undefined || compareKeys(k, after) > 0))
      .sort(compareKeys);
    const items: ObjectSummary[] = [];
    let index = 0;
    for (; index < candidates.length && items.length < limit; index++) {
      const key = candidates[index];
      try {
        const s = await this.readSidecar(key);
        items.push({ key, size: s.size, lastModified: new Date(s.lastModified) });
      } catch (error) {
        // Deleted since the folder was read: not part of this listing.
        if (!(error instanceof StorageError && error.code === 'NOT_FOUND')) throw error;
      }
    }
    const more = index < candidates.length;
    return { items, nextCursor: more && items.length > 0 ? encodeCursor(items[items.length - 1].key) : undefined };
  }

  private async collectKeys(dir: string, keyPrefix: string, wanted: string, out: string[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw mapFsError(error, undefined, `list ${dir} in`);
    }
    for (const entry of entries) {
      const key = keyPrefix + entry.name;
      if (entry.isDirectory()) {
        const sub = `${key}/`;
        // Descend only where keys can still start with the wanted prefix.
        if (sub.startsWith(wanted) || wanted.startsWith(sub)) await this.collectKeys(join(dir, entry.name), sub, wanted, out);
      } else if (entry.isFile()) {
        out.push(key);
      }
    }
  }
}
