import { resolve } from 'node:path';
import { API_CONFIG, API_KEYS_CONFIG, ConfigError, type ApiConfig as ApiEnvConfig, type EnvRecord } from '@coinhts/config';

/**
 * The API's configuration: `API_CONFIG` of `@coinhts/config` (every variable is defined there,
 * shared with the worker, the CLI and the ops tools). This is the only module of the app that
 * reads `process.env`; it parses once at start-up and the rest of the app receives typed values.
 */

export { ConfigError };

/** Validated configuration of the API (see `ApiConfig` of `@coinhts/config`). */
export interface ApiConfig extends ApiEnvConfig {
  /**
   * Folder of the `file:` store, or `./coinhts-results` when RESULTS_STORE is an S3 store (the
   * API reads and writes runs only in the one store RESULTS_STORE names; runs of other stores
   * answer ARCHIVE_UNREACHABLE).
   */
  readonly resultsDir: string;
}

/** Reads and validates the API's environment once; throws {@link ConfigError} listing every problem. */
export function loadConfig(env: EnvRecord = process.env): ApiConfig {
  const c = API_CONFIG.load(env);
  return { ...c, resultsDir: c.results.kind === 'local' ? c.results.dir : resolve('coinhts-results') };
}

/** Configuration of the `keys` command: only the database. */
export interface KeysCliConfig {
  readonly database: { readonly url: string; readonly schema?: string };
}

/** Reads DATABASE_URL (and DB_SCHEMA) for `apps/api/src/cli/keys.ts`. */
export function loadKeysCliConfig(env: EnvRecord = process.env): KeysCliConfig {
  return API_KEYS_CONFIG.load(env);
}
