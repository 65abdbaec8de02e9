/**
 * Result archives: one backtest run stored under `{prefix}{runId}/` as
 *
 * | file              | content                                                            |
 * |-------------------|--------------------------------------------------------------------|
 * | `summary.json`    | any JSON object (parameters, metrics, versions), 2-space indented  |
 * | `signals.parquet` | signals table, zstd Parquet                                        |
 * | `trades.parquet`  | trades table, zstd Parquet                                         |
 * | `equity.parquet`  | equity-curve table, zstd Parquet                                   |
 * | `manifest.json`   | every file above with size, SHA-256, rows and schema; written LAST |
 *
 * A run without `manifest.json` is incomplete and readers report it as NOT_FOUND. Rewriting a run
 * first deletes its manifest (so a half-rewritten run is never presented as complete), replaces
 * the files, and writes the new manifest last.
 */
import type * as arrow from 'apache-arrow';
import { CorruptArchiveError, IntegrityMismatchError, NotFoundError, StorageError } from '../errors';
import { listAll, type StorageProvider } from '../provider';
import { fromArrowTable, validateTable, type ColumnarTable, type TableSchema } from './columnar';
import {
  ARCHIVE_FILES,
  ARCHIVE_FORMAT,
  ARCHIVE_FORMAT_VERSION,
  ARCHIVE_TABLE_NAMES,
  DEFAULT_ARCHIVE_PREFIX,
  JSON_CONTENT_TYPE,
  PARQUET_CONTENT_TYPE,
  parseManifest,
  validateArchivePrefix,
  validateRunId,
  type ArchiveFileEntry,
  type ArchiveManifest,
  type ArchiveTableName,
} from './manifest';
import { decodeParquet, encodeParquet } from './parquet-codec';

/** A JSON value as the summary may hold it (finite numbers only). */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };
/** A JSON object. */
export type JsonObject = { readonly [key: string]: JsonValue };

/** What one run's archive is made of. */
export interface ArchiveInput {
  /**
   * Parameters, metrics, versions — any JSON object. NaN and ±Infinity are rejected (JSON cannot
   * hold them; map them to `null` first); `-0` is stored as `0` (JSON has no negative zero).
   */
  readonly summary: JsonObject;
  /** The three tables (see `ColumnarTable` for the column types). */
  readonly tables: Readonly<Record<ArchiveTableName, ColumnarTable>>;
}

/** Everything read back from an archive. */
export interface ArchiveContents {
  /** The manifest. */
  readonly manifest: ArchiveManifest;
  /** The summary object. */
  readonly summary: JsonObject;
  /** The three tables, as columnar tables. */
  readonly tables: Readonly<Record<ArchiveTableName, ColumnarTable>>;
}

/** One run found by {@link ArchiveReader.listArchives}. */
export interface ArchiveListing {
  /** Run id. */
  readonly runId: string;
  /** True when the run has a manifest (its archive was written to the end). */
  readonly complete: boolean;
  /** Number of stored files under the run folder (manifest included). */
  readonly files: number;
  /** Total bytes of those files. */
  readonly totalBytes: number;
  /** Most recent write time among them. */
  readonly lastModified: Date;
}

/** Options shared by writer and reader. */
export interface ArchiveOptions {
  /** Key prefix of all archives (`''` or ending in `/`). Default `backtests/`. */
  readonly prefix?: string;
}

/** Options of {@link ArchiveWriter}. */
export interface ArchiveWriterOptions extends ArchiveOptions {
  /** Clock for `manifest.createdAt`. Default `() => new Date()`. */
  readonly now?: () => Date;
  /** Maximum rows per Parquet row group. Default 1 048 576. */
  readonly maxRowGroupRows?: number;
}

function checkJson(value: unknown, path: string, seen: Set<object>): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`summary${path} is ${value}; JSON cannot hold NaN or Infinity (use null)`);
    return;
  }
  if (typeof value !== 'object') throw new TypeError(`summary${path} is a ${typeof value}, which JSON cannot hold`);
  if (seen.has(value)) throw new TypeError(`summary${path} is a circular reference`);
  seen.add(value);
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkJson(v, `${path}[${i}]`, seen));
  } else {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      throw new TypeError(`summary${path} is a ${(value as object).constructor?.name ?? 'non-plain object'}; convert it to plain JSON first`);
    }
    for (const [k, v] of Object.entries(value)) checkJson(v, `${path}.${k}`, seen);
  }
  seen.delete(value);
}

function archiveKey(prefix: string, runId: string, name: string): string {
  return `${prefix}${runId}/${name}`;
}

/** Writes and deletes result archives on a {@link StorageProvider}. */
export class ArchiveWriter {
  private readonly prefix: string;
  private readonly now: () => Date;
  private readonly maxRowGroupRows: number | undefined;

  /**
   * @param storage - where archives live
   * @param options - prefix, clock, row group size
   */
  constructor(private readonly storage: StorageProvider, options: ArchiveWriterOptions = {}) {
    this.prefix = options.prefix ?? DEFAULT_ARCHIVE_PREFIX;
    validateArchivePrefix(this.prefix);
    this.now = options.now ?? (() => new Date());
    this.maxRowGroupRows = options.maxRowGroupRows;
  }

  /**
   * Writes (or rewrites) the archive of `runId`: encodes everything first (a malformed input
   * throws `TypeError` / `RangeError` before anything is touched), deletes any existing
   * manifest, stores summary and tables, and stores the new manifest last.
   * @param runId - run id (see `validateRunId`)
   * @param input - summary and tables
   * @returns the manifest written
   */
  async write(runId: string, input: ArchiveInput): Promise<ArchiveManifest> {
    validateRunId(runId);
    if (input.summary === null || typeof input.summary !== 'object' || Array.isArray(input.summary)) {
      throw new TypeError('summary must be a JSON object');
    }
    checkJson(input.summary, '', new Set());
    const encoded: { name: string; bytes: Uint8Array; contentType: string; table?: ArchiveTableName; rows?: number; schema?: TableSchema }[] = [
      { name: ARCHIVE_FILES.summary, bytes: Buffer.from(`${JSON.stringify(input.summary, null, 2)}\n`, 'utf8'), contentType: JSON_CONTENT_TYPE },
    ];
    for (const table of ARCHIVE_TABLE_NAMES) {
      const columnar = input.tables[table];
      if (!columnar) throw new TypeError(`tables.${table} is missing`);
      const rows = validateTable(columnar, table);
      encoded.push({
        name: ARCHIVE_FILES[table], bytes: encodeParquet(columnar, { maxRowGroupRows: this.maxRowGroupRows }), contentType: PARQUET_CONTENT_TYPE,
        table, rows, schema: { ...columnar.schema },
      });
    }

    // From here on the old archive (if any) is no longer complete.
    await this.storage.delete(archiveKey(this.prefix, runId, ARCHIVE_FILES.manifest));
    const results = await Promise.allSettled(encoded.map((f) =>
      this.storage.put(archiveKey(this.prefix, runId, f.name), f.bytes, { contentType: f.contentType, metadata: { 'run-id': runId } })));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;

    const files: ArchiveFileEntry[] = encoded.map((f, i) => {
      const stored = (results[i] as PromiseFulfilledResult<{ size: number; sha256: string }>).value;
      return {
        name: f.name, size: stored.size, sha256: stored.sha256, contentType: f.contentType,
        ...(f.table === undefined ? {} : { table: f.table, rows: f.rows, schema: f.schema }),
      };
    });
    const manifest: ArchiveManifest = {
      format: ARCHIVE_FORMAT, formatVersion: ARCHIVE_FORMAT_VERSION, runId, createdAt: this.now().toISOString(), files,
    };
    await this.storage.put(archiveKey(this.prefix, runId, ARCHIVE_FILES.manifest), Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8'), {
      contentType: JSON_CONTENT_TYPE, metadata: { 'run-id': runId },
    });
    return manifest;
  }

  /**
   * Deletes the archive of `runId`: the manifest first (the run turns incomplete at once), then
   * every other object under the run folder. Succeeds if nothing is there.
   * @param runId - run id
   */
  async deleteArchive(runId: string): Promise<void> {
    validateRunId(runId);
    await this.storage.delete(archiveKey(this.prefix, runId, ARCHIVE_FILES.manifest));
    const keys: string[] = [];
    for await (const item of listAll(this.storage, { prefix: archiveKey(this.prefix, runId, '') })) keys.push(item.key);
    for (const key of keys) await this.storage.delete(key);
  }
}

/** Reads result archives from a {@link StorageProvider}, checking every file against the manifest. */
export class ArchiveReader {
  private readonly prefix: string;

  /**
   * @param storage - where archives live
   * @param options - prefix
   */
  constructor(private readonly storage: StorageProvider, options: ArchiveOptions = {}) {
    this.prefix = options.prefix ?? DEFAULT_ARCHIVE_PREFIX;
    validateArchivePrefix(this.prefix);
  }

  /**
   * Reads the manifest of `runId`.
   * @param runId - run id
   * @throws NotFoundError when the run does not exist or is incomplete (no manifest)
   * @throws CorruptArchiveError when the manifest cannot be understood
   */
  async readManifest(runId: string): Promise<ArchiveManifest> {
    validateRunId(runId);
    const key = archiveKey(this.prefix, runId, ARCHIVE_FILES.manifest);
    let bytes: Uint8Array;
    try {
      bytes = await this.storage.getBytes(key);
    } catch (error) {
      if (error instanceof StorageError && error.code === 'NOT_FOUND') {
        throw new NotFoundError(`archive ${JSON.stringify(runId)} not found, or incomplete (it has no manifest.json)`, { key, cause: error });
      }
      throw error;
    }
    return parseManifest(Buffer.from(bytes).toString('utf8'), runId, key);
  }

  /**
   * Reads one file's bytes as stored, checking them against its manifest entry (and, inside the
   * provider, against the object's own checksum).
   * @param runId - run id
   * @param manifest - the run's manifest (from {@link ArchiveReader.readManifest})
   * @param name - file name inside the run folder, e.g. `trades.parquet`
   */
  async readFile(runId: string, manifest: ArchiveManifest, name: string): Promise<Uint8Array> {
    const key = archiveKey(this.prefix, runId, name);
    const entry = manifest.files.find((f) => f.name === name);
    if (!entry) throw new CorruptArchiveError(`archive ${JSON.stringify(runId)}: ${name} is not in its manifest`, { key });
    let stream;
    try {
      stream = await this.storage.getStream(key);
    } catch (error) {
      if (error instanceof StorageError && error.code === 'NOT_FOUND') {
        throw new NotFoundError(`archive ${JSON.stringify(runId)}: ${name} is listed in the manifest but missing`, { key, cause: error });
      }
      throw error;
    }
    const { info, body } = stream;
    if (info.sha256 !== entry.sha256 || info.size !== entry.size) {
      body.destroy();
      throw new IntegrityMismatchError(
        `archive ${JSON.stringify(runId)}: ${name} is not the file its manifest lists (replaced after the manifest was written)`,
        { key, expectedSha256: entry.sha256, actualSha256: info.sha256, expectedSize: entry.size, actualSize: info.size },
      );
    }
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks, entry.size);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private async decodeTable(runId: string, manifest: ArchiveManifest, table: ArchiveTableName): Promise<arrow.Table> {
    const name = ARCHIVE_FILES[table];
    const key = archiveKey(this.prefix, runId, name);
    const bytes = await this.readFile(runId, manifest, name);
    let decoded: arrow.Table;
    try {
      decoded = decodeParquet(bytes);
    } catch (cause) {
      throw new CorruptArchiveError(`archive ${JSON.stringify(runId)}: ${name} is not readable Parquet`, { key, cause });
    }
    const entry = manifest.files.find((f) => f.name === name) as ArchiveFileEntry;
    const actual = decoded.schema.fields.map((f) => f.name);
    const expected = Object.keys(entry.schema ?? {});
    if (decoded.numRows !== entry.rows || actual.join('\u0000') !== expected.join('\u0000')) {
      throw new CorruptArchiveError(
        `archive ${JSON.stringify(runId)}: ${name} has ${decoded.numRows} rows and columns [${actual.join(', ')}], ` +
          `the manifest says ${String(entry.rows)} rows and [${expected.join(', ')}]`,
        { key },
      );
    }
    return decoded;
  }

  /**
   * Reads a table as an Arrow table.
   * @param runId - run id
   * @param table - `signals`, `trades` or `equity`
   * @param manifest - an already read manifest of this run (saves a request)
   */
  async readArrowTable(runId: string, table: ArchiveTableName, manifest?: ArchiveManifest): Promise<arrow.Table> {
    return this.decodeTable(runId, manifest ?? (await this.readManifest(runId)), table);
  }

  /**
   * Reads a table as columns (`Float64Array` etc., see `ColumnarTable`), exactly as written.
   * @param runId - run id
   * @param table - `signals`, `trades` or `equity`
   * @param manifest - an already read manifest of this run (saves a request)
   */
  async readTable(runId: string, table: ArchiveTableName, manifest?: ArchiveManifest): Promise<ColumnarTable> {
    const m = manifest ?? (await this.readManifest(runId));
    const decoded = await this.decodeTable(runId, m, table);
    const columnar = fromArrowTable(decoded);
    const entry = m.files.find((f) => f.name === ARCHIVE_FILES[table]) as ArchiveFileEntry;
    for (const [column, type] of Object.entries(entry.schema ?? {})) {
      if (columnar.schema[column] !== type) {
        throw new CorruptArchiveError(`archive ${JSON.stringify(runId)}: column ${table}.${column} is ${columnar.schema[column]}, the manifest says ${type}`, {
          key: archiveKey(this.prefix, runId, ARCHIVE_FILES[table]),
        });
      }
    }
    return columnar;
  }

  /**
   * Reads the summary object.
   * @param runId - run id
   * @param manifest - an already read manifest of this run (saves a request)
   */
  async readSummary(runId: string, manifest?: ArchiveManifest): Promise<JsonObject> {
    const m = manifest ?? (await this.readManifest(runId));
    const bytes = await this.readFile(runId, m, ARCHIVE_FILES.summary);
    try {
      const value = JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown;
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TypeError('not a JSON object');
      return value as JsonObject;
    } catch (cause) {
      throw new CorruptArchiveError(`archive ${JSON.stringify(runId)}: summary.json is not a JSON object`, {
        key: archiveKey(this.prefix, runId, ARCHIVE_FILES.summary), cause,
      });
    }
  }

  /**
   * Reads a whole archive: manifest, summary and the three tables.
   * @param runId - run id
   */
  async read(runId: string): Promise<ArchiveContents> {
    const manifest = await this.readManifest(runId);
    const [summary, signals, trades, equity] = await Promise.all([
      this.readSummary(runId, manifest),
      this.readTable(runId, 'signals', manifest),
      this.readTable(runId, 'trades', manifest),
      this.readTable(runId, 'equity', manifest),
    ]);
    return { manifest, summary, tables: { signals, trades, equity } };
  }

  /**
   * Re-reads every file of the archive, recomputing its SHA-256 in the provider and comparing
   * it with the manifest; throws `IntegrityMismatchError` / `NotFoundError` on the first problem.
   * @param runId - run id
   * @returns the manifest, now confirmed
   */
  async verifyArchive(runId: string): Promise<ArchiveManifest> {
    const manifest = await this.readManifest(runId);
    for (const entry of manifest.files) {
      const key = archiveKey(this.prefix, runId, entry.name);
      let info;
      try {
        info = await this.storage.verify(key);
      } catch (error) {
        if (error instanceof StorageError && error.code === 'NOT_FOUND') {
          throw new NotFoundError(`archive ${JSON.stringify(runId)}: ${entry.name} is listed in the manifest but missing`, { key, cause: error });
        }
        throw error;
      }
      if (info.sha256 !== entry.sha256 || info.size !== entry.size) {
        throw new IntegrityMismatchError(`archive ${JSON.stringify(runId)}: ${entry.name} is not the file its manifest lists`, {
          key, expectedSha256: entry.sha256, actualSha256: info.sha256, expectedSize: entry.size, actualSize: info.size,
        });
      }
    }
    return manifest;
  }

  /**
   * Lists every run folder under the prefix, complete or not, in run-id order (UTF-8 bytes).
   * Incomplete runs (no manifest) are left-overs of interrupted writes; `deleteArchive` removes them.
   */
  async listArchives(): Promise<ArchiveListing[]> {
    const runs = new Map<string, { complete: boolean; files: number; totalBytes: number; lastModified: number }>();
    for await (const item of listAll(this.storage, { prefix: this.prefix })) {
      const rest = item.key.slice(this.prefix.length);
      const slash = rest.indexOf('/');
      if (slash <= 0) continue;
      const runId = rest.slice(0, slash);
      const run = runs.get(runId) ?? { complete: false, files: 0, totalBytes: 0, lastModified: 0 };
      run.files += 1;
      run.totalBytes += item.size;
      run.lastModified = Math.max(run.lastModified, item.lastModified.getTime());
      if (rest.slice(slash + 1) === ARCHIVE_FILES.manifest) run.complete = true;
      runs.set(runId, run);
    }
    return [...runs].map(([runId, r]) => ({ runId, complete: r.complete, files: r.files, totalBytes: r.totalBytes, lastModified: new Date(r.lastModified) }));
  }
}
