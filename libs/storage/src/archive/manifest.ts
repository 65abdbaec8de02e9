/**
 * The result archive's manifest (`manifest.json`, written last) and the archive's naming rules.
 */
import { CorruptArchiveError, InvalidKeyError } from '../errors';
import { validatePrefix } from '../key';
import { ColumnType, type TableSchema } from './columnar';

/** Value of `manifest.format`. */
export const ARCHIVE_FORMAT = 'coinhts.result-archive';
/** Current `manifest.formatVersion`. Readers refuse versions they do not know. */
export const ARCHIVE_FORMAT_VERSION = 1;
/** Default key prefix of archives: `backtests/{runId}/…`. */
export const DEFAULT_ARCHIVE_PREFIX = 'backtests/';
/** The tables every archive holds, in file order. */
export const ARCHIVE_TABLE_NAMES = ['signals', 'trades', 'equity'] as const;
/** One of {@link ARCHIVE_TABLE_NAMES}. */
export type ArchiveTableName = (typeof ARCHIVE_TABLE_NAMES)[number];
/** File names inside an archive folder. */
export const ARCHIVE_FILES = {
  summary: 'summary.json',
  signals: 'signals.parquet',
  trades: 'trades.parquet',
  equity: 'equity.parquet',
  manifest: 'manifest.json',
} as const;
/** MIME type of the Parquet files (IANA registration of 2024). */
export const PARQUET_CONTENT_TYPE = 'application/vnd.apache.parquet';
/** MIME type of summary and manifest. */
export const JSON_CONTENT_TYPE = 'application/json';

/** One file of an archive, as the manifest records it. */
export interface ArchiveFileEntry {
  /** File name inside the run folder, e.g. `trades.parquet`. */
  readonly name: string;
  /** Size in bytes. */
  readonly size: number;
  /** SHA-256 of the file, lower-case hex. */
  readonly sha256: string;
  /** MIME type. */
  readonly contentType: string;
  /** For table files: the archive table name. */
  readonly table?: ArchiveTableName;
  /** For table files: number of rows. */
  readonly rows?: number;
  /** For table files: column name → type, in column order. */
  readonly schema?: TableSchema;
}

/** Contents of `manifest.json`. */
export interface ArchiveManifest {
  /** Always {@link ARCHIVE_FORMAT}. */
  readonly format: typeof ARCHIVE_FORMAT;
  /** {@link ARCHIVE_FORMAT_VERSION} at write time. */
  readonly formatVersion: number;
  /** Run id the archive belongs to. */
  readonly runId: string;
  /** When the archive was written (ISO 8601, UTC). */
  readonly createdAt: string;
  /** Every other file of the archive: summary first, then the tables in {@link ARCHIVE_TABLE_NAMES} order. */
  readonly files: readonly ArchiveFileEntry[];
}

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const HEX64 = /^[0-9a-f]{64}$/;
const COLUMN_TYPES = new Set<string>(Object.values(ColumnType));

/**
 * Throws {@link InvalidKeyError} unless `runId` is 1–128 characters of `[A-Za-z0-9._-]` starting
 * with a letter or digit (one key segment, safe in URLs and file names; UUIDs qualify).
 * @param runId - candidate run id
 */
export function validateRunId(runId: string): void {
  if (typeof runId !== 'string' || !RUN_ID.test(runId)) {
    throw new InvalidKeyError(`run id ${JSON.stringify(runId)} must be 1-128 characters of [A-Za-z0-9._-] starting with a letter or digit`, {
      key: typeof runId === 'string' ? runId : undefined,
    });
  }
}

/**
 * Throws {@link InvalidKeyError} unless `prefix` is a valid archive prefix (`''` or ending in `/`).
 * @param prefix - candidate prefix
 */
export function validateArchivePrefix(prefix: string): void {
  validatePrefix(prefix);
  if (prefix !== '' && !prefix.endsWith('/')) throw new InvalidKeyError(`archive prefix ${JSON.stringify(prefix)} must end with "/"`, { key: prefix });
}

function corrupt(key: string, why: string, cause?: unknown): CorruptArchiveError {
  return new CorruptArchiveError(`archive manifest ${JSON.stringify(key)} is invalid: ${why}`, { key, cause });
}

function checkEntry(e: unknown, key: string): ArchiveFileEntry {
  const f = e as Partial<ArchiveFileEntry> | null;
  if (!f || typeof f !== 'object') throw corrupt(key, 'a file entry is not an object');
  if (typeof f.name !== 'string' || f.name === '' || f.name.includes('/')) throw corrupt(key, 'a file entry has no valid name');
  if (typeof f.size !== 'number' || !Number.isSafeInteger(f.size) || f.size < 0) throw corrupt(key, `${f.name}: bad size`);
  if (typeof f.sha256 !== 'string' || !HEX64.test(f.sha256)) throw corrupt(key, `${f.name}: bad sha256`);
  if (typeof f.contentType !== 'string') throw corrupt(key, `${f.name}: bad contentType`);
  if (f.table !== undefined) {
    if (!(ARCHIVE_TABLE_NAMES as readonly string[]).includes(f.table)) throw corrupt(key, `${f.name}: unknown table ${String(f.table)}`);
    if (typeof f.rows !== 'number' || !Number.isSafeInteger(f.rows) || f.rows < 0) throw corrupt(key, `${f.name}: bad rows`);
    if (!f.schema || typeof f.schema !== 'object' || Object.values(f.schema).some((t) => !COLUMN_TYPES.has(t as string))) {
      throw corrupt(key, `${f.name}: bad schema`);
    }
  }
  return f as ArchiveFileEntry;
}

/**
 * Parses and checks manifest JSON; anything malformed is a {@link CorruptArchiveError}.
 * @param text - manifest file content
 * @param runId - the run the manifest must belong to
 * @param key - manifest key, for messages
 */
export function parseManifest(text: string, runId: string, key: string): ArchiveManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw corrupt(key, 'not JSON', cause);
  }
  const m = value as Partial<ArchiveManifest> | null;
  if (!m || typeof m !== 'object' || m.format !== ARCHIVE_FORMAT) throw corrupt(key, `format is not ${ARCHIVE_FORMAT}`);
  if (m.formatVersion !== ARCHIVE_FORMAT_VERSION) {
    throw corrupt(key, `formatVersion ${String(m.formatVersion)} is not supported (this reader knows ${ARCHIVE_FORMAT_VERSION})`);
  }
  if (m.runId !== runId) throw corrupt(key, `runId is ${JSON.stringify(m.runId)}, expected ${JSON.stringify(runId)}`);
  if (typeof m.createdAt !== 'string' || Number.isNaN(Date.parse(m.createdAt))) throw corrupt(key, 'bad createdAt');
  if (!Array.isArray(m.files)) throw corrupt(key, 'files is not an array');
  const files = m.files.map((f) => checkEntry(f, key));
  for (const name of [ARCHIVE_FILES.summary, ...ARCHIVE_TABLE_NAMES.map((t) => ARCHIVE_FILES[t])]) {
    if (!files.some((f) => f.name === name)) throw corrupt(key, `${name} is not listed`);
  }
  return { format: ARCHIVE_FORMAT, formatVersion: m.formatVersion, runId: m.runId, createdAt: m.createdAt, files };
}
