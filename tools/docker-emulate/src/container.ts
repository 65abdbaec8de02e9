/**
 * A container of an emulated image: its own writable layer over the image's, PID 1 = the image's
 * ENTRYPOINT + CMD (tini → node) as the image's user, exactly the environment Docker would give it
 * (image ENV, HOSTNAME, HOME, then compose's `environment`), named volumes as shared host folders
 * seeded from the image on first use. `exec` runs a command inside it as `docker exec` does.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
// eslint-disable-next-line @nx/enforce-module-boundaries -- tools share helpers by path (they are not packages)
import { childPids, descendantPids } from '../../smoke/stack';
// eslint-disable-next-line @nx/enforce-module-boundaries -- tools share helpers by path (they are not packages)
import type { StackProc } from '../../smoke/scenario';
import type { EmulatedImage } from './builder';
import { nsExecSync, nsRunSync, nsSpawn, type Bind } from './ns';

/** How to run a container. */
export interface ContainerSpec {
  readonly name: string;
  readonly image: EmulatedImage;
  /** Replaces the image's CMD (compose `command`). */
  readonly command?: readonly string[];
  /** compose `environment` (after interpolation and host rewriting). */
  readonly env: Readonly<Record<string, string>>;
  readonly binds?: readonly Bind[];
  /** Folder for this container's writable layer. */
  readonly dir: string;
  readonly scratch: string;
}

function containerEnv(spec: ContainerSpec): Record<string, string> {
  const home = spec.image.uidGid.startsWith('0:') ? '/root' : `/home/${spec.image.user.split(':')[0]}`;
  return { ...spec.image.env, HOSTNAME: spec.name, HOME: home, ...spec.env };
}

/** A started container. */
export class Container implements StackProc {
  readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly unsharePid: number;
  private readonly mountPoint: string;
  private readonly env: Record<string, string>;

  constructor(private readonly spec: ContainerSpec) {
    rmSync(spec.dir, { recursive: true, force: true });
    mkdirSync(join(spec.dir, 'upper'), { recursive: true });
    mkdirSync(join(spec.dir, 'work'), { recursive: true });
    this.env = containerEnv(spec);
    const { child, mountPoint } = nsSpawn({
      layers: spec.image.layers,
      upper: { dir: join(spec.dir, 'upper'), work: join(spec.dir, 'work') },
      user: spec.image.uidGid,
      env: this.env,
      cwd: spec.image.workdir,
      argv: [...spec.image.entrypoint, ...(spec.command ?? spec.image.cmd)],
      binds: spec.binds,
      scratch: spec.scratch,
    });
    this.unsharePid = child.pid as number;
    this.mountPoint = mountPoint;
    const collect = (buf: Buffer) => {
      for (const l of buf.toString().split('\n')) if (l.trim()) this.lines.push(l);
      if (this.lines.length > 2000) this.lines.splice(0, this.lines.length - 2000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get name(): string {
    return this.spec.name;
  }

  /** Host pid of the container's PID 1 (tini), once it runs. */
  pid1(): number | undefined {
    return childPids(this.unsharePid)[0];
  }

  signal(sig: NodeJS.Signals): void {
    const pid = this.pid1();
    if (pid) process.kill(pid, sig);
  }

  /** Kills the whole container (its PID namespace dies with `unshare --kill-child`). */
  kill(): void {
    try {
      process.kill(this.unsharePid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  descendants(): number[] {
    const pid = this.pid1();
    return pid ? descendantPids(pid) : [];
  }

  /** `docker exec` as the image's user, with the container's environment. */
  exec(argv: readonly string[], timeoutMs = 30_000): { status: number | null; stdout: string; stderr: string } {
    const pid = this.pid1();
    if (!pid) return { status: null, stdout: '', stderr: `${this.name} is not running` };
    return nsExecSync(pid, this.mountPoint, this.spec.image.uidGid, this.env, this.spec.image.workdir, argv, timeoutMs);
  }

  /** Runs the image's HEALTHCHECK command once (Docker runs it on a schedule; here it is run on demand). */
  healthy(): boolean {
    const hc = this.spec.image.healthcheck;
    if (!hc) throw new Error(`${this.name}: the image has no HEALTHCHECK`);
    return this.exec(hc, 10_000).status === 0;
  }

  /** Removes the container's writable layer (after it exited). */
  remove(): void {
    rmSync(this.spec.dir, { recursive: true, force: true });
    rmSync(this.mountPoint, { recursive: true, force: true });
  }
}

/** `docker run --rm`: runs a one-shot container to completion. */
export function runOnce(spec: ContainerSpec, timeoutMs: number): { status: number | null; stdout: string; stderr: string } {
  rmSync(spec.dir, { recursive: true, force: true });
  mkdirSync(join(spec.dir, 'upper'), { recursive: true });
  mkdirSync(join(spec.dir, 'work'), { recursive: true });
  try {
    return nsRunSync({
      layers: spec.image.layers,
      upper: { dir: join(spec.dir, 'upper'), work: join(spec.dir, 'work') },
      user: spec.image.uidGid,
      env: containerEnv(spec),
      cwd: spec.image.workdir,
      argv: [...spec.image.entrypoint, ...(spec.command ?? spec.image.cmd)],
      binds: spec.binds,
      scratch: spec.scratch,
    }, timeoutMs);
  } finally {
    rmSync(spec.dir, { recursive: true, force: true });
  }
}
