/**
 * @coinhts/runs — the application layer of coin-hts: one run end to end. The request (the one
 * {@link RunRequestSchema}: API body, job payload, CLI flags) is executed
 * through the engine ({@link EngineBacktestExecutor}), its tables are built once
 * ({@link resultTables}), and it is stored in ONE archive format on any StorageProvider
 * ({@link RunArchive}: local folder or S3, named by one store URL) plus one row in a
 * {@link RunIndex} (PostgreSQL's `PgRunIndex` or the {@link EmbeddedRunIndex}), kept consistent
 * by {@link RunService}. Only apps and tools import this library.
 * @packageDocumentation
 */
export * from './errors';
export * from './run-request';
export * from './store-location';
export * from './result-tables';
export * from './run-record';
export * from './run-archive';
export * from './run-index';
export * from './embedded-run-index';
export * from './run-service';
export * from './executor';
export * from './job-stores';
export * from './sweep-runs';
export * from './runtime';
export * from './legacy-target';
export * from './layout-migration';
