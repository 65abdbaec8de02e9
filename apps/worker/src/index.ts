/**
 * The coin-hts queue worker (composition root). Start it with `main.ts`; the exports are for tests.
 * @packageDocumentation
 */
export { loadConfig, ConfigError, type WorkerConfig } from './config';
export { startWorkerApp, processorFile, sandboxExecArgv, type WorkerApp, type WorkerAppOptions } from './worker-app';
export { WorkerMetrics } from './metrics';
