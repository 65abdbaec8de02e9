/**
 * Replays a Dockerfile natively: every stage in its own root (overlayfs layers), every RUN line as
 * written (`/bin/sh -c`, as root unless USER says otherwise, with the stage's ENV and ARGs), COPY from
 * the build context or `--from` another stage (files owned by root, as Docker does), WORKDIR, ENV,
 * USER, ENTRYPOINT, CMD, HEALTHCHECK. Each instruction that changes files is one layer, cached under
 * a key of its parent, the instruction and the content it copies — so the api and worker images
 * share their identical `deps`/`prod-deps` stages and a second build is reused, as Docker's cache is.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, posix } from 'node:path';
// eslint-disable-next-line @nx/enforce-module-boundaries -- tools share helpers by path (they are not packages)
import { parseDockerfile, type Instruction } from '../../ops/src/docker-lint/dockerfile';
import { HOST_CA_MOUNT, nodeBaseImage } from './base-image';
import { releaseLock, takeLock } from './lock';
import { nsRunSync } from './ns';

/** An image (or a stage) as built. */
export interface EmulatedImage {
  readonly name: string;
  /** Layers, bottom first. */
  readonly layers: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly workdir: string;
  /** USER as written (`node`), resolved to `uid:gid` in {@link EmulatedImage.uidGid}. */
  readonly user: string;
  readonly uidGid: string;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly healthcheck?: readonly string[];
  readonly key: string;
}

/** Options of {@link buildImage}. */
export interface BuildOptions {
  /** The build context folder (see context.ts). */
  readonly context: string;
  readonly dockerfile: string;
  readonly name: string;
  /** Cache folder: base roots, layers (`L/`), overlay work folders (`W/`), mount points. */
  readonly cacheDir: string;
  /** Layer keys used by this run are added here (the rest may be pruned afterwards). */
  readonly used: Set<string>;
  readonly log: (line: string) => void;
  /** Per RUN line, in ms. */
  readonly runTimeoutMs?: number;
  /**
   * The host's CA bundle (e.g. NODE_EXTRA_CA_CERTS) when its network needs one (a TLS-inspecting proxy):
   * RUN lines then see its folder at /run/docker-emulate/certs and get NODE_EXTRA_CA_CERTS and
   * npm_config_cafile pointing at it — what an operator passes to `docker build` behind such a proxy.
   */
  readonly hostCaBundle?: string;
}

const sha = (...parts: string[]) => createHash('sha256').update(parts.join('\0')).digest('hex');

function substitute(s: string, vars: Readonly<Record<string, string>>): string {
  return s.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, a: string | undefined, def: string | undefined, b: string | undefined) => vars[(a ?? b) as string] ?? def ?? '');
}

/** `K=V K2="v 2"` (or the legacy `K V`) → pairs. */
export function parseEnvArgs(args: string): [string, string][] {
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(args)) {
    const m = /^(\S+)\s+([\s\S]*)$/.exec(args);
    return m ? [[m[1], m[2]]] : [];
  }
  const out: [string, string][] = [];
  for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("((?:[^"\\]|\\.)*)"|'([^']*)'|(\S*))/g)) out.push([m[1], m[3] ?? m[4] ?? m[5] ?? '']);
  return out;
}

function execForm(args: string, what: string): string[] {
  const v: unknown = JSON.parse(args);
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new Error(`${what} must be in exec form (a JSON array): ${args}`);
  return v as string[];
}

/** Hash of files (paths, modes, contents, link targets) under `paths` of `base`. */
function treeHash(base: string, paths: readonly string[]): string {
  const h = createHash('sha256');
  const walk = (rel: string) => {
    const abs = join(base, rel);
    const st = lstatSync(abs);
    h.update(`${rel}\0${st.mode}\0`);
    if (st.isSymbolicLink()) h.update(readlinkSync(abs));
    else if (st.isDirectory()) for (const e of readdirSync(abs).sort()) walk(join(rel, e));
    else h.update(readFileSync(abs));
  };
  for (const p of paths) walk(p);
  return h.digest('hex');
}

/** Reads a file of the image by looking through the layers from the top. */
function readFromLayers(layers: readonly string[], path: string): string | undefined {
  for (const l of [...layers].reverse()) {
    const p = join(l, path);
    if (existsSync(p)) return readFileSync(p, 'utf8');
  }
  return undefined;
}

/** `node` / `1000` / `node:node` → `uid:gid` from the image's /etc/passwd and /etc/group. */
function resolveUser(layers: readonly string[], user: string): string {
  const [u, g] = user.split(':');
  const passwd = (readFromLayers(layers, 'etc/passwd') ?? '').split('\n').map((l) => l.split(':'));
  const entry = passwd.find((f) => f[0] === u || f[2] === u);
  if (!entry) throw new Error(`USER ${user}: no such user in the image's /etc/passwd`);
  let gid = entry[3];
  if (g) {
    const group = (readFromLayers(layers, 'etc/group') ?? '').split('\n').map((l) => l.split(':')).find((f) => f[0] === g || f[2] === g);
    if (!group) throw new Error(`USER ${user}: no such group`);
    gid = group[2];
  }
  return `${entry[2]}:${gid}`;
}

interface StageState {
  layers: string[];
  env: Record<string, string>;
  args: Record<string, string>;
  workdir: string;
  user: string;
  entrypoint: string[];
  cmd: string[];
  healthcheck?: string[];
  key: string;
}

/** Builds the last stage of `dockerfile` (every stage it needs is built on the way). */
export function buildImage(o: BuildOptions): EmulatedImage {
  const df = parseDockerfile(readFileSync(o.dockerfile, 'utf8'));
  const layersDir = join(o.cacheDir, 'L');
  const workDir = join(o.cacheDir, 'W');
  const scratch = join(o.cacheDir, 'M');
  for (const d of [layersDir, workDir, scratch]) mkdirSync(d, { recursive: true });
  const stages: StageState[] = [];
  const byName = new Map<string, StageState>();
  const started = Date.now();

  /** Runs `op` into a new layer unless the layer of `key` exists. */
  const layer = (st: StageState, key: string, what: string, op: (upper: { dir: string; work: string }) => void): void => {
    const dir = join(layersDir, key.slice(0, 20));
    o.used.add(key.slice(0, 20));
    const locked = existsSync(`${dir}.done`) ? false : takeLock(dir, `${dir}.done`);
    if (existsSync(`${dir}.done`)) {
      if (locked) releaseLock(dir);
      utimesSync(`${dir}.done`, new Date(), new Date());
      o.log(`  CACHED ${what}`);
    } else {
      rmSync(dir, { recursive: true, force: true });
      const work = join(workDir, key.slice(0, 20));
      rmSync(work, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      mkdirSync(work, { recursive: true });
      const t0 = Date.now();
      o.log(`  ${what}`);
      op({ dir, work });
      rmSync(work, { recursive: true, force: true });
      writeFileSync(`${dir}.done`, `${what}\n`);
      releaseLock(dir);
      o.log(`    done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    st.layers.push(dir);
    st.key = key;
  };

  const runEnv = (st: StageState): Record<string, string> => ({ ...st.args, ...st.env, HOME: st.user === 'root' || st.user === '0' ? '/root' : `/home/${st.user.split(':')[0]}`, HOSTNAME: 'buildkitsandbox' });

  for (const stage of df.stages) {
    const from = stage.image;
    let st: StageState;
    const parent = byName.get(from.toLowerCase());
    if (parent) {
      st = { ...parent, layers: [...parent.layers], env: { ...parent.env }, args: {}, entrypoint: [...parent.entrypoint], cmd: [...parent.cmd] };
    } else {
      const base = nodeBaseImage(from, o.cacheDir, o.log);
      st = { layers: [...base.layers], env: { ...base.env }, args: {}, workdir: '/', user: 'root', entrypoint: ['docker-entrypoint.sh'], cmd: ['node'], key: sha('base', from, ...base.layers) };
    }
    o.log(`[${o.name}] stage ${stage.index}${stage.name ? ` (${stage.name})` : ''}: FROM ${from}`);
    for (const ins of stage.instructions) applyInstruction(st, ins);
    stages.push(st);
    if (stage.name) byName.set(stage.name, st);
    byName.set(String(stage.index), st);
  }

  function applyInstruction(st: StageState, ins: Instruction): void {
    const vars = { ...st.args, ...st.env };
    const what = `${ins.keyword} ${ins.args.length > 110 ? `${ins.args.slice(0, 107)}...` : ins.args}`;
    switch (ins.keyword) {
      case 'ENV':
        for (const [k, v] of parseEnvArgs(ins.args)) st.env[k] = substitute(v, { ...st.args, ...st.env });
        st.key = sha(st.key, 'ENV', ins.args);
        return;
      case 'ARG': {
        const [k, ...v] = ins.args.split('=');
        st.args[k.trim()] = v.length ? substitute(v.join('='), vars) : (df.globalArgs[k.trim()] ?? '');
        st.key = sha(st.key, 'ARG', ins.args);
        return;
      }
      case 'WORKDIR': {
        const dir = posix.resolve(st.workdir, substitute(ins.args, vars));
        layer(st, sha(st.key, 'WORKDIR', dir), what, (upper) => mustRun({ ...st, workdir: '/' }, upper, ['/bin/mkdir', '-p', dir], 'root', 60_000));
        st.workdir = dir;
        return;
      }
      case 'USER':
        st.user = substitute(ins.args, vars);
        resolveUser(st.layers, st.user);
        st.key = sha(st.key, 'USER', st.user);
        return;
      case 'RUN': {
        if (/^--/.test(ins.args)) throw new Error(`RUN flags (BuildKit --mount etc.) are not emulated: ${ins.args}`);
        const argv = ins.args.startsWith('[') ? execForm(ins.args, 'RUN') : ['/bin/sh', '-c', ins.args];
        layer(st, sha(st.key, 'RUN', ins.args, JSON.stringify(st.args)), what, (upper) => mustRun(st, upper, argv, st.user, o.runTimeoutMs ?? 900_000));
        return;
      }
      case 'COPY':
        copy(st, ins, vars, what);
        return;
      case 'CMD':
        st.cmd = execForm(ins.args, 'CMD');
        st.key = sha(st.key, 'CMD', ins.args);
        return;
      case 'ENTRYPOINT':
        st.entrypoint = execForm(ins.args, 'ENTRYPOINT');
        st.key = sha(st.key, 'ENTRYPOINT', ins.args);
        return;
      case 'HEALTHCHECK': {
        const i = ins.args.indexOf('CMD');
        st.healthcheck = i >= 0 ? execForm(ins.args.slice(i + 3).trim(), 'HEALTHCHECK CMD') : undefined;
        st.key = sha(st.key, 'HEALTHCHECK', ins.args);
        return;
      }
      case 'EXPOSE':
      case 'STOPSIGNAL':
      case 'LABEL':
        st.key = sha(st.key, ins.keyword, ins.args);
        return;
      default:
        throw new Error(`${ins.keyword} (line ${ins.line}) is not emulated`);
    }
  }

  function mustRun(st: StageState, upper: { dir: string; work: string }, argv: readonly string[], user: string, timeoutMs: number): void {
    const ca = o.hostCaBundle;
    const env = ca ? { ...runEnv(st), NODE_EXTRA_CA_CERTS: `${HOST_CA_MOUNT}/${basename(ca)}`, npm_config_cafile: `${HOST_CA_MOUNT}/${basename(ca)}` } : runEnv(st);
    const binds = ca ? [{ host: dirname(ca), target: HOST_CA_MOUNT, readOnly: true }] : [];
    const r = nsRunSync({ layers: st.layers, upper, user: resolveUser(st.layers, user), env, cwd: st.workdir, argv, binds, scratch }, timeoutMs);
    if (r.status !== 0) throw new Error(`[${o.name}] ${argv.join(' ').slice(0, 300)} failed (status ${r.status}):\n${`${r.stdout}\n${r.stderr}`.slice(-6000)}`);
  }

  function copy(st: StageState, ins: Instruction, vars: Record<string, string>, what: string): void {
    const parts = ins.args.split(/\s+/);
    let fromStage: StageState | undefined;
    const flags = parts.filter((p) => p.startsWith('--'));
    for (const f of flags) {
      const m = /^--from=(.+)$/.exec(f);
      if (!m) throw new Error(`COPY ${f} is not emulated`);
      fromStage = byName.get(m[1].toLowerCase());
      if (!fromStage) throw new Error(`COPY --from=${m[1]}: no such stage`);
    }
    const rest = parts.filter((p) => !p.startsWith('--')).map((p) => substitute(p, vars));
    if (rest.length < 2 || rest.some((p) => /[*?[]/.test(p))) throw new Error(`COPY ${ins.args}: needs sources and a destination, no wildcards`);
    const srcs = rest.slice(0, -1);
    const rawDest = rest[rest.length - 1];
    const dest = posix.resolve(st.workdir, rawDest) + (rawDest.endsWith('/') || rawDest === '.' || rawDest === './' ? '/' : '');
    if (srcs.length > 1 && !dest.endsWith('/')) throw new Error(`COPY with several sources needs a destination ending in /: ${ins.args}`);
    const contentKey = fromStage ? sha(fromStage.key, ...srcs) : treeHash(o.context, srcs.map((s) => posix.normalize(s).replace(/^\/+|\/+$/g, '') || '.'));
    layer(st, sha(st.key, 'COPY', ins.args, contentKey), what, (upper) => {
      // Inside one mount namespace: the stage's root read-write (new layer on top), the source
      // stage's root read-only, then cp without owners (files become root's, as Docker's COPY).
      const lines: string[] = [];
      const srcRoot = fromStage ? '"$S"' : JSON.stringify(o.context);
      for (const s of srcs) {
        const src = `${srcRoot}/${s.replace(/^\/+/, '')}`;
        lines.push(`src=${src.replace(/\/+$/, '')}`);
        lines.push(`[ -e "$src" ] || { echo "COPY source ${s} not found" >&2; exit 1; }`);
        if (dest.endsWith('/')) {
          lines.push(`mkdir -p "$R${dest}"`);
          lines.push(`if [ -d "$src" ]; then cp -a --no-preserve=ownership "$src/." "$R${dest}"; else cp -a --no-preserve=ownership "$src" "$R${dest}"; fi`);
        } else {
          lines.push(`if [ -d "$src" ]; then mkdir -p "$R${dest}" && cp -a --no-preserve=ownership "$src/." "$R${dest}/"; else mkdir -p "$(dirname "$R${dest}")" && cp -a --no-preserve=ownership "$src" "$R${dest}"; fi`);
        }
      }
      const lowers = [...st.layers].reverse().join(':');
      const script = [
        'set -eu',
        `R=$(mktemp -d ${scratch}/c-XXXXXX)`,
        `mount -t overlay overlay -o lowerdir=${lowers},upperdir=${upper.dir},workdir=${upper.work} "$R"`,
        ...(fromStage ? [`S=$(mktemp -d ${scratch}/s-XXXXXX)`, `mount -t overlay overlay -o lowerdir=${[...fromStage.layers].reverse().join(':')} "$S"`] : []),
        ...lines,
        'umount "$R"; rmdir "$R"',
        ...(fromStage ? ['umount "$S"; rmdir "$S"'] : []),
      ].join('\n');
      const r = nsRunRaw(script);
      if (r.status !== 0) throw new Error(`[${o.name}] ${what} failed:\n${r.stderr.slice(-3000)}`);
    });
  }

  function nsRunRaw(script: string): { status: number | null; stderr: string } {
    return spawnSyncUnshare(script);
  }

  const last = stages[stages.length - 1];
  o.log(`[${o.name}] built in ${((Date.now() - started) / 1000).toFixed(1)} s (${last.layers.length} layers)`);
  return { name: o.name, layers: last.layers, env: last.env, workdir: last.workdir, user: last.user, uidGid: resolveUser(last.layers, last.user), entrypoint: last.entrypoint, cmd: last.cmd, healthcheck: last.healthcheck, key: last.key };
}

function spawnSyncUnshare(script: string): { status: number | null; stderr: string } {
  const r = spawnSync('unshare', ['--mount', '--propagation', 'private', '/bin/bash', '--norc', '--noprofile', '-c', script], { encoding: 'utf8', timeout: 600_000, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
  return { status: r.status, stderr: `${r.stderr ?? ''}${r.error ? `\n${r.error.message}` : ''}` };
}
