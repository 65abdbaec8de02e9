#!/usr/bin/env node
// Assembles the engine's WebAssembly text sources into TypeScript modules holding the bytes:
//   libs/engine/src/strategies/wasm/<name>.wat  ->  <name>.wasm.ts
// Run: `npm run build:wasm`. `--check` rebuilds in memory and exits 1 if a committed module differs
// (the engine's wasm test does the same), so the bytes can never drift from their source.
const { readFileSync, writeFileSync, readdirSync } = require('node:fs');
const path = require('node:path');

const dir = path.join(__dirname, '..', '..', 'libs', 'engine', 'src', 'strategies', 'wasm');

/** The TypeScript module for one .wat file's bytes. */
function render(name, bytes) {
  const constName = name.toUpperCase().replace(/[^A-Z0-9]+/g, '_') + '_WASM';
  const rows = [];
  for (let i = 0; i < bytes.length; i += 24) rows.push('  ' + Array.from(bytes.subarray(i, i + 24)).join(', ') + ',');
  return [
    `// Generated from ${name}.wat by tools/scripts/build-wasm.cjs (npm run build:wasm). Do not edit.`,
    `/** WebAssembly binary of ${name}.wat (${bytes.length} bytes). */`,
    `export const ${constName}: Uint8Array = Uint8Array.from([`,
    ...rows,
    ']);',
    '',
  ].join('\n');
}

/** Assembles every .wat in the folder; returns [file, expected text, current text]. */
async function build() {
  const wabt = await require('wabt')();
  const out = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.wat')).sort()) {
    const name = f.slice(0, -4);
    const mod = wabt.parseWat(f, readFileSync(path.join(dir, f), 'utf8'), { simd: true });
    mod.validate();
    const { buffer } = mod.toBinary({ write_debug_names: false });
    mod.destroy();
    const file = path.join(dir, `${name}.wasm.ts`);
    let current = null;
    try { current = readFileSync(file, 'utf8'); } catch { /* not built yet */ }
    out.push([file, render(name, Uint8Array.from(buffer)), current]);
  }
  return out;
}

module.exports = { build };

if (require.main === module) {
  const check = process.argv.includes('--check');
  build().then((files) => {
    let stale = 0;
    for (const [file, text, current] of files) {
      if (text === current) continue;
      if (check) { stale++; console.error(`${path.relative(process.cwd(), file)} is out of date: run npm run build:wasm`); }
      else { writeFileSync(file, text); console.log(`wrote ${path.relative(process.cwd(), file)}`); }
    }
    process.exit(stale ? 1 : 0);
  }, (e) => { console.error(e.message ?? e); process.exit(2); });
}
