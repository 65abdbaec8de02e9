/**
 * `@coinhts/jobs/model`: what the application layer needs of the queues without loading them —
 * the request port ({@link JobRequestParsers}), payload envelopes and field schemas, the request
 * errors and the sweep row metrics. Code that only parses requests or stores a sweep run (a CLI
 * run on a local store) imports this entry point and does not load BullMQ or Redis;
 * `@coinhts/jobs` exports the same symbols and the queues.
 * @packageDocumentation
 */
export * from './errors';
export * from './schemas';
export * from './job-requests';
export * from './run-metrics';
