/**
 * @coinhts/jobs — queues, job payload schemas, producers, sandboxed processors, dead-letter queue,
 * alerts and the market-data scheduler of coin-hts. The only package that imports BullMQ.
 * @packageDocumentation
 */
export * from './errors';
export * from './schemas';
export * from './job-requests';
export * from './run-metrics';
export * from './queues';
export * from './ids';
export * from './grid';
export * from './job-status';
export * from './outcome-store';
export * from './redis';
export * from './dead-letter';
export * from './job-queues';
export * from './sandbox';
export * from './queue-worker';
export * from './backtest-processor';
export * from './alerts';
export * from './engine-adapters';
export * from './sweep-processor';
export * from './ingestion-processor';
export * from './alert-check';
