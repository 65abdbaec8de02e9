import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ArchiveEntry, ArchiveFileInfo, ArchiveWriteResult, RunArchivePayload, RunArchiveStore } from './archive-store';
import { ArchiveStorageError, ResultValidationError } from './errors';
import { isUuid } from './validation';

/** Name of the manifest inside every run folder. */
export const MANIFEST_FILE = 'manifest.json';
/** Name of the summary file inside every run folder. */
export const SUMMARY_FILE = 'summary.json';

/** Content of `manifest.json` written by {@link LocalDirArchiveStore}. */
export interface LocalArchiveManifest {
  /** Manifest format version (1). */
  readonly schemaVersion: 1;
  /** Run id the archive belongs to. */
  readonly runId: string;
  /** When the archive was written (ISO 8601, UTC). */
  readonly createdAt: string;
  /** Every data file with its size and SHA-256. */
  readonly files: readonly ArchiveFileInfo[];
}

/** Options of {@link LocalDirArchiveStore}. */
export interface LocalDirArchiveStoreOptions {
  /** Root directory; archives go to `{root}/backtests/{runId}/`. Created on first write. */
  readonly root: string;
  /** Clock for the manifest's `createdAt` (default `Date.now`). */
  readonly now?: () => number;
}

const FILE_NAME = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * A {@link RunArchiveStore} on a local directory, writing real files with SHA-256 checksums:
 * `{root}/backtests/{runId}/summary.json`, the payload's files, then `manifest.json`.
 * Writes go to a hidden temporary folder that is renamed into place, so a run folder with a
 * manifest is always complete. Used by the CLI and by tests; `@coinhts/storage` provides S3.
 */
export class LocalDirArchiveStore implements RunArchiveStore {
  private readonly base: string;
  private readonly now: () => number;

  constructor(options: LocalDirArchiveStoreOptions) {
    this.base = join(resolve(options.root), 'backtests');
    this.now = options.now ?? Date.now;
  }

  /** Absolute folder of a run's archive. */
  folderOf(runId: string): string {
    assertRunId(runId);
    return join(this.base, runId);
  }

  /** {@inheritDoc RunArchiveStore.write} */
  async write(runId: string, payload: RunArchivePayload): Promise<ArchiveWriteResult> {
    const folder = this.folderOf(runId);
    const summaryBytes = new TextEncoder().encode(JSON.stringify(payload.summary ?? null));
    const entries = [{ name: SUMMARY_FILE, bytes: summaryBytes }, ...(payload.files ?? [])];
    const seen = new Set<string>();
    for (const f of entries) {
      if (!FILE_NAME.test(f.name) || f.name.split('/').some((s) => s === '..' || s === '.') || f.name === MANIFEST_FILE || seen.has(f.name)) {
        throw new ResultValidationError([{ field: 'files.name', message: `"${f.name}" is not an allowed archive file name (duplicate, reserved, or not [A-Za-z0-9._-] segments)` }], 'archive payload');
      }
      seen.add(f.name);
    }
    const tmp = join(this.base, `.tmp-${runId}-${randomBytes(6).toString('hex')}`);
    try {
      const files: ArchiveFileInfo[] = [];
      for (const f of entries) {
        const path = join(tmp, f.name);
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, f.bytes);
        files.push({ name: f.name, bytes: f.bytes.byteLength, sha256: sha256(f.bytes) });
      }
      const manifest: LocalArchiveManifest = { schemaVersion: 1, runId, createdAt: new Date(this.now()).toISOString(), files };
      const manifestBytes = new TextEncoder().encode(JSON.stringify(manifest, null, 2) + '\n');
      await writeFile(join(tmp, MANIFEST_FILE), manifestBytes);
      await this.swapIn(tmp, folder);
      const totalBytes = files.reduce((s, f) => s + f.bytes, manifestBytes.byteLength);
      return { location: pathToFileURL(folder + '/').href, manifestSha256: sha256(manifestBytes), totalBytes, files };
    } catch (err) {
      await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
      if (err instanceof ResultValidationError) throw err;
      throw new ArchiveStorageError(`Could not write the archive of run ${runId} under ${this.base}: ${(err as Error).message}`, runId, { cause: err });
    }
  }

  /** Replaces `folder` with `tmp`; a previous archive is moved aside first and removed afterwards. */
  private async swapIn(tmp: string, folder: string): Promise<void> {
    const old = `${folder}.old-${randomBytes(6).toString('hex')}`;
    let moved = false;
    try {
      await rename(folder, old);
      moved = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    try {
      await rename(tmp, folder);
    } catch (err) {
      if (moved) await rename(old, folder).catch(() => undefined);
      throw err;
    }
    if (moved) await rm(old, { recursive: true, force: true });
  }

  /** {@inheritDoc RunArchiveStore.delete} */
  async delete(runId: string): Promise<void> {
    const folder = this.folderOf(runId);
    try {
      await rm(folder, { recursive: true, force: true });
    } catch (err) {
      throw new ArchiveStorageError(`Could not delete the archive of run ${runId}: ${(err as Error).message}`, runId, { cause: err });
    }
  }

  /** {@inheritDoc RunArchiveStore.exists} */
  async exists(runId: string): Promise<boolean> {
    try {
      return (await stat(join(this.folderOf(runId), MANIFEST_FILE))).isFile();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw new ArchiveStorageError(`Could not check the archive of run ${runId}: ${(err as Error).message}`, runId, { cause: err });
    }
  }

  /** {@inheritDoc RunArchiveStore.list} */
  async *list(): AsyncIterable<ArchiveEntry> {
    let names: string[];
    try {
      names = await readdir(this.base);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new ArchiveStorageError(`Could not list archives under ${this.base}: ${(err as Error).message}`, undefined, { cause: err });
    }
    for (const name of names) {
      if (!isUuid(name)) continue;
      const folder = join(this.base, name);
      const info = await stat(join(folder, MANIFEST_FILE)).catch(() => stat(folder).catch(() => null));
      if (info) yield { runId: name, writtenAt: info.mtimeMs };
    }
  }

  /** Reads one file of a run's archive (e.g. `summary.json`). */
  async readFile(runId: string, name: string): Promise<Buffer> {
    try {
      return await readFile(join(this.folderOf(runId), name));
    } catch (err) {
      throw new ArchiveStorageError(`Could not read ${name} of run ${runId}: ${(err as Error).message}`, runId, { cause: err });
    }
  }

  /**
   * Re-reads every file listed in the manifest and compares sizes and SHA-256. Resolves to the
   * names of files that are missing or differ (empty = intact).
   */
  async verify(runId: string): Promise<readonly string[]> {
    const manifest = JSON.parse((await this.readFile(runId, MANIFEST_FILE)).toString('utf8')) as LocalArchiveManifest;
    const bad: string[] = [];
    for (const f of manifest.files) {
      const bytes = await readFile(join(this.folderOf(runId), f.name)).catch(() => null);
      if (!bytes || bytes.byteLength !== f.bytes || sha256(bytes) !== f.sha256) bad.push(f.name);
    }
    return bad;
  }
}

function assertRunId(runId: string): void {
  if (!isUuid(runId)) throw new ResultValidationError([{ field: 'runId', message: `"${runId}" is not a UUID` }], 'archive run id');
}
