import { resolve } from 'node:path';
import type { StoreLocation } from '@coinhts/runs';
import { z } from 'zod';

/**
 * The API's configuration. This is the only module of the app that reads `process.env`; it
 * validates everything once at start-up and the rest of the app receives typed values.
 */

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: () => 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number({ error: () => 'must be a whole number' }).int('must be a whole number').min(min).max(max);
const csv = z.string().transform((s) => s.split(',').map((x) => x.trim()).filter((x) => x.length > 0));
const url = (protocols: readonly string[]) =>
  z.string().refine((s) => {
    try {
      return protocols.includes(new URL(s).protocol);
    } catch {
      return false;
    }
  }, { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` });
const origin = z.string().refine((s) => {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === s;
  } catch {
    return false;
  }
}, { message: 'each origin must look like https://app.example.com (scheme://host[:port], no path, no "*")' });

const ApiEnvFields = z.object({
  PORT: int(0, 65_535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: url(['postgres:', 'postgresql:']),
  DB_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier').optional(),
  DB_POOL_SIZE: int(1, 200).default(10),
  MIGRATE_ON_START: bool.default(false),
  REDIS_URL: url(['redis:', 'rediss:']),
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only').default('coinhts'),
  DATA_ROOT: z.string().min(1),
  COINHTS_RESULTS_DIR: z.string().min(1).default('coinhts-results'),
  // The worker's names and rules (apps/worker/src/config.ts), so one .env serves both.
  RESULTS_STORE: z.enum(['local', 's3']).default('local'),
  S3_BUCKET: z.string().min(3).max(63).optional(),
  S3_ENDPOINT: url(['http:', 'https:']).optional(),
  S3_KEY_PREFIX: z.string().regex(/^(|.*\/)$/, "must be empty or end with '/'").optional(),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  AWS_ACCESS_KEY_ID: z.string().min(1).optional(),
  AWS_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  COINHTS_TZ: z.string().min(1).refine((tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, { message: 'must be an IANA time zone such as Asia/Seoul' }).default('Asia/Seoul'),
  CORS_ORIGINS: csv.pipe(z.array(origin)).default([]),
  BODY_LIMIT_BYTES: int(1_024, 64 * 1024 * 1024).default(256 * 1024),
  UPLOAD_LIMIT_BYTES: int(1_024, 2 * 1024 * 1024 * 1024).default(50 * 1024 * 1024),
  SYNC_MAX_CANDLES: int(1, 1e9).default(200_000),
  RATE_LIMIT_MAX: int(1, 1e9).default(300),
  RATE_LIMIT_WINDOW_MS: int(1_000, 86_400_000).default(60_000),
  AUTH_CACHE_TTL_MS: int(0, 3_600_000).default(30_000),
  REFRESH_DEFAULT_SYMBOLS: csv.default(['KRW-BTC', 'KRW-ETH']),
  REFRESH_DEFAULT_TIMEFRAMES: csv.default(['1h', '1d']),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SHUTDOWN_TIMEOUT_MS: int(0, 600_000).default(25_000),
  TRUST_PROXY: bool.default(false),
});

/** Environment variables of the API, with defaults. Unknown variables are ignored. */
export const ApiEnvSchema = ApiEnvFields.superRefine((e, ctx) => {
  if (e.RESULTS_STORE === 's3' && !e.S3_BUCKET) ctx.addIssue({ code: 'custom', path: ['S3_BUCKET'], message: 'is required when RESULTS_STORE=s3' });
  if ((e.AWS_ACCESS_KEY_ID === undefined) !== (e.AWS_SECRET_ACCESS_KEY === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['AWS_SECRET_ACCESS_KEY'], message: 'set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither (then the AWS default chain is used)' });
  }
});

/** Validated configuration of the API. Sizes are bytes, durations ms. */
export interface ApiConfig {
  readonly port: number;
  readonly host: string;
  readonly database: { readonly url: string; readonly schema?: string; readonly poolSize: number; readonly migrateOnStart: boolean };
  readonly redisUrl: string;
  /** Key prefix of the queues; must match the worker's. */
  readonly queuePrefix: string;
  /** Candle store root (`{SYMBOL}/{TIMEFRAME}/{YEAR}.parquet`). */
  readonly dataRoot: string;
  /**
   * Local archive folder (`{dir}/backtests/{runId}/`): where runs are written with
   * `RESULTS_STORE=local`, and where runs archived locally (`file://` locations) are read from in
   * either mode.
   */
  readonly resultsDir: string;
  /** Where new runs are archived: the same options the worker passes to `openProcessorRuntime`. */
  readonly results: StoreLocation;
  /** Zone of date-only bounds such as `start_date: 2024-01-01` (the end date is inclusive). */
  readonly timeZone: string;
  /** Origins allowed by CORS; empty = no cross-origin access. Never `*`, never credentials. */
  readonly corsOrigins: readonly string[];
  readonly bodyLimitBytes: number;
  readonly uploadLimitBytes: number;
  /** Largest synchronous backtest, in candles × symbols; larger ones get 413 and go to the async route. */
  readonly syncMaxCandles: number;
  readonly rateLimit: { readonly max: number; readonly windowMs: number };
  /** How long a verified API key is cached in memory (revocations take effect within this time). */
  readonly authCacheTtlMs: number;
  /** Defaults of `POST /api/v1/data/refresh` when the body names none. */
  readonly refreshDefaults: { readonly symbols: readonly string[]; readonly timeframes: readonly string[] };
  readonly logLevel: z.output<typeof ApiEnvSchema>['LOG_LEVEL'];
  /** How long SIGTERM waits for in-flight requests before closing connections. */
  readonly shutdownTimeoutMs: number;
  /** Honour X-Forwarded-For (behind one reverse proxy). */
  readonly trustProxy: boolean;
}

/** The environment is incomplete or wrong; the message lists every variable and what to fix. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID' as const;
  constructor(readonly problems: readonly string[]) {
    super(`The API cannot start; fix these environment variables:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function problemsOf(error: z.ZodError, env: Readonly<Record<string, unknown>>): string[] {
  return error.issues.map((i) => {
    const name = String(i.path[0] ?? '(environment)');
    return env[name] === undefined && i.code !== 'custom' ? `${name} is required but not set` : `${name}: ${i.message}`;
  });
}

/** Reads and validates the API's environment once; throws {@link ConfigError} listing every problem. */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): ApiConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const r = ApiEnvSchema.safeParse(cleaned);
  if (!r.success) throw new ConfigError(problemsOf(r.error, cleaned));
  const e = r.data;
  return {
    port: e.PORT,
    host: e.HOST,
    database: { url: e.DATABASE_URL, schema: e.DB_SCHEMA, poolSize: e.DB_POOL_SIZE, migrateOnStart: e.MIGRATE_ON_START },
    redisUrl: e.REDIS_URL,
    queuePrefix: e.QUEUE_PREFIX,
    dataRoot: resolve(e.DATA_ROOT),
    resultsDir: resolve(e.COINHTS_RESULTS_DIR),
    results:
      e.RESULTS_STORE === 's3'
        ? {
            kind: 's3',
            bucket: e.S3_BUCKET as string,
            endpoint: e.S3_ENDPOINT,
            region: e.AWS_REGION,
            keyPrefix: e.S3_KEY_PREFIX,
            credentials: e.AWS_ACCESS_KEY_ID && e.AWS_SECRET_ACCESS_KEY ? { accessKeyId: e.AWS_ACCESS_KEY_ID, secretAccessKey: e.AWS_SECRET_ACCESS_KEY } : undefined,
          }
        : { kind: 'local', dir: resolve(e.COINHTS_RESULTS_DIR) },
    timeZone: e.COINHTS_TZ,
    corsOrigins: e.CORS_ORIGINS,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    uploadLimitBytes: e.UPLOAD_LIMIT_BYTES,
    syncMaxCandles: e.SYNC_MAX_CANDLES,
    rateLimit: { max: e.RATE_LIMIT_MAX, windowMs: e.RATE_LIMIT_WINDOW_MS },
    authCacheTtlMs: e.AUTH_CACHE_TTL_MS,
    refreshDefaults: { symbols: e.REFRESH_DEFAULT_SYMBOLS, timeframes: e.REFRESH_DEFAULT_TIMEFRAMES },
    logLevel: e.LOG_LEVEL,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    trustProxy: e.TRUST_PROXY,
  };
}

/** Configuration of the `keys` command: only the database. */
export interface KeysCliConfig {
  readonly database: { readonly url: string; readonly schema?: string };
}

/** Reads DATABASE_URL (and DB_SCHEMA) for `apps/api/src/cli/keys.ts`. */
export function loadKeysCliConfig(env: Readonly<Record<string, string | undefined>> = process.env): KeysCliConfig {
  const schema = ApiEnvFields.pick({ DATABASE_URL: true, DB_SCHEMA: true });
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const r = schema.safeParse(cleaned);
  if (!r.success) throw new ConfigError(problemsOf(r.error, cleaned));
  return { database: { url: r.data.DATABASE_URL, schema: r.data.DB_SCHEMA } };
}
