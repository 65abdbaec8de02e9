import { readFile, readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Timeframe } from '@coinhts/engine';
import { readTimeColumn } from './column-readers';
import type { Intervals } from './coverage';
import { decodeParquet, findColumn } from './parquet-codec';
import type { ParquetCandleStore } from './store';
import { isCanonicalSymbol, normalizeSymbol } from './symbol';
import { normalizeTimeframe } from './timeframe';

/** One year file in the {@link Inventory}. */
export interface InventoryFile {
  readonly year: number;
  /** Path relative to DATA_ROOT (`KRW-BTC/1h/2024.parquet`). */
  readonly path: string;
  readonly rows: number;
  /** First / last candle open (UTC ms); undefined for empty or unreadable files. */
  readonly first?: number;
  readonly last?: number;
  readonly bytes: number;
  /** Why the file could not be read, when it could not. */
  readonly error?: string;
}

/** One series (symbol × timeframe) in the {@link Inventory}. */
export interface InventorySeries {
  readonly symbol: string;
  readonly timeframe: Timeframe;
  readonly files: readonly InventoryFile[];
  readonly rows: number;
  readonly first?: number;
  readonly last?: number;
  readonly bytes: number;
  /** Ranges fetched by the collector, when recorded. */
  readonly coverage?: Intervals;
}

/** What a DATA_ROOT holds (see {@link inventory}). */
export interface Inventory {
  readonly root: string;
  readonly series: readonly InventorySeries[];
  readonly totals: { readonly series: number; readonly files: number; readonly rows: number; readonly bytes: number };
  /** Entries that are not part of the canonical layout (legacy spellings, stray files), with advice. */
  readonly unrecognised: readonly { readonly path: string; readonly reason: string }[];
}

/** Filter of {@link inventory}. */
export interface InventoryOptions {
  readonly symbol?: string;
  readonly timeframe?: string;
}

async function entries(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => !n.startsWith('.')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw err;
  }
}

/**
 * Lists symbols, timeframes and year files with row counts, first/last candle and bytes. Reads
 * only the timestamp column of each file. Unreadable files are listed with their error instead of
 * failing the whole listing; legacy directories (`BTC_KRW`, `1D`) are reported as unrecognised
 * with a hint to import them.
 */
export async function inventory(store: ParquetCandleStore, options: InventoryOptions = {}): Promise<Inventory> {
  const root = store.root;
  const wantSymbol = options.symbol === undefined ? undefined : normalizeSymbol(options.symbol);
  const wantTf = options.timeframe === undefined ? undefined : normalizeTimeframe(options.timeframe);
  const series: InventorySeries[] = [];
  const unrecognised: { path: string; reason: string }[] = [];
  for (const symDir of await entries(root)) {
    const symPath = join(root, symDir);
    if (!(await stat(symPath)).isDirectory()) {
      // Documentation next to the data (e.g. the sample set's README.md) is expected.
      if (!/\.(md|txt)$/i.test(symDir)) unrecognised.push({ path: symDir, reason: 'not a symbol directory' });
      continue;
    }
    if (!isCanonicalSymbol(symDir)) {
      let reason = 'not a symbol';
      try { reason = `legacy spelling of ${normalizeSymbol(symDir)}; run \`coinhts data import ${root}\` to convert`; } catch { /* not a symbol at all */ }
      unrecognised.push({ path: symDir, reason });
      continue;
    }
    if (wantSymbol && symDir !== wantSymbol) continue;
    for (const tfDir of await entries(symPath)) {
      const tfPath = join(symPath, tfDir);
      let tf: Timeframe;
      try { tf = normalizeTimeframe(tfDir); } catch { unrecognised.push({ path: relative(root, tfPath), reason: 'not a timeframe directory' }); continue; }
      if (tf !== tfDir) { unrecognised.push({ path: relative(root, tfPath), reason: `legacy spelling of ${tf}; run \`coinhts data import ${root}\` to convert` }); continue; }
      if (wantTf && tf !== wantTf) continue;
      const files: InventoryFile[] = [];
      for (const name of await entries(tfPath)) {
        const m = /^(\d{4})\.parquet$/.exec(name);
        if (!m) {
          if (name !== '_coverage.json') unrecognised.push({ path: relative(root, join(tfPath, name)), reason: 'not a {YEAR}.parquet file' });
          continue;
        }
        files.push(await describeFile(root, join(tfPath, name), Number(m[1])));
      }
      if (files.length === 0) continue;
      const firsts = files.map((f) => f.first).filter((x): x is number => x !== undefined);
      const lasts = files.map((f) => f.last).filter((x): x is number => x !== undefined);
      const coverage = await store.readCoverage(symDir, tf).catch(() => undefined);
      series.push({
        symbol: symDir, timeframe: tf, files,
        rows: files.reduce((a, f) => a + f.rows, 0), bytes: files.reduce((a, f) => a + f.bytes, 0),
        first: firsts.length ? Math.min(...firsts) : undefined, last: lasts.length ? Math.max(...lasts) : undefined,
        ...(coverage ? { coverage: coverage.intervals } : {}),
      });
    }
  }
  const totals = {
    series: series.length, files: series.reduce((a, s) => a + s.files.length, 0),
    rows: series.reduce((a, s) => a + s.rows, 0), bytes: series.reduce((a, s) => a + s.bytes, 0),
  };
  return { root, series, totals, unrecognised };
}

async function describeFile(root: string, path: string, year: number): Promise<InventoryFile> {
  const rel = relative(root, path);
  const bytes = (await stat(path)).size;
  try {
    const table = decodeParquet(await readFile(path), path, ['timestamp']);
    const col = findColumn(table, 'timestamp');
    if (!col) return { year, path: rel, rows: table.numRows, bytes, error: 'no timestamp column' };
    const ts = readTimeColumn(col.vector, { file: path, column: 'timestamp' }, 'UTC').values;
    let first = Infinity, last = -Infinity;
    for (let i = 0; i < ts.length; i++) { if (ts[i] < first) first = ts[i]; if (ts[i] > last) last = ts[i]; }
    return ts.length ? { year, path: rel, rows: ts.length, first, last, bytes } : { year, path: rel, rows: 0, bytes };
  } catch (err) {
    return { year, path: rel, rows: 0, bytes, error: err instanceof Error ? err.message : String(err) };
  }
}
