import { resolve, join } from 'node:path';
import { CliUsageError } from './errors';

/** CLI configuration, read once from the environment (the only place the CLI reads process.env). */
export interface CliConfig {
  /** Root of the candle store (`DATA_ROOT/{SYMBOL}/{TIMEFRAME}/{YEAR}.parquet`). Default: the bundled sample data. */
  readonly dataRoot: string;
  /** Where local result archives and their index live (`COINHTS_RESULTS_DIR`, default ./coinhts-results). */
  readonly resultsDir: string;
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
  /** The alert variables (ALERT_*, SMTP_*; the worker's names), validated by `coinhts alerts test`. */
  readonly alertEnv?: Readonly<Record<string, string | undefined>>;
  /** Upbit REST base URL (`UPBIT_BASE_URL`, the worker's name; default Upbit's own), for the market check of `paper start`. */
  readonly upbitBaseUrl?: string;
}

/** Reads and validates the CLI's environment once. */
export function loadCliConfig(env: NodeJS.ProcessEnv = process.env): CliConfig {
  const repoRoot = resolve(__dirname, '..', '..', '..');
  const timeZone = env.COINHTS_TZ || 'Asia/Seoul';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new CliUsageError(`COINHTS_TZ=${timeZone} is not an IANA time zone; use e.g. Asia/Seoul or UTC`);
  }
  return {
    repoRoot,
    dataRoot: resolve(env.DATA_ROOT ?? join(repoRoot, 'data', 'sample')),
    resultsDir: resolve(env.COINHTS_RESULTS_DIR ?? 'coinhts-results'),
    timeZone,
    databaseUrl: env.DATABASE_URL || undefined,
    databaseSchema: env.DB_SCHEMA || undefined,
    debug: Boolean(env.COINHTS_DEBUG) && env.COINHTS_DEBUG !== '0',
    upbitBaseUrl: env.UPBIT_BASE_URL || undefined,
    alertEnv: Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('ALERT_') || k.startsWith('SMTP_'))),
  };
}
