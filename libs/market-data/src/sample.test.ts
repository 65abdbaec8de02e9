import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { findCandleIssues } from '@coinhts/engine';
import { SAMPLE_RECIPES, aggregateDaily, generateSampleHourly, krwTick, writeSampleData } from './sample';
import { decodeStoreFile } from './parquet-codec';
import { tempDir } from '../test/helpers';

const tmp = tempDir('sample');
afterAll(() => tmp.cleanup());

const COMMITTED = join(__dirname, '..', '..', '..', 'data', 'sample');

function parquetFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.parquet')) out.push(relative(root, p));
    }
  };
  walk(root);
  return out;
}

const sha256 = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');

describe('bundled sample data (data/sample)', () => {
  // Generating and encoding 18 files takes ~2 s on a quiet machine; allow for a busy shared one.
  it('is exactly what the generator writes: same files, same bytes (decoded columns compared on a mismatch)', async () => {
    const fresh = tmp.sub('gen');
    await writeSampleData(fresh, SAMPLE_RECIPES, { fsync: false });
    const committed = parquetFiles(COMMITTED);
    expect(parquetFiles(fresh)).toEqual(committed);
    expect(committed).toHaveLength(18); // 3 symbols x 2 timeframes x 3 years
    const mismatched = committed.filter((rel) => sha256(join(fresh, rel)) !== sha256(join(COMMITTED, rel)));
    for (const rel of mismatched) {
      // Say whether the data or only the encoding differs.
      const a = decodeStoreFile(readFileSync(join(fresh, rel)), rel);
      const b = decodeStoreFile(readFileSync(join(COMMITTED, rel)), rel);
      const bytes = (x: Float64Array | undefined): Buffer => (x ? Buffer.from(x.buffer, x.byteOffset, x.byteLength) : Buffer.alloc(0));
      const differing = (['timestamp', 'open', 'high', 'low', 'close', 'volume', 'value'] as const).filter((col) => !bytes(a[col]).equals(bytes(b[col])));
      expect({ rel, differingColumns: differing }).toEqual({ rel, differingColumns: [] });
    }
    expect(mismatched).toEqual([]);
  }, 60_000);

  const hourly = new Map(SAMPLE_RECIPES.map((r) => [r.symbol, generateSampleHourly(r)]));

  it.each(SAMPLE_RECIPES.map((r) => [r.symbol, r] as const))('%s: every hour 2022..2024, valid OHLC on KRW ticks, daily = aggregate of hourly', (symbol, recipe) => {
    const h = hourly.get(symbol)!;
    expect(h.timestamp.length).toBe(3 * 365 * 24 + 24); // 2024 is a leap year
    expect(new Date(h.timestamp[0]).toISOString()).toBe('2022-01-01T00:00:00.000Z');
    expect(new Date(h.timestamp[h.timestamp.length - 1]).toISOString()).toBe('2024-12-31T23:00:00.000Z');
    expect(findCandleIssues(h)).toEqual([]);
    const offTick: number[] = [];
    for (let i = 0; i < h.timestamp.length; i++) {
      for (const p of [h.open[i], h.high[i], h.low[i], h.close[i]]) {
        const tick = krwTick(p);
        if (!(p > 0) || Math.abs(p / tick - Math.round(p / tick)) > 1e-6) offTick.push(i);
      }
    }
    expect(offTick).toEqual([]);
    const d = aggregateDaily(h, recipe.volumeDecimals);
    expect(d.timestamp.length).toBe(1096);
    // Day 10 by hand from its 24 hours.
    const a = 10 * 24;
    expect(d.open[10]).toBe(h.open[a]);
    expect(d.close[10]).toBe(h.close[a + 23]);
    expect(d.high[10]).toBe(Math.max(...h.high.subarray(a, a + 24)));
    expect(d.low[10]).toBe(Math.min(...h.low.subarray(a, a + 24)));
  });

  it('uses realistic KRW levels (first and last closes within the recipe anchors x/÷ 2)', () => {
    for (const r of SAMPLE_RECIPES) {
      const h = hourly.get(r.symbol)!;
      const first = r.anchors[0][1], last = r.anchors[r.anchors.length - 1][1];
      expect(h.close[0] / first).toBeGreaterThan(0.5);
      expect(h.close[0] / first).toBeLessThan(2);
      expect(h.close[h.close.length - 1] / last).toBeGreaterThan(0.5);
      expect(h.close[h.close.length - 1] / last).toBeLessThan(2);
    }
  });
});
