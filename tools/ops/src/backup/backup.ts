/**
 * PostgreSQL backups to object storage: `pg_dump` in custom format (compressed), a SHA-256 file
 * next to it, both uploaded through `@coinhts/storage` (whose providers record the SHA-256 as
 * object metadata and verify it on every read), then retention. Restore downloads, checks both
 * the store's SHA-256 and the `.sha256` file, and runs `pg_restore` into a target database.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { listAll, type StorageProvider } from '@coinhts/storage';
import { databaseName, runPgTool, withDatabase } from './pg-tools';
import { DUMP_SUFFIX, dumpName, parseDumpKey, selectExpired, SHA256_SUFFIX, type DumpRef, type RetentionPolicy } from './retention';

/** A line of progress for the operator. */
export type OpsLog = (line: string) => void;

/** SHA-256 of a file, lower-case hex. */
export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Content of a `.sha256` file (`sha256sum` format, so `sha256sum -c` checks a downloaded dump). */
export function sha256FileContent(hex: string, fileName: string): string {
  return `${hex}  ${fileName}\n`;
}

/** Reads the hash out of a `.sha256` file's content. */
export function parseSha256File(text: string): string {
  const m = /^([0-9a-f]{64})\b/i.exec(text.trim());
  if (!m) throw new Error(`not a SHA-256 file: ${JSON.stringify(text.slice(0, 80))}`);
  return m[1].toLowerCase();
}

/** Options of {@link createBackup}. */
export interface BackupOptions {
  readonly databaseUrl: string;
  /** Dump only this schema (default: the whole database). */
  readonly schema?: string;
  /** pg_dump compression level 0–9. */
  readonly compressLevel: number;
  /** Where the dumps go (normally an `S3StorageProvider` on the backup bucket). */
  readonly storage: StorageProvider;
  /** Key prefix, ending in '/' (e.g. `backups/postgres/`). */
  readonly prefix: string;
  /** Also keep a copy here (the same retention applies). */
  readonly localDir?: string;
  /** Retention to apply after a successful upload; omit to keep everything. */
  readonly retention?: RetentionPolicy;
  readonly pgBinDir?: string;
  readonly now?: () => Date;
  readonly log?: OpsLog;
}

/** What {@link createBackup} did. */
export interface BackupResult {
  /** Key of the dump. */
  readonly key: string;
  /** Key of its SHA-256 file. */
  readonly sha256Key: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly database: string;
  readonly schema?: string;
  readonly durationMs: number;
  /** Dumps removed by retention (keys, and local files when `localDir` is set). */
  readonly deleted: readonly string[];
}

/** Family of a dump: `database` or `database.schema`. */
export function dumpFamily(databaseUrl: string, schema?: string): string {
  const db = databaseName(databaseUrl).replace(/[^A-Za-z0-9_.]/g, '_');
  return schema ? `${db}.${schema}` : db;
}

/** Dumps PostgreSQL, uploads dump + `.sha256`, then applies retention. */
export async function createBackup(o: BackupOptions): Promise<BackupResult> {
  const log = o.log ?? (() => undefined);
  const now = o.now ?? (() => new Date());
  const t0 = Date.now();
  const started = now();
  const name = dumpName(dumpFamily(o.databaseUrl, o.schema), started);
  const work = await mkdtemp(join(tmpdir(), 'coinhts-backup-'));
  try {
    const file = join(work, name);
    log(`pg_dump ${databaseName(o.databaseUrl)}${o.schema ? ` (schema ${o.schema})` : ''} -> ${name}`);
    await runPgTool(
      'pg_dump',
      ['--format=custom', `--compress=${o.compressLevel}`, '--no-owner', '--no-privileges', ...(o.schema ? [`--schema=${o.schema}`] : []), `--file=${file}`],
      { url: o.databaseUrl, binDir: o.pgBinDir },
    );
    const [sha256, { size }] = await Promise.all([sha256File(file), stat(file)]);
    const shaName = `${name}${SHA256_SUFFIX}`;
    await writeFile(join(work, shaName), sha256FileContent(sha256, name));
    const key = `${o.prefix}${name}`;
    const stored = await o.storage.put(key, { filePath: file }, {
      contentType: 'application/octet-stream',
      metadata: { database: databaseName(o.databaseUrl), schema: o.schema ?? '', format: 'pg_dump-custom', 'taken-at': started.toISOString() },
    });
    if (stored.sha256 !== sha256 || stored.size !== size) {
      throw new Error(`upload of ${key} recorded sha256 ${stored.sha256} / ${stored.size} bytes, the dump has ${sha256} / ${size}`);
    }
    await o.storage.put(`${key}${SHA256_SUFFIX}`, Buffer.from(sha256FileContent(sha256, name)), { contentType: 'text/plain; charset=utf-8' });
    log(`uploaded ${key} (${size} bytes, sha256 ${sha256})`);
    if (o.localDir) {
      await mkdir(o.localDir, { recursive: true });
      await copyFile(file, join(o.localDir, name));
      await copyFile(join(work, shaName), join(o.localDir, shaName));
      log(`local copy ${join(o.localDir, name)}`);
    }
    const deleted: string[] = [];
    if (o.retention) {
      deleted.push(...(await applyRetention(o.storage, o.prefix, o.retention, now(), log)));
      if (o.localDir) deleted.push(...(await applyLocalRetention(o.localDir, o.retention, now(), log)));
    }
    return { key, sha256Key: `${key}${SHA256_SUFFIX}`, sha256, bytes: size, database: databaseName(o.databaseUrl), schema: o.schema, durationMs: Date.now() - t0, deleted };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Every dump under `prefix`, oldest first. */
export async function listBackups(storage: StorageProvider, prefix: string): Promise<(DumpRef & { readonly size: number })[]> {
  const out: (DumpRef & { size: number })[] = [];
  for await (const o of listAll(storage, { prefix })) {
    const ref = o.key.endsWith(DUMP_SUFFIX) ? parseDumpKey(o.key) : undefined;
    if (ref) out.push({ ...ref, size: o.size });
  }
  return out.sort((a, b) => a.takenAt.getTime() - b.takenAt.getTime());
}

/** Deletes expired dumps (and their `.sha256`) under `prefix`; returns the dump keys deleted. */
export async function applyRetention(storage: StorageProvider, prefix: string, policy: RetentionPolicy, now: Date, log: OpsLog = () => undefined): Promise<string[]> {
  const expired = selectExpired(await listBackups(storage, prefix), policy, now);
  for (const d of expired) {
    await storage.delete(d.key);
    await storage.delete(`${d.key}${SHA256_SUFFIX}`);
    log(`retention: deleted ${d.key} (taken ${d.takenAt.toISOString()})`);
  }
  return expired.map((d) => d.key);
}

async function applyLocalRetention(dir: string, policy: RetentionPolicy, now: Date, log: OpsLog): Promise<string[]> {
  const refs = (await readdir(dir)).map((f) => parseDumpKey(f)).filter((r): r is DumpRef => r !== undefined);
  const expired = selectExpired(refs, policy, now);
  for (const d of expired) {
    await rm(join(dir, d.key), { force: true });
    await rm(join(dir, `${d.key}${SHA256_SUFFIX}`), { force: true });
    log(`retention: deleted local ${d.key}`);
  }
  return expired.map((d) => join(dir, d.key));
}

/** Options of {@link restoreBackup}. */
export interface RestoreOptions {
  readonly storage: StorageProvider;
  /** Key of the dump to restore. */
  readonly key: string;
  /** Database to restore into. */
  readonly targetUrl: string;
  /** Drop the dump's objects in the target before recreating them (`pg_restore --clean --if-exists`). */
  readonly clean?: boolean;
  /** Create the target database first when it does not exist. */
  readonly createDatabase?: boolean;
  /** Parallel pg_restore jobs (default 1). */
  readonly jobs?: number;
  readonly pgBinDir?: string;
  readonly log?: OpsLog;
}

/** What {@link restoreBackup} did. */
export interface RestoreResult {
  readonly key: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly database: string;
  readonly durationMs: number;
}

/** The dump is not what was backed up; nothing was restored. */
export class BackupIntegrityError extends Error {
  readonly code = 'BACKUP_INTEGRITY' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BackupIntegrityError';
  }
}

/**
 * Downloads a dump (the store verifies its recorded SHA-256 while downloading), compares it with
 * the `.sha256` file written at backup time, and only then runs pg_restore. Any mismatch throws
 * {@link BackupIntegrityError} before the target database is touched.
 */
export async function restoreBackup(o: RestoreOptions): Promise<RestoreResult> {
  const log = o.log ?? (() => undefined);
  const t0 = Date.now();
  const work = await mkdtemp(join(tmpdir(), 'coinhts-restore-'));
  try {
    const file = join(work, basename(o.key));
    let info;
    try {
      info = await o.storage.getToFile(o.key, file);
    } catch (err) {
      if ((err as { code?: string }).code === 'INTEGRITY_MISMATCH') throw new BackupIntegrityError(`${o.key}: ${(err as Error).message}`, { cause: err });
      throw err;
    }
    let expected: string;
    try {
      expected = parseSha256File(Buffer.from(await o.storage.getBytes(`${o.key}${SHA256_SUFFIX}`)).toString('utf8'));
    } catch (err) {
      throw new BackupIntegrityError(`${o.key}${SHA256_SUFFIX} is missing or unreadable, so the dump cannot be checked: ${(err as Error).message}`, { cause: err });
    }
    const actual = await sha256File(file);
    if (actual !== expected || info.sha256 !== expected) {
      throw new BackupIntegrityError(`${o.key}: SHA-256 of the download is ${actual}, the backup recorded ${expected} (store metadata ${info.sha256}); not restoring`);
    }
    log(`downloaded ${o.key} (${info.size} bytes), SHA-256 verified: ${actual}`);
    const db = databaseName(o.targetUrl);
    if (o.createDatabase) await ensureDatabase(o.targetUrl, o.pgBinDir, log);
    await runPgTool(
      'pg_restore',
      ['--no-owner', '--no-privileges', '--exit-on-error', `--dbname=${db}`, ...(o.clean ? ['--clean', '--if-exists'] : []), ...(o.jobs && o.jobs > 1 ? [`--jobs=${o.jobs}`] : ['--single-transaction']), file],
      { url: o.targetUrl, binDir: o.pgBinDir },
    );
    log(`restored into ${db}`);
    return { key: o.key, sha256: actual, bytes: info.size, database: db, durationMs: Date.now() - t0 };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function ensureDatabase(targetUrl: string, binDir: string | undefined, log: OpsLog): Promise<void> {
  const db = databaseName(targetUrl);
  const admin = withDatabase(targetUrl, 'postgres');
  const exists = (await runPgTool('psql', ['-tAq', '-v', 'ON_ERROR_STOP=1', '-c', `SELECT 1 FROM pg_database WHERE datname = '${db.replace(/'/g, "''")}'`], { url: admin, binDir })).trim() === '1';
  if (exists) return;
  await runPgTool('psql', ['-q', '-v', 'ON_ERROR_STOP=1', '-c', `CREATE DATABASE "${db.replace(/"/g, '""')}"`], { url: admin, binDir });
  log(`created database ${db}`);
}

