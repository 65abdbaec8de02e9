/**
 * @coinhts/results — the backtest run index ({@link PgRunIndex}) and presets on PostgreSQL
 * (TypeORM, explicit migrations). Archives and the consistency of index and archive are
 * `@coinhts/runs`' job; this library holds the rows.
 * @packageDocumentation
 */
export * from './errors';
export * from './entities';
export * from './migrations';
export * from './data-source';
export * from './run-types';
export * from './cursor';
export * from './run-list-filter';
export * from './pg-run-index';
export { RUN_COLUMNS, type RunColumn } from './run-table';
export { isUuid } from './validation';
export * from './preset-repository';
export * from './job-record-repository';
export * from './legacy';
export * from './api-keys/api-key-entity';
export * from './api-keys/api-key-repository';
export * from './paper/paper-repository';
export * from './sweeps/sweep-chunk-repository';
