/** The CLI's configuration: the shared fragments it needs plus COINHTS_DEBUG. */
import { z } from 'zod';
import { composeConfig, defineFragment } from './compose';
import { envVar } from './env-var';
import { alertsFragment, optionalDatabaseFragment, optionalMarketDataFragment, resultsStoreFragment, timeZoneFragment, strategyModulesFragment, upbitFragment, type ResultsStoreConfig } from './fragments';

/** `COINHTS_DEBUG`: print stack traces of unexpected errors (anything but empty or 0). */
export const COINHTS_DEBUG = envVar({
  name: 'COINHTS_DEBUG', schema: z.string().transform((s) => s !== '0'), default: '0',
  doc: 'Print stack traces of unexpected errors (any value but empty or 0).', expected: '1 or 0', example: '1',
});

/** The CLI's own variables. */
export const cliFragment = defineFragment({ name: 'cli', vars: { COINHTS_DEBUG }, build: (v): { readonly debug: boolean } => ({ debug: v.COINHTS_DEBUG }) });

/** What the CLI reads at start (the app adds its repository root and default candle folder). */
export interface CliEnvConfig {
  /** Candle store root, absolute; unset = the app's bundled sample. */
  readonly dataRoot?: string;
  /** Where runs are saved and listed (RESULTS_STORE). */
  readonly results: ResultsStoreConfig;
  readonly timeZone: string;
  /** PostgreSQL of the results index (DATABASE_URL); unset = commands that need it say so. */
  readonly databaseUrl?: string;
  /** PostgreSQL schema (DB_SCHEMA). */
  readonly databaseSchema?: string;
  readonly debug: boolean;
  /** Strategy plugin modules (COINHTS_STRATEGY_MODULES), paths absolute. */
  readonly strategyModules: readonly string[];
  /** Upbit REST base URL (`UPBIT_BASE_URL`; unset = Upbit's): `paper start` checks the markets there. */
  readonly upbitBaseUrl?: string;
}

/** The CLI's start-up configuration (`CLI_CONFIG.variables`; the alert variables are in {@link CLI_ALERTS_CONFIG}). */
export const CLI_CONFIG = composeConfig('The CLI', {
  marketData: optionalMarketDataFragment,
  results: resultsStoreFragment,
  timeZone: timeZoneFragment,
  database: optionalDatabaseFragment,
  cli: cliFragment,
  strategyModules: strategyModulesFragment,
  upbit: upbitFragment,
}).map((c): CliEnvConfig => ({
  dataRoot: c.marketData.dataRoot,
  results: c.results,
  timeZone: c.timeZone.timeZone,
  databaseUrl: c.database.url,
  databaseSchema: c.database.schema,
  debug: c.cli.debug,
  strategyModules: c.strategyModules.modules,
  upbitBaseUrl: c.upbit.baseUrl,
}));

/**
 * The alert channels, read by `coinhts alerts test` (and only then: a wrong SMTP setting does not
 * stop a backtest) and by the ops tools' `alerts-test`.
 */
export const CLI_ALERTS_CONFIG = composeConfig('The alert test', { alerts: alertsFragment }).map((c) => c.alerts);
