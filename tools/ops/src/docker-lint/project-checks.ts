/**
 * coin-hts-specific checks of docker/: the image Dockerfiles against the workspace (every package
 * manifest copied before `npm ci`, every library's build output collected, production
 * dependencies only, the built entry point started), the compose file against what the brief and
 * ARCHITECTURE.md require, and `.env.example` against every variable the code reads.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Dockerfile, LintFinding, Stage } from './dockerfile';

/** Turns one .dockerignore pattern into a RegExp over slash-separated paths relative to the context. */
export function dockerignorePattern(pattern: string): RegExp {
  let p = pattern.trim().replace(/^\/+/, '').replace(/\/+$/, '');
  let re = '';
  while (p.length) {
    if (p.startsWith('**/')) {
      re += '(?:.*/)?';
      p = p.slice(3);
    } else if (p.startsWith('**')) {
      re += '.*';
      p = p.slice(2);
    } else if (p[0] === '*') {
      re += '[^/]*';
      p = p.slice(1);
    } else if (p[0] === '?') {
      re += '[^/]';
      p = p.slice(1);
    } else {
      re += p[0].replace(/[.+^${}()|[\]\\]/g, '\\$&');
      p = p.slice(1);
    }
  }
  // A pattern matching a folder excludes everything below it.
  return new RegExp(`^${re}(?:/.*)?$`);
}

/** True when `.dockerignore` rules exclude `path` (last matching rule wins; `!` re-includes). */
export function isIgnored(path: string, ignoreText: string): boolean {
  let ignored = false;
  for (const raw of ignoreText.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    if (dockerignorePattern(negate ? line.slice(1) : line).test(path)) ignored = !negate;
  }
  return ignored;
}

/** Folders of the npm workspaces (`libs/*`, `apps/*`) that have a package.json. */
export function workspaceDirs(repoRoot: string): string[] {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { workspaces?: string[] };
  const out: string[] = [];
  for (const w of pkg.workspaces ?? []) {
    const base = w.replace(/\/\*$/, '');
    const dir = join(repoRoot, base);
    if (!existsSync(dir)) continue;
    for (const d of readdirSync(dir).sort()) {
      if (existsSync(join(dir, d, 'package.json'))) out.push(`${base}/${d}`);
    }
  }
  return out;
}

/** Workspace folders the app at `appDir` depends on, transitively (through `@coinhts/*` dependencies). */
export function workspaceClosure(repoRoot: string, appDir: string): string[] {
  const byName = new Map<string, string>();
  for (const d of workspaceDirs(repoRoot)) {
    const p = JSON.parse(readFileSync(join(repoRoot, d, 'package.json'), 'utf8')) as { name: string };
    byName.set(p.name, d);
  }
  const seen = new Set<string>();
  const visit = (dir: string) => {
    if (seen.has(dir)) return;
    seen.add(dir);
    const p = JSON.parse(readFileSync(join(repoRoot, dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    for (const dep of Object.keys(p.dependencies ?? {})) {
      const d = byName.get(dep);
      if (d) visit(d);
    }
  };
  visit(appDir);
  return [...seen].sort();
}

/** What an app image must look like. */
export interface ImageExpectations {
  /** Repository root (the build context). */
  readonly repoRoot: string;
  /** Nx project names the build stage must build (e.g. `['api', 'cli']`). */
  readonly projects: readonly string[];
  /** App folders whose dist must reach the runtime image (e.g. `['apps/api', 'apps/cli']`). */
  readonly appDirs: readonly string[];
  /** The entry point the container starts, relative to /app (e.g. `apps/api/dist/main.js`). */
  readonly entry: string;
  /** Port the process listens on by default and the variable that moves it. */
  readonly port: number;
  readonly portVariable: string;
  /** Content of the Dockerfile's `.dockerignore`. */
  readonly dockerignore: string;
}

function runsIn(stage: Stage): string {
  return stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args).join('\n');
}

/** Checks an app image Dockerfile against the workspace (rules CH1xx). */
export function checkAppImage(df: Dockerfile, exp: ImageExpectations): LintFinding[] {
  const f: LintFinding[] = [];
  const add = (rule: string, line: number, message: string) => f.push({ rule, line, message });
  const copies = df.instructions.filter((i) => i.keyword === 'COPY');

  // CH101: npm ci needs every workspace's package.json, or it fails ("No workspaces found") or, worse, installs a different tree.
  const npmCiStage = df.stages.find((s) => /npm ci\b/.test(runsIn(s)) && !/--omit=dev/.test(runsIn(s)));
  if (!npmCiStage) add('CH101', 1, 'no stage runs a full `npm ci` for the build');
  const ciLine = npmCiStage?.instructions.find((i) => i.keyword === 'RUN' && /npm ci\b/.test(i.args))?.line ?? 0;
  const manifestCopies = (npmCiStage?.instructions ?? []).filter((i) => i.keyword === 'COPY' && i.line < ciLine);
  for (const ws of workspaceDirs(exp.repoRoot)) {
    const copied = manifestCopies.some((c) => c.args.split(/\s+/).slice(0, -1).includes(`${ws}/package.json`));
    if (!copied) add('CH101', 1, `${ws}/package.json is not copied before npm ci (workspace missing from the dependency install)`);
  }

  // CH102: the Nx build of the app(s).
  const buildRun = df.instructions.find((i) => i.keyword === 'RUN' && /nx\s+(run-many|run)\b/.test(i.args));
  if (!buildRun) add('CH102', 1, 'no RUN builds with Nx (`npx nx run-many -t build -p …`)');
  else for (const p of exp.projects) {
    if (!new RegExp(`(-p|--projects)[ =]([\\w,-]+ )*[\\w,-]*\\b${p}\\b|\\b${p}:build\\b`).test(buildRun.args)) add('CH102', buildRun.line, `the Nx build does not build project ${p}`);
  }

  // CH103: every library the app needs (and the app itself) has its dist collected for the runtime image.
  const needed = new Set<string>();
  for (const a of exp.appDirs) for (const d of workspaceClosure(exp.repoRoot, a)) needed.add(d);
  const collect = buildRun?.args ?? '';
  for (const d of needed) {
    if (!new RegExp(`(^|\\s)${d}(\\s|;|$)`).test(collect)) add('CH103', buildRun?.line ?? 1, `${d} (needed by ${exp.appDirs.join(', ')}) is not collected from the build`);
  }

  // CH104: the runtime stage gets node_modules from a stage that installed production dependencies only.
  const final = df.stages[df.stages.length - 1];
  const nmCopy = final.instructions.find((i) => i.keyword === 'COPY' && /node_modules/.test(i.args));
  if (!nmCopy) add('CH104', final.instructions[0]?.line ?? 1, 'the runtime stage does not copy node_modules from a production-dependency stage');
  else {
    const from = /--from=(\S+)/.exec(nmCopy.args)?.[1]?.toLowerCase();
    const src = df.stages.find((s) => s.name === from);
    if (!src || !/npm ci\b[^\n]*--omit=dev/.test(runsIn(src))) add('CH104', nmCopy.line, `node_modules comes from stage "${from}", which does not run \`npm ci --omit=dev\``);
  }
  if (final.instructions.some((i) => i.keyword === 'RUN' && /npm (ci|install)/.test(i.args))) add('CH104', 1, 'the runtime stage installs npm packages itself');

  // CH105: the runtime base is a slim Node image of the same line as the build stages.
  const base = df.stages[0].image;
  if (final.image !== base) add('CH105', 1, `runtime image ${final.image} differs from the build image ${base}`);
  if (!/^node:\d+(\.\d+)*-(bookworm|bullseye)-slim$|^node:\d+(\.\d+)*-alpine/.test(final.image)) add('CH105', 1, `runtime image ${final.image} is not a slim Node image`);

  // CH106: the container starts the built entry point, never sources through a TypeScript loader.
  const cmd = [...final.instructions].reverse().find((i) => i.keyword === 'CMD');
  const cmdArgs: unknown = cmd ? safeJson(cmd.args) : undefined;
  if (!Array.isArray(cmdArgs) || cmdArgs[0] !== 'node' || cmdArgs[cmdArgs.length - 1] !== exp.entry) add('CH106', cmd?.line ?? 1, `CMD should be ["node", "${exp.entry}"]`);
  if (final.instructions.some((i) => /swc-node|ts-node|@coinhts\/source/.test(i.args))) add('CH106', 1, 'the runtime stage runs TypeScript sources');

  // CH107: HEALTHCHECK probes the process's own port variable, EXPOSE matches the default.
  const hc = final.instructions.find((i) => i.keyword === 'HEALTHCHECK');
  if (hc && (!hc.args.includes(`process.env.${exp.portVariable}`) || !hc.args.includes(String(exp.port)) || !hc.args.includes('/healthz'))) {
    add('CH107', hc.line, `HEALTHCHECK should GET /healthz on ${exp.portVariable} (default ${exp.port})`);
  }
  if (!final.instructions.some((i) => i.keyword === 'EXPOSE' && i.args.split(/\s+/).includes(String(exp.port)))) add('CH107', 1, `EXPOSE ${exp.port} missing`);

  // CH108: what COPY reads from the context exists and is not excluded by the .dockerignore.
  for (const c of copies) {
    if (/--from=/.test(c.args)) continue;
    const parts = c.args.split(/\s+/).filter((p) => !p.startsWith('--'));
    for (const src of parts.slice(0, -1)) {
      const path = src.replace(/\/$/, '');
      if (!existsSync(join(exp.repoRoot, path))) add('CH108', c.line, `COPY source ${src} does not exist in the build context`);
      else if (isIgnored(path, exp.dockerignore)) add('CH108', c.line, `COPY source ${src} is excluded by the .dockerignore`);
    }
  }

  // CH109: tini (or another init) is PID 1 so SIGTERM reaches node and sandbox children are reaped.
  const ep = [...final.instructions].reverse().find((i) => i.keyword === 'ENTRYPOINT');
  if (!ep || !/tini|dumb-init/.test(ep.args)) add('CH109', ep?.line ?? 1, 'ENTRYPOINT should run an init (tini) as PID 1');
  return f;
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/** Files under `dir` (relative to `root`), skipping node_modules and dist. */
export function listFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      if (e === 'node_modules' || e === 'dist') continue;
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(root, p));
    }
  };
  walk(join(root, dir));
  return out;
}

/** Variables assigned in a dotenv file (`NAME=value`). */
export function dotenvNames(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)) out.add(m[1]);
  return out;
}

/** Variables interpolated in a compose file (`${NAME}`, `${NAME:-x}`, `${NAME:?msg}`), not `$$` escapes. */
export function composeVariables(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(m[1]);
  return [...names].sort();
}
