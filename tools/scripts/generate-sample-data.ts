/**
 * Regenerates the bundled SYNTHETIC sample candles in data/sample/ (store layout:
 * {SYMBOL}/{TIMEFRAME}/{YEAR}.parquet, zstd). Deterministic: re-running it writes byte-identical
 * files, which libs/market-data/src/sample.test.ts checks against the committed set.
 *
 *   node --conditions=@coinhts/source -r @swc-node/register tools/scripts/generate-sample-data.ts [OUT_DIR]
 */
import { resolve } from 'node:path';
import { SAMPLE_RECIPES, writeSampleData } from '@coinhts/market-data';

async function main(): Promise<void> {
  const out = resolve(process.argv[2] ?? resolve(__dirname, '..', '..', 'data', 'sample'));
  const results = await writeSampleData(out, SAMPLE_RECIPES);
  for (const r of results) {
    const bytes = r.files.reduce((a, f) => a + f.bytes, 0);
    console.log(`${r.symbol} ${r.timeframe}: ${r.rows} candles in ${r.files.length} files, ${(bytes / 1024).toFixed(0)} KiB`);
  }
  console.log(`wrote ${out}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
