/** A build lock shared by the runs and build processes on one machine (a folder created atomically). */
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';

/**
 * Takes the lock `${path}.lock`: returns true once held; while another process holds it, waits (a
 * lock older than 30 min is considered abandoned) and returns false as soon as `doneMarker` exists
 * (the other process finished the work). The holder removes the lock with {@link releaseLock}.
 */
export function takeLock(path: string, doneMarker: string): boolean {
  const lock = `${path}.lock`;
  for (;;) {
    try {
      mkdirSync(lock);
      return true;
    } catch {
      if (existsSync(doneMarker)) return false;
      try {
        if (Date.now() - statSync(lock).mtimeMs > 30 * 60_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        // released meanwhile
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    }
  }
}

/** Releases a lock taken with {@link takeLock}. */
export function releaseLock(path: string): void {
  rmSync(`${path}.lock`, { recursive: true, force: true });
}
