/**
 * The run index and archive store for `RESULTS_STORE=file:…|s3://…`, wired exactly as the worker's
 * `openProcessorRuntime` (libs/jobs/src/runtime.ts) wires its own: the local folder store with
 * `filesArchivePayload`, or `@coinhts/storage` archives on S3 through `storageArchiveStore` with
 * `storageArchivePayload` and the location prefix `s3://{bucket}/{keyPrefix}`. So a run the API
 * writes reads like one a worker writes, and the reverse.
 */
import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { filesArchivePayload, ResultsRunStore, storageArchivePayload, type ResultsStorageOptions, type RunStore } from '@coinhts/jobs';
import { LocalDirArchiveStore, ResultRepository, storageArchiveStore } from '@coinhts/results';
import { ArchiveReader, ArchiveWriter, DEFAULT_ARCHIVE_PREFIX, S3StorageProvider } from '@coinhts/storage';
import type { DataSource } from 'typeorm';
import { StoreRunArchiveReader, type RunArchiveReader } from './run-archive-reader';

/** What the routes read and delete runs through (the archive payload type does not matter there). */
export type RunIndex = Pick<ResultRepository<unknown>, 'get' | 'list' | 'delete'>;

/** The opened results store. */
export interface ResultsStore {
  readonly runs: RunIndex;
  /** Stores a finished synchronous run (archive first, then the row; kind `sync`). */
  readonly syncRuns: RunStore;
  readonly archives: RunArchiveReader;
  /** Resolves when new archives can be written (readiness). */
  check(): Promise<void>;
  close(): void;
}

/** Builds the results store for `results`; `resultsDir` is the local folder, read in both modes. */
export async function openResultsStore(ds: DataSource, options: { readonly results: ResultsStorageOptions; readonly resultsDir: string; readonly clock: () => number }): Promise<ResultsStore> {
  const { results, resultsDir, clock } = options;
  const local = new LocalDirArchiveStore({ root: resultsDir, now: clock });
  if (results.kind === 'local') {
    await mkdir(results.dir, { recursive: true });
    const repo = new ResultRepository(ds, local, { now: clock });
    return {
      runs: repo,
      syncRuns: new ResultsRunStore(repo, filesArchivePayload, 'sync'),
      archives: new StoreRunArchiveReader(local),
      check: () => access(results.dir, constants.W_OK),
      close: () => undefined,
    };
  }
  const provider = new S3StorageProvider({ bucket: results.bucket, endpoint: results.endpoint, region: results.region, credentials: results.credentials, keyPrefix: results.keyPrefix });
  const reader = new ArchiveReader(provider);
  const locationPrefix = `s3://${results.bucket}/${results.keyPrefix ?? ''}`;
  const archives = storageArchiveStore({ provider, writer: new ArchiveWriter(provider, { now: () => new Date(clock()) }), reader, locationPrefix });
  const repo = new ResultRepository(ds, archives, { now: clock });
  return {
    runs: repo,
    syncRuns: new ResultsRunStore(repo, storageArchivePayload, 'sync'),
    archives: new StoreRunArchiveReader(local, { locationPrefix: `${locationPrefix}${DEFAULT_ARCHIVE_PREFIX}`, archivePrefix: DEFAULT_ARCHIVE_PREFIX, provider, reader }),
    check: async () => {
      await provider.list({ prefix: DEFAULT_ARCHIVE_PREFIX, limit: 1 });
    },
    close: () => provider.destroy(),
  };
}
