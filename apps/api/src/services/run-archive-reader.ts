/**
 * Reads files of stored runs from whichever store holds them. A run's row records where its
 * archive was written (`file:///…/backtests/{id}/` by the local folder store,
 * `s3://{bucket}/{keyPrefix}backtests/{id}/` by the S3 store, whether the API or a worker wrote
 * it); every file read is checked against the archive's manifest (size and SHA-256), so damaged
 * bytes are an `INTEGRITY_MISMATCH` error, never a silent answer.
 */
import { MANIFEST_FILE, type LocalArchiveManifest, type LocalDirArchiveStore, type StoredRun } from '@coinhts/results';
import { CorruptArchiveError, IntegrityMismatchError, isStorageError, sha256Hex, type ArchiveReader, type StorageProvider } from '@coinhts/storage';
import { ApiError, ApiErrorCode } from '../http/api-error';

/** Files of a backtest archive the API serves. */
export type ArchivedFileName = 'summary.json' | 'signals.parquet' | 'trades.parquet' | 'equity.parquet';

/** Reads a run's archived files. */
export interface RunArchiveReader {
  /** Bytes of one file of the run's archive, checked against the archive's manifest. */
  readFile(run: Pick<StoredRun, 'id' | 'archive'>, name: ArchivedFileName): Promise<Uint8Array>;
}

/** An S3 archive store as the worker's runtime builds it (`@coinhts/storage` archives on an S3 provider). */
export interface S3ArchiveSource {
  /** Location prefix of its archives: `s3://{bucket}/{keyPrefix}backtests/`. */
  readonly locationPrefix: string;
  /** Key prefix of the archives inside the provider (`backtests/`). */
  readonly archivePrefix: string;
  readonly provider: StorageProvider;
  readonly reader: ArchiveReader;
}

const isMissingFile = (err: unknown): boolean => (err as { cause?: { code?: unknown } } | null)?.cause?.code === 'ENOENT';

/**
 * {@link RunArchiveReader} over the local folder store (always: runs archived locally stay
 * readable after a switch to S3) and, when configured, one S3 store.
 */
export class StoreRunArchiveReader implements RunArchiveReader {
  constructor(
    private readonly local: LocalDirArchiveStore,
    private readonly s3?: S3ArchiveSource,
  ) {}

  async readFile(run: Pick<StoredRun, 'id' | 'archive'>, name: ArchivedFileName): Promise<Uint8Array> {
    const location = run.archive?.location;
    if (!location) throw new ApiError(ApiErrorCode.NotFound, `Run ${run.id} has no archive: nothing but its index row was stored`);
    if (location.startsWith('file:')) return this.readLocal(run.id, name);
    if (this.s3 && location === `${this.s3.locationPrefix}${run.id}/`) return this.readS3(this.s3, run.id, name);
    const scheme = location.slice(0, Math.max(0, location.indexOf(':'))) || 'unknown';
    throw Object.assign(
      new ApiError(
        ApiErrorCode.ArchiveUnreachable,
        `The archive of run ${run.id} is in a ${scheme} store this server does not read` +
          (scheme === 's3' ? ' (set RESULTS_STORE=s3://{bucket}/{prefix} to the store of the worker that wrote it)' : ''),
        { run_id: run.id },
      ),
      { location },
    );
  }

  private async readLocal(runId: string, name: ArchivedFileName): Promise<Uint8Array> {
    let manifest: LocalArchiveManifest;
    try {
      manifest = JSON.parse((await this.local.readFile(runId, MANIFEST_FILE)).toString('utf8')) as LocalArchiveManifest;
    } catch (err) {
      // The row says "local folder", but not this server's folder (another host, another RESULTS_STORE folder).
      if (isMissingFile(err)) throw new ApiError(ApiErrorCode.ArchiveUnreachable, `The archive of run ${runId} is not in this server's results folder (RESULTS_STORE=file:…); the API and the worker that wrote it must share that folder`, { run_id: runId }, { cause: err });
      if (err instanceof SyntaxError) throw new CorruptArchiveError(`archive ${JSON.stringify(runId)}: manifest.json is not JSON`, { key: `backtests/${runId}/${MANIFEST_FILE}`, cause: err });
      throw err;
    }
    const key = `backtests/${runId}/${name}`;
    const entry = Array.isArray(manifest.files) ? manifest.files.find((f) => f.name === name) : undefined;
    if (!entry) throw new ApiError(ApiErrorCode.ArchiveMissing, `The archive of run ${runId} has no ${name}`, { run_id: runId, key });
    let bytes: Uint8Array;
    try {
      bytes = await this.local.readFile(runId, name);
    } catch (err) {
      if (isMissingFile(err)) throw new ApiError(ApiErrorCode.ArchiveMissing, `${name} of run ${runId} is listed in its manifest but missing`, { run_id: runId, key }, { cause: err });
      throw err;
    }
    const actual = sha256Hex(bytes);
    if (bytes.byteLength !== entry.bytes || actual !== entry.sha256) {
      throw new IntegrityMismatchError(`archive ${JSON.stringify(runId)}: ${name} is not the file its manifest lists`, {
        key, expectedSha256: entry.sha256, actualSha256: actual, expectedSize: entry.bytes, actualSize: bytes.byteLength,
      });
    }
    return bytes;
  }

  private async readS3(s3: S3ArchiveSource, runId: string, name: ArchivedFileName): Promise<Uint8Array> {
    const key = `${s3.archivePrefix}${runId}/${name}`;
    // NOT_FOUND here means the store lost what the row says it holds: a server-side fault, not a 404.
    const missing = (err: unknown, what: string): never => {
      if (isStorageError(err, 'NOT_FOUND')) throw new ApiError(ApiErrorCode.ArchiveMissing, `${what} of run ${runId} is missing from the store`, { run_id: runId, key }, { cause: err });
      throw err;
    };
    const manifest = await s3.reader.readManifest(runId).catch((err: unknown) => missing(err, 'The archive manifest'));
    const entry = manifest.files.find((f) => f.name === name);
    if (!entry) throw new ApiError(ApiErrorCode.ArchiveMissing, `The archive of run ${runId} has no ${name}`, { run_id: runId, key });
    // getBytes checks the bytes against the SHA-256 recorded with the object; the manifest check
    // catches an object replaced wholesale (with its own, matching checksum) after the manifest.
    const bytes = await s3.provider.getBytes(key).catch((err: unknown) => missing(err, name));
    const actual = sha256Hex(bytes);
    if (bytes.byteLength !== entry.size || actual !== entry.sha256) {
      throw new IntegrityMismatchError(`archive ${JSON.stringify(runId)}: ${name} is not the file its manifest lists`, {
        key, expectedSha256: entry.sha256, actualSha256: actual, expectedSize: entry.size, actualSize: bytes.byteLength,
      });
    }
    return bytes;
  }
}
