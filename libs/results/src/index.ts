/**
 * @coinhts/results — the backtest run index and presets on PostgreSQL (TypeORM, explicit
 * migrations), with each run's full result in an archive reached through the
 * {@link RunArchiveStore} port.
 * @packageDocumentation
 */
export * from './errors';
export * from './entities';
export * from './migrations';
export * from './data-source';
export * from './archive-store';
export * from './local-archive-store';
export * from './run-types';
export * from './cursor';
export * from './result-repository';
export * from './run-list-filter';
export * from './pg-run-index';
export { RUN_COLUMNS, type RunColumn } from './run-table';
export { isUuid } from './validation';
export * from './preset-repository';
export * from './job-record-repository';
export * from './legacy';
export * from './storage-archive-store';
export * from './api-keys/api-key-entity';
export * from './api-keys/api-key-repository';
