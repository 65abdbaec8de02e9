/**
 * {@link RunService}: a run's one home — its archive in a store ({@link RunArchive}) and its row
 * in an index ({@link RunIndex}) — kept consistent.
 *
 * Write order and compensation (so that no code path leaves an orphan):
 * - save: archive first (manifest last), then the row. If the archive write fails, what was
 *   written is deleted; if the row write fails, the index is asked whether the row is there after
 *   all (a commit whose answer was lost with the connection): if it is, the save succeeded; if not
 *   (or the index cannot tell), the archive is deleted. Only if that deletion fails too (the store
 *   went away between the two steps) is an archive without a row left, and the error says so;
 *   {@link RunService.check} finds it and `repair` re-indexes it (a complete archive is a finished
 *   run). A job's run id is its job id, so the job's next attempt upserts both sides again.
 * - delete: archive first (its manifest goes first, so it turns incomplete at once), then the
 *   row. A failure after the archive went leaves a row without an archive; `check` finds it and
 *   `repair` deletes the row.
 */
import { ResultNotFoundError, type PageRequest, type RunInput, type RunListFilter, type RunPage, type StoredRun } from '@coinhts/results/model';
import type { ArchiveContents, JsonObject } from '@coinhts/storage';
import { ArchiveUnreachableError } from './errors';
import type { ResultTableName } from './result-tables';
import type { ArchiveScanEntry, RunArchive, RunArchiveContent } from './run-archive';
import type { RunIndex } from './run-index';

/** Options of {@link RunService}. */
export interface RunServiceOptions {
  /** Clock, epoch ms (default `Date.now`). */
  readonly now?: () => number;
}

/** What {@link RunService.check} found (and, with `repair`, fixed). */
export interface RunCheckReport {
  /** Run folders looked at. */
  readonly archives: number;
  /** Index rows looked at (rows of runs in other stores are not judged). */
  readonly rows: number;
  /** Complete archives without a row (re-indexed when repairing). */
  readonly archivesWithoutRow: readonly string[];
  /** Rows whose archive in this store is missing (deleted when repairing). */
  readonly rowsWithoutArchive: readonly string[];
  /** Folders without a manifest older than `minAgeMs` (deleted when repairing). */
  readonly incomplete: readonly string[];
  /**
   * Archives whose manifest or summary cannot be read, and with `verify` also archives whose files
   * do not match their manifest's sizes and SHA-256 or whose manifest is not the one the row
   * records, with the reason (never touched).
   */
  readonly damaged: readonly { readonly runId: string; readonly problem: string }[];
  /** With `verify`: complete archives whose every file was re-hashed and matched (else 0). */
  readonly verified: number;
  /** True when the problems above were repaired. */
  readonly repaired: boolean;
  /** Repairs that failed. */
  readonly failures: readonly { readonly runId: string; readonly message: string }[];
}

/** The application service over one store and one index. */
export class RunService {
  private readonly now: () => number;

  /**
   * @param archive - the store's archives
   * @param index - the index
   * @param options - clock
   */
  constructor(readonly archive: RunArchive, readonly index: RunIndex, options: RunServiceOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Stores a run: archive, then row (see the module comment). Saving the same run id again
   * replaces both (an upsert: retries are safe).
   * @param run - index fields (also recorded in `content.summary`)
   * @param content - summary document and tables
   */
  async save(run: RunInput, content: RunArchiveContent): Promise<StoredRun> {
    if (run.idempotencyKey) {
      // Refused before anything is written, so a conflicting save leaves nothing behind.
      const holder = await this.index.findByIdempotencyKey(run.idempotencyKey);
      if (holder !== null && holder.id !== run.id) {
        // put() raises the CONFLICT error with the holder's id.
        return this.index.put(run, null);
      }
    }
    let ref;
    try {
      ref = await this.archive.write(run.id, content);
    } catch (err) {
      await this.archive.delete(run.id).catch(() => undefined);
      throw err;
    }
    try {
      return await this.index.put(run, ref);
    } catch (err) {
      const landed = await this.index.get(run.id).catch(() => null);
      if (landed?.archive?.location === ref.location && landed.archive.manifestSha256 === ref.manifestSha256) return landed;
      try {
        await this.archive.delete(run.id);
      } catch (cleanup) {
        const message = `${(err as Error).message}; the archive of run ${run.id} could not be removed either (${(cleanup as Error).message}): \`coinhts results check --repair\` will index it`;
        throw Object.assign(err as Error, { message, orphanArchive: run.id });
      }
      throw err;
    }
  }

  /** The run's index row (`NOT_FOUND` when there is none). */
  get(id: string): Promise<StoredRun> {
    return this.index.get(id);
  }

  /** A page of runs, newest first. */
  list(filter?: RunListFilter, page?: PageRequest): Promise<RunPage> {
    return this.index.list(filter, page);
  }

  /** Throws unless the row's archive is in this service's store. */
  private ownArchive(run: StoredRun): void {
    const location = run.archive?.location;
    if (!location) throw new ResultNotFoundError('run', `${run.id} (it has no archive: only its index row was stored)`);
    if (!this.archive.holds(location, run.id)) {
      throw new ArchiveUnreachableError(
        `the archive of run ${run.id} is at ${location}, not in this store (${this.archive.storeUrl}); point COINHTS_STORE (or RESULTS_STORE/S3_BUCKET) at the store that holds it`,
        run.id, location,
      );
    }
  }

  /** Summary and tables of a run (row first, so an unknown id is `NOT_FOUND`). */
  async read(id: string): Promise<{ readonly run: StoredRun; readonly contents: ArchiveContents }> {
    const run = await this.index.get(id);
    this.ownArchive(run);
    return { run, contents: await this.archive.read(id) };
  }

  /** The parsed `summary.json` of a run (a RunDocument), checked against the manifest. */
  async readSummary(run: StoredRun): Promise<JsonObject> {
    this.ownArchive(run);
    return this.archive.readSummary(run.id);
  }

  /** The stored Parquet bytes of one table, checked against the manifest. */
  async readTableBytes(run: StoredRun, table: ResultTableName): Promise<Uint8Array> {
    this.ownArchive(run);
    return this.archive.readTableBytes(run.id, table);
  }

  /** Every file of a run as stored (manifest included), re-hashed against the manifest. */
  async readVerifiedFiles(id: string): Promise<{ readonly run: StoredRun; readonly files: readonly { readonly name: string; readonly bytes: Uint8Array }[] }> {
    const run = await this.index.get(id);
    this.ownArchive(run);
    return { run, files: (await this.archive.readVerifiedFiles(id)).files };
  }

  /** Deletes a run: archive, then row (`NOT_FOUND` when there is no row). */
  async delete(id: string): Promise<void> {
    const run = await this.index.get(id);
    if (run.archive && this.archive.holds(run.archive.location, id)) await this.archive.delete(id);
    await this.index.delete(id);
  }

  /**
   * Compares the store with the index. Archives younger than `minAgeMs` (default 10 minutes) that
   * have no row yet, or no manifest yet, may be in the middle of a save and are left alone.
   * With `repair`: complete archives without a row are indexed from their summary, rows whose
   * archive is gone are deleted, stale incomplete folders are removed. Damaged archives are only
   * reported. With `verify`, every file of every complete archive is read and re-hashed against
   * its manifest, and the manifest's SHA-256 is compared with the one its index row records (reads
   * the whole store: for audits and tests, not for a routine check of a large store).
   */
  async check(options: { readonly repair?: boolean; readonly minAgeMs?: number; readonly verify?: boolean } = {}): Promise<RunCheckReport> {
    const minAgeMs = options.minAgeMs ?? 600_000;
    const now = this.now();
    const scan: ArchiveScanEntry[] = await this.archive.scan();
    const refs = await this.index.archiveRefs();
    const rowIds = new Set(refs.map((r) => r.id));
    const folderState = new Map(scan.map((e) => [e.runId, e.state]));
    const old = (e: ArchiveScanEntry) => now - e.lastModified >= minAgeMs;
    const archivesWithoutRow = scan.filter((e): e is Extract<ArchiveScanEntry, { state: 'complete' }> => e.state === 'complete' && !rowIds.has(e.runId) && old(e));
    const incomplete = scan.filter((e) => e.state === 'incomplete' && old(e) && !rowIds.has(e.runId));
    const ownRows = refs.filter((r) => r.location !== null && this.archive.holds(r.location, r.id));
    const rowsWithoutArchive = ownRows.filter((r) => folderState.get(r.id) !== 'complete' && folderState.get(r.id) !== 'damaged');
    const damaged = scan.filter((e): e is Extract<ArchiveScanEntry, { state: 'damaged' }> => e.state === 'damaged').map((e) => ({ runId: e.runId, problem: e.problem }));
    let verified = 0;
    if (options.verify) {
      for (const e of scan) {
        if (e.state !== 'complete') continue;
        try {
          await this.archive.readVerifiedFiles(e.runId);
          if (rowIds.has(e.runId)) {
            const recorded = (await this.index.get(e.runId)).archive;
            const stored = await this.archive.refOf(e.runId, e.manifest);
            if (recorded && this.archive.holds(recorded.location, e.runId) && recorded.manifestSha256 !== stored.manifestSha256) {
              throw new Error(`the index row records manifest SHA-256 ${recorded.manifestSha256}, the store's manifest has ${stored.manifestSha256}`);
            }
          }
          verified++;
        } catch (err) {
          damaged.push({ runId: e.runId, problem: (err as Error).message });
        }
      }
    }
    const failures: { runId: string; message: string }[] = [];
    if (options.repair) {
      const attempt = async (runId: string, fn: () => Promise<unknown>) => {
        try {
          await fn();
        } catch (err) {
          failures.push({ runId, message: (err as Error).message });
        }
      };
      for (const e of archivesWithoutRow) {
        await attempt(e.runId, async () => {
          await this.index.put(e.run, await this.archive.refOf(e.runId, e.manifest));
        });
      }
      for (const r of rowsWithoutArchive) await attempt(r.id, () => this.index.delete(r.id));
      for (const e of incomplete) await attempt(e.runId, () => this.archive.delete(e.runId));
    }
    return {
      archives: scan.length,
      rows: ownRows.length,
      archivesWithoutRow: archivesWithoutRow.map((e) => e.runId),
      rowsWithoutArchive: rowsWithoutArchive.map((r) => r.id),
      incomplete: incomplete.map((e) => e.runId),
      damaged,
      verified,
      repaired: options.repair ?? false,
      failures,
    };
  }
}
