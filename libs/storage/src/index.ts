/**
 * `@coinhts/storage`: the StorageProvider port (put / get / head / delete / list / verify with a
 * SHA-256 on every object), its local-filesystem and S3 implementations, and result archives
 * (summary JSON + signals / trades / equity as zstd Parquet + a manifest written last).
 * Test support (contract suite, in-memory fake, S3 test bucket) lives in `./testing`.
 */
export * from './errors';
export * from './key';
export * from './provider';
export { sha256Hex } from './integrity';
export { MAX_LIST_LIMIT } from './listing';
export { LocalFsStorageProvider, DEFAULT_CONTENT_TYPE, type LocalFsStorageProviderOptions } from './local/local-fs-storage-provider';
export { S3StorageProvider, type S3StorageProviderOptions, type S3Credentials } from './s3/s3-storage-provider';
export { mapS3Error } from './s3/s3-errors';
export { mapFsError } from './local/fs-errors';
export {
  ColumnType, validateTable, toArrowTable, fromArrowTable, columnTypeOf,
  type ColumnValues, type TableSchema, type ColumnarTable,
} from './archive/columnar';
export { encodeParquet, decodeParquet, type ParquetEncodeOptions } from './archive/parquet-codec';
export {
  ARCHIVE_FORMAT, ARCHIVE_FORMAT_VERSION, ARCHIVE_TABLE_NAMES, ARCHIVE_FILES, DEFAULT_ARCHIVE_PREFIX, PARQUET_CONTENT_TYPE,
  JSON_CONTENT_TYPE, validateRunId, parseManifest,
  type ArchiveTableName, type ArchiveFileEntry, type ArchiveManifest,
} from './archive/manifest';
export {
  ArchiveWriter, ArchiveReader,
  type ArchiveInput, type ArchiveContents, type ArchiveListing, type ArchiveOptions, type ArchiveWriterOptions, type JsonObject, type JsonValue,
} from './archive/result-archive';
