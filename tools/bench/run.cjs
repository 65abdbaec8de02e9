#!/usr/bin/env node
// Runs one or all benchmarks: `npm run bench` (all) or `npm run bench -- engine` (names match files *.bench.ts).
const { readdirSync } = require('node:fs');
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const dir = __dirname;
const wanted = process.argv.slice(2);
const files = readdirSync(dir).filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w))).sort();
if (files.length === 0) { console.error(`No benchmark matches ${wanted.join(', ')}. Available: ${readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).join(', ')}`); process.exit(2); }
let failed = 0;
for (const f of files) {
  console.log(`\n## ${f}`);
  const r = spawnSync(process.execPath, ['--expose-gc', '--conditions=@coinhts/source', '-r', '@swc-node/register', path.join(dir, f)], { stdio: 'inherit', cwd: path.join(dir, '..', '..') });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
