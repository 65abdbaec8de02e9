import type { DataSource } from 'typeorm';
import type { ArchiveWriteResult, RunArchivePayload, RunArchiveStore } from './archive-store';
import { ensureInitialized, runQuery } from './data-source';
import { RUN_STATUSES, type RunStatus } from './entities';
import { ArchiveStorageError, ResultConflictError, ResultNotFoundError, ResultsError, ResultValidationError } from './errors';
import { PgRunIndex } from './pg-run-index';
import type { PageRequest, RunListFilter, RunPage } from './run-list-filter';
import { validateRunInput, type RunInput, type StoredRun } from './run-types';
import { IssueList, isUuid } from './validation';

/** Options of {@link ResultRepository}. */
export interface ResultRepositoryOptions {
  /** Clock (epoch ms) for created/updated times, retention cut-offs and orphan ages (default `Date.now`). */
  readonly now?: () => number;
}

/** Result of {@link ResultRepository.delete}. */
export interface DeleteRunResult {
  /** The deleted run. */
  readonly runId: string;
  /** False when the archive could not be deleted (it is then an orphan that `cleanupOrphans` removes). */
  readonly archiveDeleted: boolean;
  /** Why the archive could not be deleted. */
  readonly archiveError?: string;
}

/** Options of {@link ResultRepository.deleteOlderThan}. */
export interface RetentionOptions {
  /** Runs created more than this many days (of 24 h) before now are deleted. Must be > 0. */
  readonly olderThanDays: number;
  /** Only report what would be deleted (default false). */
  readonly dryRun?: boolean;
  /** Only runs in these states (default: any state). */
  readonly statuses?: readonly RunStatus[];
  /** Runs deleted per statement (default 500). */
  readonly batchSize?: number;
}

/** A run selected by the retention policy. */
export interface RetentionCandidate {
  /** Run id. */
  readonly id: string;
  /** Creation time, epoch ms. */
  readonly createdAt: number;
  /** Archive bytes recorded for it (0 if none). */
  readonly archiveBytes: number;
}

/** Result of {@link ResultRepository.deleteOlderThan}. */
export interface RetentionReport {
  /** True when nothing was deleted. */
  readonly dryRun: boolean;
  /** Runs created before this instant (epoch ms) were selected. */
  readonly cutoff: number;
  /** The selected runs, oldest first. */
  readonly runs: readonly RetentionCandidate[];
  /** Rows deleted (0 in a dry run). */
  readonly deletedRuns: number;
  /** Archive bytes of the selected runs. */
  readonly archiveBytes: number;
  /** Archives that could not be deleted (they remain as orphans). */
  readonly archiveFailures: readonly { readonly runId: string; readonly message: string }[];
}

/** Options of {@link ResultRepository.cleanupOrphans}. */
export interface OrphanCleanupOptions {
  /** Only report (default false). */
  readonly dryRun?: boolean;
  /**
   * Leave archives younger than this alone (default 1 hour), so that an archive whose row is
   * being written right now is not mistaken for an orphan.
   */
  readonly minAgeMs?: number;
}

/** Result of {@link ResultRepository.cleanupOrphans}. */
export interface OrphanCleanupReport {
  /** True when nothing was deleted. */
  readonly dryRun: boolean;
  /** Archives looked at. */
  readonly scanned: number;
  /** Archives without a row and old enough (deleted unless dry run). */
  readonly orphans: readonly string[];
  /** Archives without a row that were too young to touch. */
  readonly young: readonly string[];
  /** Orphans whose deletion failed. */
  readonly failures: readonly { readonly runId: string; readonly message: string }[];
}

const DAY_MS = 86_400_000;
/**
 * Index of backtest runs in PostgreSQL, with each run's full result in an archive.
 *
 * Order of writes in {@link ResultRepository.save}: the archive first (through the injected
 * {@link RunArchiveStore}), then the run row and its symbol rows in one transaction. So a failed
 * archive write leaves no row, and a failed row write leaves at worst an orphan archive, which
 * {@link ResultRepository.cleanupOrphans} removes. A row never points at a missing archive.
 */
export class ResultRepository<P = RunArchivePayload> {
  private readonly now: () => number;
  private readonly index: PgRunIndex;

  constructor(
    private readonly ds: DataSource,
    private readonly archives: RunArchiveStore<P>,
    options: ResultRepositoryOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.index = new PgRunIndex(ds, { now: this.now });
  }

  /**
   * Saves a run: writes `payload` to the archive store (when given), then upserts the row by id.
   * Saving the same run again replaces its row (keeping `createdAt`) and archive: no duplicate,
   * no error. Without a payload an existing archive reference is kept (e.g. a status update).
   * Throws `INVALID_PARAMS` for a malformed run, `CONFLICT` when the idempotency key belongs to
   * another run, `STORAGE_FAILED` when the archive cannot be written (no row is written then),
   * `UNAVAILABLE` when the database is down.
   */
  async save(run: RunInput, payload?: P): Promise<StoredRun> {
    validateRunInput(run);
    await ensureInitialized(this.ds);
    if (run.idempotencyKey) {
      // Refused before the archive is written, so a conflicting save leaves nothing behind.
      const holder = await this.index.findByIdempotencyKey(run.idempotencyKey);
      if (holder !== null && holder.id !== run.id) {
        throw new ResultConflictError(`Idempotency key "${run.idempotencyKey}" already belongs to run ${holder.id}`, 'idempotency_key', holder.id);
      }
    }
    let archive: ArchiveWriteResult | null = null;
    if (payload !== undefined) {
      try {
        archive = await this.archives.write(run.id, payload);
      } catch (err) {
        if (err instanceof ResultsError) throw err;
        throw new ArchiveStorageError(`Could not write the archive of run ${run.id}: ${(err as Error).message}`, run.id, { cause: err });
      }
    }
    return this.index.put(run, archive === null ? null : { location: archive.location, manifestSha256: archive.manifestSha256, totalBytes: archive.totalBytes, fileCount: archive.files.length });
  }

  /** The run with its symbol rows; `NOT_FOUND` when there is no such run (or `id` is not a UUID). */
  get(id: string): Promise<StoredRun> {
    return this.index.get(id);
  }

  /** The run carrying `key` as idempotency key, or null. */
  findByIdempotencyKey(key: string): Promise<StoredRun | null> {
    return this.index.findByIdempotencyKey(key);
  }

  /** Which of `ids` have a row (ids that are not UUIDs never do). */
  existingIds(ids: readonly string[]): Promise<ReadonlySet<string>> {
    return this.index.existingIds(ids);
  }

  /** Runs matching `filter`, newest first (see {@link PgRunIndex.list}). */
  list(filter: RunListFilter = {}, page: PageRequest = {}): Promise<RunPage> {
    return this.index.list(filter, page);
  }

  /**
   * Deletes the row (symbol rows follow by cascade), then the archive. `NOT_FOUND` when there is
   * no row (a leftover archive of that id is still removed). An archive that cannot be deleted is
   * reported, not thrown: the row is gone, so it is an orphan for {@link cleanupOrphans}.
   */
  async delete(id: string): Promise<DeleteRunResult> {
    if (!(await this.index.delete(id))) {
      if (isUuid(id)) await this.archives.delete(id).catch(() => undefined);
      throw new ResultNotFoundError('run', id);
    }
    try {
      await this.archives.delete(id);
      return { runId: id, archiveDeleted: true };
    } catch (err) {
      return { runId: id, archiveDeleted: false, archiveError: (err as Error).message };
    }
  }

  /**
   * Retention: deletes runs created more than `olderThanDays` days ago (rows first, then their
   * archives), or with `dryRun` only reports them. Imported legacy runs keep their original
   * creation time and so age like any other run.
   */
  async deleteOlderThan(options: RetentionOptions): Promise<RetentionReport> {
    const v = new IssueList();
    if (typeof options.olderThanDays !== 'number' || !(options.olderThanDays > 0) || !Number.isFinite(options.olderThanDays)) v.add('olderThanDays', 'must be a positive number of days');
    v.integer('batchSize', options.batchSize, 1, 10_000);
    (options.statuses ?? []).forEach((s, i) => v.oneOf(`statuses.${i}`, s, RUN_STATUSES));
    if (v.issues.length) throw new ResultValidationError(v.issues, 'retention options');
    const cutoff = this.now() - options.olderThanDays * DAY_MS;
    const dryRun = options.dryRun ?? false;
    const statuses = options.statuses && options.statuses.length ? [...options.statuses] : null;
    const cond = `created_at < $1 AND ($2::text[] IS NULL OR status = ANY($2::text[]))`;
    type Row = { id: string; created_at: Date; archive_bytes: string | null };
    const toCandidate = (r: Row): RetentionCandidate => ({ id: r.id, createdAt: r.created_at.getTime(), archiveBytes: Number(r.archive_bytes ?? 0) });
    if (dryRun) {
      const rows = await this.query<Row>(
        `SELECT id, created_at, archive_bytes FROM backtest_runs WHERE ${cond} ORDER BY created_at ASC, id ASC`,
        [new Date(cutoff), statuses],
        'select runs for retention',
      );
      const runs = rows.map(toCandidate);
      return { dryRun, cutoff, runs, deletedRuns: 0, archiveBytes: runs.reduce((s, r) => s + r.archiveBytes, 0), archiveFailures: [] };
    }
    const batch = options.batchSize ?? 500;
    const runs: RetentionCandidate[] = [];
    const archiveFailures: { runId: string; message: string }[] = [];
    for (;;) {
      const rows = await this.query<Row>(
        `DELETE FROM backtest_runs WHERE id IN (SELECT id FROM backtest_runs WHERE ${cond} ORDER BY created_at ASC, id ASC LIMIT $3)
         RETURNING id, created_at, archive_bytes`,
        [new Date(cutoff), statuses, batch],
        'delete runs for retention',
      );
      for (const r of rows.sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || a.id.localeCompare(b.id))) {
        runs.push(toCandidate(r));
        try {
          await this.archives.delete(r.id);
        } catch (err) {
          archiveFailures.push({ runId: r.id, message: (err as Error).message });
        }
      }
      if (rows.length < batch) break;
    }
    return { dryRun, cutoff, runs, deletedRuns: runs.length, archiveBytes: runs.reduce((s, r) => s + r.archiveBytes, 0), archiveFailures };
  }

  /**
   * Removes archives that have no row (left behind when a row write failed after its archive was
   * written, or when an archive deletion failed). Archives younger than `minAgeMs` are skipped.
   */
  async cleanupOrphans(options: OrphanCleanupOptions = {}): Promise<OrphanCleanupReport> {
    const dryRun = options.dryRun ?? false;
    const minAgeMs = options.minAgeMs ?? 3_600_000;
    const now = this.now();
    const entries: { runId: string; writtenAt: number }[] = [];
    try {
      for await (const e of this.archives.list()) entries.push(e);
    } catch (err) {
      if (err instanceof ResultsError) throw err;
      throw new ArchiveStorageError(`Could not list archives: ${(err as Error).message}`, undefined, { cause: err });
    }
    const orphans: string[] = [];
    const young: string[] = [];
    for (let i = 0; i < entries.length; i += 1000) {
      const chunk = entries.slice(i, i + 1000);
      const existing = await this.existingIds(chunk.map((e) => e.runId));
      for (const e of chunk) {
        if (existing.has(e.runId)) continue;
        (now - e.writtenAt >= minAgeMs ? orphans : young).push(e.runId);
      }
    }
    const failures: { runId: string; message: string }[] = [];
    if (!dryRun) {
      for (const id of orphans) {
        try {
          await this.archives.delete(id);
        } catch (err) {
          failures.push({ runId: id, message: (err as Error).message });
        }
      }
    }
    return { dryRun, scanned: entries.length, orphans: orphans.sort(), young: young.sort(), failures };
  }

  private async query<T>(sql: string, params: unknown[], doing: string): Promise<T[]> {
    return runQuery<T>(this.ds, sql, params, doing);
  }
}
