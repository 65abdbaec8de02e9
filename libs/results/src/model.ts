/**
 * `@coinhts/results/model`: the run model without the database — kinds and statuses, run input
 * validation, list filters and cursors, errors. Code that only validates or lists runs (the
 * embedded run index, a CLI backtest on a local store) imports this entry point and does not load
 * typeorm or pg; `@coinhts/results` exports the same symbols and the PostgreSQL parts.
 * @packageDocumentation
 */
export * from './errors';
export * from './run-vocabulary';
export * from './run-types';
export * from './cursor';
export * from './run-list-filter';
export { isUuid } from './validation';
