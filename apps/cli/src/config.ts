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
  /**
   * Strategy plugin modules (`COINHTS_STRATEGY_MODULES`, comma-separated paths or package names,
   * the same variable as the API and worker); paths are resolved against the working directory.
   * `--strategy-module FILE` adds more.
   */
  readonly strategyModules?: readonly string[];
}

/** Splits a comma-separated module list; entries that look like paths become absolute. */
export function parseStrategyModules(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(resolveModuleSpecifier);
}

/** A path (`./x.js`, `/abs/x.ts`, `plugins/x.js`) resolved against the working directory; a package name unchanged. */
export function resolveModuleSpecifier(spec: string): string {
  return spec.startsWith('.') || spec.startsWith('/') || /\.[cm]?[jt]s$/.test(spec) ? resolve(spec) : spec;
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
    strategyModules: parseStrategyModules(env.COINHTS_STRATEGY_MODULES),
    alertEnv: Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('ALERT_') || k.startsWith('SMTP_'))),
  };
}
