/** Test helpers shared by this lib's tests (not part of the published API). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CandleSeries } from '../src/series';

/** A row as written by hand in tests: [ISO time, open, high, low, close, volume, value?]. */
export type Row = readonly [string, number, number, number, number, number, number?];

/** Builds a series from hand-written rows. */
export function series(rows: readonly Row[], withValue = rows.some((r) => r[6] !== undefined)): CandleSeries {
  const col = (k: number): Float64Array => Float64Array.from(rows, (r) => (k === 0 ? Date.parse(r[0]) : (r[k] as number | undefined) ?? NaN));
  const s: { -readonly [K in keyof CandleSeries]: CandleSeries[K] } = {
    timestamp: col(0), open: col(1), high: col(2), low: col(3), close: col(4), volume: col(5),
  };
  if (withValue) s.value = col(6);
  return s;
}

/** Back to rows with ISO times, for readable equality checks. */
export function toRows(s: CandleSeries): (string | number)[][] {
  const out: (string | number)[][] = [];
  for (let i = 0; i < s.timestamp.length; i++) {
    const r: (string | number)[] = [new Date(s.timestamp[i]).toISOString(), s.open[i], s.high[i], s.low[i], s.close[i], s.volume[i]];
    if (s.value) r.push(s.value[i]);
    out.push(r);
  }
  return out;
}

/**
 * A fresh temp directory for one test file; removed by the returned `cleanup` (call it in afterAll).
 */
export function tempDir(prefix: string): { dir: string; sub: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `coinhts-md-${prefix}-`));
  let n = 0;
  return {
    dir,
    sub: (name: string) => join(dir, `${name}-${++n}`),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
