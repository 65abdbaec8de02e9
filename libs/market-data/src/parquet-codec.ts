import {
  Field, Float64, RecordBatch, Schema, Struct, Table, TimestampMillisecond, Type, makeData, tableFromIPC, tableToIPC,
  type Vector,
} from 'apache-arrow';
import * as pw from 'parquet-wasm';
import { CorruptFileError, InvalidFileError } from './errors';
import { readFloatColumn, readTimeColumn } from './column-readers';
import { VALUE_FIELDS, type CandleSeries } from './series';

/** Compression codec of written Parquet files. `zstd` is the store's default. */
export type ParquetCompression = 'zstd' | 'snappy' | 'none';

/** Options of {@link encodeSeriesParquet}. */
export interface EncodeOptions {
  /** Default `zstd`. */
  readonly compression?: ParquetCompression;
  /** Extra key/value metadata stored in the file footer. */
  readonly metadata?: Readonly<Record<string, string>>;
}

const CODECS: Record<ParquetCompression, pw.Compression> = {
  zstd: pw.Compression.ZSTD, snappy: pw.Compression.SNAPPY, none: pw.Compression.UNCOMPRESSED,
};

/** Written into every file instead of the library version, so the same rows give the same bytes. */
const CREATED_BY = 'coin-hts market-data (parquet-wasm, apache-arrow)';

/**
 * Encodes a series as Parquet: `timestamp` as INT64 TIMESTAMP(MILLIS, UTC), `open`, `high`,
 * `low`, `close`, `volume` and (when present) `value` as DOUBLE; one row group per 1 Mi rows.
 */
export function encodeSeriesParquet(series: CandleSeries, options: EncodeOptions = {}): Uint8Array {
  const n = series.timestamp.length;
  // Timestamps are integer ms < 2^53: write the int64 halves directly instead of n BigInts.
  const halves = new Int32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const v = series.timestamp[i];
    const hi = Math.floor(v / 4294967296);
    halves[2 * i] = (v - hi * 4294967296) | 0;
    halves[2 * i + 1] = hi;
  }
  const ts = new BigInt64Array(halves.buffer);
  const tsType = new TimestampMillisecond('UTC');
  const names: string[] = [...VALUE_FIELDS];
  const arrays: Float64Array[] = VALUE_FIELDS.map((f) => series[f]);
  if (series.value) { names.push('value'); arrays.push(series.value); }
  const fields = [new Field('timestamp', tsType, false), ...names.map((name) => new Field(name, new Float64(), false))];
  const schema = new Schema(fields);
  const children = [
    makeData({ type: tsType, length: n, nullCount: 0, data: ts }),
    ...arrays.map((a) => makeData({ type: new Float64(), length: n, nullCount: 0, data: a })),
  ];
  const batch = new RecordBatch(schema, makeData({ type: new Struct(fields), length: n, nullCount: 0, children }));
  const wasmTable = pw.Table.fromIPCStream(tableToIPC(new Table(schema, [batch]), 'stream'));
  // Encodings chosen by measurement on 1 M one-minute candles (docs/market-data.md): prices sit on
  // exchange ticks and repeat, so dictionaries pay; timestamps are evenly spaced, so delta packing
  // shrinks them to almost nothing; volume and turnover are noisy doubles, where byte-stream-split
  // lets zstd find the repeating exponent bytes. Smaller and faster to read than the defaults.
  let builder = new pw.WriterPropertiesBuilder()
    .setCompression(CODECS[options.compression ?? 'zstd'])
    .setCreatedBy(CREATED_BY)
    .setMaxRowGroupSize(1 << 20)
    .setDictionaryEnabled(false)
    .setColumnEncoding('timestamp', pw.Encoding.DELTA_BINARY_PACKED)
    .setColumnEncoding('volume', pw.Encoding.BYTE_STREAM_SPLIT)
    .setColumnEncoding('value', pw.Encoding.BYTE_STREAM_SPLIT);
  for (const price of ['open', 'high', 'low', 'close']) builder = builder.setColumnDictionaryEnabled(price, true);
  if (options.metadata) builder = builder.setKeyValueMetadata(new Map(Object.entries(options.metadata)));
  return pw.writeParquet(wasmTable, builder.build());
}

const MAGIC = [0x50, 0x41, 0x52, 0x31]; // "PAR1"

/**
 * Decodes Parquet bytes to an Arrow table. Anything parquet-wasm cannot read (bad magic bytes,
 * truncated footer, undecodable pages) becomes {@link CorruptFileError} naming `file`.
 */
export function decodeParquet(bytes: Uint8Array, file: string, columns?: readonly string[]): Table {
  const n = bytes.length;
  if (n < 12 || MAGIC.some((b, i) => bytes[i] !== b || bytes[n - 4 + i] !== b)) {
    throw new CorruptFileError(file, n < 12 ? `only ${n} bytes` : 'the PAR1 magic bytes are missing at the start or end (truncated or not Parquet)');
  }
  let ipc: Uint8Array;
  try {
    const wasmTable = pw.readParquet(bytes, { batchSize: 1 << 22, ...(columns ? { columns: [...columns] } : {}) });
    ipc = wasmTable.intoIPCStream();
  } catch (err) {
    throw new CorruptFileError(file, err instanceof Error ? err.message : String(err), { cause: err });
  }
  return tableFromIPC(ipc);
}

/** Finds a column by exact name, else case-insensitively; undefined when absent. */
export function findColumn(table: Table, name: string): { name: string; vector: Vector } | undefined {
  const exact = table.getChild(name);
  if (exact) return { name, vector: exact };
  const lower = name.toLowerCase();
  const field = table.schema.fields.find((f) => f.name.toLowerCase() === lower);
  const vector = field ? table.getChild(field.name) : null;
  return field && vector ? { name: field.name, vector } : undefined;
}

/**
 * Decodes a store file (or any Parquet file with the store's column names) to a series.
 * Requires `timestamp`, `open`, `high`, `low`, `close`, `volume`; keeps `value` when present.
 * Naive timestamps are read as wall-clock time in `zone`.
 */
export function decodeStoreFile(bytes: Uint8Array, file: string, zone = 'UTC'): CandleSeries {
  const table = decodeParquet(bytes, file);
  const col = (name: string): Vector => {
    const c = findColumn(table, name);
    if (!c) {
      throw new InvalidFileError({ file, column: name }, `missing column; the file has ${table.schema.fields.map((f) => f.name).join(', ') || 'no columns'}`);
    }
    return c.vector;
  };
  const timestamp = readTimeColumn(col('timestamp'), { file, column: 'timestamp' }, zone).values;
  const out: { -readonly [K in keyof CandleSeries]: CandleSeries[K] } = {
    timestamp,
    open: readFloatColumn(col('open'), { file, column: 'open' }),
    high: readFloatColumn(col('high'), { file, column: 'high' }),
    low: readFloatColumn(col('low'), { file, column: 'low' }),
    close: readFloatColumn(col('close'), { file, column: 'close' }),
    volume: readFloatColumn(col('volume'), { file, column: 'volume' }),
  };
  const value = findColumn(table, 'value');
  if (value) out.value = readValueColumn(value.vector, file);
  return out;
}

/** `value` may hold nulls (turnover unknown for some rows): those become NaN. */
function readValueColumn(vec: Vector, file: string): Float64Array {
  if (vec.nullCount === 0 || (vec.type.typeId !== Type.Float && vec.type.typeId !== Type.Int)) {
    return readFloatColumn(vec, { file, column: 'value' });
  }
  const out = new Float64Array(vec.length);
  for (let i = 0; i < vec.length; i++) {
    const v = vec.get(i) as unknown;
    out[i] = v === null || v === undefined ? NaN : Number(v);
  }
  return out;
}
