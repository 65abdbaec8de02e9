/**
 * Helpers of the full-stack smoke test: build the apps with Nx in a private copy of the workspace
 * laid out as the Docker images are (package.json + dist per workspace package, `@coinhts/*`
 * resolved to those copies), start processes with bounded waits, and find their children.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** Runs the Nx build of `projects` in the workspace at `cwd`; throws with the end of the log when it fails. */
export function nxBuild(cwd: string, projects: readonly string[], timeoutMs: number): string {
  const r = spawnSync(process.execPath, [join(cwd, 'node_modules', 'nx', 'dist', 'bin', 'nx.js'), 'run-many', '-t', 'build', '-p', projects.join(','), '--output-style=static', '--skip-nx-cache'], {
    cwd,
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_SKIP_NX_CACHE: 'true', FORCE_COLOR: '0' },
  });
  const log = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.status !== 0) throw new Error(`nx build of ${projects.join(', ')} failed (status ${r.status}${r.error ? `, ${r.error.message}` : ''}):\n${log.slice(-4000)}`);
  return log;
}

/** Workspace folders (libs/x, apps/y) by package name. */
function workspaces(root: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const base of ['libs', 'apps']) {
    for (const d of readdirSync(join(root, base))) {
      const p = join(root, base, d, 'package.json');
      if (existsSync(p)) out.set((JSON.parse(readFileSync(p, 'utf8')) as { name: string }).name, `${base}/${d}`);
    }
  }
  return out;
}

/**
 * Copies the workspace (root manifests, libs/*, apps/* without node_modules, dist and build info)
 * into `target` and gives it a node_modules whose third-party entries link to the repository's and
 * whose `@coinhts/*` entries link to the copies. Building there (`nxBuild(target, …)`) produces the
 * image layout — package.json + dist per package, `@coinhts/*` resolved to them — in a private
 * folder: a build or clean in the shared checkout while the test runs cannot change the code under
 * test, and this test's build cannot remove another test's dist.
 */
export function copyWorkspace(root: string, target: string): void {
  mkdirSync(join(target, 'node_modules', '@coinhts'), { recursive: true });
  for (const f of ['package.json', 'package-lock.json', 'nx.json', 'tsconfig.base.json']) cpSync(join(root, f), join(target, f));
  for (const [name, dir] of workspaces(root)) {
    cpSync(join(root, dir), join(target, dir), {
      recursive: true,
      filter: (src) => !/[\\/](node_modules|dist|coverage)([\\/]|$)|\.tsbuildinfo$/.test(src.slice(root.length)),
    });
    symlinkSync(join(target, dir), join(target, 'node_modules', name));
  }
  for (const entry of readdirSync(join(root, 'node_modules'))) {
    if (entry === '@coinhts' || entry.startsWith('.')) continue;
    symlinkSync(join(root, 'node_modules', entry), join(target, 'node_modules', entry));
  }
}

/**
 * The runtime stage of the images, without Docker: workspace manifests + `npm ci --omit=dev
 * --ignore-scripts` (production dependencies only, as the `prod-deps` stage) + package.json and
 * dist of every workspace package from `buildDir`. A runtime import of a package that is only a
 * devDependency fails here exactly as it would in the image.
 */
export function assembleRuntime(buildDir: string, runtimeDir: string, timeoutMs: number): void {
  mkdirSync(runtimeDir, { recursive: true });
  for (const f of ['package.json', 'package-lock.json']) cpSync(join(buildDir, f), join(runtimeDir, f));
  const ws = workspaces(buildDir);
  for (const dir of ws.values()) {
    mkdirSync(join(runtimeDir, dir), { recursive: true });
    cpSync(join(buildDir, dir, 'package.json'), join(runtimeDir, dir, 'package.json'));
  }
  const r = spawnSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: runtimeDir,
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  if (r.status !== 0) throw new Error(`npm ci --omit=dev failed (status ${r.status}${r.error ? `, ${r.error.message}` : ''}):\n${`${r.stdout ?? ''}${r.stderr ?? ''}`.slice(-3000)}`);
  for (const dir of ws.values()) {
    if (existsSync(join(buildDir, dir, 'dist'))) cpSync(join(buildDir, dir, 'dist'), join(runtimeDir, dir, 'dist'), { recursive: true, filter: (src) => !src.endsWith('.tsbuildinfo') });
  }
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** A started process with its output. */
export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  /** Output lines (stdout and stderr), the last 2,000. */
  readonly lines: string[];
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `node args…` in `cwd` with exactly `env`. */
export function startNode(name: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Proc {
  const child = spawn(process.execPath, [...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const collect = (buf: Buffer) => {
    for (const l of buf.toString().split('\n')) if (l.trim()) lines.push(l);
    if (lines.length > 2000) lines.splice(0, lines.length - 2000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { name, child, lines, exited };
}

/** Runs `node args…` to completion (bounded); resolves with status and output. */
export function runNode(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...args], { cwd, env, encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? `\n${r.error.message}` : ''}` };
}

/** Polls `probe` until it returns a value other than undefined, or throws after `timeoutMs` naming `what`; an error with `fatal: true` ends the wait at once. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 200, context: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      if ((err as { fatal?: boolean }).fatal) throw err;
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}\n${context()}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Resolves with `value` after `ms`, without keeping the process alive. */
export function delay<T = undefined>(ms: number, value?: T): Promise<T | undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms).unref());
}

/** Pids of the live children of `pid` (from /proc). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(e));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/** True while a process with this pid exists (and is not a zombie). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Pids of every live process below `pid` (children, grandchildren, …). */
export function descendantPids(pid: number): number[] {
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const kids = childPids(queue.shift() as number);
    out.push(...kids);
    queue.push(...kids);
  }
  return out;
}
