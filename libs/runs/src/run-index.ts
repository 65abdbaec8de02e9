/**
 * The `RunIndex` port: the searchable list of runs (one row per run, pointing at its archive).
 * Implementations: `PgRunIndex` from `@coinhts/results` (PostgreSQL; the services' index, and
 * the CLI's when DATABASE_URL is set) and {@link EmbeddedRunIndex} (a file next to the archives;
 * the CLI's default). Both pass the same contract suite (`describeRunIndexContract`).
 */
import type { ArchiveRef, PageRequest, RunInput, RunListFilter, RunPage, StoredRun } from '@coinhts/results';

/** An index of runs. Writes are upserts by run id; every method is safe to retry. */
export interface RunIndex {
  /**
   * Inserts or replaces the row of `run.id` (a first save sets `createdAt` unless the run gives
   * one; later saves keep it). A null `archive` keeps a recorded archive reference.
   * Throws `INVALID_PARAMS` for a malformed run, `CONFLICT` when its idempotency key belongs to another run.
   */
  put(run: RunInput, archive: ArchiveRef | null): Promise<StoredRun>;
  /** The run with its per-symbol rows; throws `NOT_FOUND` when there is none. */
  get(id: string): Promise<StoredRun>;
  /** The run holding idempotency key `key`, or null. */
  findByIdempotencyKey(key: string): Promise<StoredRun | null>;
  /** Runs matching `filter`, newest first (created_at DESC, id DESC), one keyset page at a time. */
  list(filter?: RunListFilter, page?: PageRequest): Promise<RunPage>;
  /** Deletes the row; resolves to false when there was none. */
  delete(id: string): Promise<boolean>;
  /** Every run id with its archive location (null = stored without an archive), oldest first. */
  archiveRefs(): Promise<readonly { readonly id: string; readonly location: string | null; readonly createdAt: number }[]>;
}
