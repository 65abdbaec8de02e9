import type { ArchiveInput, ArchiveReader, ArchiveWriter, StorageProvider } from '@coinhts/storage';
import type { ArchiveEntry, ArchiveWriteResult, RunArchiveStore } from './archive-store';
import { ArchiveStorageError, ResultValidationError } from './errors';

/** What {@link storageArchiveStore} needs; the composition root builds these from `@coinhts/storage`. */
export interface StorageArchiveStoreOptions {
  /** The object store the archives live on (local FS or S3 provider). */
  readonly provider: StorageProvider;
  /** `new ArchiveWriter(provider, { prefix })`. */
  readonly writer: ArchiveWriter;
  /** `new ArchiveReader(provider, { prefix })`. */
  readonly reader: ArchiveReader;
  /** The writer's and reader's key prefix (default `backtests/`, as theirs). */
  readonly prefix?: string;
  /**
   * Prepended to `{prefix}{runId}/` to form the location recorded in the row, e.g.
   * `s3://coinhts-results/` or `file:///var/lib/coinhts/`. Default `storage:`.
   */
  readonly locationPrefix?: string;
}

const codeOf = (err: unknown): string | undefined => (typeof err === 'object' && err !== null ? (err as { code?: unknown }).code as string | undefined : undefined);

function mapError(err: unknown, runId: string | undefined, doing: string): Error {
  if (err instanceof TypeError || err instanceof RangeError || codeOf(err) === 'INVALID_KEY') {
    return new ResultValidationError([{ field: 'payload', message: (err as Error).message }], 'archive payload', { cause: err });
  }
  return new ArchiveStorageError(`Could not ${doing}${runId ? ` the archive of run ${runId}` : ' archives'}: ${(err as Error).message}`, runId, { cause: err });
}

/**
 * Adapts `@coinhts/storage`'s result archives (summary JSON + signals/trades/equity as zstd
 * Parquet + a manifest written last, on a local-FS or S3 provider) to the {@link RunArchiveStore}
 * port, so {@link ResultRepository} can index runs whose archives live there. The payload is the
 * storage library's `ArchiveInput`. Only types are imported from `@coinhts/storage`: the caller
 * constructs the provider, writer and reader, so loading this library does not load Parquet code.
 */
export function storageArchiveStore(options: StorageArchiveStoreOptions): RunArchiveStore<ArchiveInput> {
  const prefix = options.prefix ?? 'backtests/';
  const locationPrefix = options.locationPrefix ?? 'storage:';
  const manifestKey = (runId: string) => `${prefix}${runId}/manifest.json`;
  return {
    async write(runId: string, payload: ArchiveInput): Promise<ArchiveWriteResult> {
      try {
        const manifest = await options.writer.write(runId, payload);
        // The manifest's own hash and size come from the store's record of the object, not from re-serialising it.
        const info = await options.provider.head(manifestKey(runId));
        const files = manifest.files.map((f) => ({ name: f.name, bytes: f.size, sha256: f.sha256 }));
        return {
          location: `${locationPrefix}${prefix}${runId}/`,
          manifestSha256: info.sha256,
          totalBytes: files.reduce((s, f) => s + f.bytes, info.size),
          files,
        };
      } catch (err) {
        throw mapError(err, runId, 'write');
      }
    },
    async delete(runId: string): Promise<void> {
      try {
        await options.writer.deleteArchive(runId);
      } catch (err) {
        throw mapError(err, runId, 'delete');
      }
    },
    async exists(runId: string): Promise<boolean> {
      try {
        await options.provider.head(manifestKey(runId));
        return true;
      } catch (err) {
        if (codeOf(err) === 'NOT_FOUND') return false;
        throw mapError(err, runId, 'check');
      }
    },
    async *list(): AsyncIterable<ArchiveEntry> {
      let listing: Awaited<ReturnType<ArchiveReader['listArchives']>>;
      try {
        listing = await options.reader.listArchives();
      } catch (err) {
        throw mapError(err, undefined, 'list');
      }
      for (const a of listing) yield { runId: a.runId, writtenAt: a.lastModified.getTime() };
    },
  };
}
