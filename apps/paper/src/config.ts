import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { ConfigError, PAPER_CONFIG, type EnvRecord, type PaperConfig } from '@coinhts/config';

/**
 * The paper process's configuration: `PAPER_CONFIG` of `@coinhts/config` (the shared variables
 * DATABASE_URL, DB_SCHEMA, DB_POOL_SIZE, MIGRATE_ON_START, UPBIT_BASE_URL, DATA_ROOT, LOG_LEVEL and
 * the PAPER_* ones). The only module of the app that reads `process.env`; parsed once at start.
 */
export { ConfigError };

/** Validated configuration; `owner` is always set. */
export interface PaperAppConfig extends PaperConfig {
  readonly owner: string;
}

/** Reads and validates the environment once; throws {@link ConfigError} (exit 2) listing every problem. */
export function loadConfig(env: EnvRecord = process.env): PaperAppConfig {
  const c = PAPER_CONFIG.load(env);
  return { ...c, owner: c.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}` };
}
