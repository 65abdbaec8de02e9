/**
 * @coinhts/market-data — the candle store (Parquet by symbol/timeframe/year), imports, the Upbit
 * collector and data-quality checks. An adapter: it does file and network I/O, but takes every
 * setting (data root, zone, base URL, `fetch`, clocks) as an argument.
 * @packageDocumentation
 */
export * from './errors';
export * from './symbol';
export * from './timeframe';
export * from './dates';
export * from './series';
export * from './coverage';
export * from './timestamp-format';
export { readFloatColumn, readTimeColumn, parseTimeTexts, type ColumnContext, type TimeColumn } from './column-readers';
export { encodeSeriesParquet, decodeParquet, decodeStoreFile, type ParquetCompression, type EncodeOptions } from './parquet-codec';
export * from './store';
export * from './quality';
export * from './upbit';
export * from './upbit-stream';
export * from './closed-candle-appender';
export * from './csv';
export * from './import';
export * from './inventory';
export * from './backtest-loader';
export * from './sample';
