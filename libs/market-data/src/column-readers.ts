import { type DataType, type Vector, Type, TimeUnit, DateUnit } from 'apache-arrow';
import { InvalidFileError } from './errors';
import {
  EPOCH_MS_THRESHOLD, ZonedClock, classifyTimestamp, parseTimestamp, type TimestampFormat,
} from './timestamp-format';

/** Identifies a column in a file for error messages; `lineOf` maps a data row to a text line. */
export interface ColumnContext {
  readonly file: string;
  readonly column: string;
  /** 1-based line of data row `row` in a text file (CSV); absent for Parquet. */
  readonly lineOf?: (row: number) => number;
}

function locate(ctx: ColumnContext, row: number): { file: string; column: string; row?: number; line?: number } {
  return ctx.lineOf ? { file: ctx.file, column: ctx.column, line: ctx.lineOf(row) } : { file: ctx.file, column: ctx.column, row };
}

/** Describes an Arrow type for messages (`Float64`, `Utf8`, `Timestamp<ns, UTC>`...). */
export function describeType(t: DataType): string {
  return String(t);
}

/**
 * Converts a 64-bit integer column to doubles without going through BigInt, valid for
 * |v| < 2^53 (every epoch-ms timestamp and realistic integer volume).
 */
function int64ToFloat64(values: BigInt64Array | BigUint64Array, signed: boolean): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  const halves = new Int32Array(values.buffer, values.byteOffset, n * 2);
  for (let i = 0; i < n; i++) {
    const lo = halves[2 * i] >>> 0;
    const hi = halves[2 * i + 1];
    out[i] = (signed ? hi : hi >>> 0) * 4294967296 + lo;
  }
  return out;
}

function checkNoNulls(vec: Vector, ctx: ColumnContext): void {
  if (vec.nullCount === 0) return;
  for (let i = 0; i < vec.length; i++) {
    if (!vec.isValid(i)) throw new InvalidFileError(locate(ctx, i), 'empty value (null); every row needs a value in this column');
  }
}

/** The float64 values of all chunks (a view when there is one chunk). */
function float64Values(vec: Vector): Float64Array {
  if (vec.data.length === 1) return (vec.data[0].values as Float64Array).subarray(0, vec.data[0].length);
  const out = new Float64Array(vec.length);
  let off = 0;
  for (const d of vec.data) {
    out.set((d.values as Float64Array).subarray(0, d.length), off);
    off += d.length;
  }
  return out;
}

/** The int64 values of all chunks (a view when there is one chunk). */
function int64Values(vec: Vector, signed: boolean): BigInt64Array | BigUint64Array {
  type I64 = BigInt64Array | BigUint64Array;
  if (vec.data.length === 1) return (vec.data[0].values as I64).subarray(0, vec.data[0].length);
  const out = signed ? new BigInt64Array(vec.length) : new BigUint64Array(vec.length);
  let off = 0;
  for (const d of vec.data) {
    const part = (d.values as I64).subarray(0, d.length);
    if (out instanceof BigInt64Array) out.set(part as BigInt64Array, off); else out.set(part as BigUint64Array, off);
    off += d.length;
  }
  return out;
}

/**
 * Reads a numeric Arrow column (any float or integer width) as float64. Nulls, strings, decimals
 * and other types are rejected with {@link InvalidFileError} naming the file, column and row.
 */
export function readFloatColumn(vec: Vector, ctx: ColumnContext): Float64Array {
  const t = vec.type;
  if (t.typeId !== Type.Float && t.typeId !== Type.Int) {
    throw new InvalidFileError({ file: ctx.file, column: ctx.column }, `has type ${describeType(t)}; expected a number (float or integer)`);
  }
  checkNoNulls(vec, ctx);
  if (t.typeId === Type.Float && (t as unknown as { precision: number }).precision === 2) {
    return float64Values(vec);
  }
  const bitWidth = (t as unknown as { bitWidth?: number }).bitWidth;
  if (t.typeId === Type.Int && bitWidth === 64) {
    const signed = (t as unknown as { isSigned: boolean }).isSigned;
    return int64ToFloat64(int64Values(vec, signed), signed);
  }
  if (t.typeId === Type.Float && (t as unknown as { precision: number }).precision === 0) {
    // Half floats are stored as raw uint16 bits; decode through the vector.
    const out = new Float64Array(vec.length);
    for (let i = 0; i < vec.length; i++) out[i] = Number(vec.get(i));
    return out;
  }
  const out = new Float64Array(vec.length);
  let off = 0;
  for (const d of vec.data) {
    const v = d.values as ArrayLike<number>;
    for (let i = 0; i < d.length; i++) out[off + i] = v[i];
    off += d.length;
  }
  return out;
}

/** How a time column was read. */
export interface TimeColumn {
  /** UTC epoch ms per row. */
  readonly values: Float64Array;
  /** Format found: an Arrow time type (`timestamp[ms, UTC]`, `timestamp[ns, naive]`, `date32`...) or a {@link TimestampFormat}. */
  readonly format: string;
}

const UNIT_NAMES = ['s', 'ms', 'us', 'ns'];

/**
 * Reads a time column to UTC epoch ms:
 * - Arrow timestamps of any unit; zone-aware ones as given, naive ones as wall-clock time in `zone`
 *   (the original loader's rule);
 * - Arrow dates (`date32`/`date64`) as the day candle opening at 00:00 UTC;
 * - integers/floats as epoch ms or epoch s, decided once per file by magnitude (mixed → error);
 * - strings in one {@link TimestampFormat} per file (mixed → error naming both rows).
 */
export function readTimeColumn(vec: Vector, ctx: ColumnContext, zone: string): TimeColumn {
  const t = vec.type;
  checkNoNulls(vec, ctx);
  if (t.typeId === Type.Timestamp) {
    const unit = (t as unknown as { unit: TimeUnit }).unit;
    const tz = (t as unknown as { timezone?: string | null }).timezone ?? null;
    const raw = int64Values(vec, true) as BigInt64Array;
    let values: Float64Array;
    if (unit === TimeUnit.MILLISECOND) values = int64ToFloat64(raw, true);
    else if (unit === TimeUnit.SECOND) values = int64ToFloat64(raw, true).map((x) => x * 1000);
    else {
      const div = unit === TimeUnit.MICROSECOND ? 1000n : 1_000_000n;
      values = new Float64Array(raw.length);
      for (let i = 0; i < raw.length; i++) {
        const q = raw[i] / div;
        values[i] = Number(raw[i] % div < 0n ? q - 1n : q);
      }
    }
    if (!tz) {
      const clock = new ZonedClock(zone);
      for (let i = 0; i < values.length; i++) values[i] = clock.toUtc(values[i]);
    }
    return { values, format: `timestamp[${UNIT_NAMES[unit]}, ${tz ?? `naive → ${zone}`}]` };
  }
  if (t.typeId === Type.Date) {
    const unit = (t as unknown as { unit: DateUnit }).unit;
    if (unit === DateUnit.DAY) {
      const days = readFloatLike(vec);
      return { values: days.map((d) => d * 86_400_000), format: 'date32' };
    }
    return { values: readFloatLike(vec), format: 'date64' };
  }
  if (t.typeId === Type.Int || t.typeId === Type.Float) {
    return epochColumn(readFloatColumn(vec, ctx), ctx);
  }
  if (t.typeId === Type.Utf8 || t.typeId === Type.LargeUtf8 || t.typeId === Type.Dictionary || t.typeId === Type.Utf8View) {
    const texts: string[] = new Array(vec.length);
    for (let i = 0; i < vec.length; i++) texts[i] = String(vec.get(i));
    return parseTimeTexts(texts, ctx, zone);
  }
  throw new InvalidFileError({ file: ctx.file, column: ctx.column }, `has type ${describeType(t)}; expected a timestamp, a date, epoch numbers or ISO 8601 text`);
}

function readFloatLike(vec: Vector): Float64Array {
  const out = new Float64Array(vec.length);
  for (let i = 0; i < vec.length; i++) {
    const v = vec.get(i) as unknown;
    out[i] = v instanceof Date ? v.getTime() : Number(v);
  }
  return out;
}

/** Epoch numbers: all >= 1e11 → ms, all below → s; a mix is rejected. */
export function epochColumn(v: Float64Array, ctx: ColumnContext): TimeColumn {
  let firstMs = -1, firstS = -1;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (!Number.isFinite(x) || x < 0) throw new InvalidFileError(locate(ctx, i), `timestamp ${x} is not a valid epoch time`);
    if (x >= EPOCH_MS_THRESHOLD) { if (firstMs < 0) firstMs = i; } else if (firstS < 0) firstS = i;
    if (firstMs >= 0 && firstS >= 0) {
      throw new InvalidFileError(locate(ctx, Math.max(firstMs, firstS)), mixedMessage(ctx, firstS < firstMs ? ['epoch-s', firstS] : ['epoch-ms', firstMs], firstS < firstMs ? ['epoch-ms', firstMs] : ['epoch-s', firstS]));
    }
  }
  if (firstMs >= 0) {
    for (let i = 0; i < v.length; i++) {
      if (!Number.isInteger(v[i])) throw new InvalidFileError(locate(ctx, i), `epoch milliseconds ${v[i]} have a fraction`);
    }
    return { values: v, format: 'epoch-ms' };
  }
  return { values: v.map((x) => Math.round(x * 1000)), format: 'epoch-s' };
}

function rowName(ctx: ColumnContext, row: number): string {
  return ctx.lineOf ? `line ${ctx.lineOf(row)}` : `row ${row}`;
}

function mixedMessage(ctx: ColumnContext, first: [TimestampFormat, number], other: [TimestampFormat, number]): string {
  return `mixed timestamp formats: ${rowName(ctx, first[1])} is ${first[0]} but ${rowName(ctx, other[1])} is ${other[0]}; use one format per file`;
}

/** Parses timestamp texts that must all share one {@link TimestampFormat}. */
export function parseTimeTexts(texts: readonly string[], ctx: ColumnContext, zone: string): TimeColumn {
  const n = texts.length;
  if (n === 0) return { values: new Float64Array(0), format: 'empty' };
  const format = classifyTimestamp(texts[0]);
  if (!format) throw new InvalidFileError(locate(ctx, 0), `cannot read timestamp ${JSON.stringify(texts[0])}; use ISO 8601, YYYY-MM-DD HH:mm:ss, epoch ms or epoch s`);
  const clock = new ZonedClock(zone);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = parseTimestamp(texts[i], format, clock);
    if (Number.isNaN(v)) {
      const other = classifyTimestamp(texts[i]);
      if (other && other !== format) throw new InvalidFileError(locate(ctx, i), mixedMessage(ctx, [format, 0], [other, i]));
      throw new InvalidFileError(locate(ctx, i), `cannot read timestamp ${JSON.stringify(texts[i])} as ${format}${other === format ? ' (no such date or time)' : ''}`);
    }
    values[i] = v;
  }
  return { values, format: format === 'iso-local' || format === 'space-local' ? `${format} (${zone})` : format };
}
