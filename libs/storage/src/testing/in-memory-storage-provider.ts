/**
 * `InMemoryStorageProvider`: a fake for tests of code that stores things (results, jobs). It
 * passes the same contract suite as the real providers, including checksum verification, so
 * tests can also damage objects on purpose with {@link InMemoryStorageProvider.corrupt}.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { NotFoundError } from '../errors';
import { assertContentMatches, pumpSource, sha256Hex } from '../integrity';
import { compareKeys, validateKey, validateMetadata, validatePrefix } from '../key';
import { decodeCursor, encodeCursor, resolveLimit } from '../listing';
import type {
  ListOptions, ListPage, ObjectInfo, ObjectStream, PutOptions, PutSource, ReadOptions, StorageProvider, StoredObject,
} from '../provider';

interface Entry {
  bytes: Buffer;
  readonly info: ObjectInfo;
}

/** A {@link StorageProvider} that keeps objects in a Map (process memory). */
export class InMemoryStorageProvider implements StorageProvider {
  private readonly objects = new Map<string, Entry>();

  /** Number of objects stored. */
  get size(): number {
    return this.objects.size;
  }

  /**
   * Flips one byte of the stored content (or appends one to an empty object) while keeping the
   * recorded checksum, so the next read fails with `INTEGRITY_MISMATCH`.
   * @param key - object key
   * @param offset - byte to flip (default: the middle)
   */
  corrupt(key: string, offset?: number): void {
    const entry = this.objects.get(key);
    if (!entry) throw new NotFoundError(`in-memory storage: object ${JSON.stringify(key)} not found`, { key });
    const bytes = Buffer.from(entry.bytes);
    if (bytes.length === 0) entry.bytes = Buffer.from([0]);
    else {
      bytes[offset ?? bytes.length >> 1] ^= 0xff;
      entry.bytes = bytes;
    }
  }

  /** {@inheritDoc StorageProvider.put} */
  async put(key: string, source: PutSource, options: PutOptions = {}): Promise<StoredObject> {
    validateKey(key);
    const metadata = { ...(options.metadata ?? {}) };
    validateMetadata(metadata, key);
    const chunks: Buffer[] = [];
    const digest = await pumpSource(source, (chunk) => void chunks.push(Buffer.from(chunk)), options.signal);
    const bytes = Buffer.concat(chunks, digest.size);
    const info: ObjectInfo = {
      key, size: digest.size, sha256: digest.sha256, contentType: options.contentType ?? 'application/octet-stream', metadata,
      lastModified: new Date(),
    };
    this.objects.set(key, { bytes, info });
    return { key, size: info.size, sha256: info.sha256 };
  }

  private entry(key: string): Entry {
    validateKey(key);
    const entry = this.objects.get(key);
    if (!entry) throw new NotFoundError(`in-memory storage: object ${JSON.stringify(key)} not found`, { key });
    return entry;
  }

  private verified(key: string): Entry {
    const entry = this.entry(key);
    assertContentMatches(entry.info, { size: entry.bytes.byteLength, sha256: sha256Hex(entry.bytes) });
    return entry;
  }

  private copyInfo(info: ObjectInfo): ObjectInfo {
    return { ...info, metadata: { ...info.metadata }, lastModified: new Date(info.lastModified) };
  }

  /** {@inheritDoc StorageProvider.getBytes} */
  async getBytes(key: string, options: ReadOptions = {}): Promise<Uint8Array> {
    options.signal?.throwIfAborted();
    return new Uint8Array(this.verified(key).bytes);
  }

  /** {@inheritDoc StorageProvider.getStream} */
  async getStream(key: string, options: ReadOptions = {}): Promise<ObjectStream> {
    options.signal?.throwIfAborted();
    const entry = this.entry(key);
    const bytes = Buffer.from(entry.bytes);
    const info = this.copyInfo(entry.info);
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let o = 0; o < bytes.length; o += 65536) yield bytes.subarray(o, o + 65536);
      // Like the real providers: the mismatch surfaces at the end of the stream.
      assertContentMatches(info, { size: bytes.byteLength, sha256: sha256Hex(bytes) });
    }
    return { info, body: Readable.from(chunks(), { objectMode: false }) };
  }

  /** {@inheritDoc StorageProvider.getToFile} */
  async getToFile(key: string, filePath: string, options: ReadOptions = {}): Promise<ObjectInfo> {
    options.signal?.throwIfAborted();
    const entry = this.verified(key);
    const target = resolve(filePath);
    const partial = `${target}.${randomUUID()}.part`;
    await mkdir(dirname(target), { recursive: true });
    try {
      await writeFile(partial, entry.bytes, { flag: 'wx' });
      await rename(partial, target);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    return this.copyInfo(entry.info);
  }

  /** {@inheritDoc StorageProvider.head} */
  async head(key: string): Promise<ObjectInfo> {
    return this.copyInfo(this.entry(key).info);
  }

  /** {@inheritDoc StorageProvider.verify} */
  async verify(key: string): Promise<ObjectInfo> {
    return this.copyInfo(this.verified(key).info);
  }

  /** {@inheritDoc StorageProvider.delete} */
  async delete(key: string): Promise<void> {
    validateKey(key);
    this.objects.delete(key);
  }

  /** {@inheritDoc StorageProvider.list} */
  async list(options: ListOptions = {}): Promise<ListPage> {
    const prefix = options.prefix ?? '';
    validatePrefix(prefix);
    const limit = resolveLimit(options.limit);
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
    const keys = [...this.objects.keys()]
      .filter((k) => k.startsWith(prefix) && (after === undefined || compareKeys(k, after) > 0))
      .sort(compareKeys);
    const page = keys.slice(0, limit);
    const items = page.map((key) => {
      const { size, lastModified } = (this.objects.get(key) as Entry).info;
      return { key, size, lastModified: new Date(lastModified) };
    });
    return { items, nextCursor: keys.length > limit ? encodeCursor(page[page.length - 1]) : undefined };
  }
}
