import { readFile, readdir, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { TIMEFRAMES, type Timeframe } from '@coinhts/engine';
import type { Table, Vector } from 'apache-arrow';
import { parseTimeTexts, readFloatColumn, readTimeColumn, type ColumnContext, type TimeColumn } from './column-readers';
import { parseCsv, parseDecimal, type CsvTable } from './csv';
import { readCsvColumns, readCsvLayout, type CsvColumns } from './csv-columns';
import { DEFAULT_ZONE } from './dates';
import { DataQualityError, ImportFailedError, InvalidFileError, InvalidSymbolError, InvalidTimeframeError } from './errors';
import { decodeParquet, findColumn } from './parquet-codec';
import { checkQuality, repairSeries, type QualityPolicy, type QualityReport, type RepairResult } from './quality';
import { concatSeries, type CandleSeries } from './series';
import type { ParquetCandleStore, WriteResult } from './store';
import { isCanonicalSymbol, normalizeSymbol } from './symbol';
import { normalizeTimeframe } from './timeframe';
import { EPOCH_MS_THRESHOLD } from './timestamp-format';

/** Columns an import fills. `value` (quote turnover) is optional. */
export const IMPORT_FIELDS = ['timestamp', 'open', 'high', 'low', 'close', 'volume', 'value'] as const;
/** One of {@link IMPORT_FIELDS}. */
export type ImportField = (typeof IMPORT_FIELDS)[number];

/**
 * Column names recognised without a mapping (case-insensitive), in order of preference. Upbit's
 * own field names are included, so a dump of its candle API imports as is.
 */
export const COLUMN_ALIASES: Readonly<Record<ImportField, readonly string[]>> = {
  timestamp: ['timestamp', 'time', 'datetime', 'date', 'open_time', 'candle_date_time_utc', 'candle_date_time_kst', 'ts', '__index_level_0__'],
  open: ['open', 'opening_price', 'o'],
  high: ['high', 'high_price', 'h'],
  low: ['low', 'low_price', 'l'],
  close: ['close', 'trade_price', 'closing_price', 'c'],
  volume: ['volume', 'candle_acc_trade_volume', 'base_volume', 'vol', 'v'],
  value: ['value', 'candle_acc_trade_price', 'quote_volume', 'turnover'],
};

/** Options of {@link readCandleFile} and {@link importFiles}. */
export interface ImportOptions {
  /** Symbol of the data; default from the path (`…/BTC_KRW/1D/2024.parquet`) or a `symbol`/`market` column. */
  readonly symbol?: string;
  /** Timeframe; default from the path, a `timeframe` column, or the most common spacing of the rows. */
  readonly timeframe?: string;
  /** Source column per field, e.g. `{ timestamp: 'Date', volume: 'Volume BTC' }`; other fields use {@link COLUMN_ALIASES}. */
  readonly map?: Partial<Record<ImportField, string>>;
  /**
   * Zone for timestamps without an offset (`2024-01-01 09:00:00`, naive Parquet timestamps).
   * Default Asia/Seoul, as the original loader. A column named `candle_date_time_utc` is always UTC.
   */
  readonly zone?: string;
  /** Invalid files: `refuse` (default, nothing is written), `repair` (see `repairSeries`) or `ignore`. */
  readonly quality?: QualityPolicy;
  /** Parse and check only; write nothing. */
  readonly dryRun?: boolean;
}

/** A file read into a series, before anything is written. */
export interface ParsedFile {
  readonly file: string;
  readonly kind: 'csv' | 'parquet';
  readonly symbol: string;
  readonly timeframe: Timeframe;
  /** How the timeframe was decided. */
  readonly timeframeFrom: 'option' | 'path' | 'column' | 'spacing';
  /** Source column used for each field. */
  readonly columns: Readonly<Partial<Record<ImportField, string>>>;
  /** Timestamp format found (see `TimestampFormat`, or an Arrow time type). */
  readonly timestampFormat: string;
  readonly series: CandleSeries;
}

/** One file's outcome in an import. */
export interface ImportedFile {
  readonly file: string;
  readonly symbol: string;
  readonly timeframe: Timeframe;
  readonly rows: number;
  readonly timestampFormat: string;
  readonly quality: QualityReport;
  /** Present when the file was repaired. */
  readonly repair?: RepairResult;
}

/** Outcome of {@link importFiles} / {@link importLegacyDataRoot}. */
export interface ImportResult {
  readonly files: readonly ImportedFile[];
  /** One store write per series (empty on a dry run). */
  readonly writes: readonly WriteResult[];
  /** Paths passed over (legacy folder walk), with the reason. */
  readonly skipped: readonly { readonly path: string; readonly reason: string }[];
}

/**
 * Reads one user file (`.csv`, `.tsv`, `.txt` or `.parquet`) into a series: maps columns, detects
 * the timestamp format once per file (mixed formats are rejected naming both rows), parses every
 * number and names the file, line/row and column of the first bad cell.
 */
export async function readCandleFile(path: string, options: ImportOptions = {}): Promise<ParsedFile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new InvalidFileError({ file: path }, `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
  return parseCandleBytes(bytes, path, options, inferFromPath(path));
}

/**
 * Parses a file held in memory (e.g. an HTTP upload) like {@link readCandleFile}. `name` is how
 * errors name the file (e.g. `upload.csv`, never a server path); its extension picks the format
 * when the bytes do not start with the Parquet magic `PAR1`.
 */
export function parseCandleBytes(bytes: Buffer, name: string, options: ImportOptions = {}, fromPath: { symbol?: string; timeframe?: Timeframe } = {}): ParsedFile {
  const ext = extname(name).toLowerCase();
  const zone = options.zone ?? DEFAULT_ZONE;
  if (ext === '.parquet' || ext === '.parq' || (bytes.length >= 4 && bytes.subarray(0, 4).toString('latin1') === 'PAR1')) {
    const table = decodeParquet(bytes, name);
    return finish(name, 'parquet', parquetColumns(table, name, options, zone), options, fromPath);
  }
  if (!['.csv', '.tsv', '.txt', ''].includes(ext)) {
    throw new InvalidFileError({ file: name }, `unsupported file type ${ext}; import .csv or .parquet files`);
  }
  const fast = fastCsvColumns(bytes, name, options, zone);
  if (fast) return finish(name, 'csv', fast, options, fromPath);
  const table = parseCsv(bytes.toString('utf8'), name);
  return finish(name, 'csv', csvColumns(table, name, options, zone), options, fromPath);
}

interface ExtractedColumns {
  readonly series: CandleSeries;
  readonly columns: Partial<Record<ImportField, string>>;
  readonly timestampFormat: string;
  /** Constant value of a `symbol`/`market` column, if any. */
  readonly symbolColumn?: string;
  /** Constant value of a `timeframe` column, if any. */
  readonly timeframeColumn?: string;
}

function pickColumn(names: readonly string[], field: ImportField, options: ImportOptions, file: string): string | undefined {
  const wanted = options.map?.[field];
  const lower = names.map((h) => h.toLowerCase());
  if (wanted !== undefined) {
    const exact = names.indexOf(wanted);
    const ci = exact >= 0 ? exact : lower.indexOf(wanted.toLowerCase());
    if (ci < 0) throw new InvalidFileError({ file, column: wanted }, `mapped column for ${field} is missing; the file has ${names.join(', ')}`);
    return names[ci];
  }
  for (const alias of COLUMN_ALIASES[field]) {
    const k = lower.indexOf(alias);
    if (k >= 0) return names[k];
  }
  return undefined;
}

function requireColumns(names: readonly string[], options: ImportOptions, file: string): Record<ImportField, string | undefined> {
  const picked = {} as Record<ImportField, string | undefined>;
  for (const f of IMPORT_FIELDS) {
    picked[f] = pickColumn(names, f, options, file);
    if (picked[f] === undefined && f !== 'value') {
      throw new InvalidFileError({ file, column: f }, `missing column for ${f}; the file has ${names.join(', ') || 'no columns'} (name a column ${COLUMN_ALIASES[f].slice(0, 3).join(' or ')}, or map a column to ${f})`);
    }
  }
  return picked;
}

/** The zone that applies to a time column: Upbit's `candle_date_time_utc` is UTC whatever the option says. */
function zoneFor(column: string, zone: string): string {
  const c = column.toLowerCase();
  return c === 'candle_date_time_utc' ? 'UTC' : c === 'candle_date_time_kst' ? 'Asia/Seoul' : zone;
}

/**
 * {@link csvColumns} for the common file (see csv-columns.ts) without a string per cell: the
 * same columns, formats and errors, or undefined when the file needs the general parser (a
 * symbol/timeframe or unused column, quoting, blank lines, a cell that is not a plain number).
 */
function fastCsvColumns(bytes: Buffer, file: string, options: ImportOptions, zone: string): ExtractedColumns | undefined {
  const layout = readCsvLayout(bytes);
  if (!layout) return undefined;
  const names = layout.header;
  let picked: Record<ImportField, string | undefined>;
  try {
    picked = requireColumns(names, options, file);
  } catch {
    return undefined; // the general parser reports it (after any error it finds first)
  }
  const index = (field: ImportField): number => (picked[field] === undefined ? -1 : names.indexOf(picked[field] as string));
  const used = new Set(IMPORT_FIELDS.map(index).filter((i) => i >= 0));
  if (used.size !== names.length) return undefined;
  const ts = index('timestamp');
  const tsName = picked.timestamp as string;
  // epoch milliseconds are numbers; any other time format is read from its text
  let cols = readCsvColumns(bytes, layout);
  let time: TimeColumn | undefined;
  if (cols) {
    const v = cols.numbers[ts] as Float64Array;
    if (!cols.integers[ts] || cols.hasEmpty[ts]) return undefined;
    for (let r = 0; r < v.length; r++) if (v[r] < EPOCH_MS_THRESHOLD) return undefined;
    time = { values: v, format: 'epoch-ms' };
  } else {
    cols = readCsvColumns(bytes, layout, ts);
    if (!cols) return undefined;
    time = parseTimeTexts(cols.texts as string[], { file, column: tsName, lineOf: (row) => row + 2 }, zoneFor(tsName, zone));
  }
  const numbers = (field: ImportField): Float64Array | undefined => {
    const c = index(field);
    return c < 0 ? undefined : ((cols as CsvColumns).numbers[c] as Float64Array);
  };
  for (const f of ['open', 'high', 'low', 'close', 'volume'] as const) if (cols.hasEmpty[index(f)]) return undefined;
  const series: CandleSeries = {
    timestamp: time.values,
    open: numbers('open') as Float64Array, high: numbers('high') as Float64Array,
    low: numbers('low') as Float64Array, close: numbers('close') as Float64Array,
    volume: numbers('volume') as Float64Array,
    ...(picked.value !== undefined ? { value: numbers('value') } : {}),
  };
  return { series, columns: picked, timestampFormat: time.format };
}

function csvColumns(table: CsvTable, file: string, options: ImportOptions, zone: string): ExtractedColumns {
  const names = table.header;
  const picked = requireColumns(names, options, file);
  const col = (name: string): string[] => table.columns[names.indexOf(name)];
  const lineOf = (row: number): number => table.lines[row];
  const tsName = picked.timestamp as string;
  const time: TimeColumn = parseTimeTexts(col(tsName), { file, column: tsName, lineOf }, zoneFor(tsName, zone));
  const numbers = (field: ImportField, optional: boolean): Float64Array | undefined => {
    const name = picked[field];
    if (name === undefined) return undefined;
    const cells = col(name);
    const out = new Float64Array(cells.length);
    for (let r = 0; r < cells.length; r++) {
      const v = parseDecimal(cells[r]);
      if (Number.isNaN(v)) {
        if (optional && cells[r].trim() === '') { out[r] = NaN; continue; }
        throw new InvalidFileError({ file, line: lineOf(r), column: name }, cells[r].trim() === '' ? 'empty cell; every row needs a number here' : `${JSON.stringify(cells[r])} is not a number`);
      }
      out[r] = v;
    }
    return out;
  };
  const series: CandleSeries = {
    timestamp: time.values,
    open: numbers('open', false) as Float64Array, high: numbers('high', false) as Float64Array,
    low: numbers('low', false) as Float64Array, close: numbers('close', false) as Float64Array,
    volume: numbers('volume', false) as Float64Array,
    ...(picked.value !== undefined ? { value: numbers('value', true) } : {}),
  };
  const constant = (aliases: readonly string[]): string | undefined => {
    const name = names.find((h) => aliases.includes(h.toLowerCase()));
    if (name === undefined) return undefined;
    return constantText(col(name), { file, column: name, lineOf });
  };
  return { series, columns: picked, timestampFormat: time.format, symbolColumn: constant(['symbol', 'market']), timeframeColumn: constant(['timeframe', 'interval']) };
}

function constantText(values: readonly string[], ctx: ColumnContext): string | undefined {
  if (values.length === 0) return undefined;
  const first = values[0].trim();
  for (let r = 1; r < values.length; r++) {
    if (values[r].trim() !== first) {
      const at = ctx.lineOf ? { file: ctx.file, line: ctx.lineOf(r), column: ctx.column } : { file: ctx.file, row: r, column: ctx.column };
      throw new InvalidFileError(at, `the file mixes ${ctx.column} values (${JSON.stringify(first)} and ${JSON.stringify(values[r].trim())}); import one series per file`);
    }
  }
  return first || undefined;
}

function parquetColumns(table: Table, file: string, options: ImportOptions, zone: string): ExtractedColumns {
  const names = table.schema.fields.map((f) => f.name);
  const picked = requireColumns(names, options, file);
  const vec = (name: string): Vector => (findColumn(table, name) as { vector: Vector }).vector;
  const tsName = picked.timestamp as string;
  const time = readTimeColumn(vec(tsName), { file, column: tsName }, zoneFor(tsName, zone));
  const num = (field: ImportField): Float64Array => {
    const name = picked[field] as string;
    // Copy: columns decoded from Parquet are views into one IPC buffer.
    return Float64Array.from(readFloatColumn(vec(name), { file, column: name }));
  };
  let value: Float64Array | undefined;
  if (picked.value !== undefined) {
    const v = vec(picked.value);
    if (v.nullCount > 0) {
      value = new Float64Array(v.length);
      for (let i = 0; i < v.length; i++) { const x = v.get(i) as unknown; value[i] = x === null ? NaN : Number(x); }
    } else {
      value = Float64Array.from(readFloatColumn(v, { file, column: picked.value }));
    }
  }
  const series: CandleSeries = {
    timestamp: Float64Array.from(time.values), open: num('open'), high: num('high'), low: num('low'), close: num('close'), volume: num('volume'),
    ...(value ? { value } : {}),
  };
  const constant = (aliases: readonly string[]): string | undefined => {
    const name = names.find((h) => aliases.includes(h.toLowerCase()));
    if (name === undefined) return undefined;
    const v = vec(name);
    const texts: string[] = [];
    for (let i = 0; i < v.length; i++) texts.push(String(v.get(i) ?? ''));
    return constantText(texts, { file, column: name });
  };
  return { series, columns: picked, timestampFormat: time.format, symbolColumn: constant(['symbol', 'market']), timeframeColumn: constant(['timeframe', 'interval']) };
}

/** Symbol and timeframe named by a store-like path: `…/{SYMBOL}/{TIMEFRAME}/{YEAR}.parquet`. */
function inferFromPath(path: string): { symbol?: string; timeframe?: Timeframe } {
  const parts = resolve(path).split(sep);
  if (parts.length < 3 || !/^\d{4}\.parquet$/i.test(parts[parts.length - 1])) return {};
  try {
    return { symbol: normalizeSymbol(parts[parts.length - 3]), timeframe: normalizeTimeframe(parts[parts.length - 2]) };
  } catch {
    return {};
  }
}

/** The timeframe whose length is the most common spacing between consecutive rows. */
function timeframeFromSpacing(ts: Float64Array): Timeframe | undefined {
  const counts = new Map<number, number>();
  for (let i = 1; i < ts.length; i++) {
    const d = ts[i] - ts[i - 1];
    if (d > 0) counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  let best = 0, bestCount = 0;
  for (const [d, c] of counts) if (c > bestCount) { best = d; bestCount = c; }
  if (bestCount === 0) return undefined;
  const day = 86_400_000;
  if (best >= 28 * day && best <= 31 * day) return '1mo';
  return (Object.keys(TIMEFRAMES) as Timeframe[]).find((tf) => tf !== '1mo' && TIMEFRAMES[tf].ms === best);
}

function finish(file: string, kind: 'csv' | 'parquet', x: ExtractedColumns, options: ImportOptions, fromPath: { symbol?: string; timeframe?: Timeframe }): ParsedFile {
  if (x.series.timestamp.length === 0) throw new InvalidFileError({ file }, 'the file has a header but no rows');
  const symbolText = options.symbol ?? fromPath.symbol ?? x.symbolColumn;
  if (symbolText === undefined) throw new InvalidSymbolError('', `no symbol for ${file}: pass one (--symbol KRW-BTC) or keep the file in a {SYMBOL}/{TIMEFRAME}/{YEAR}.parquet folder`);
  const symbol = normalizeSymbol(symbolText);
  let timeframe: Timeframe;
  let timeframeFrom: ParsedFile['timeframeFrom'];
  if (options.timeframe !== undefined) { timeframe = normalizeTimeframe(options.timeframe); timeframeFrom = 'option'; }
  else if (fromPath.timeframe) { timeframe = fromPath.timeframe; timeframeFrom = 'path'; }
  else if (x.timeframeColumn !== undefined) { timeframe = normalizeTimeframe(x.timeframeColumn); timeframeFrom = 'column'; }
  else {
    const sorted = Float64Array.from(x.series.timestamp).sort();
    const guess = timeframeFromSpacing(sorted);
    if (!guess) throw new InvalidTimeframeError('', `cannot tell the timeframe of ${file} from its rows; pass one (--timeframe 1h)`);
    timeframe = guess;
    timeframeFrom = 'spacing';
  }
  return { file, kind, symbol, timeframe, timeframeFrom, columns: x.columns, timestampFormat: x.timestampFormat, series: x.series };
}

/** A file that passed the quality gate, ready to be written. */
interface Checked {
  readonly parsed: ParsedFile;
  readonly quality: QualityReport;
  readonly repair?: RepairResult;
  readonly series: CandleSeries;
}

function gate(parsed: ParsedFile, policy: QualityPolicy): Checked {
  const quality = checkQuality(parsed.series, { timeframe: parsed.timeframe });
  if (quality.verdict !== 'invalid' || policy === 'ignore') return { parsed, quality, series: parsed.series };
  if (policy === 'repair') {
    const repair = repairSeries(parsed.series);
    if (repair.rowsAfter === 0) throw new DataQualityError(`${parsed.file}: no valid rows are left after repair`, quality);
    return { parsed, quality, repair, series: repair.series };
  }
  const errors = quality.issues.filter((i) => i.severity === 'error').map((i) => i.message).join('; ');
  throw new DataQualityError(`${parsed.file}: the data is invalid (${errors}); nothing was written. Fix the file, or import with repair (drop bad rows, keep the last duplicate) or ignore.`, quality);
}

async function writeChecked(store: ParquetCandleStore, checked: readonly Checked[], dryRun: boolean): Promise<WriteResult[]> {
  if (dryRun) return [];
  // One merge per series, files in the order given (a later file wins on equal timestamps).
  const groups = new Map<string, Checked[]>();
  for (const c of checked) {
    const key = `${c.parsed.symbol}/${c.parsed.timeframe}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const writes: WriteResult[] = [];
  for (const group of groups.values()) {
    const { symbol, timeframe } = group[0].parsed;
    writes.push(await store.merge(symbol, timeframe, concatSeries(group.map((c) => c.series))));
  }
  return writes;
}

function summary(checked: readonly Checked[]): ImportedFile[] {
  return checked.map((c) => ({
    file: c.parsed.file, symbol: c.parsed.symbol, timeframe: c.parsed.timeframe, rows: c.series.timestamp.length,
    timestampFormat: c.parsed.timestampFormat, quality: c.quality, ...(c.repair ? { repair: c.repair } : {}),
  }));
}

/**
 * Imports CSV/Parquet files into the store. Every file is read and quality-checked first; only
 * when all pass is anything written (merged, i.e. upserted by timestamp), so a bad file never
 * leaves the store half-imported.
 */
export async function importFiles(store: ParquetCandleStore, paths: readonly string[], options: ImportOptions = {}): Promise<ImportResult> {
  if (paths.length === 0) throw new ImportFailedError('no files to import');
  const checked: Checked[] = [];
  for (const p of paths) checked.push(gate(await readCandleFile(p, options), options.quality ?? 'refuse'));
  return { files: summary(checked), writes: await writeChecked(store, checked, options.dryRun ?? false), skipped: [] };
}

/** One file held in memory: how errors name it (e.g. `upload.csv`) and its bytes. */
export interface UploadedFile {
  readonly name: string;
  readonly bytes: Buffer;
}

/**
 * Imports one in-memory file (an HTTP upload) like {@link importFiles}: checked first, written
 * only when it passes. Nothing touches the local disk but the store, and errors name the file
 * by `upload.name`.
 */
export async function importUpload(store: ParquetCandleStore, upload: UploadedFile, options: ImportOptions = {}): Promise<ImportResult> {
  const checked = [gate(parseCandleBytes(upload.bytes, upload.name, options), options.quality ?? 'refuse')];
  return { files: summary(checked), writes: await writeChecked(store, checked, options.dryRun ?? false), skipped: [] };
}

/**
 * Imports a data folder of the original system as it is: `{SYMBOL}/{TIMEFRAME}/{YEAR}.parquet`
 * with legacy spellings (`BTC_KRW/1D/2024.parquet`, `KRW-BTC/1H/2025.parquet`, `1M` = 1 minute,
 * `1Mo` = month). Naive timestamps are read in `zone` (default Asia/Seoul, the original loader's
 * rule); extra columns (`symbol`, `timeframe`) are ignored. Entries that are not such files are
 * listed in `skipped`. All files are read and checked before anything is written.
 */
export async function importLegacyDataRoot(store: ParquetCandleStore, root: string, options: Omit<ImportOptions, 'symbol' | 'timeframe'> = {}): Promise<ImportResult> {
  const src = resolve(root);
  const skipped: { path: string; reason: string }[] = [];
  const files: { path: string; symbol: string; timeframe: Timeframe }[] = [];
  const list = async (dir: string): Promise<string[]> => (await readdir(dir)).filter((n) => !n.startsWith('.') && !n.startsWith('_')).sort();
  let symbols: string[];
  try {
    symbols = await list(src);
  } catch (err) {
    throw new ImportFailedError(`cannot read the data folder ${src}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
  }
  for (const symDir of symbols) {
    const symPath = join(src, symDir);
    if (!(await stat(symPath)).isDirectory()) { skipped.push({ path: symPath, reason: 'not a directory' }); continue; }
    let symbol: string;
    try { symbol = normalizeSymbol(symDir); } catch { skipped.push({ path: symPath, reason: 'not a symbol (e.g. KRW-BTC or BTC_KRW)' }); continue; }
    for (const tfDir of await list(symPath)) {
      const tfPath = join(symPath, tfDir);
      if (!(await stat(tfPath)).isDirectory()) { skipped.push({ path: tfPath, reason: 'not a directory' }); continue; }
      let timeframe: Timeframe;
      try { timeframe = normalizeTimeframe(tfDir); } catch { skipped.push({ path: tfPath, reason: 'not a timeframe (e.g. 1D, 1H, 1M)' }); continue; }
      if (src === store.root && isCanonicalSymbol(symDir) && tfDir === timeframe) continue; // already in store format
      for (const name of await list(tfPath)) {
        const p = join(tfPath, name);
        if (!/^\d{4}\.parquet$/i.test(name)) { skipped.push({ path: p, reason: 'not a {YEAR}.parquet file' }); continue; }
        files.push({ path: p, symbol, timeframe });
      }
    }
  }
  if (files.length === 0) throw new ImportFailedError(`no {SYMBOL}/{TIMEFRAME}/{YEAR}.parquet files under ${src}`);
  const checked: Checked[] = [];
  for (const f of files) {
    const parsed = await readCandleFile(f.path, { ...options, symbol: f.symbol, timeframe: f.timeframe });
    checked.push(gate(parsed, options.quality ?? 'refuse'));
  }
  return { files: summary(checked), writes: await writeChecked(store, checked, options.dryRun ?? false), skipped };
}
