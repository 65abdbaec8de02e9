/**
 * Columnar table ↔ Parquet bytes, through Arrow IPC and parquet-wasm (Node build).
 *
 * Encodings chosen per column type (zstd on every column): f64 BYTE_STREAM_SPLIT (groups the bytes
 * of each float by significance, which zstd compresses far better than plain doubles); i32, i64
 * and timestamps DELTA_BINARY_PACKED (sorted times become near-constant deltas); strings
 * dictionary-encoded (symbols and sides repeat); booleans RLE. Values are stored exactly: the
 * float bytes are copied, never re-printed.
 */
import * as arrow from 'apache-arrow';
import * as parquet from 'parquet-wasm';
import { toArrowTable, type ColumnarTable } from './columnar';

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
    if (type === 'f64') {
      builder = builder.setColumnDictionaryEnabled(name, false).setColumnEncoding(name, parquet.Encoding.BYTE_STREAM_SPLIT);
    } else if (type === 'i32' || type === 'i64' || type === 'timestamp_ms') {
      builder = builder.setColumnDictionaryEnabled(name, false).setColumnEncoding(name, parquet.Encoding.DELTA_BINARY_PACKED);
    }
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
