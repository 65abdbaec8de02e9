import { join, resolve } from 'node:path';
import { CLI_ALERTS_CONFIG, CLI_CONFIG, type EnvRecord, type ResultsStoreConfig } from '@coinhts/config';

/**
 * CLI configuration, read once from the environment (the only place the CLI reads process.env)
 * through `CLI_CONFIG` of `@coinhts/config`, the variables the API and the worker share.
 */
export interface CliConfig {
  /** Root of the candle store (`DATA_ROOT/{SYMBOL}/{TIMEFRAME}/{YEAR}.parquet`). Default: the bundled sample data. */
  readonly dataRoot: string;
  /**
   * Folder of a `file:` results store (RESULTS_STORE, default `file:./coinhts-results`); `''` for
   * an `s3://` store. Tests that build a config by hand give only this.
   */
  readonly resultsDir: string;
  /** The results store as RESULTS_STORE names it (unset in tests that build a config by hand = `resultsDir`). */
  readonly resultsStore?: ResultsStoreConfig;
  /** Zone for date-only bounds such as `--from 2024-01-01` (`COINHTS_TZ`, default Asia/Seoul, as the original). */
  readonly timeZone: string;
  /** Repository root (for bundled assets). */
  readonly repoRoot: string;
  /** PostgreSQL URL of the results index (`DATABASE_URL`); unset = commands that need it say so. */
  readonly databaseUrl?: string;
  /** PostgreSQL schema of the results tables (`DB_SCHEMA`, the same variable as the API and worker); unset = the server's search_path (normally `public`). */
  readonly databaseSchema?: string;
  /** Print stack traces of unexpected errors (`COINHTS_DEBUG` set to anything but empty/0). */
  readonly debug?: boolean;
  /** The environment `coinhts alerts test` parses with `CLI_ALERTS_CONFIG` (only then: bad SMTP settings do not stop a backtest). */
  readonly alertEnv?: EnvRecord;
  /** Strategy plugin modules (`COINHTS_STRATEGY_MODULES`, paths absolute); `--strategy-module FILE` adds more. */
  readonly strategyModules?: readonly string[];
  /** Upbit REST base URL (`UPBIT_BASE_URL`, the worker's variable; default Upbit's own), for the market check of `paper start`. */
  readonly upbitBaseUrl?: string;
}

/** Reads and validates the CLI's environment once; a bad variable throws `ConfigError` (exit 2). */
export function loadCliConfig(env: EnvRecord = process.env): CliConfig {
  const repoRoot = resolve(__dirname, '..', '..', '..');
  const c = CLI_CONFIG.load(env);
  const store = c.results;
  const base = {
    repoRoot,
    dataRoot: c.dataRoot ?? join(repoRoot, 'data', 'sample'),
    resultsStore: store,
    timeZone: c.timeZone,
    databaseUrl: c.databaseUrl,
    databaseSchema: c.databaseSchema,
    debug: c.debug,
    strategyModules: c.strategyModules,
    upbitBaseUrl: c.upbitBaseUrl,
    alertEnv: Object.fromEntries(CLI_ALERTS_CONFIG.variables.map((k) => [k, env[k]])),
  };
  return { ...base, resultsDir: store.kind === 'local' ? store.dir : '' };
}
