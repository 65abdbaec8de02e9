import { mkdir, readFile, readdir, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { CandleColumns, CandleQuery, CandleSource, Timeframe } from '@coinhts/engine';
import { commitStaged, discardStaged, stageFile, writeFileAtomic, type StagedFile } from './atomic-file';
import { unionIntervals, type Intervals } from './coverage';
import { InvalidFileError, InvalidRangeError } from './errors';
import { decodeStoreFile, encodeSeriesParquet, type ParquetCompression } from './parquet-codec';
import { withFileLock } from './series-lock';
import {
  VALUE_FIELDS, concatSeries, emptySeries, lowerBound, sliceByTime, sliceSeries, sortAndDedupe,
  takeRows, upsertSorted, type CandleSeries,
} from './series';
import { normalizeSymbol } from './symbol';
import { normalizeTimeframe } from './timeframe';

/** Options of {@link ParquetCandleStore}. */
export interface ParquetCandleStoreOptions {
  /** DATA_ROOT: the directory holding `{SYMBOL}/{TIMEFRAME}/{YEAR}.parquet`. */
  readonly root: string;
  /** Codec of written files. Default `zstd`. */
  readonly compression?: ParquetCompression;
  /** fsync files and directories on write. Default true; turn off only for throwaway data. */
  readonly fsync?: boolean;
  /** How long a writer waits for another writer of the same series (ms). Default 30 000. */
  readonly lockTimeoutMs?: number;
  /** Age after which a lock file is treated as left behind by a crash (ms). Default 120 000. */
  readonly staleLockMs?: number;
  /** Sleep used while waiting for a lock (injectable for tests). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** What to load; like the engine's {@link CandleQuery} but symbol/timeframe may be legacy spellings. */
export interface SeriesQuery {
  /** Symbol in any accepted spelling (`KRW-BTC`, `BTC_KRW`, `krw-btc`). */
  readonly symbol: string;
  /** Timeframe code or alias (`1h`, `1H`, `minutes/60`). */
  readonly timeframe: Timeframe | string;
  /** First candle open time to include, UTC ms (inclusive). */
  readonly from?: number;
  /** Last candle open time to include, UTC ms (inclusive). */
  readonly to?: number;
}

/** One year file touched by a write. */
export interface WrittenFile {
  readonly year: number;
  readonly path: string;
  /** Rows in the file after the write. */
  readonly rows: number;
  /** Size in bytes. */
  readonly bytes: number;
}

/** Outcome of {@link ParquetCandleStore.merge} / {@link ParquetCandleStore.write}. */
export interface WriteResult {
  /** Canonical symbol. */
  readonly symbol: string;
  /** Canonical timeframe. */
  readonly timeframe: Timeframe;
  /** Input rows after removing same-timestamp duplicates within the input (last kept). */
  readonly rows: number;
  /** Input rows dropped because a later input row had the same timestamp. */
  readonly duplicatesInInput: number;
  /** Rows whose timestamp was new to the store. */
  readonly inserted: number;
  /** Rows that replaced a stored row with the same timestamp. */
  readonly replaced: number;
  /** Year files written. */
  readonly files: readonly WrittenFile[];
  /** Year files removed (only {@link ParquetCandleStore.write} removes files). */
  readonly removed: readonly string[];
}

/** A coverage record (see `coverage.ts`), stored as `_coverage.json` next to the year files. */
export interface CoverageRecord {
  readonly version: 1;
  /** Where the covered ranges were fetched from (e.g. `upbit`). */
  readonly source: string;
  /** Fetched ranges, closed intervals of UTC ms. */
  readonly intervals: [number, number][];
}

const YEAR_FILE = /^(\d{4})\.parquet$/;
/** Largest timestamp the layout can name (9999-12-31T23:59:59.999Z). */
const MAX_TS = 253_402_300_799_999;

/**
 * The candle store: one Parquet file per calendar year (of the candle's UTC open time) at
 * `root/{SYMBOL}/{TIMEFRAME}/{YEAR}.parquet`, with canonical symbol (`KRW-BTC`) and timeframe
 * (`1h`) directory names. Implements the engine's {@link CandleSource}.
 *
 * Writes are atomic per file (temporary file in the same directory, fsync, rename) and
 * serialised per series by a lock; a merge is an upsert by timestamp and never drops other rows.
 */
export class ParquetCandleStore implements CandleSource {
  /** Absolute DATA_ROOT. */
  readonly root: string;
  private readonly compression: ParquetCompression;
  private readonly fsync: boolean;
  private readonly lockTimeoutMs: number;
  private readonly staleLockMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: ParquetCandleStoreOptions) {
    this.root = resolve(options.root);
    this.compression = options.compression ?? 'zstd';
    this.fsync = options.fsync ?? true;
    this.lockTimeoutMs = options.lockTimeoutMs ?? 30_000;
    this.staleLockMs = options.staleLockMs ?? 120_000;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Directory of a series; symbol and timeframe are validated and normalised first. */
  seriesDir(symbol: string, timeframe: string): string {
    return join(this.root, normalizeSymbol(symbol), normalizeTimeframe(timeframe));
  }

  /** Path of one year file. */
  filePath(symbol: string, timeframe: string, year: number): string {
    return join(this.seriesDir(symbol, timeframe), `${year}.parquet`);
  }

  /** Years stored for a series, ascending (empty when nothing is stored). */
  async years(symbol: string, timeframe: string): Promise<number[]> {
    const dir = this.seriesDir(symbol, timeframe);
    const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [] as string[];
      throw err;
    });
    return names.map((n) => YEAR_FILE.exec(n)).filter((m): m is RegExpExecArray => m !== null).map((m) => Number(m[1])).sort((a, b) => a - b);
  }

  /** Reads one year file as stored (as written: sorted, unique timestamps). */
  async readYear(symbol: string, timeframe: string, year: number): Promise<CandleSeries> {
    const path = this.filePath(symbol, timeframe, year);
    return decodeStoreFile(await readFile(path), path);
  }

  /** {@link CandleSource.load}: candles with `from <= open time <= to`, sorted; empty when none. */
  load(query: CandleQuery): Promise<CandleColumns> {
    return this.loadSeries(query);
  }

  /**
   * Like {@link load}, returning the turnover column (`value`) too when stored. Rows of files
   * written by other tools are returned sorted (stable) but duplicates are kept, so a quality
   * check can report them.
   */
  async loadSeries(query: SeriesQuery): Promise<CandleSeries> {
    const { symbol, timeframe } = query;
    const from = query.from ?? -Infinity;
    const to = query.to ?? Infinity;
    if (Number.isNaN(from) || Number.isNaN(to)) throw new InvalidRangeError('from/to must be epoch milliseconds, not NaN');
    if (from > to) throw new InvalidRangeError(`The range starts after it ends: ${iso(from)} > ${iso(to)}`);
    const fromYear = Number.isFinite(from) ? new Date(from).getUTCFullYear() : -Infinity;
    const toYear = Number.isFinite(to) ? new Date(to).getUTCFullYear() : Infinity;
    const years = (await this.years(symbol, timeframe)).filter((y) => y >= fromYear && y <= toYear);
    const parts = await Promise.all(years.map((y) => this.readYear(symbol, timeframe, y)));
    const selected = parts.map((p) => filterByTime(p, from, to)).filter((p) => p.timestamp.length > 0);
    if (selected.length === 0) return emptySeries();
    const all = concatSeries(selected);
    return isNonDecreasing(all.timestamp) ? all : stableSortByTime(all);
  }

  /** First and last stored candle open times and the row count, or undefined when nothing is stored. */
  async bounds(symbol: string, timeframe: string): Promise<{ first: number; last: number } | undefined> {
    const years = await this.years(symbol, timeframe);
    if (years.length === 0) return undefined;
    const firstYear = await this.readYear(symbol, timeframe, years[0]);
    const lastYear = years.length === 1 ? firstYear : await this.readYear(symbol, timeframe, years[years.length - 1]);
    if (firstYear.timestamp.length === 0 || lastYear.timestamp.length === 0) return undefined;
    return { first: minOf(firstYear.timestamp), last: maxOf(lastYear.timestamp) };
  }

  /**
   * Upserts candles: rows with a stored timestamp replace the stored row, all other stored rows
   * are kept. Input duplicates keep the last row. Every touched year file is encoded and staged
   * before any is renamed into place, so a failure leaves the old files intact.
   */
  async merge(symbol: string, timeframe: string, candles: CandleSeries): Promise<WriteResult> {
    return this.writeSeries(symbol, timeframe, candles, 'merge');
  }

  /**
   * Replaces the whole series with `candles`: year files are rewritten with exactly these rows
   * and year files with no rows left are removed. Destructive by intent (e.g. writing back a
   * repaired series); use {@link merge} to add data.
   */
  async write(symbol: string, timeframe: string, candles: CandleSeries): Promise<WriteResult> {
    return this.writeSeries(symbol, timeframe, candles, 'replace');
  }

  /** Reads the coverage record of a series (undefined when the collector never ran for it). */
  async readCoverage(symbol: string, timeframe: string): Promise<CoverageRecord | undefined> {
    const path = join(this.seriesDir(symbol, timeframe), '_coverage.json');
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      const rec = JSON.parse(text) as CoverageRecord;
      if (rec.version !== 1 || !Array.isArray(rec.intervals)) throw new Error('unexpected shape');
      return rec;
    } catch (err) {
      throw new InvalidFileError({ file: path }, 'coverage record is not valid JSON of version 1; delete it to re-collect the range', { cause: err });
    }
  }

  /** Adds fetched ranges to the coverage record (atomically, under the series lock). */
  async addCoverage(symbol: string, timeframe: string, source: string, intervals: Intervals): Promise<void> {
    const dir = this.seriesDir(symbol, timeframe);
    await mkdir(dir, { recursive: true });
    await this.locked(dir, async () => {
      const current = await this.readCoverage(symbol, timeframe);
      const rec: CoverageRecord = { version: 1, source, intervals: unionIntervals(current?.intervals ?? [], intervals) };
      await writeFileAtomic(join(dir, '_coverage.json'), Buffer.from(JSON.stringify(rec) + '\n'), this.fsync);
    });
  }

  private locked<T>(dir: string, fn: () => Promise<T>): Promise<T> {
    return withFileLock(join(dir, '.lock'), { timeoutMs: this.lockTimeoutMs, staleMs: this.staleLockMs, sleep: this.sleep }, fn);
  }

  private async writeSeries(symbol: string, timeframe: string, candles: CandleSeries, mode: 'merge' | 'replace'): Promise<WriteResult> {
    const sym = normalizeSymbol(symbol);
    const tf = normalizeTimeframe(timeframe);
    checkWritable(candles);
    const { series, duplicatesRemoved } = sortAndDedupe(candles);
    const dir = this.seriesDir(sym, tf);
    const byYear = splitByYear(series);
    if (mode === 'merge' && byYear.size === 0) {
      return { symbol: sym, timeframe: tf, rows: 0, duplicatesInInput: duplicatesRemoved, inserted: 0, replaced: 0, files: [], removed: [] };
    }
    await mkdir(dir, { recursive: true });
    return this.locked(dir, async () => {
      const existingYears = new Set(await this.years(sym, tf));
      let inserted = 0, replaced = 0;
      const encoded: { year: number; path: string; rows: number; bytes: Uint8Array }[] = [];
      for (const [year, part] of byYear) {
        const path = join(dir, `${year}.parquet`);
        let next = part;
        if (mode === 'merge' && existingYears.has(year)) {
          const stored = sortAndDedupe(decodeStoreFile(await readFile(path), path)).series;
          const up = upsertSorted(stored, part);
          next = up.series;
          inserted += up.inserted;
          replaced += up.replaced;
        } else {
          inserted += part.timestamp.length;
        }
        const bytes = encodeSeriesParquet(next, { compression: this.compression, metadata: { 'coinhts.symbol': sym, 'coinhts.timeframe': tf, 'coinhts.year': String(year) } });
        encoded.push({ year, path, rows: next.timestamp.length, bytes });
      }
      const staged: StagedFile[] = [];
      try {
        for (const e of encoded) staged.push(await stageFile(e.path, e.bytes, this.fsync));
        await commitStaged(staged, this.fsync);
      } catch (err) {
        await discardStaged(staged);
        throw err;
      }
      const removed: string[] = [];
      if (mode === 'replace') {
        for (const year of existingYears) {
          if (!byYear.has(year)) {
            const path = join(dir, `${year}.parquet`);
            await unlink(path);
            removed.push(path);
          }
        }
      }
      const files = await Promise.all(encoded.map(async (e) => ({ year: e.year, path: e.path, rows: e.rows, bytes: (await stat(e.path)).size })));
      return { symbol: sym, timeframe: tf, rows: series.timestamp.length, duplicatesInInput: duplicatesRemoved, inserted, replaced, files, removed };
    });
  }
}

function iso(t: number): string {
  return Number.isFinite(t) ? new Date(t).toISOString() : String(t);
}

/** Rejects input the layout cannot hold: ragged columns, non-integer or out-of-range timestamps. */
function checkWritable(c: CandleSeries): void {
  const n = c.timestamp?.length;
  if (n === undefined) throw new TypeError('candles have no timestamp column');
  for (const f of [...VALUE_FIELDS, ...(c.value ? (['value'] as const) : [])]) {
    const col = c[f];
    if (!(col instanceof Float64Array) || col.length !== n) {
      throw new TypeError(`column ${f} has ${col?.length ?? 'no'} values but timestamp has ${n}; every column must be a Float64Array of the same length`);
    }
  }
  const ts = c.timestamp;
  for (let i = 0; i < n; i++) {
    const t = ts[i];
    if (!Number.isInteger(t) || t < 0 || t > MAX_TS) {
      throw new InvalidRangeError(`timestamp at row ${i} is ${t}; candles need whole epoch milliseconds between 1970 and 9999`);
    }
  }
}

/** Splits a sorted series into UTC-year parts (views). */
function splitByYear(s: CandleSeries): Map<number, CandleSeries> {
  const out = new Map<number, CandleSeries>();
  const ts = s.timestamp;
  let start = 0;
  while (start < ts.length) {
    const year = new Date(ts[start]).getUTCFullYear();
    const end = lowerBound(ts, Date.UTC(year + 1, 0, 1));
    out.set(year, sliceSeries(s, start, end));
    start = end;
  }
  return out;
}

function isNonDecreasing(ts: Float64Array): boolean {
  for (let i = 1; i < ts.length; i++) if (ts[i] < ts[i - 1]) return false;
  return true;
}

function filterByTime(s: CandleSeries, from: number, to: number): CandleSeries {
  if (isNonDecreasing(s.timestamp)) return sliceByTime(s, from, to);
  const keep: number[] = [];
  for (let i = 0; i < s.timestamp.length; i++) if (s.timestamp[i] >= from && s.timestamp[i] <= to) keep.push(i);
  return takeRows(s, keep);
}

function stableSortByTime(s: CandleSeries): CandleSeries {
  const ts = s.timestamp;
  const order = Array.from({ length: ts.length }, (_, i) => i).sort((a, b) => ts[a] - ts[b] || a - b);
  return takeRows(s, order);
}

function minOf(a: Float64Array): number {
  let m = Infinity;
  for (let i = 0; i < a.length; i++) if (a[i] < m) m = a[i];
  return m;
}

function maxOf(a: Float64Array): number {
  let m = -Infinity;
  for (let i = 0; i < a.length; i++) if (a[i] > m) m = a[i];
  return m;
}
