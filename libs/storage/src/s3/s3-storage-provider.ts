/**
 * `S3StorageProvider`: objects in an S3-compatible bucket (AWS S3, MinIO, moto, s3rver).
 *
 * Integrity: the SHA-256 of the content is stored as user metadata `x-amz-meta-sha256` and every
 * read recomputes it. S3 needs metadata before the body, so the hash must be known before the
 * upload starts: bytes are hashed in memory; a file is hashed in a first pass (and hashed again
 * while it uploads, so a file changed in between is caught); a stream is spooled while it is
 * hashed — in memory up to `multipartThresholdBytes`, beyond that to a temporary file.
 * Objects of `multipartThresholdBytes` or more go up as multipart uploads (lib-storage `Upload`),
 * which S3 only makes visible when complete; a failed or aborted upload is aborted server-side.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { addAbortSignal, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type * as ClientS3 from '@aws-sdk/client-s3';
import type { S3Client, GetObjectCommandOutput } from '@aws-sdk/client-s3';
import type * as LibStorage from '@aws-sdk/lib-storage';
import { IntegrityMismatchError, InvalidKeyError, StorageError } from '../errors';
import {
  assertContentMatches,
  ContentDigest,
  createVerifyingStream,
  isFileSource,
  pumpSource,
  SinkFailure,
} from '../integrity';
import { validateKey, validateMetadata, validatePrefix } from '../key';
import { decodeCursor, encodeCursor, resolveLimit } from '../listing';
import { mapFsError } from '../local/fs-errors';
import type {
  ListOptions,
  ListPage,
  ObjectInfo,
  ObjectStream,
  PutOptions,
  PutSource,
  ReadOptions,
  StorageProvider,
  StoredObject,
} from '../provider';
import { mapS3Error } from './s3-errors';

/** Static credentials for the S3 client. */
export interface S3Credentials {
  /** Access key id. */
  readonly accessKeyId: string;
  /** Secret access key. */
  readonly secretAccessKey: string;
  /** Session token of temporary credentials. */
  readonly sessionToken?: string;
}

/** Options of {@link S3StorageProvider}. All sizes in bytes, all times in ms. */
export interface S3StorageProviderOptions {
  /** Bucket name (must exist). */
  readonly bucket: string;
  /**
   * A ready S3 client; when given, `endpoint`, `region`, `credentials`, `forcePathStyle`,
   * `maxAttempts` and the timeouts are ignored and the caller owns (and destroys) the client.
   */
  readonly client?: S3Client;
  /** Endpoint URL of an S3-compatible server, e.g. `http://127.0.0.1:4566`. Default: AWS. */
  readonly endpoint?: string;
  /** Region. Default `us-east-1`. */
  readonly region?: string;
  /** Static credentials. Default: the AWS SDK's default provider chain. */
  readonly credentials?: S3Credentials;
  /** Path-style URLs (`endpoint/bucket/key`), needed by MinIO, moto and s3rver. Default `true`. */
  readonly forcePathStyle?: boolean;
  /** Prefix put in front of every key inside the bucket (`''` or ending in `/`). Default `''`. */
  readonly keyPrefix?: string;
  /** Objects of at least this size use multipart upload. Default 16 MiB; at least `partSizeBytes`. */
  readonly multipartThresholdBytes?: number;
  /** Multipart part size. Default 8 MiB; S3 requires at least 5 MiB. */
  readonly partSizeBytes?: number;
  /** Parts uploaded in parallel. Default 4. */
  readonly queueSize?: number;
  /** Attempts per request including the first (SDK retry with back-off). Default 3. */
  readonly maxAttempts?: number;
  /** TCP connect timeout. Default 5 000 ms. */
  readonly connectionTimeoutMs?: number;
  /** Socket inactivity timeout of a request. Default 120 000 ms. */
  readonly requestTimeoutMs?: number;
  /** Folder for spooling large streams before upload. Default the OS temp folder. */
  readonly spoolDir?: string;
}

/**
 * The AWS SDK, loaded when the first S3 provider is made: importing `@coinhts/storage` for a
 * local store (a CLI backtest) does not load it (~100 ms and ~40 MB of modules).
 */
function sdk(): { s3: typeof ClientS3; storage: typeof LibStorage } {
  return { s3: require('@aws-sdk/client-s3') as typeof ClientS3, storage: require('@aws-sdk/lib-storage') as typeof LibStorage };
}

const MIN_PART_SIZE = 5 * 1024 * 1024;
const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
const HEX64 = /^[0-9a-f]{64}$/;
const SHA256_METADATA = 'sha256';

/** Content ready to upload: in memory, or in a file whose hash is already known. */
type Prepared =
  | { readonly kind: 'bytes'; readonly bytes: Buffer; readonly digest: ContentDigest }
  | { readonly kind: 'file'; readonly path: string; readonly digest: ContentDigest; readonly removeAfter: boolean };

// Metadata values travel as HTTP headers, which only carry ASCII reliably; URI-encoding makes
// any Unicode value round-trip on every S3 implementation.
function encodeMetadata(metadata: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, encodeURIComponent(v)]));
}

function decodeMetadataValue(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

async function writeFully(handle: FileHandle, chunk: Buffer): Promise<void> {
  let offset = 0;
  while (offset < chunk.byteLength) offset += (await handle.write(chunk, offset, chunk.byteLength - offset)).bytesWritten;
}

/** A {@link StorageProvider} over an S3 bucket; see the module comment for the integrity scheme. */
export class S3StorageProvider implements StorageProvider {
  /** Bucket name. */
  readonly bucket: string;
  /** Prefix in front of every key inside the bucket. */
  readonly keyPrefix: string;
  /** The S3 client in use. */
  readonly client: S3Client;
  private readonly ownsClient: boolean;
  private readonly threshold: number;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly spoolDir: string;

  /** @param options - bucket, connection and upload settings */
  constructor(options: S3StorageProviderOptions) {
    if (!options.bucket) throw new TypeError('S3StorageProvider: bucket is required');
    const keyPrefix = options.keyPrefix ?? '';
    if (keyPrefix !== '') {
      validatePrefix(keyPrefix);
      if (!keyPrefix.endsWith('/')) throw new InvalidKeyError(`keyPrefix ${JSON.stringify(keyPrefix)} must end with "/"`, { key: keyPrefix });
    }
    this.bucket = options.bucket;
    this.keyPrefix = keyPrefix;
    this.partSize = options.partSizeBytes ?? 8 * 1024 * 1024;
    if (!Number.isInteger(this.partSize) || this.partSize < MIN_PART_SIZE) {
      throw new RangeError(`S3StorageProvider: partSizeBytes must be an integer >= ${MIN_PART_SIZE} (the S3 minimum)`);
    }
    this.threshold = Math.max(options.multipartThresholdBytes ?? 16 * 1024 * 1024, this.partSize);
    this.queueSize = options.queueSize ?? 4;
    this.spoolDir = options.spoolDir ?? tmpdir();
    this.ownsClient = options.client === undefined;
    this.client = options.client ?? new (sdk().s3.S3Client)({
      endpoint: options.endpoint,
      region: options.region ?? 'us-east-1',
      credentials: options.credentials,
      forcePathStyle: options.forcePathStyle ?? true,
      maxAttempts: options.maxAttempts ?? 3,
      // Checksums only when an operation requires them: moto and s3rver then behave alike, and
      // our own SHA-256 covers integrity end to end.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: {
        connectionTimeout: options.connectionTimeoutMs ?? 5_000,
        requestTimeout: options.requestTimeoutMs ?? 120_000,
        // Without this the handler only logs a warning when the timeout passes and keeps waiting.
        throwOnRequestTimeout: true,
      },
    });
  }

  /** Closes the client's sockets if this provider created the client. */
  destroy(): void {
    if (this.ownsClient) this.client.destroy();
  }

  private s3Key(key: string): string {
    return this.keyPrefix + key;
  }

  /** {@inheritDoc StorageProvider.put} */
  async put(key: string, source: PutSource, options: PutOptions = {}): Promise<StoredObject> {
    validateKey(key);
    const userMetadata = options.metadata ?? {};
    validateMetadata(userMetadata, key);
    const signal = options.signal;
    signal?.throwIfAborted();
    const prepared = await this.prepare(key, source, signal);
    try {
      const digest = prepared.digest;
      const params = {
        Bucket: this.bucket,
        Key: this.s3Key(key),
        ContentType: options.contentType ?? DEFAULT_CONTENT_TYPE,
        Metadata: { ...encodeMetadata(userMetadata), [SHA256_METADATA]: digest.sha256 },
      };
      if (prepared.kind === 'bytes') {
        await this.upload(key, { ...params, Body: prepared.bytes }, digest.size, signal);
      } else {
        // Hash again while uploading: a source file changed since the first pass must not be
        // stored under the first pass's checksum.
        const uploaded = new ContentDigest();
        const body = createReadStream(prepared.path).pipe(new Transform({
          transform(chunk: Buffer, _enc, callback) {
            uploaded.update(chunk);
            callback(null, chunk);
          },
        }));
        await this.upload(key, { ...params, Body: body }, digest.size, signal);
        if (uploaded.size !== digest.size || uploaded.sha256 !== digest.sha256) {
          await this.delete(key).catch(() => undefined);
          throw new IntegrityMismatchError(`S3: source file of ${JSON.stringify(key)} changed while it was uploaded; nothing stored`, {
            key, expectedSha256: digest.sha256, actualSha256: uploaded.sha256, expectedSize: digest.size, actualSize: uploaded.size,
          });
        }
      }
      return { key, size: digest.size, sha256: digest.sha256 };
    } finally {
      if (prepared.kind === 'file' && prepared.removeAfter) await rm(prepared.path, { force: true }).catch(() => undefined);
    }
  }

  /** Hashes the source and makes it re-readable (memory or file). Source errors pass unchanged. */
  private async prepare(key: string, source: PutSource, signal: AbortSignal | undefined): Promise<Prepared> {
    if (source instanceof Uint8Array) {
      const bytes = Buffer.from(source.buffer, source.byteOffset, source.byteLength);
      const digest = new ContentDigest();
      digest.update(bytes);
      return { kind: 'bytes', bytes, digest };
    }
    if (isFileSource(source)) {
      const { size } = await stat(source.filePath);
      if (size < this.threshold) {
        const bytes = await readFile(source.filePath);
        const digest = new ContentDigest();
        digest.update(bytes);
        return { kind: 'bytes', bytes, digest };
      }
      const digest = await pumpSource(source, () => undefined, signal);
      return { kind: 'file', path: resolve(source.filePath), digest, removeAfter: false };
    }
    return this.spool(key, source, signal);
  }

  private async spool(key: string, source: AsyncIterable<Uint8Array | string>, signal: AbortSignal | undefined): Promise<Prepared> {
    const chunks: Buffer[] = [];
    let buffered = 0;
    let spoolPath: string | undefined;
    let handle: FileHandle | undefined;
    try {
      const digest = await pumpSource(source, async (chunk) => {
        if (handle) return writeFully(handle, chunk);
        // Copy: a source may reuse its buffers after yielding them.
        chunks.push(Buffer.from(chunk));
        buffered += chunk.byteLength;
        if (buffered >= this.threshold) {
          await mkdir(this.spoolDir, { recursive: true });
          spoolPath = join(this.spoolDir, `coinhts-s3-spool-${randomUUID()}`);
          handle = await open(spoolPath, 'wx');
          for (const c of chunks) await writeFully(handle, c);
          chunks.length = 0;
        }
      }, signal);
      if (handle === undefined || spoolPath === undefined) return { kind: 'bytes', bytes: Buffer.concat(chunks, buffered), digest };
      await (handle as FileHandle).close();
      handle = undefined;
      return { kind: 'file', path: spoolPath, digest, removeAfter: true };
    } catch (error) {
      await (handle as FileHandle | undefined)?.close().catch(() => undefined);
      if (spoolPath) await rm(spoolPath, { force: true }).catch(() => undefined);
      if (error instanceof SinkFailure) throw mapFsError(error.cause, key, 'spool upload of');
      throw error;
    }
  }

  private async upload(
    key: string,
    params: { Bucket: string; Key: string; ContentType: string; Metadata: Record<string, string>; Body: Buffer | Readable },
    size: number,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    try {
      if (size >= this.threshold) {
        const upload = new (sdk().storage.Upload)({ client: this.client, params, partSize: this.partSize, queueSize: this.queueSize, leavePartsOnError: false });
        const onAbort = (): void => void upload.abort().catch(() => undefined);
        signal?.addEventListener('abort', onAbort, { once: true });
        try {
          await upload.done();
        } catch (error) {
          // lib-storage rejects on abort at once but sends AbortMultipartUpload only later, after
          // its part uploads settle (if at all); abort it here so no unfinished upload (and no
          // billed parts) outlives this call.
          if (upload.uploadId) {
            await this.client.send(new (sdk().s3.AbortMultipartUploadCommand)({ Bucket: params.Bucket, Key: params.Key, UploadId: upload.uploadId }))
              .catch(() => undefined);
          }
          throw error;
        } finally {
          signal?.removeEventListener('abort', onAbort);
        }
      } else {
        await this.client.send(new (sdk().s3.PutObjectCommand)({ ...params, ContentLength: size }), { abortSignal: signal });
      }
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw mapS3Error(error, key, 'put');
    }
  }

  private infoFrom(key: string, out: Pick<GetObjectCommandOutput, 'ContentLength' | 'ContentType' | 'Metadata' | 'LastModified'>): ObjectInfo {
    const { [SHA256_METADATA]: sha256, ...rest } = out.Metadata ?? {};
    if (sha256 === undefined || !HEX64.test(sha256)) {
      throw new IntegrityMismatchError(
        `S3: object ${JSON.stringify(key)} has no valid x-amz-meta-sha256 (not written by a StorageProvider, or its metadata was replaced)`,
        { key, expectedSha256: sha256 },
      );
    }
    const metadata = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, decodeMetadataValue(v)]));
    return {
      key, size: out.ContentLength ?? 0, sha256, contentType: out.ContentType ?? DEFAULT_CONTENT_TYPE, metadata,
      lastModified: out.LastModified ?? new Date(0),
    };
  }

  private async open(key: string, signal: AbortSignal | undefined): Promise<{ info: ObjectInfo; body: Readable }> {
    let out: GetObjectCommandOutput;
    try {
      out = await this.client.send(new (sdk().s3.GetObjectCommand)({ Bucket: this.bucket, Key: this.s3Key(key) }), { abortSignal: signal });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw mapS3Error(error, key, 'get');
    }
    const body = out.Body as Readable;
    try {
      return { info: this.infoFrom(key, out), body };
    } catch (error) {
      body.destroy();
      throw error;
    }
  }

  /** {@inheritDoc StorageProvider.getStream} */
  async getStream(key: string, options: ReadOptions = {}): Promise<ObjectStream> {
    validateKey(key);
    const { info, body: raw } = await this.open(key, options.signal);
    const body = createVerifyingStream(info);
    raw.on('error', (error) => body.destroy(mapS3Error(error, key, 'read')));
    body.on('close', () => raw.destroy());
    raw.pipe(body);
    if (options.signal) addAbortSignal(options.signal, body);
    return { info, body };
  }

  /** {@inheritDoc StorageProvider.getBytes} */
  async getBytes(key: string, options: ReadOptions = {}): Promise<Uint8Array> {
    validateKey(key);
    const { info, body } = await this.open(key, options.signal);
    const chunks: Buffer[] = [];
    const digest = new ContentDigest();
    try {
      for await (const chunk of body) {
        digest.update(chunk as Buffer);
        chunks.push(chunk as Buffer);
        if (digest.size > info.size) break;
      }
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw mapS3Error(error, key, 'read');
    } finally {
      body.destroy();
    }
    assertContentMatches(info, digest);
    const bytes = Buffer.concat(chunks, digest.size);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** {@inheritDoc StorageProvider.getToFile} */
  async getToFile(key: string, filePath: string, options: ReadOptions = {}): Promise<ObjectInfo> {
    validateKey(key);
    const target = resolve(filePath);
    const { info, body } = await this.open(key, options.signal);
    const partial = `${target}.${randomUUID()}.part`;
    try {
      await mkdir(dirname(target), { recursive: true });
      await pipeline(body, createVerifyingStream(info), createWriteStream(partial, { flags: 'wx' }), { signal: options.signal });
      await rename(partial, target);
      return info;
    } catch (error) {
      body.destroy();
      await rm(partial, { force: true }).catch(() => undefined);
      if (options.signal?.aborted) throw options.signal.reason;
      if (error instanceof StorageError) throw error;
      // Local file errors carry errno codes; everything else came from the download.
      const local = typeof (error as { syscall?: unknown }).syscall === 'string' && (error as { path?: unknown }).path !== undefined;
      throw local ? mapFsError(error, key, `download to ${target}`) : mapS3Error(error, key, 'download');
    }
  }

  /** {@inheritDoc StorageProvider.head} */
  async head(key: string): Promise<ObjectInfo> {
    validateKey(key);
    try {
      const out = await this.client.send(new (sdk().s3.HeadObjectCommand)({ Bucket: this.bucket, Key: this.s3Key(key) }));
      return this.infoFrom(key, out);
    } catch (error) {
      throw mapS3Error(error, key, 'head');
    }
  }

  /** {@inheritDoc StorageProvider.verify} */
  async verify(key: string, options: ReadOptions = {}): Promise<ObjectInfo> {
    validateKey(key);
    const { info, body } = await this.open(key, options.signal);
    const digest = new ContentDigest();
    try {
      for await (const chunk of body) digest.update(chunk as Buffer);
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw mapS3Error(error, key, 'read');
    }
    assertContentMatches(info, digest);
    return info;
  }

  /** {@inheritDoc StorageProvider.delete} */
  async delete(key: string): Promise<void> {
    validateKey(key);
    try {
      await this.client.send(new (sdk().s3.DeleteObjectCommand)({ Bucket: this.bucket, Key: this.s3Key(key) }));
    } catch (error) {
      const mapped = mapS3Error(error, key, 'delete');
      // S3 answers 204 for a missing key; some servers say NoSuchKey. Either way it is gone.
      if (mapped.code === 'NOT_FOUND' && (error as { name?: string }).name !== 'NoSuchBucket') return;
      throw mapped;
    }
  }

  /**
   * {@inheritDoc StorageProvider.list}
   *
   * Uses ListObjects (v1) with `Marker` = the last key seen: s3rver 3.7 cannot create v2
   * continuation tokens on Node 20 (it encrypts them with DES, which OpenSSL 3 no longer offers)
   * and answers every truncated v2 listing with a 500. The cursor is the same opaque "after this
   * key" cursor the local provider uses.
   */
  async list(options: ListOptions = {}): Promise<ListPage> {
    const prefix = options.prefix ?? '';
    validatePrefix(prefix);
    const limit = resolveLimit(options.limit);
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
    try {
      const out = await this.client.send(new (sdk().s3.ListObjectsCommand)({
        Bucket: this.bucket, Prefix: this.keyPrefix + prefix, MaxKeys: limit, Marker: after === undefined ? undefined : this.keyPrefix + after,
      }));
      const items = (out.Contents ?? []).map((o) => ({
        key: (o.Key ?? '').slice(this.keyPrefix.length), size: o.Size ?? 0, lastModified: o.LastModified ?? new Date(0),
      }));
      const last = items[items.length - 1];
      return { items, nextCursor: out.IsTruncated && last !== undefined ? encodeCursor(last.key) : undefined };
    } catch (error) {
      throw mapS3Error(error, undefined, `list prefix ${JSON.stringify(prefix)} in`);
    }
  }
}
