import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A file written next to its target, not yet renamed into place. */
export interface StagedFile {
  /** Final path. */
  readonly target: string;
  /** Temporary path in the same directory (same filesystem, so the rename is atomic). */
  readonly temp: string;
}

/**
 * Writes `bytes` to a hidden temporary file in the target's directory and (optionally) fsyncs
 * it. Nothing is visible under the target name until {@link commitStaged}.
 */
export async function stageFile(target: string, bytes: Uint8Array, fsync: boolean): Promise<StagedFile> {
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(temp, 'wx');
  try {
    await fh.writeFile(bytes);
    if (fsync) await fh.sync();
  } catch (err) {
    await fh.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await fh.close();
  return { target, temp };
}

/** Renames staged files into place (each rename is atomic), then fsyncs their directories. */
export async function commitStaged(files: readonly StagedFile[], fsync: boolean): Promise<void> {
  for (const f of files) await rename(f.temp, f.target);
  if (fsync) {
    for (const dir of new Set(files.map((f) => dirname(f.target)))) await syncDir(dir);
  }
}

/** Removes staged temporary files (after a failure). Never throws. */
export async function discardStaged(files: readonly StagedFile[]): Promise<void> {
  await Promise.all(files.map((f) => unlink(f.temp).catch(() => undefined)));
}

/** Writes one file atomically: stage + fsync + rename + directory fsync. */
export async function writeFileAtomic(target: string, bytes: Uint8Array, fsync = true): Promise<void> {
  const staged = await stageFile(target, bytes, fsync);
  try {
    await commitStaged([staged], fsync);
  } catch (err) {
    await discardStaged([staged]);
    throw err;
  }
}

/** Makes a rename durable. Some platforms cannot open directories; durability is best-effort there. */
export async function syncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // Windows and some network filesystems refuse directory handles; the rename itself is still atomic.
  } finally {
    await fh?.close().catch(() => undefined);
  }
}
