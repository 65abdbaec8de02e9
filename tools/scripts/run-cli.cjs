#!/usr/bin/env node
// Runs the coinhts CLI of this checkout (no manual build step): installs dependencies on first
// use, (re)builds the compiled bundle when a source file changed since it was built (esbuild,
// ~0.2 s; see cli-bundle.cjs), then runs it in this process. COINHTS_FROM_SOURCE=1 skips the
// bundle and compiles the TypeScript at start instead (@swc-node/register, ~1 s slower).
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');
const root = path.resolve(__dirname, '..', '..');

if (!existsSync(path.join(root, 'node_modules', 'esbuild')) || !existsSync(path.join(root, 'node_modules', '@swc-node', 'register'))) {
  console.error('coinhts: installing dependencies (npm ci), once...');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function fromSource() {
  const r = spawnSync(process.execPath, ['--conditions=@coinhts/source', '-r', '@swc-node/register', path.join(root, 'apps/cli/src/main.ts'), ...process.argv.slice(2)], {
    cwd: process.cwd(), stdio: 'inherit', env: { ...process.env, SWC_NODE_PROJECT: path.join(root, 'tsconfig.base.json') },
  });
  process.exit(r.status ?? 1);
}

if (process.env.COINHTS_FROM_SOURCE && process.env.COINHTS_FROM_SOURCE !== '0') fromSource();
else {
  let main;
  try {
    main = require('./cli-bundle.cjs').ensureBundle();
  } catch (err) {
    // A build that fails (a syntax error being edited, esbuild missing for this platform) must not
    // stop the CLI: the sources still run, only slower to start.
    console.error(`coinhts: could not build the compiled CLI (${err instanceof Error ? err.message.split('\n')[0] : err}); running from the TypeScript sources`);
    fromSource();
  }
  if (main !== undefined) {
    if (process.env.COINHTS_DEBUG && process.env.COINHTS_DEBUG !== '0') process.setSourceMapsEnabled(true);
    require(main).main();
  }
}
