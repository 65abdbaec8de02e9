// Loads the original system's fixture candles (libs/engine/test/fixtures/coin_hts) as columns.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Candle columns as the indicators read them. */
export interface Columns {
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

const FIXTURE_DIR = join(__dirname, '..', '..', '..', 'engine', 'test', 'fixtures', 'coin_hts');

/** Parses `timestamp,open,high,low,close,volume` CSV text (header required, in that order). */
export function parseCandleCsv(text: string): Columns {
  const lines = text.trim().split(/\r?\n/);
  const header = lines[0].split(',').map((h) => h.trim());
  const expected = ['timestamp', 'open', 'high', 'low', 'close', 'volume'];
  if (header.join(',') !== expected.join(',')) throw new Error(`unexpected CSV header: ${lines[0]}`);
  const rows = lines.slice(1);
  const cols = { open: new Float64Array(rows.length), high: new Float64Array(rows.length), low: new Float64Array(rows.length), close: new Float64Array(rows.length), volume: new Float64Array(rows.length) };
  rows.forEach((row, i) => {
    const f = row.split(',');
    cols.open[i] = Number(f[1]);
    cols.high[i] = Number(f[2]);
    cols.low[i] = Number(f[3]);
    cols.close[i] = Number(f[4]);
    cols.volume[i] = Number(f[5]);
    for (const k of ['open', 'high', 'low', 'close', 'volume'] as const) {
      if (!Number.isFinite(cols[k][i])) throw new Error(`fixture row ${i + 1}: ${k} is not a number: ${row}`);
    }
  });
  return cols;
}

/** The 300-candle synthetic fixture (seed 42, prices around 100). */
export function loadFixture300(): Columns {
  return parseCandleCsv(readFileSync(join(FIXTURE_DIR, 'synthetic_seed42_300.csv'), 'utf8'));
}
