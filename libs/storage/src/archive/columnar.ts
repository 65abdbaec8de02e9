/**
 * Columnar tables as the archive takes them and gives them back: a declared schema (column name →
 * type) and one JavaScript array per column. Kept independent of the engine's result types on
 * purpose; an adapter maps a backtest result onto these tables.
 *
 * | type           | JavaScript column                | Arrow / Parquet type                   |
 * |----------------|----------------------------------|----------------------------------------|
 * | `f64`          | `Float64Array`                   | Float64 / DOUBLE (bit-exact, NaN kept) |
 * | `i32`          | `Int32Array`                     | Int32 / INT32                          |
 * | `i64`          | `BigInt64Array`                  | Int64 / INT64                          |
 * | `timestamp_ms` | `Float64Array` of epoch ms       | Timestamp(ms, UTC) / INT64 TIMESTAMP   |
 * | `utf8`         | `(string \| null)[]`             | Utf8 / BYTE_ARRAY STRING (nullable)    |
 * | `bool`         | `Uint8Array` of 0 / 1            | Bool / BOOLEAN                         |
 *
 * `timestamp_ms` values must be whole numbers of milliseconds within ±8.64e15 (the JS Date range),
 * or NaN, which is stored as null and read back as NaN (e.g. the exit time of an open trade).
 */
import * as arrow from 'apache-arrow';

/** Column types an archive table may use. */
export const ColumnType = {
  /** 64-bit float. */
  f64: 'f64',
  /** 32-bit signed integer. */
  i32: 'i32',
  /** 64-bit signed integer. */
  i64: 'i64',
  /** Milliseconds since the Unix epoch, UTC (NaN = missing). */
  timestamp_ms: 'timestamp_ms',
  /** UTF-8 string, nullable. */
  utf8: 'utf8',
  /** Boolean as 0 / 1. */
  bool: 'bool',
} as const;

/** One of {@link ColumnType}. */
export type ColumnType = (typeof ColumnType)[keyof typeof ColumnType];

/** The JavaScript array type that holds a column of type `T`. */
export type ColumnValues<T extends ColumnType = ColumnType> = {
  f64: Float64Array;
  i32: Int32Array;
  i64: BigInt64Array;
  timestamp_ms: Float64Array;
  utf8: readonly (string | null)[];
  bool: Uint8Array;
}[T];

/** Column name → type. Column order is the object's key order (integer-like names would sort first, so avoid them). */
export type TableSchema = Readonly<Record<string, ColumnType>>;

/** A table: its schema and one array per column, all of the same length. */
export interface ColumnarTable<S extends TableSchema = TableSchema> {
  /** Column name → type. */
  readonly schema: S;
  /** Column name → values. */
  readonly columns: { readonly [K in keyof S]: ColumnValues<S[K]> };
}

const MAX_TIMESTAMP_MS = 8.64e15;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const TYPED: Record<Exclude<ColumnType, 'utf8'>, new (n: number) => unknown> = {
  f64: Float64Array, i32: Int32Array, i64: BigInt64Array, timestamp_ms: Float64Array, bool: Uint8Array,
};

/**
 * Row count of `table`, after checking it: at least one column, every schema column present with
 * the right array type and the same length, no extra columns, valid booleans and timestamps.
 * A malformed table is a caller bug and throws `TypeError` / `RangeError`.
 * @param table - the table to check
 * @param name - table name for messages
 */
export function validateTable(table: ColumnarTable, name = 'table'): number {
  const names = Object.keys(table.schema);
  if (names.length === 0) throw new TypeError(`${name}: the schema has no columns`);
  const extra = Object.keys(table.columns).filter((c) => !(c in table.schema));
  if (extra.length > 0) throw new TypeError(`${name}: columns ${extra.join(', ')} are not in the schema`);
  let rows: number | undefined;
  for (const column of names) {
    const type = table.schema[column];
    const values = (table.columns as Record<string, unknown>)[column];
    const where = `${name}.${column} (${type})`;
    if (values === undefined) throw new TypeError(`${where}: column missing`);
    if (type === 'utf8') {
      if (!Array.isArray(values)) throw new TypeError(`${where}: expected an array of strings or nulls`);
      for (let i = 0; i < values.length; i++) {
        const v = values[i] as unknown;
        if (v !== null && typeof v !== 'string') throw new TypeError(`${where}[${i}]: expected a string or null, got ${typeof v}`);
        // UTF-8 cannot hold a lone surrogate; it would come back as U+FFFD, i.e. not as written.
        if (typeof v === 'string' && LONE_SURROGATE.test(v)) throw new TypeError(`${where}[${i}]: string is not well-formed Unicode (lone surrogate)`);
      }
    } else if (!(values instanceof (TYPED[type] as new (n: number) => object))) {
      throw new TypeError(`${where}: expected a ${(TYPED[type] as { name: string }).name}`);
    }
    const length = (values as { length: number }).length;
    if (rows !== undefined && length !== rows) throw new RangeError(`${where}: ${length} rows, other columns have ${rows}`);
    rows = length;
    if (type === 'bool') {
      const b = values as Uint8Array;
      for (let i = 0; i < b.length; i++) if (b[i] > 1) throw new RangeError(`${where}[${i}]: booleans must be 0 or 1, got ${b[i]}`);
    }
    if (type === 'timestamp_ms') {
      const t = values as Float64Array;
      for (let i = 0; i < t.length; i++) {
        const v = t[i];
        if (!Number.isNaN(v) && (!Number.isInteger(v) || Math.abs(v) > MAX_TIMESTAMP_MS)) {
          throw new RangeError(`${where}[${i}]: ${v} is not a whole number of ms within ±8.64e15 (or NaN for missing)`);
        }
      }
    }
  }
  return rows as number;
}

function arrowType(type: ColumnType): arrow.DataType {
  switch (type) {
    case 'f64': return new arrow.Float64();
    case 'i32': return new arrow.Int32();
    case 'i64': return new arrow.Int64();
    case 'timestamp_ms': return new arrow.TimestampMillisecond('UTC');
    case 'utf8': return new arrow.Utf8();
    case 'bool': return new arrow.Bool();
  }
}

/** Nullable in the Arrow schema: only strings and timestamps (NaN ↔ null) carry nulls. */
const isNullable = (type: ColumnType): boolean => type === 'utf8' || type === 'timestamp_ms';

/** Arrow column type → archive column type; `undefined` for anything the archive does not write. */
export function columnTypeOf(type: arrow.DataType): ColumnType | undefined {
  if (arrow.DataType.isFloat(type) && type.precision === arrow.Precision.DOUBLE) return 'f64';
  if (arrow.DataType.isInt(type) && type.isSigned && type.bitWidth === 32) return 'i32';
  if (arrow.DataType.isInt(type) && type.isSigned && type.bitWidth === 64) return 'i64';
  if (arrow.DataType.isTimestamp(type) && type.unit === arrow.TimeUnit.MILLISECOND) return 'timestamp_ms';
  if (arrow.DataType.isUtf8(type)) return 'utf8';
  if (arrow.DataType.isBool(type)) return 'bool';
  return undefined;
}

function packBits(length: number, isSet: (i: number) => boolean): Uint8Array {
  const bits = new Uint8Array(Math.ceil(length / 8));
  for (let i = 0; i < length; i++) if (isSet(i)) bits[i >> 3] |= 1 << (i & 7);
  return bits;
}

/** Arrow Utf8 layout built directly: int32 offsets, one UTF-8 byte buffer, validity bitmap. */
function utf8Data(values: readonly (string | null)[], length: number): arrow.Data {
  const valueOffsets = new Int32Array(length + 1);
  let total = 0;
  let nulls = 0;
  for (let i = 0; i < length; i++) {
    const v = values[i];
    if (v === null) nulls++;
    else total += Buffer.byteLength(v, 'utf8');
    if (total > 0x7fffffff) throw new RangeError('utf8 column holds more than 2 GiB of text');
    valueOffsets[i + 1] = total;
  }
  const data = Buffer.allocUnsafe(total);
  for (let i = 0; i < length; i++) {
    const v = values[i];
    if (v !== null && v.length > 0) data.write(v, valueOffsets[i], 'utf8');
  }
  const nullBitmap = nulls === 0 ? undefined : packBits(length, (i) => values[i] !== null);
  return arrow.makeData({ type: new arrow.Utf8(), length, valueOffsets, data: new Uint8Array(data.buffer, data.byteOffset, total), nullBitmap, nullCount: nulls });
}

function arrowData(type: ColumnType, values: ColumnValues, length: number): arrow.Data {
  switch (type) {
    case 'f64': return arrow.makeData({ type: new arrow.Float64(), length, data: values as Float64Array });
    case 'i32': return arrow.makeData({ type: new arrow.Int32(), length, data: values as Int32Array });
    case 'i64': return arrow.makeData({ type: new arrow.Int64(), length, data: values as BigInt64Array });
    case 'bool': {
      const b = values as Uint8Array;
      return arrow.makeData({ type: new arrow.Bool(), length, data: packBits(length, (i) => b[i] === 1) });
    }
    case 'timestamp_ms': {
      const t = values as Float64Array;
      const ms = new BigInt64Array(length);
      // Fill the int64s as (low uint32, high int32) pairs: exact for |ms| < 2^53 and far faster
      // than a BigInt per value. Arrow buffers are little-endian, as is every platform Node runs on.
      const words = new Uint32Array(ms.buffer);
      let nulls = 0;
      for (let i = 0; i < length; i++) {
        const v = t[i];
        if (Number.isNaN(v)) {
          nulls++;
          continue;
        }
        const hi = Math.floor(v / 4294967296);
        words[2 * i] = v - hi * 4294967296;
        words[2 * i + 1] = hi >>> 0;
      }
      const nullBitmap = nulls === 0 ? undefined : packBits(length, (i) => !Number.isNaN(t[i]));
      return arrow.makeData({ type: new arrow.TimestampMillisecond('UTC'), length, data: ms, nullBitmap, nullCount: nulls });
    }
    case 'utf8': return utf8Data(values as readonly (string | null)[], length);
  }
}

/**
 * Builds an Arrow table from a (validated) columnar table, sharing the typed arrays where Arrow's
 * layout allows (f64, i32, i64).
 * @param table - the input
 */
export function toArrowTable(table: ColumnarTable): arrow.Table {
  const rows = validateTable(table);
  const names = Object.keys(table.schema);
  const fields = names.map((n) => new arrow.Field(n, arrowType(table.schema[n]), isNullable(table.schema[n])));
  const schema = new arrow.Schema(fields);
  // apache-arrow's IPC writer produces a broken stream when one array object backs two columns
  // (its body is shorter than announced), so a repeated array is copied.
  const seen = new Set<unknown>();
  const children = names.map((n) => {
    let values = (table.columns as Record<string, ColumnValues>)[n];
    if (seen.has(values) && ArrayBuffer.isView(values)) values = (values as Float64Array).slice() as ColumnValues;
    seen.add(values);
    return arrowData(table.schema[n], values, rows);
  });
  const struct = arrow.makeData({ type: new arrow.Struct(fields), length: rows, nullCount: 0, children });
  return new arrow.Table(schema, new arrow.RecordBatch(schema, struct));
}

function readColumn(type: ColumnType, vector: arrow.Vector): ColumnValues {
  const length = vector.length;
  switch (type) {
    // slice() copies bytes, so NaN payloads and -0 survive (Float64Array.from would go through numbers).
    case 'f64': return (vector.toArray() as Float64Array).slice();
    case 'i32': return (vector.toArray() as Int32Array).slice();
    case 'i64': return (vector.toArray() as BigInt64Array).slice();
    case 'utf8': return Array.from(vector.toArray() as (string | null)[], (v) => (v === undefined ? null : v));
    case 'bool': {
      const out = new Uint8Array(length);
      let offset = 0;
      for (const data of vector.data) {
        const bits = data.values as Uint8Array;
        for (let i = 0; i < data.length; i++) {
          const bit = data.offset + i;
          out[offset + i] = (bits[bit >> 3] >> (bit & 7)) & 1;
        }
        offset += data.length;
      }
      return out;
    }
    case 'timestamp_ms': {
      const out = new Float64Array(length);
      let offset = 0;
      for (const data of vector.data) {
        const ms = data.values as unknown as BigInt64Array;
        const lo = new Uint32Array(ms.buffer, ms.byteOffset, ms.length * 2);
        const hi = new Int32Array(ms.buffer, ms.byteOffset, ms.length * 2);
        const valid = data.nullBitmap;
        const checkNulls = data.nullCount !== 0 && valid !== undefined && valid.length > 0;
        for (let i = 0; i < data.length; i++) {
          const bit = data.offset + i;
          const isValid = !checkNulls || ((valid[bit >> 3] >> (bit & 7)) & 1) === 1;
          // Exact while |ms| < 2^53, which validateTable guarantees for what we write.
          out[offset + i] = isValid ? hi[2 * i + 1] * 4294967296 + lo[2 * i] : NaN;
        }
        offset += data.length;
      }
      return out;
    }
  }
}

/**
 * Converts an Arrow table back into a columnar table (fresh arrays, owned by the caller). The
 * schema comes from the Arrow field types; columns of other types are a `TypeError`.
 * @param table - an Arrow table as written by {@link toArrowTable}
 */
export function fromArrowTable(table: arrow.Table): ColumnarTable {
  const schema: Record<string, ColumnType> = {};
  const columns: Record<string, ColumnValues> = {};
  for (const field of table.schema.fields) {
    const type = columnTypeOf(field.type);
    if (type === undefined) throw new TypeError(`column ${field.name} has Arrow type ${String(field.type)}, which archives do not use`);
    schema[field.name] = type;
    const vector = table.getChild(field.name) as arrow.Vector;
    columns[field.name] = readColumn(type, vector);
  }
  return { schema, columns };
}
