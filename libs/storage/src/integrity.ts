/**
 * SHA-256 bookkeeping shared by the providers: hashing while bytes flow, a verifying stream, and
 * reading a `put` source chunk by chunk while keeping source errors apart from store errors.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { IntegrityMismatchError } from './errors';
import type { PutSource } from './provider';

/**
 * SHA-256 of `bytes` as lower-case hex.
 * @param bytes - content
 */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Running SHA-256 and byte count. */
export class ContentDigest {
  private readonly hash: Hash = createHash('sha256');
  private bytes = 0;
  private digest: string | undefined;

  /** Adds a chunk. */
  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.bytes += chunk.byteLength;
  }

  /** Bytes seen so far. */
  get size(): number {
    return this.bytes;
  }

  /** Final SHA-256 (lower-case hex); further updates are not allowed. */
  get sha256(): string {
    this.digest ??= this.hash.digest('hex');
    return this.digest;
  }
}

/** The recorded facts a read is checked against. */
export interface ExpectedContent {
  /** Object key, for error messages. */
  readonly key: string;
  /** Recorded SHA-256 (hex). */
  readonly sha256: string;
  /** Recorded size in bytes. */
  readonly size: number;
}

/**
 * Throws {@link IntegrityMismatchError} unless the digest matches the recorded size and SHA-256.
 * @param expected - recorded facts
 * @param actual - what was read
 * @param what - extra words for the message (e.g. "object changed while it was read")
 */
export function assertContentMatches(expected: ExpectedContent, actual: { sha256: string; size: number }, what = ''): void {
  if (actual.size !== expected.size || actual.sha256 !== expected.sha256) {
    throw new IntegrityMismatchError(
      `content of ${JSON.stringify(expected.key)} does not match its recorded checksum ` +
        `(expected ${expected.size} bytes sha256 ${expected.sha256}, read ${actual.size} bytes sha256 ${actual.sha256})` +
        (what ? `; ${what}` : ''),
      { key: expected.key, expectedSha256: expected.sha256, actualSha256: actual.sha256, expectedSize: expected.size, actualSize: actual.size },
    );
  }
}

/**
 * A pass-through stream that hashes what flows through it and, at the end, fails with
 * {@link IntegrityMismatchError} instead of ending if the content differs from `expected`.
 * Also fails early once more bytes than recorded have passed.
 * @param expected - recorded facts
 * @param onMismatch - optional hook that may refine the error (e.g. add "changed while read")
 */
export function createVerifyingStream(
  expected: ExpectedContent,
  onMismatch?: (error: IntegrityMismatchError) => Promise<IntegrityMismatchError>,
): Transform {
  const digest = new ContentDigest();
  const fail = (error: unknown, callback: TransformCallback): void => {
    if (onMismatch && error instanceof IntegrityMismatchError) {
      onMismatch(error).then(callback, () => callback(error as Error));
    } else callback(error as Error);
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      digest.update(chunk);
      if (digest.size > expected.size) {
        fail(new IntegrityMismatchError(
          `content of ${JSON.stringify(expected.key)} is longer than its recorded ${expected.size} bytes`,
          { key: expected.key, expectedSha256: expected.sha256, expectedSize: expected.size, actualSize: digest.size },
        ), callback);
        return;
      }
      callback(null, chunk);
    },
    flush(callback) {
      try {
        assertContentMatches(expected, digest);
        callback();
      } catch (error) {
        fail(error, callback);
      }
    },
  });
}

/** Marks an error raised while storing a chunk (as opposed to while reading the source). */
export class SinkFailure {
  /** @param cause - the store's error */
  constructor(readonly cause: unknown) {}
}

function toBuffer(chunk: unknown): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError(`put source yielded a ${typeof chunk}; expected Uint8Array or string chunks`);
}

/** Is `source` a {@link FileSource}? */
export function isFileSource(source: PutSource): source is { readonly filePath: string } {
  return !(source instanceof Uint8Array) && typeof (source as { filePath?: unknown }).filePath === 'string';
}

/**
 * Reads `source` chunk by chunk, passing each to `sink` (awaited, so back-pressure holds) and
 * hashing it. Errors from the source (or the abort signal's reason) are rethrown unchanged; errors
 * from `sink` are rethrown wrapped in {@link SinkFailure} so the caller can map them.
 * @param source - what to read
 * @param sink - receives each chunk
 * @param signal - optional abort signal, checked before every chunk
 * @returns size and SHA-256 of everything read
 */
export async function pumpSource(
  source: PutSource,
  sink: (chunk: Buffer) => Promise<void> | void,
  signal?: AbortSignal,
): Promise<ContentDigest> {
  const digest = new ContentDigest();
  signal?.throwIfAborted();
  const feed = async (chunk: Buffer): Promise<void> => {
    digest.update(chunk);
    try {
      await sink(chunk);
    } catch (error) {
      throw new SinkFailure(error);
    }
  };
  if (source instanceof Uint8Array) {
    await feed(toBuffer(source));
    return digest;
  }
  const iterable: AsyncIterable<unknown> = isFileSource(source) ? createReadStream(source.filePath) : source;
  for await (const chunk of iterable) {
    signal?.throwIfAborted();
    await feed(toBuffer(chunk));
  }
  signal?.throwIfAborted();
  return digest;
}
