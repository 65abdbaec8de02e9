import { resolve } from 'node:path';
import { z } from 'zod';

/**
 * The worker's configuration. This is the only module of the app that reads `process.env`; it
 * validates everything once at start-up (in the worker process and again in each sandbox, which
 * inherits the environment) and the rest of the app receives typed values. Variable names shared
 * with the API (DATABASE_URL, REDIS_URL, QUEUE_PREFIX, DATA_ROOT, COINHTS_RESULTS_DIR, COINHTS_TZ,
 * LOG_LEVEL, SHUTDOWN_TIMEOUT_MS) mean the same thing in both.
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
const QUEUES = ['backtest', 'sweep', 'data-ingestion'] as const;

/** Environment variables of the worker, with defaults. Unknown variables are ignored. */
export const WorkerEnvSchema = z
  .object({
    REDIS_URL: url(['redis:', 'rediss:']),
    QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only').default('coinhts'),
    DATABASE_URL: url(['postgres:', 'postgresql:']),
    DB_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier').optional(),
    DB_POOL_SIZE: int(1, 50).default(2),
    MIGRATE_ON_START: bool.default(false),
    DATA_ROOT: z.string().min(1),
    COINHTS_TZ: z.string().min(1).refine((tz) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, { message: 'must be an IANA time zone such as Asia/Seoul' }).default('Asia/Seoul'),
    RESULTS_STORE: z.enum(['local', 's3']).default('local'),
    COINHTS_RESULTS_DIR: z.string().min(1).default('coinhts-results'),
    S3_BUCKET: z.string().min(3).max(63).optional(),
    S3_ENDPOINT: url(['http:', 'https:']).optional(),
    S3_KEY_PREFIX: z.string().regex(/^(|.*\/)$/, "must be empty or end with '/'").optional(),
    AWS_REGION: z.string().min(1).default('us-east-1'),
    AWS_ACCESS_KEY_ID: z.string().min(1).optional(),
    AWS_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    WORKER_QUEUES: csv.pipe(z.array(z.enum(QUEUES, { error: () => `each queue must be one of ${QUEUES.join(', ')}` })).min(1)).default([...QUEUES]),
    WORKER_SANDBOX: z.enum(['process', 'thread']).default('process'),
    BACKTEST_CONCURRENCY: int(1, 64).default(1),
    SWEEP_CONCURRENCY: int(1, 64).default(1),
    INGESTION_CONCURRENCY: int(1, 8).default(1),
    LOCK_DURATION_MS: int(1_000, 600_000).default(30_000),
    // 5 s: a job held by a killed worker is back within LOCK_DURATION_MS + STALLED_INTERVAL_MS (docs/jobs.md).
    STALLED_INTERVAL_MS: int(500, 600_000).default(5_000),
    MAX_STALLED_COUNT: int(0, 100).default(2),
    STOP_GRACE_MS: int(0, 60_000).default(1_000),
    SHUTDOWN_TIMEOUT_MS: int(0, 600_000).default(25_000),
    RETENTION_COMPLETED_AGE_S: int(60, 31_536_000).default(86_400),
    RETENTION_COMPLETED_COUNT: int(0, 1_000_000).default(1_000),
    RETENTION_FAILED_AGE_S: int(60, 31_536_000).default(604_800),
    RETENTION_FAILED_COUNT: int(0, 1_000_000).default(5_000),
    // Loopback by default: /metrics has no key (docs/jobs.md); compose sets 0.0.0.0 inside its network.
    METRICS_HOST: z.string().min(1).default('127.0.0.1'),
    METRICS_PORT: int(0, 65_535).optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    ALERT_SLACK_WEBHOOK_URL: url(['http:', 'https:']).optional(),
    ALERT_SLACK_CHANNEL: z.string().min(1).optional(),
    SMTP_HOST: z.string().min(1).optional(),
    SMTP_PORT: int(1, 65_535).default(587),
    SMTP_SECURE: bool.default(false),
    SMTP_USER: z.string().min(1).optional(),
    SMTP_PASSWORD: z.string().min(1).optional(),
    ALERT_EMAIL_FROM: z.email().optional(),
    ALERT_EMAIL_TO: csv.pipe(z.array(z.email({ error: () => 'each recipient must be an e-mail address' }))).optional(),
    ALERT_WINDOW_MS: int(100, 86_400_000).default(60_000),
    SCHEDULER_ENABLED: bool.default(true),
    SCHEDULER_HOUR_UTC: int(0, 23).default(0),
    SCHEDULER_MINUTE_UTC: int(0, 59).default(10),
    SCHEDULER_SYMBOLS: csv.default(['KRW-BTC', 'KRW-ETH', 'KRW-XRP', 'KRW-SOL', 'KRW-ADA', 'KRW-DOGE']),
    SCHEDULER_TIMEFRAMES: csv.default(['1h', '1d']),
    SCHEDULER_DAYS: int(1, 3650).default(3),
    UPBIT_BASE_URL: url(['http:', 'https:']).optional(),
  })
  .superRefine((e, ctx) => {
    if (e.RESULTS_STORE === 's3' && !e.S3_BUCKET) ctx.addIssue({ code: 'custom', path: ['S3_BUCKET'], message: 'is required when RESULTS_STORE=s3' });
    if (e.SMTP_HOST && !(e.ALERT_EMAIL_TO && e.ALERT_EMAIL_TO.length > 0)) ctx.addIssue({ code: 'custom', path: ['ALERT_EMAIL_TO'], message: 'is required when SMTP_HOST is set (who gets the alerts?)' });
    if (e.SMTP_HOST && !e.ALERT_EMAIL_FROM) ctx.addIssue({ code: 'custom', path: ['ALERT_EMAIL_FROM'], message: 'is required when SMTP_HOST is set' });
    if (e.SMTP_USER && !e.SMTP_PASSWORD) ctx.addIssue({ code: 'custom', path: ['SMTP_PASSWORD'], message: 'is required when SMTP_USER is set' });
    if ((e.AWS_ACCESS_KEY_ID === undefined) !== (e.AWS_SECRET_ACCESS_KEY === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['AWS_SECRET_ACCESS_KEY'], message: 'set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither (then the AWS default chain is used)' });
    }
  });

/** The typed configuration the rest of the worker receives. */
export interface WorkerConfig {
  readonly redisUrl: string;
  readonly queuePrefix: string;
  readonly database: { readonly url: string; readonly schema?: string; readonly poolSize: number; readonly migrateOnStart: boolean };
  /** Candle store root, absolute. */
  readonly dataRoot: string;
  readonly timeZone: string;
  readonly results:
    | { readonly kind: 'local'; readonly dir: string }
    | { readonly kind: 's3'; readonly bucket: string; readonly endpoint?: string; readonly region: string; readonly keyPrefix?: string; readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string } };
  /** Queues this process works on. */
  readonly queues: readonly (typeof QUEUES)[number][];
  readonly sandbox: 'process' | 'thread';
  readonly concurrency: { readonly backtest: number; readonly sweep: number; readonly ingestion: number };
  readonly locks: { readonly lockDurationMs: number; readonly stalledIntervalMs: number; readonly maxStalledCount: number; readonly stopGraceMs: number };
  readonly retention: { readonly completedAgeSec: number; readonly completedCount: number; readonly failedAgeSec: number; readonly failedCount: number };
  readonly shutdownTimeoutMs: number;
  /** `/healthz` + `/metrics` server; `fallbackToFreePort`: the port is the default 9464, so take a free one when it is in use (a second worker on one host). */
  readonly metrics: { readonly host: string; readonly port: number; readonly fallbackToFreePort?: boolean };
  readonly logLevel: z.output<typeof WorkerEnvSchema>['LOG_LEVEL'];
  readonly alerts: {
    readonly windowMs: number;
    readonly slack?: { readonly webhookUrl: string; readonly channel?: string };
    readonly email?: { readonly host: string; readonly port: number; readonly secure: boolean; readonly user?: string; readonly password?: string; readonly from: string; readonly to: readonly string[] };
  };
  readonly scheduler: { readonly enabled: boolean; readonly hourUtc: number; readonly minuteUtc: number; readonly symbols: readonly string[]; readonly timeframes: readonly string[]; readonly days: number };
  readonly upbitBaseUrl?: string;
}

/** The environment is incomplete or wrong; the message lists every variable and what to fix. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID' as const;
  constructor(readonly problems: readonly string[]) {
    super(`The worker cannot start; fix these environment variables:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function problemsOf(error: z.ZodError, env: Readonly<Record<string, unknown>>): string[] {
  return error.issues.map((i) => {
    const name = String(i.path[0] ?? '(environment)');
    return env[name] === undefined && i.code !== 'custom' ? `${name} is required but not set` : `${name}: ${i.message}`;
  });
}

/** Reads and validates the worker's environment; throws {@link ConfigError} listing every problem. */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): WorkerConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const r = WorkerEnvSchema.safeParse(cleaned);
  if (!r.success) throw new ConfigError(problemsOf(r.error, cleaned));
  const e = r.data;
  return {
    redisUrl: e.REDIS_URL,
    queuePrefix: e.QUEUE_PREFIX,
    database: { url: e.DATABASE_URL, schema: e.DB_SCHEMA, poolSize: e.DB_POOL_SIZE, migrateOnStart: e.MIGRATE_ON_START },
    dataRoot: resolve(e.DATA_ROOT),
    timeZone: e.COINHTS_TZ,
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
    queues: [...new Set(e.WORKER_QUEUES)],
    sandbox: e.WORKER_SANDBOX,
    concurrency: { backtest: e.BACKTEST_CONCURRENCY, sweep: e.SWEEP_CONCURRENCY, ingestion: e.INGESTION_CONCURRENCY },
    locks: { lockDurationMs: e.LOCK_DURATION_MS, stalledIntervalMs: e.STALLED_INTERVAL_MS, maxStalledCount: e.MAX_STALLED_COUNT, stopGraceMs: e.STOP_GRACE_MS },
    retention: { completedAgeSec: e.RETENTION_COMPLETED_AGE_S, completedCount: e.RETENTION_COMPLETED_COUNT, failedAgeSec: e.RETENTION_FAILED_AGE_S, failedCount: e.RETENTION_FAILED_COUNT },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    metrics: { host: e.METRICS_HOST, port: e.METRICS_PORT ?? 9464, fallbackToFreePort: e.METRICS_PORT === undefined },
    logLevel: e.LOG_LEVEL,
    alerts: {
      windowMs: e.ALERT_WINDOW_MS,
      slack: e.ALERT_SLACK_WEBHOOK_URL ? { webhookUrl: e.ALERT_SLACK_WEBHOOK_URL, channel: e.ALERT_SLACK_CHANNEL } : undefined,
      email: e.SMTP_HOST
        ? { host: e.SMTP_HOST, port: e.SMTP_PORT, secure: e.SMTP_SECURE, user: e.SMTP_USER, password: e.SMTP_PASSWORD, from: e.ALERT_EMAIL_FROM as string, to: e.ALERT_EMAIL_TO ?? [] }
        : undefined,
    },
    scheduler: { enabled: e.SCHEDULER_ENABLED, hourUtc: e.SCHEDULER_HOUR_UTC, minuteUtc: e.SCHEDULER_MINUTE_UTC, symbols: e.SCHEDULER_SYMBOLS, timeframes: e.SCHEDULER_TIMEFRAMES, days: e.SCHEDULER_DAYS },
    upbitBaseUrl: e.UPBIT_BASE_URL,
  };
}
