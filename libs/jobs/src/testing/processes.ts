/**
 * Child processes for tests: started with the TypeScript loader, output collected, always killed
 * at the end (call `killAll` in afterAll).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { sourceExecArgv, waitFor } from './env';

/** A spawned test process. */
export interface TestProcess {
  readonly child: ChildProcess;
  /** Everything it printed on stdout so far. */
  output(): string;
  /** Resolves with the exit code (or signal name) once it exited. */
  readonly exited: Promise<number | string>;
}

const started = new Set<ChildProcess>();

/** Starts `node <loader> script ...args` and waits until it printed `readyLine`. */
export async function startTsProcess(script: string, args: readonly string[], readyLine = 'ready', timeoutMs = 20_000): Promise<TestProcess> {
  const child = spawn(process.execPath, [...sourceExecArgv(), script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.add(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => {
    started.delete(child);
    resolve(code ?? signal ?? -1);
  }));
  await waitFor(`${script} to print "${readyLine}" (stderr: ${err.slice(-500)})`, () => out.includes(readyLine) || child.exitCode !== null, timeoutMs);
  if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}: ${err}`);
  return { child, output: () => out, exited };
}

/** True while a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Kills every process started by {@link startTsProcess} that is still running. */
export async function killAll(): Promise<void> {
  const waits: Promise<unknown>[] = [];
  for (const c of started) {
    waits.push(new Promise((r) => c.once('exit', r)));
    c.kill('SIGKILL');
  }
  await Promise.all(waits);
}
