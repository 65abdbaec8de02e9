/**
 * The one archive format of a run, on any StorageProvider (local folder or S3): under
 * `backtests/{runId}/` a `summary.json` (a {@link RunDocument}), `signals.parquet`,
 * `trades.parquet`, `equity.parquet` (zstd) and `manifest.json` — written last, with size and
 * SHA-256 of every file — through `@coinhts/storage`'s ArchiveWriter and ArchiveReader.
 */
import type { ArchiveRef, RunInput } from '@coinhts/results';
import {
  ARCHIVE_FILES, ArchiveReader, ArchiveWriter, DEFAULT_ARCHIVE_PREFIX, isStorageError,
  type ArchiveContents, type ArchiveManifest, type JsonObject, type StorageProvider,
} from '@coinhts/storage';
import { ArchiveMissingError } from './errors';
import type { ResultTableName, ResultTables } from './result-tables';
import { runInputOfDocument } from './run-record';

/** What {@link RunArchive.write} stores. */
export interface RunArchiveContent {
  /** `summary.json`: a RunDocument (see `runDocument`). */
  readonly summary: JsonObject;
  /** The three tables. */
  readonly tables: ResultTables;
}

/** One run folder found by {@link RunArchive.scan}. */
export type ArchiveScanEntry =
  | {
      /** Written to the end and readable: its index fields are in `run`. */
      readonly state: 'complete';
      readonly runId: string;
      readonly run: RunInput;
      readonly manifest: ArchiveManifest;
      /** Epoch ms of the newest file. */
      readonly lastModified: number;
    }
  | {
      /** No manifest: a write that did not finish (or a delete that did not). */
      readonly state: 'incomplete';
      readonly runId: string;
      readonly lastModified: number;
    }
  | {
      /** A manifest or summary that cannot be understood; `problem` says why. */
      readonly state: 'damaged';
      readonly runId: string;
      readonly problem: string;
      readonly lastModified: number;
    };

/** Options of {@link RunArchive}. */
export interface RunArchiveOptions {
  /** Clock for `manifest.createdAt` (default `() => new Date()`). */
  readonly now?: () => Date;
}

/** Reads and writes run archives in one store. */
export class RunArchive {
  private readonly writer: ArchiveWriter;
  private readonly reader: ArchiveReader;

  /**
   * @param provider - the store
   * @param storeUrl - its canonical URL ending in `/` (recorded in index rows as the archive location prefix)
   * @param options - clock
   */
  constructor(readonly provider: StorageProvider, readonly storeUrl: string, options: RunArchiveOptions = {}) {
    this.writer = new ArchiveWriter(provider, { now: options.now });
    this.reader = new ArchiveReader(provider);
  }

  /** Where the archive of `runId` is, as recorded in its index row. */
  locationOf(runId: string): string {
    return `${this.storeUrl}${DEFAULT_ARCHIVE_PREFIX}${runId}/`;
  }

  /** True when `location` (from an index row) is in this store. */
  holds(location: string, runId: string): boolean {
    return location === this.locationOf(runId);
  }

  /**
   * Writes (or replaces) the archive of `runId`; the manifest last.
   * @returns the reference the index records
   */
  async write(runId: string, content: RunArchiveContent): Promise<ArchiveRef> {
    return this.refOf(runId, await this.writer.write(runId, { summary: content.summary, tables: content.tables }));
  }

  /**
   * The index's reference to the complete archive of `runId` (location, the manifest's own
   * SHA-256 as the store recorded it, bytes and file count).
   * @param manifest - the run's manifest
   */
  async refOf(runId: string, manifest: ArchiveManifest): Promise<ArchiveRef> {
    const info = await this.provider.head(`${DEFAULT_ARCHIVE_PREFIX}${runId}/${ARCHIVE_FILES.manifest}`);
    return {
      location: this.locationOf(runId),
      manifestSha256: info.sha256,
      totalBytes: manifest.files.reduce((s, f) => s + f.size, info.size),
      fileCount: manifest.files.length,
    };
  }

  /** Deletes the archive of `runId`, manifest first; a missing archive is not an error. */
  delete(runId: string): Promise<void> {
    return this.writer.deleteArchive(runId);
  }

  private missing(runId: string, err: unknown): never {
    if (isStorageError(err, 'NOT_FOUND')) throw new ArchiveMissingError(`the archive of run ${runId} is not in ${this.storeUrl} (or incomplete); \`coinhts results check\` lists such runs`, runId, { cause: err });
    throw err;
  }

  /** The manifest of `runId` (`ARCHIVE_MISSING` when there is none). */
  async manifest(runId: string): Promise<ArchiveManifest> {
    return this.reader.readManifest(runId).catch((err: unknown) => this.missing(runId, err));
  }

  /** Summary and tables of `runId`, every file checked against the manifest. */
  async read(runId: string): Promise<ArchiveContents> {
    return this.reader.read(runId).catch((err: unknown) => this.missing(runId, err));
  }

  /** The parsed `summary.json` of `runId`, checked against the manifest. */
  async readSummary(runId: string): Promise<JsonObject> {
    return this.reader.readSummary(runId).catch((err: unknown) => this.missing(runId, err));
  }

  /** The stored Parquet bytes of one table of `runId`, checked against the manifest. */
  async readTableBytes(runId: string, table: ResultTableName): Promise<Uint8Array> {
    const manifest = await this.manifest(runId);
    return this.reader.readFile(runId, manifest, ARCHIVE_FILES[table]).catch((err: unknown) => this.missing(runId, err));
  }

  /**
   * Every file of `runId` (manifest included) as stored, each re-hashed against the manifest.
   */
  async readVerifiedFiles(runId: string): Promise<{ readonly manifest: ArchiveManifest; readonly files: readonly { readonly name: string; readonly bytes: Uint8Array }[] }> {
    const manifest = await this.reader.verifyArchive(runId).catch((err: unknown) => this.missing(runId, err));
    const files = await Promise.all(manifest.files.map(async (f) => ({ name: f.name, bytes: await this.reader.readFile(runId, manifest, f.name) })));
    const manifestBytes = await this.provider.getBytes(`${DEFAULT_ARCHIVE_PREFIX}${runId}/${ARCHIVE_FILES.manifest}`);
    return { manifest, files: [...files, { name: ARCHIVE_FILES.manifest, bytes: manifestBytes }] };
  }

  /**
   * Every run folder of the store with its state: complete (with the index fields read from its
   * summary), incomplete, or damaged (with the reason). One unreadable archive never stops the scan.
   */
  async scan(): Promise<ArchiveScanEntry[]> {
    const out: ArchiveScanEntry[] = [];
    for (const a of await this.reader.listArchives()) {
      const lastModified = a.lastModified.getTime();
      if (!a.complete) {
        out.push({ state: 'incomplete', runId: a.runId, lastModified });
        continue;
      }
      try {
        const manifest = await this.reader.readManifest(a.runId);
        const run = runInputOfDocument(await this.reader.readSummary(a.runId, manifest));
        if (run.id !== a.runId) throw new Error(`summary.json names run ${run.id}, the folder is ${a.runId}`);
        out.push({ state: 'complete', runId: a.runId, run, manifest, lastModified });
      } catch (err) {
        out.push({ state: 'damaged', runId: a.runId, problem: (err as Error).message, lastModified });
      }
    }
    return out;
  }
}
