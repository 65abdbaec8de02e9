/**
 * Runs a command inside an emulated container root: an overlayfs of the image's layers (plus a
 * writable upper layer) mounted in a private mount namespace (`unshare --mount`), a new PID
 * namespace whose PID 1 is the command (as in a container), /proc, /dev, the host's resolv.conf and
 * hosts, bind-mounted volumes, then `chroot` with the image's user and exactly the given environment.
 * Needs root (CI and these machines run as root); the network namespace is the host's (loopback).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** A bind mount into the root: host path → absolute path inside the root. */
export interface Bind {
  readonly host: string;
  readonly target: string;
  readonly readOnly?: boolean;
  /** For a named volume: when the host folder is empty, seed it with the image's content at `target` first (as Docker does). */
  readonly seedFromImage?: boolean;
}

/** What to run and where. */
export interface NsRunSpec {
  /** Image layers, bottom first (the first is the base root). */
  readonly layers: readonly string[];
  /** Writable upper layer (and its overlay work folder); omitted = read-only root. */
  readonly upper?: { readonly dir: string; readonly work: string };
  /** `uid:gid` inside the root. */
  readonly user: string;
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly argv: readonly string[];
  readonly binds?: readonly Bind[];
  /** Scratch folder for mount points. */
  readonly scratch: string;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The bash script that mounts the root and execs the command (exported for the tests). */
export function nsScript(spec: NsRunSpec, mountPoint: string): string {
  const lowers = [...spec.layers].reverse().join(':');
  const [uid, gid] = spec.user.split(':');
  const lines = ['set -eu', `R=${q(mountPoint)}`];
  if (spec.upper) lines.push(`mount -t overlay overlay -o ${q(`lowerdir=${lowers},upperdir=${spec.upper.dir},workdir=${spec.upper.work}`)} "$R"`);
  else if (spec.layers.length > 1) lines.push(`mount -t overlay overlay -o ${q(`lowerdir=${lowers}`)} "$R"`);
  else lines.push(`mount --bind ${q(spec.layers[0])} "$R"`, 'mount -o remount,bind,ro "$R"');
  lines.push('mount -t proc proc "$R/proc"', 'mount --rbind /dev "$R/dev"');
  for (const f of ['/etc/resolv.conf', '/etc/hosts']) lines.push(`if [ -f "$R${f}" ]; then mount --bind ${f} "$R${f}"; fi`);
  for (const b of spec.binds ?? []) {
    const t = `"$R"${q(b.target)}`;
    lines.push(`mkdir -p ${t}`);
    // Docker seeds a named volume once, however many containers start with it at the same time:
    // the check and the copy run under a lock beside the volume folder (containers of one compose
    // service and of others, e.g. api, workers and paper on `candles`, start together here).
    if (b.seedFromImage) lines.push(`( flock 9; if [ -z "$(ls -A ${q(b.host)})" ]; then cp -a ${t}/. ${q(b.host)}/; fi ) 9>${q(`${b.host}.seed-lock`)}`);
    lines.push(`mount --bind ${q(b.host)} ${t}`);
    if (b.readOnly) lines.push(`mount -o remount,bind,ro ${t}`);
  }
  const env = Object.entries(spec.env).map(([k, v]) => q(`${k}=${v}`));
  lines.push(`exec /usr/sbin/chroot --userspec=${uid}:${gid} --groups=${gid} "$R" /usr/bin/env -i -C ${q(spec.cwd)} ${env.join(' ')} ${spec.argv.map(q).join(' ')}`);
  return lines.join('\n');
}

function unshareArgs(script: string): string[] {
  return ['--mount', '--propagation', 'private', '--pid', '--fork', '--kill-child', '/bin/bash', '--norc', '--noprofile', '-c', script];
}

/** Runs to completion; resolves with status and output. */
export function nsRunSync(spec: NsRunSpec, timeoutMs: number): { status: number | null; stdout: string; stderr: string } {
  const mp = mkdtempSync(join(spec.scratch, 'm-'));
  try {
    const r = spawnSync('unshare', unshareArgs(nsScript(spec, mp)), { encoding: 'utf8', timeout: timeoutMs, env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' }, maxBuffer: 256 * 1024 * 1024 });
    return { status: r.status, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? `\n${r.error.message}` : ''}` };
  } finally {
    rmSync(mp, { recursive: true, force: true });
  }
}

/** Starts in the background; the returned process is `unshare` (its only child is the container's PID 1). */
export function nsSpawn(spec: NsRunSpec): { child: ChildProcess; mountPoint: string } {
  const mountPoint = mkdtempSync(join(spec.scratch, 'm-'));
  mkdirSync(mountPoint, { recursive: true });
  const child = spawn('unshare', unshareArgs(nsScript(spec, mountPoint)), { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' } });
  return { child, mountPoint };
}

/**
 * Runs `argv` inside a running container (as `docker exec` does): joins the mount and PID
 * namespaces of its PID 1 (`nsenter`), then chroots into its mounted root.
 */
export function nsExecSync(pid1: number, mountPoint: string, user: string, env: Readonly<Record<string, string>>, cwd: string, argv: readonly string[], timeoutMs: number): { status: number | null; stdout: string; stderr: string } {
  const [uid, gid] = user.split(':');
  const args = ['-t', String(pid1), '-m', '-p', '--', '/usr/sbin/chroot', `--userspec=${uid}:${gid}`, `--groups=${gid}`, mountPoint, '/usr/bin/env', '-i', '-C', cwd, ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...argv];
  const r = spawnSync('nsenter', args, { encoding: 'utf8', timeout: timeoutMs, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
  return { status: r.status, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? `\n${r.error.message}` : ''}` };
}
