import { ConfigError, WORKER_CONFIG, type EnvRecord, type WorkerConfig } from '@coinhts/config';

/**
 * The worker's configuration: `WORKER_CONFIG` of `@coinhts/config` (every variable is defined
 * there, shared with the API, the CLI and the ops tools). This is the only module of the app that
 * reads `process.env`; it parses once at start-up (in the worker process and again in each
 * sandbox, which inherits the environment) and the rest of the app receives typed values.
 */

export { ConfigError, type WorkerConfig };

/** Reads and validates the worker's environment; throws {@link ConfigError} listing every problem. */
export function loadConfig(env: EnvRecord = process.env): WorkerConfig {
  return WORKER_CONFIG.load(env);
}
