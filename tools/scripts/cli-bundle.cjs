// The compiled CLI of a checkout: apps/cli/src/main.ts and the @coinhts/* sources it imports,
// bundled by esbuild (~0.2 s) into apps/cli/.bundle/ (third-party packages stay in node_modules and
// load only when a command needs them). `ensureBundle()` rebuilds it when any file it was built
// from changed since, so the README's commands always run the current sources without a build step.
'use strict';
const { mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
/** Three levels below the root, like apps/cli/src and apps/cli/dist (config.ts finds the root from there). */
const OUT_DIR = path.join(ROOT, 'apps', 'cli', '.bundle');
const MAIN = path.join(OUT_DIR, 'main.js');
/** The file list the bundle was built from (relative paths) and the build's own inputs. */
const STAMP = path.join(OUT_DIR, 'inputs.json');
/** Besides the bundled sources, a change to these rebuilds: package exports, tsconfig, this script. */
const BUILD_INPUTS = ['tsconfig.base.json', 'package.json', 'tools/scripts/cli-bundle.cjs'];

/** Third-party packages named by the root and every workspace package.json: never bundled. */
function externals() {
  const names = new Set();
  const manifests = [path.join(ROOT, 'package.json')];
  for (const group of ['libs', 'apps']) {
    for (const d of readdirSync(path.join(ROOT, group))) manifests.push(path.join(ROOT, group, d, 'package.json'));
  }
  for (const file of manifests) {
    let pkg;
    try { pkg = JSON.parse(readFileSync(file, 'utf8')); } catch { continue; }
    for (const field of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies']) {
      for (const name of Object.keys(pkg[field] ?? {})) if (!name.startsWith('@coinhts/')) names.add(name);
    }
  }
  return [...names].flatMap((n) => [n, `${n}/*`]);
}

/** True when the bundle exists and none of the files it was built from changed after it was built. */
function isFresh() {
  let stamp;
  try { stamp = JSON.parse(readFileSync(STAMP, 'utf8')); } catch { return false; }
  try {
    for (const f of [MAIN, path.join(OUT_DIR, 'sweep-worker.js')]) statSync(f);
    for (const rel of stamp.inputs) if (statSync(path.join(ROOT, rel)).mtimeMs > stamp.builtAtMs) return false;
  } catch {
    return false; // a file it was built from is gone
  }
  return true;
}

/**
 * Builds the bundle: `main.js` (the CLI) and `sweep-worker.js` (the engine's sweep threads, found
 * next to the code that starts them). Files are written under temporary names and renamed, so a
 * CLI started during a rebuild never reads a half-written file.
 * @returns the build time in milliseconds
 */
function build() {
  const started = Date.now();
  const esbuild = require('esbuild');
  mkdirSync(OUT_DIR, { recursive: true });
  const tmp = path.join(OUT_DIR, `.tmp-${process.pid}`);
  const result = esbuild.buildSync({
    absWorkingDir: ROOT,
    entryPoints: { main: 'apps/cli/src/main.ts', 'sweep-worker': 'libs/engine/src/parallel/sweep-worker.ts' },
    outdir: tmp,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    conditions: ['@coinhts/source'],
    external: externals(),
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'error',
  });
  for (const f of ['sweep-worker.js.map', 'sweep-worker.js', 'main.js.map', 'main.js']) renameSync(path.join(tmp, f), path.join(OUT_DIR, f));
  require('node:fs').rmSync(tmp, { recursive: true, force: true });
  const inputs = [...Object.keys(result.metafile.inputs).filter((f) => !f.startsWith('node_modules/') && !f.includes('/node_modules/')), ...BUILD_INPUTS];
  const stampTmp = `${STAMP}.${process.pid}`;
  writeFileSync(stampTmp, JSON.stringify({ builtAtMs: started, inputs }));
  renameSync(stampTmp, STAMP);
  return Date.now() - started;
}

/** Builds the bundle when it is missing or stale; returns the path of the CLI's main file. */
function ensureBundle() {
  if (!isFresh()) build();
  return MAIN;
}

module.exports = { OUT_DIR, MAIN, isFresh, build, ensureBundle };
