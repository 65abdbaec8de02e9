import { open, stat, unlink } from 'node:fs/promises';
import { StoreBusyError } from './errors';

/** Options of {@link withFileLock}. */
export interface LockOptions {
  /** Give up after this long (ms). */
  readonly timeoutMs: number;
  /** A lock file older than this (ms) is considered left behind by a crashed writer and removed. */
  readonly staleMs: number;
  /** Waits between attempts. */
  readonly sleep: (ms: number) => Promise<void>;
}

const inProcess = new Map<string, Promise<unknown>>();

/**
 * Runs `fn` while holding `lockPath`: writers in this process queue on a promise chain, writers
 * in other processes are excluded by creating the lock file exclusively (`wx`). A read-modify-write
 * of a year file therefore never races with another merge of the same series.
 */
export async function withFileLock<T>(lockPath: string, options: LockOptions, fn: () => Promise<T>): Promise<T> {
  const previous = inProcess.get(lockPath) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(() => lockAndRun(lockPath, options, fn));
  const tail = run.catch(() => undefined);
  inProcess.set(lockPath, tail);
  try {
    return await run;
  } finally {
    if (inProcess.get(lockPath) === tail) inProcess.delete(lockPath);
  }
}

async function lockAndRun<T>(lockPath: string, options: LockOptions, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      const fh = await open(lockPath, 'wx');
      await fh.writeFile(`${process.pid} ${new Date().toISOString()}\n`);
      await fh.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = await stat(lockPath).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > options.staleMs) {
        await unlink(lockPath).catch(() => undefined);
        continue;
      }
      const waited = Date.now() - started;
      if (waited >= options.timeoutMs) throw new StoreBusyError(lockPath, waited);
      await options.sleep(25 + Math.floor(Math.random() * 50));
    }
  }
  try {
    return await fn();
  } finally {
    await unlink(lockPath).catch(() => undefined);
  }
}
