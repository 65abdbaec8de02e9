/**
 * The API's run service: archives in the configured store (a local folder or S3, the same one
 * the worker and the CLI are pointed at) and the PostgreSQL index — `@coinhts/runs` wires both,
 * exactly as the worker's runtime does, so every process reads every run.
 */
import { mkdir } from 'node:fs/promises';
import { openStore, RunArchive, RunService, ServiceRunStore, type StoreLocation } from '@coinhts/runs';
import type { RunStore } from '@coinhts/jobs';
import { PgRunIndex } from '@coinhts/results';
import { DEFAULT_ARCHIVE_PREFIX } from '@coinhts/storage';
import type { DataSource } from 'typeorm';

/** The opened results store. */
export interface ResultsStore {
  /** Runs: index rows, archives, delete. */
  readonly runs: RunService;
  /** Stores a finished synchronous run (archive first, then the row; kind `sync`). */
  readonly syncRuns: RunStore;
  /** Resolves when the store answers (readiness). */
  check(): Promise<void>;
  close(): void;
}

/** Builds the run service on `results` with the PostgreSQL index on `ds`. */
export async function openResultsStore(ds: DataSource, options: { readonly results: StoreLocation; readonly clock: () => number }): Promise<ResultsStore> {
  if (options.results.kind === 'local') await mkdir(options.results.dir, { recursive: true });
  const store = openStore(options.results);
  const runs = new RunService(new RunArchive(store.provider, store.url, { now: () => new Date(options.clock()) }), new PgRunIndex(ds, { now: options.clock }), { now: options.clock });
  return {
    runs,
    syncRuns: new ServiceRunStore(runs, 'sync'),
    check: async () => {
      await store.provider.list({ prefix: DEFAULT_ARCHIVE_PREFIX, limit: 1 });
    },
    close: () => store.close(),
  };
}
