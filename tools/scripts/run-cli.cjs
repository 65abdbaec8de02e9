#!/usr/bin/env node
// Runs the coinhts CLI from source (no build step): installs dependencies on first use,
// then starts apps/cli/src/main.ts through @swc-node/register with the workspace's source condition.
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');
const root = path.resolve(__dirname, '..', '..');
if (!existsSync(path.join(root, 'node_modules', '@swc-node', 'register'))) {
  console.error('coinhts: installing dependencies (npm ci), once...');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const r = spawnSync(process.execPath, ['--conditions=@coinhts/source', '-r', '@swc-node/register', path.join(root, 'apps/cli/src/main.ts'), ...process.argv.slice(2)], {
  cwd: process.cwd(), stdio: 'inherit', env: { ...process.env, SWC_NODE_PROJECT: path.join(root, 'tsconfig.base.json') },
});
process.exit(r.status ?? 1);
