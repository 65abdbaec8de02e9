/**
 * Columnar table ↔ Parquet bytes, through Arrow IPC and parquet-wasm (Node build).
 *
 * Encodings are chosen per column (zstd on every column), from how often values repeat:
 * - f64: few distinct values (prices on a tick grid, sizes of a fixed stake) → dictionary; some
 *   repetition (fees, P&L of repeated price pairs) → PLAIN, where zstd finds whole repeated
 *   doubles; nearly all distinct (equity, drawdown, scores) → BYTE_STREAM_SPLIT, which groups the
 *   bytes of each double by significance so zstd can squeeze the exponent and high mantissa bytes.
 * - timestamps and i64: DELTA_BINARY_PACKED (sorted times become near-constant deltas).
 * - i32: dictionary when few distinct values, else DELTA_BINARY_PACKED.
 * - strings: dictionary (symbols and sides repeat); booleans: RLE.
 * The thresholds come from measurements on synthetic trades (tools/bench/storage.bench.ts; see
 * docs/storage.md). Values are stored exactly: float bytes are copied, never re-printed.
 */
import * as arrow from 'apache-arrow';
import * as parquet from 'parquet-wasm';
import { toArrowTable, type ColumnarTable, type ColumnType } from './columnar';

/** Options of {@link encodeParquet}. */
export interface ParquetEncodeOptions {
  /** Maximum rows per row group. Default 1 048 576. */
  readonly maxRowGroupRows?: number;
  /** `created_by` written in the file footer. Default `@coinhts/storage`. */
  readonly createdBy?: string;
  /**
   * Page compression. Default `'zstd'` (what archives use); `'none'` writes files that readers
   * without a zstd codec can open, e.g. for cross-checks with other Parquet readers.
   */
  readonly compression?: 'zstd' | 'none';
}

/** Below this share of distinct values a column is dictionary-encoded. */
const DICTIONARY_BELOW = 0.35;
/** From this share of distinct values on, doubles are BYTE_STREAM_SPLIT (below: PLAIN). */
const BYTE_STREAM_SPLIT_FROM = 0.9;

type EncodingChoice = 'default' | 'dictionary' | 'PLAIN' | 'BYTE_STREAM_SPLIT' | 'DELTA_BINARY_PACKED';

/**
 * Share of distinct values in `values` (0..1). Stops early once the first 10 000 values are
 * almost all distinct, so long continuous columns (1M equity points) cost little.
 */
function distinctShare(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return 1;
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    seen.add(values[i]);
    if (i + 1 === 10_000 && seen.size > 0.95 * 10_000) return 1;
  }
  return seen.size / n;
}

function chooseEncoding(type: ColumnType, values: unknown): EncodingChoice {
  switch (type) {
    case 'f64': {
      const share = distinctShare(values as Float64Array);
      if (share < DICTIONARY_BELOW) return 'dictionary';
      return share < BYTE_STREAM_SPLIT_FROM ? 'PLAIN' : 'BYTE_STREAM_SPLIT';
    }
    case 'i32':
      return distinctShare(values as Int32Array) < DICTIONARY_BELOW ? 'dictionary' : 'DELTA_BINARY_PACKED';
    case 'i64':
    case 'timestamp_ms':
      return 'DELTA_BINARY_PACKED';
    default:
      return 'default';
  }
}

/** Rows per Arrow record batch when reading (fewer, larger batches are faster to convert). */
const READ_BATCH_ROWS = 1 << 20;

/**
 * Encodes a columnar table as a zstd-compressed Parquet file.
 * @param table - the input (validated; see `validateTable`)
 * @param options - row group size, created-by
 * @returns the Parquet file's bytes
 */
export function encodeParquet(table: ColumnarTable, options: ParquetEncodeOptions = {}): Uint8Array {
  const arrowTable = toArrowTable(table);
  let builder = new parquet.WriterPropertiesBuilder()
    .setCompression(options.compression === 'none' ? parquet.Compression.UNCOMPRESSED : parquet.Compression.ZSTD)
    .setMaxRowGroupSize(options.maxRowGroupRows ?? 1 << 20)
    .setCreatedBy(options.createdBy ?? '@coinhts/storage');
  for (const [name, type] of Object.entries(table.schema)) {
    const values = (table.columns as Record<string, unknown>)[name];
    const choice = chooseEncoding(type, values);
    if (choice === 'dictionary') builder = builder.setColumnDictionaryEnabled(name, true);
    else if (choice !== 'default') builder = builder.setColumnDictionaryEnabled(name, false).setColumnEncoding(name, parquet.Encoding[choice]);
  }
  const wasmTable = parquet.Table.fromIPCStream(arrow.tableToIPC(arrowTable, 'stream'));
  return parquet.writeParquet(wasmTable, builder.build());
}

/**
 * Decodes Parquet bytes into an Arrow table. Throws whatever the decoder throws on bad input; the
 * archive reader turns that into `CorruptArchiveError`.
 * @param bytes - a Parquet file
 */
export function decodeParquet(bytes: Uint8Array): arrow.Table {
  const wasmTable = parquet.readParquet(bytes, { batchSize: READ_BATCH_ROWS });
  return arrow.tableFromIPC(wasmTable.intoIPCStream());
}
