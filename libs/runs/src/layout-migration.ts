/**
 * {@link migrateLayout}: moves the archives of the two layouts that existed before the one run
 * archive format into it (`coinhts results migrate-layout`). The old layouts, as they were written
 * (before commit b8de0f5):
 *
 * - **results-dir** — `@coinhts/results`' LocalDirArchiveStore: `{store}/backtests/{uuid}/` with
 *   `summary.json` (`{request, summary}` of a backtest, `{request, ranking}` of a sweep, or a
 *   legacy import's summary), the payload files (`signals|trades|equity.parquet`, gzip originals
 *   of legacy imports) and `manifest.json` `{schemaVersion: 1, runId, createdAt, files: [{name,
 *   bytes, sha256}]}`. Its index rows were in PostgreSQL.
 * - **cli-store** — the CLI's LocalRunStore: `{store}/objects/backtests/{stamp}-{strategy}-{hex}/`
 *   (the storage provider's layout, with `meta/` sidecars) holding the engine's summary, the three
 *   tables and a `coinhts.result-archive` manifest, plus the index `{store}/runs.jsonl`.
 *
 * Per run, in this order: every old file is re-hashed against the old manifest (a mismatch, an
 * unreadable manifest or summary makes the run `damaged`: reported with its id and left alone);
 * the run is written in the one format (cli-store runs get a UUID derived from the old id, so a
 * re-run picks the same one) through {@link RunService.save} (archive, then index row); the new
 * archive is read back and checked (SHA-256 of every file, rows of every table); only then is the
 * old archive removed, its manifest first. A kill at any point leaves either the old archive
 * (migrated again next time: saves are upserts) or the new one with the old one partly removed
 * (recognised by the new archive's `migratedFrom`, and the removal finished). A re-run after a
 * complete migration finds nothing to do.
 */
import { createHash } from 'node:crypto';
import { open, readdir, readFile, rm, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { BacktestSummary } from '@coinhts/engine';
import { isUuid, type RunInput, type StoredRun } from '@coinhts/results/model';
import type { SweepRanking, SweepRequest } from '@coinhts/jobs';
import {
  ArchiveReader, ArchiveWriter, decodeParquet, fromArrowTable, type ColumnarTable, type JsonObject, type StorageProvider,
} from '@coinhts/storage';
import { sweepRunInput } from './job-stores';
import { emptyResultTables, RESULT_TABLE_NAMES, type ResultTableName, type ResultTables } from './result-tables';
import { backtestRunInput, runDocument, type MigratedFrom, type RunDocument } from './run-record';
import type { RunService } from './run-service';

/** Name of the old CLI store's index inside the store folder. */
export const OLD_CLI_INDEX_FILE = 'runs.jsonl';
/** Folder of the old results-dir layout inside the store folder. */
export const OLD_RESULTS_DIR = 'backtests';

/** What {@link migrateLayout} reports as it goes (one event per old run folder). */
export type LayoutMigrationEvent =
  | {
      /** Moved: the new archive is written, checked and indexed, the old one removed. */
      readonly type: 'migrated';
      readonly layout: MigratedFrom['layout'];
      readonly oldId: string;
      readonly runId: string;
    }
  | {
      /** A previous (interrupted) migration had moved it; only the old copy's removal was finished now. */
      readonly type: 'finished';
      readonly layout: MigratedFrom['layout'];
      readonly oldId: string;
      readonly runId: string;
    }
  | {
      /** Left where it is: its old manifest, a file or the summary is damaged, or its index fields cannot be rebuilt. */
      readonly type: 'skipped';
      readonly layout: MigratedFrom['layout'];
      readonly oldId: string;
      readonly problem: string;
    };

/** Summary of a {@link migrateLayout} call. */
export interface LayoutMigrationReport {
  /** Runs moved now. */
  readonly migrated: number;
  /** Runs whose interrupted removal was finished now. */
  readonly finished: number;
  /** Runs left where they are, with why. */
  readonly skipped: readonly { readonly layout: MigratedFrom['layout']; readonly oldId: string; readonly problem: string }[];
  /** True when the old CLI index `runs.jsonl` was removed (no run of that layout is left). */
  readonly removedOldIndex: boolean;
}

/** Options of {@link migrateLayout}. */
export interface LayoutMigrationOptions {
  /** The store folder (`file:` RESULTS_STORE), which holds the old layouts too. */
  readonly dir: string;
  /** The run service over that folder's store and the index to fill. */
  readonly service: RunService;
  /** Called after each old run folder is dealt with (the CLI prints a line). */
  readonly onEvent?: (event: LayoutMigrationEvent) => void;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/**
 * The UUID a run of the old CLI store gets (its ids were `{stamp}-{strategy}-{hex}`): the first
 * 16 bytes of SHA-256(`coinhts.cli-store:` + old id), marked as an RFC 9562 version-8 UUID.
 * Deterministic, so a resumed migration picks the same id.
 * @param oldId - the old run id
 */
export function migratedRunId(oldId: string): string {
  const b = createHash('sha256').update(`coinhts.cli-store:${oldId}`).digest().subarray(0, 16);
  b[6] = (b[6] & 0x0f) | 0x80;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** What one old run becomes. */
interface Converted {
  readonly run: RunInput;
  readonly document: JsonObject;
  readonly tables: ResultTables;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function looksLikeBacktestSummary(v: unknown): v is BacktestSummary {
  const s = v as Partial<BacktestSummary> | null;
  return isObject(s) && isObject(s.strategy) && typeof s.strategy.name === 'string' && Array.isArray(s.symbols) && isObject(s.period) && isObject(s.portfolio);
}

/** Index fields of a backtest from its engine summary (createdAt = when the old archive was written). */
function backtestInput(summary: BacktestSummary, runId: string, createdAtMs: number): RunInput {
  return { ...backtestRunInput({ summary } as never, { runId, kind: 'sync', startedAt: createdAtMs, finishedAt: createdAtMs }), durationMs: null, createdAt: createdAtMs };
}

/** An index row as the input that recreates it. */
function inputOfRow(row: StoredRun): RunInput {
  const { archive: _archive, updatedAt: _updated, ...rest } = row;
  return rest;
}

/** Removes a folder whose manifest is already gone (or goes first), fsyncing the parent so the removal of the manifest is durable. */
async function removeOldFolder(folder: string): Promise<void> {
  await unlink(join(folder, 'manifest.json')).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  const fh = await open(folder, 'r').catch(() => null);
  if (fh) {
    await fh.sync().catch(() => undefined);
    await fh.close();
  }
  await rm(folder, { recursive: true, force: true });
}

/** The old results-dir layout (`{store}/backtests/{uuid}/`). */
class ResultsDirLayout {
  constructor(private readonly root: string) {}

  /** Run folders (UUID names); temporary `.tmp-*` and `*.old-*` folders of interrupted old writes are not runs. */
  async ids(): Promise<string[]> {
    const names = await readdir(this.root).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return [];
      throw err;
    });
    return names.filter((n) => isUuid(n)).sort();
  }

  folder(id: string): string {
    return join(this.root, id);
  }

  /** Reads, checks and converts one run; `null` when it has no manifest. Throws when it is damaged (the message says how). */
  async read(id: string, rowOf: (id: string) => Promise<StoredRun | null>): Promise<Converted | null> {
    const folder = this.folder(id);
    let manifestText: string;
    try {
      manifestText = await readFile(join(folder, 'manifest.json'), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new Error(`manifest.json cannot be read (${(err as Error).message})`);
    }
    let manifest: { schemaVersion?: unknown; runId?: unknown; createdAt?: unknown; files?: unknown };
    try {
      manifest = JSON.parse(manifestText) as typeof manifest;
    } catch {
      throw new Error('manifest.json is not JSON');
    }
    if (!isObject(manifest) || manifest.schemaVersion !== 1) throw new Error('manifest.json has no schemaVersion 1 (not an archive of the old @coinhts/results store)');
    if (manifest.runId !== id) throw new Error(`manifest.json names run ${JSON.stringify(manifest.runId)}, the folder is ${id}`);
    const createdAtMs = typeof manifest.createdAt === 'string' ? Date.parse(manifest.createdAt) : NaN;
    if (!Number.isFinite(createdAtMs)) throw new Error('manifest.json has no valid createdAt');
    if (!Array.isArray(manifest.files)) throw new Error('manifest.json has no files list');
    const files = new Map<string, Buffer>();
    for (const f of manifest.files as unknown[]) {
      if (!isObject(f) || typeof f.name !== 'string' || typeof f.bytes !== 'number' || typeof f.sha256 !== 'string' || f.name.split('/').some((s) => s === '' || s === '.' || s === '..')) {
        throw new Error('manifest.json lists a file without a valid name, bytes and sha256');
      }
      let bytes: Buffer;
      try {
        bytes = await readFile(join(folder, ...f.name.split('/')));
      } catch (err) {
        throw new Error(`${f.name} is listed in manifest.json but cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      }
      if (bytes.byteLength !== f.bytes || sha256(bytes) !== f.sha256) {
        throw new Error(`${f.name} does not match manifest.json (${bytes.byteLength} bytes, SHA-256 ${sha256(bytes).slice(0, 12)}…; the manifest says ${f.bytes} bytes, ${String(f.sha256).slice(0, 12)}…)`);
      }
      files.set(f.name, bytes);
    }
    const summaryBytes = files.get('summary.json');
    if (!summaryBytes) throw new Error('manifest.json does not list summary.json');
    let summary: unknown;
    try {
      summary = JSON.parse(summaryBytes.toString('utf8'));
    } catch {
      throw new Error('summary.json is not JSON');
    }
    const tables: Record<ResultTableName, ColumnarTable> = { ...emptyResultTables() };
    for (const t of RESULT_TABLE_NAMES) {
      const bytes = files.get(`${t}.parquet`);
      if (!bytes) continue;
      try {
        tables[t] = fromArrowTable(decodeParquet(bytes));
      } catch (err) {
        throw new Error(`${t}.parquet is not readable Parquet (${(err as Error).message})`);
      }
      files.delete(`${t}.parquet`);
    }
    files.delete('summary.json');
    const migratedFrom: MigratedFrom = { layout: 'results-dir', id, createdAt: new Date(createdAtMs).toISOString() };
    const row = await rowOf(id);
    const s = isObject(summary) ? summary : {};
    let run: RunInput;
    let extra: Omit<RunDocument, 'format' | 'run'>;
    if (looksLikeBacktestSummary(s.summary)) {
      run = row ? inputOfRow(row) : backtestInput(s.summary, id, createdAtMs);
      extra = { request: s.request, summary: s.summary };
    } else if (isObject(s.ranking) && isObject(s.request)) {
      run = row ? inputOfRow(row) : { ...sweepRunInput(s.ranking as unknown as SweepRanking, s.request as unknown as SweepRequest, { startedAt: createdAtMs, finishedAt: createdAtMs }), id, durationMs: null, createdAt: createdAtMs };
      extra = { request: s.request, ranking: s.ranking };
    } else {
      if (!row) throw new Error('summary.json is neither a backtest nor a sweep and the index has no row for this run, so its index fields cannot be rebuilt; run with the index that holds its row (DATABASE_URL)');
      run = inputOfRow(row);
      extra = { legacy: { summary: summary ?? null, files: [...files].map(([name, bytes]) => ({ name, base64: bytes.toString('base64') })) } };
    }
    return { run, document: runDocument(run, { ...extra, migratedFrom }), tables };
  }
}

/** The old CLI store (`{store}/objects/backtests/{stamp}-{strategy}-{hex}/` + `runs.jsonl`). */
class CliStoreLayout {
  private readonly reader: ArchiveReader;
  private sources: Map<string, string> | null = null;

  constructor(private readonly provider: StorageProvider, private readonly indexFile: string) {
    this.reader = new ArchiveReader(provider);
  }

  /** Old run folders (ids that are not UUIDs), with whether they still have a manifest. */
  async list(): Promise<{ readonly id: string; readonly complete: boolean }[]> {
    return (await this.reader.listArchives()).filter((a) => !isUuid(a.runId)).map((a) => ({ id: a.runId, complete: a.complete }));
  }

  private async sourceOf(id: string): Promise<string | undefined> {
    if (!this.sources) {
      this.sources = new Map();
      const text = await readFile(this.indexFile, 'utf8').catch(() => '');
      for (const line of text.split('\n')) {
        try {
          const r = JSON.parse(line) as { run_id?: unknown; source?: unknown };
          if (typeof r.run_id === 'string' && typeof r.source === 'string') this.sources.set(r.run_id, r.source);
        } catch {
          // a torn or damaged line of the old index: the archive holds everything but the source
        }
      }
    }
    return this.sources.get(id);
  }

  /** Reads (every file checked by the reader against the manifest) and converts one run. Throws when it is damaged (the message says how). */
  async read(id: string): Promise<Converted> {
    let contents;
    try {
      contents = await this.reader.read(id);
    } catch (err) {
      throw new Error((err as Error).message);
    }
    if (!looksLikeBacktestSummary(contents.summary)) throw new Error('summary.json is not an engine backtest summary');
    const runId = migratedRunId(id);
    const createdAtMs = Date.parse(contents.manifest.createdAt);
    let run: RunInput;
    try {
      run = backtestInput(contents.summary, runId, createdAtMs);
    } catch (err) {
      throw new Error(`summary.json cannot be turned into an index row (${(err as Error).message})`);
    }
    const source = await this.sourceOf(id);
    const migratedFrom: MigratedFrom = { layout: 'cli-store', id, createdAt: contents.manifest.createdAt, ...(source ? { source } : {}) };
    return { run, document: runDocument(run, { summary: contents.summary, migratedFrom }), tables: contents.tables };
  }

  /** Removes an old run folder, manifest first. */
  remove(id: string): Promise<void> {
    return new ArchiveWriter(this.provider).deleteArchive(id);
  }
}

/**
 * Moves every run of the two old layouts in `options.dir` into the one archive format and index
 * (see the module comment for the guarantees). Never throws for one bad run: it is reported
 * (`skipped`) and the rest go on.
 * @param options - store folder, run service, progress callback
 */
export async function migrateLayout(options: LayoutMigrationOptions): Promise<LayoutMigrationReport> {
  const { service } = options;
  const emit = options.onEvent ?? (() => undefined);
  let migrated = 0;
  let finished = 0;
  const skipped: { layout: MigratedFrom['layout']; oldId: string; problem: string }[] = [];
  const skip = (layout: MigratedFrom['layout'], oldId: string, problem: string): void => {
    skipped.push({ layout, oldId, problem });
    emit({ type: 'skipped', layout, oldId, problem });
  };
  const rowOf = async (id: string): Promise<StoredRun | null> => service.index.get(id).catch((err: unknown) => {
    if ((err as { code?: unknown }).code === 'NOT_FOUND') return null;
    throw err;
  });

  /** True when the new archive of `runId` is complete, was made from `oldId`, and is indexed (the old copy may go). */
  const alreadyMoved = async (runId: string, oldId: string): Promise<boolean> => {
    try {
      const doc = (await service.archive.readSummary(runId)) as unknown as Partial<RunDocument>;
      return doc.migratedFrom?.id === oldId && (await rowOf(runId))?.archive?.location === service.archive.locationOf(runId);
    } catch {
      return false;
    }
  };

  /** Writes, indexes and checks the new archive; throws when the read-back does not match. */
  const moveIn = async (c: Converted): Promise<void> => {
    await service.save(c.run, { summary: c.document, tables: c.tables });
    const back = await service.archive.read(c.run.id);
    for (const t of RESULT_TABLE_NAMES) {
      const want = Object.values(c.tables[t].columns)[0]?.length ?? 0;
      const got = Object.values(back.tables[t].columns)[0]?.length ?? 0;
      if (want !== got) throw new Error(`the new archive of run ${c.run.id} reads back ${got} ${t} rows, ${want} were written`);
    }
  };

  const resultsDir = new ResultsDirLayout(join(options.dir, OLD_RESULTS_DIR));
  for (const id of await resultsDir.ids()) {
    try {
      const converted = await resultsDir.read(id, rowOf);
      if (converted === null) {
        if (await alreadyMoved(id, id)) {
          await removeOldFolder(resultsDir.folder(id));
          finished++;
          emit({ type: 'finished', layout: 'results-dir', oldId: id, runId: id });
        } else skip('results-dir', id, 'no manifest.json: an old write that never finished (nothing to migrate; delete the folder if it is not needed)');
        continue;
      }
      await moveIn(converted);
      await removeOldFolder(resultsDir.folder(id));
      migrated++;
      emit({ type: 'migrated', layout: 'results-dir', oldId: id, runId: id });
    } catch (err) {
      skip('results-dir', id, (err as Error).message);
    }
  }

  const cli = new CliStoreLayout(service.archive.provider, join(options.dir, OLD_CLI_INDEX_FILE));
  for (const { id, complete } of await cli.list()) {
    const runId = migratedRunId(id);
    try {
      if (!complete) {
        if (await alreadyMoved(runId, id)) {
          await cli.remove(id);
          finished++;
          emit({ type: 'finished', layout: 'cli-store', oldId: id, runId });
        } else skip('cli-store', id, 'no manifest.json: an old write that never finished (nothing to migrate; `coinhts results check --repair` does not touch it, delete objects/backtests/' + id + ' if it is not needed)');
        continue;
      }
      await moveIn(await cli.read(id));
      await cli.remove(id);
      migrated++;
      emit({ type: 'migrated', layout: 'cli-store', oldId: id, runId });
    } catch (err) {
      skip('cli-store', id, (err as Error).message);
    }
  }

  // The old CLI index goes once no run of its layout is left (its only extra field, the source, is in each moved run's document).
  let removedOldIndex = false;
  if ((await cli.list()).length === 0) {
    removedOldIndex = await rm(join(options.dir, OLD_CLI_INDEX_FILE)).then(() => true, () => false);
  }
  // An emptied old results-dir folder goes too (left-overs of interrupted old writes keep it).
  await rmdir(join(options.dir, OLD_RESULTS_DIR)).catch(() => undefined);
  return { migrated, finished, skipped, removedOldIndex };
}
