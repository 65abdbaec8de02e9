import { resolve, join } from 'node:path';
import { CliUsageError } from './errors';

/** CLI configuration, read once from the environment (the only place the CLI reads process.env). */
export interface CliConfig {
  /** Root of the candle store (`DATA_ROOT/{SYMBOL}/{TIMEFRAME}/{YEAR}.parquet`). Default: the bundled sample data. */
  readonly dataRoot: string;
  /** The local results folder (`COINHTS_RESULTS_DIR`, default ./coinhts-results): the default store. */
  readonly resultsDir: string;
  /**
   * Where runs are stored, as a store URL (`COINHTS_STORE`: `file:./coinhts-results`,
   * `s3://bucket/prefix`; default `file:` + the results folder). Parsed when a command needs it,
   * so a bad URL fails that command with exit 2.
   */
  readonly store?: string;
  /** S3 connection of an `s3://` store (`S3_ENDPOINT`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`). */
  readonly s3?: { readonly endpoint?: string; readonly region?: string; readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string } };
  /** File of the embedded run index when the store is not a local folder (`COINHTS_INDEX`). */
  readonly indexFile?: string;
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
    store: env.COINHTS_STORE || `file:${resolve(env.COINHTS_RESULTS_DIR ?? 'coinhts-results')}`,
    s3: {
      endpoint: env.S3_ENDPOINT || undefined,
      region: env.AWS_REGION || undefined,
      credentials: env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY } : undefined,
    },
    indexFile: env.COINHTS_INDEX ? resolve(env.COINHTS_INDEX) : undefined,
    timeZone,
    databaseUrl: env.DATABASE_URL || undefined,
    databaseSchema: env.DB_SCHEMA || undefined,
    debug: Boolean(env.COINHTS_DEBUG) && env.COINHTS_DEBUG !== '0',
    alertEnv: Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('ALERT_') || k.startsWith('SMTP_'))),
  };
}
