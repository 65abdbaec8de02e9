/** A build lock shared by the runs and build processes on one machine (a folder created atomically). */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** True while process `pid` exists (signal 0 only checks; EPERM means it exists under another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the lock folder was left by a process that is gone: its `pid` file names a dead process
 * (a killed test run must not make the next run wait), or, without a readable pid, it is older than
 * 30 minutes.
 */
function abandoned(lock: string): boolean {
  try {
    const pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
    if (Number.isInteger(pid) && pid > 0) return !alive(pid);
  } catch {
    // no pid written yet (just created) or an older lock: fall back to its age
  }
  return Date.now() - statSync(lock).mtimeMs > 30 * 60_000;
}

/**
 * Takes the lock `${path}.lock`: returns true once held; while another live process holds it,
 * waits, and returns false as soon as `doneMarker` exists (the other process finished the work). A
 * lock whose holder died is taken over. The holder removes the lock with {@link releaseLock}.
 */
export function takeLock(path: string, doneMarker: string): boolean {
  const lock = `${path}.lock`;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      return true;
    } catch {
      if (existsSync(doneMarker)) return false;
      try {
        if (abandoned(lock)) rmSync(lock, { recursive: true, force: true });
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
