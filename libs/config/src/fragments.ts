/**
 * The shared fragments: every variable coin-hts reads is defined here once (name, parser, doc,
 * default) and grouped into fragments that the apps compose (./apps.ts).
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { defineFragment, type ProblemDraft } from './compose';
import { boolText, csvText, envVar, intText, timeZoneText, urlText } from './env-var';
import { parseResultsStoreUrl, type ResultsStoreLocation } from './store-url';

const sqlIdentifier = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier');
const postgresUrl = urlText(['postgres:', 'postgresql:']);
const httpUrl = urlText(['http:', 'https:']);
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

// ---------------------------------------------------------------------------------------------
// Database (PostgreSQL)
// ---------------------------------------------------------------------------------------------

/** `DATABASE_URL`: PostgreSQL of the results index and API keys. Required by the API and the worker. */
export const DATABASE_URL = envVar({
  name: 'DATABASE_URL', schema: postgresUrl, required: true, secret: false,
  doc: 'PostgreSQL connection URL (results index, API keys, presets).',
  expected: 'a postgres:// URL', example: 'postgres://coinhts:password@127.0.0.1:5432/coinhts',
});
/** `DB_SCHEMA`: schema of the tables; unset = the server's search_path. */
export const DB_SCHEMA = envVar({
  name: 'DB_SCHEMA', schema: sqlIdentifier,
  doc: "PostgreSQL schema of coin-hts's tables; unset = the server's search_path (normally public).",
  expected: 'a lower-case SQL identifier', example: 'coinhts',
});
/** `DB_POOL_SIZE`: connections per pool (one bound, 1-200, for every process). */
export const DB_POOL_SIZE = envVar({
  name: 'DB_POOL_SIZE', schema: intText(1, 200), default: '10',
  doc: 'Connections per database pool (the worker opens one pool per sandbox).',
  expected: 'a whole number 1-200', example: '10',
});
/** `MIGRATE_ON_START`: apply the results migrations at start. */
export const MIGRATE_ON_START = envVar({
  name: 'MIGRATE_ON_START', schema: boolText, default: 'false',
  doc: 'Apply the database migrations at start.', expected: 'true or false', example: 'false',
});

/** Database settings as processes receive them. */
export interface DatabaseSettings {
  readonly url: string;
  readonly schema?: string;
  /** Connections per pool. */
  readonly poolSize: number;
  readonly migrateOnStart: boolean;
}

/**
 * The database fragment for a long-running service; `defaultPoolSize` is the process's own
 * default (API 10, worker 2 per sandbox).
 */
export const databaseFragment = (defaultPoolSize: number) =>
  defineFragment({
    name: 'database',
    vars: { DATABASE_URL, DB_SCHEMA, DB_POOL_SIZE: DB_POOL_SIZE.withDefault(String(defaultPoolSize)), MIGRATE_ON_START },
    build: (v): DatabaseSettings => ({ url: v.DATABASE_URL, schema: v.DB_SCHEMA, poolSize: v.DB_POOL_SIZE, migrateOnStart: v.MIGRATE_ON_START }),
  });

/** The database fragment of tools where the database is optional (CLI, ops): URL and schema only. */
export const optionalDatabaseFragment = defineFragment({
  name: 'database',
  vars: { DATABASE_URL: DATABASE_URL.asOptional(), DB_SCHEMA },
  build: (v): { readonly url?: string; readonly schema?: string } => ({ url: v.DATABASE_URL, schema: v.DB_SCHEMA }),
});

/** The database fragment of one-shot commands that need it (e.g. `keys`): URL and schema. */
export const requiredDatabaseFragment = defineFragment({
  name: 'database',
  vars: { DATABASE_URL, DB_SCHEMA },
  build: (v): { readonly url: string; readonly schema?: string } => ({ url: v.DATABASE_URL, schema: v.DB_SCHEMA }),
});

// ---------------------------------------------------------------------------------------------
// Redis and the queues
// ---------------------------------------------------------------------------------------------

/** `REDIS_URL`: Redis of the queues, rate limits and job outcomes. */
export const REDIS_URL = envVar({
  name: 'REDIS_URL', schema: urlText(['redis:', 'rediss:']), required: true,
  doc: 'Redis URL (queues, rate limits, job outcomes); rediss:// = TLS.',
  expected: 'a redis:// or rediss:// URL', example: 'redis://127.0.0.1:6379',
});
/** `QUEUE_PREFIX`: key prefix of the queues; the API and every worker must agree. */
export const QUEUE_PREFIX = envVar({
  name: 'QUEUE_PREFIX', schema: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'may hold only letters, digits, _ and - (1-64)'), default: 'coinhts',
  doc: 'Key prefix of the queues; the API and every worker of a deployment must use the same one.',
  expected: '1-64 letters, digits, _ or -', example: 'coinhts',
});

/** The Redis/queue fragment. */
export const queueFragment = defineFragment({
  name: 'queue',
  vars: { REDIS_URL, QUEUE_PREFIX },
  build: (v): { readonly redisUrl: string; readonly queuePrefix: string } => ({ redisUrl: v.REDIS_URL, queuePrefix: v.QUEUE_PREFIX }),
});

// ---------------------------------------------------------------------------------------------
// S3 connection and the results store
// ---------------------------------------------------------------------------------------------

/** `S3_ENDPOINT`: an S3-compatible server; unset = AWS. */
export const S3_ENDPOINT = envVar({
  name: 'S3_ENDPOINT', schema: httpUrl,
  doc: 'Endpoint of an S3-compatible server (MinIO, moto); unset = AWS.', expected: 'an http(s):// URL', example: 'http://127.0.0.1:9000',
});
/** `AWS_REGION`. */
export const AWS_REGION = envVar({
  name: 'AWS_REGION', schema: z.string().min(1), default: 'us-east-1',
  doc: 'Region of the S3 bucket.', expected: 'a region name', example: 'ap-northeast-2',
});
/** `AWS_ACCESS_KEY_ID`: with AWS_SECRET_ACCESS_KEY, or neither (the AWS default chain). */
export const AWS_ACCESS_KEY_ID = envVar({
  name: 'AWS_ACCESS_KEY_ID', schema: z.string().min(1),
  doc: 'S3 access key id; set both keys or neither (then the AWS default credential chain is used).', expected: 'an access key id', example: 'AKIAEXAMPLE',
});
/** `AWS_SECRET_ACCESS_KEY`. */
export const AWS_SECRET_ACCESS_KEY = envVar({
  name: 'AWS_SECRET_ACCESS_KEY', schema: z.string().min(1), secret: true,
  doc: 'S3 secret access key (with AWS_ACCESS_KEY_ID).', expected: 'the secret of AWS_ACCESS_KEY_ID', example: 'secret',
});

/** How to reach S3 (the bucket is named by whoever uses it, e.g. RESULTS_STORE). */
export interface S3Connection {
  /** unset = AWS. */
  readonly endpoint?: string;
  readonly region: string;
  /** unset = the AWS default credential chain. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

const s3Vars = { S3_ENDPOINT, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY };
const s3Check = (v: { readonly AWS_ACCESS_KEY_ID?: string; readonly AWS_SECRET_ACCESS_KEY?: string }): ProblemDraft[] =>
  (v.AWS_ACCESS_KEY_ID === undefined) !== (v.AWS_SECRET_ACCESS_KEY === undefined)
    ? [{
        variable: v.AWS_ACCESS_KEY_ID === undefined ? 'AWS_ACCESS_KEY_ID' : 'AWS_SECRET_ACCESS_KEY',
        problem: `is not set while ${v.AWS_ACCESS_KEY_ID === undefined ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID'} is`,
        fix: 'set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither (then the AWS default chain is used)',
      }]
    : [];
const s3Build = (v: { readonly S3_ENDPOINT?: string; readonly AWS_REGION: string; readonly AWS_ACCESS_KEY_ID?: string; readonly AWS_SECRET_ACCESS_KEY?: string }): S3Connection => ({
  endpoint: v.S3_ENDPOINT,
  region: v.AWS_REGION,
  credentials: v.AWS_ACCESS_KEY_ID && v.AWS_SECRET_ACCESS_KEY ? { accessKeyId: v.AWS_ACCESS_KEY_ID, secretAccessKey: v.AWS_SECRET_ACCESS_KEY } : undefined,
});

/** The S3 connection fragment (endpoint, region, key pair). */
export const s3Fragment = defineFragment({ name: 's3', vars: s3Vars, check: s3Check, build: s3Build });

/** `RESULTS_STORE`: where run archives live, one URL in every app (see {@link parseResultsStoreUrl}). */
export const RESULTS_STORE = envVar({
  name: 'RESULTS_STORE', schema: z.string().min(1), default: 'file:./coinhts-results',
  doc: 'Where run archives live: file:<folder> (relative to the working folder, or absolute) or s3://<bucket>/<prefix> (endpoint and keys from S3_ENDPOINT, AWS_*). Every process of a deployment must name the same store.',
  expected: 'file:<folder> or s3://<bucket>/<prefix>', example: 'file:./coinhts-results',
});

/** Where run archives live, with the S3 connection when on S3. */
export type ResultsStoreConfig = Extract<ResultsStoreLocation, { kind: 'local' }> | (Extract<ResultsStoreLocation, { kind: 's3' }> & S3Connection);

/**
 * Variables that named the store before `RESULTS_STORE` was a URL. Set, they are a problem (not
 * silently ignored: a store that moves without notice loses runs from view).
 */
const RETIRED_STORE_VARIABLES: Readonly<Record<string, (value: string) => string>> = {
  COINHTS_RESULTS_DIR: (v) => `remove it and name the folder in the store URL: RESULTS_STORE=file:${v}`,
  S3_KEY_PREFIX: (v) => `remove it and put the prefix into the store URL: RESULTS_STORE=s3://{bucket}/${v}`,
};

/** The results store fragment: `RESULTS_STORE` plus the S3 connection it needs for `s3://`. */
export const resultsStoreFragment = defineFragment({
  name: 'resultsStore',
  vars: { RESULTS_STORE, ...s3Vars },
  check: (v, env) => {
    const out: ProblemDraft[] = [];
    for (const [name, fix] of Object.entries(RETIRED_STORE_VARIABLES)) {
      const value = env[name];
      if (value !== undefined && value !== '') out.push({ variable: name, problem: 'is no longer read (RESULTS_STORE names the store as one URL)', fix: fix(value) });
    }
    const r = parseResultsStoreUrl(v.RESULTS_STORE, '/');
    if (!r.ok) out.push({ variable: 'RESULTS_STORE', problem: r.problem, fix: r.fix });
    else if (r.location.kind === 's3') out.push(...s3Check(v));
    return out;
  },
  build: (v, ctx): ResultsStoreConfig => {
    const r = parseResultsStoreUrl(v.RESULTS_STORE, ctx.cwd);
    if (!r.ok) throw new Error(`config: RESULTS_STORE passed check but not build: ${r.problem}`);
    return r.location.kind === 'local' ? r.location : { ...r.location, ...s3Build(v) };
  },
});

// ---------------------------------------------------------------------------------------------
// Candles, time zone, Upbit
// ---------------------------------------------------------------------------------------------

/** `DATA_ROOT`: root of the candle store (`{SYMBOL}/{TIMEFRAME}/{YEAR}.parquet`). */
export const DATA_ROOT = envVar({
  name: 'DATA_ROOT', schema: z.string().min(1), required: true,
  doc: 'Root folder of the candle store ({SYMBOL}/{TIMEFRAME}/{YEAR}.parquet).', expected: 'a folder', example: 'data/sample',
});
/** The candle store fragment (DATA_ROOT required); `dataRoot` is absolute. */
export const marketDataFragment = defineFragment({
  name: 'marketData',
  vars: { DATA_ROOT },
  build: (v, ctx): { readonly dataRoot: string } => ({ dataRoot: resolve(ctx.cwd, v.DATA_ROOT) }),
});
/** The candle store fragment where the app has its own default folder (CLI): `dataRoot` unset = the app's. */
export const optionalMarketDataFragment = defineFragment({
  name: 'marketData',
  vars: { DATA_ROOT: DATA_ROOT.asOptional() },
  build: (v, ctx): { readonly dataRoot?: string } => ({ dataRoot: v.DATA_ROOT === undefined ? undefined : resolve(ctx.cwd, v.DATA_ROOT) }),
});

/** `COINHTS_TZ`: zone of date-only bounds. */
export const COINHTS_TZ = envVar({
  name: 'COINHTS_TZ', schema: timeZoneText, default: 'Asia/Seoul',
  doc: 'Zone of date-only bounds (2024-01-01 = that day in this zone; the end date is inclusive).', expected: 'an IANA time zone', example: 'Asia/Seoul',
});
/** The time zone fragment. */
export const timeZoneFragment = defineFragment({ name: 'timeZone', vars: { COINHTS_TZ }, build: (v): { readonly timeZone: string } => ({ timeZone: v.COINHTS_TZ }) });

/** `UPBIT_BASE_URL`: Upbit API base URL; unset = Upbit's. */
export const UPBIT_BASE_URL = envVar({
  name: 'UPBIT_BASE_URL', schema: httpUrl,
  doc: "Upbit API base URL (tests and proxies); unset = Upbit's.", expected: 'an http(s):// URL', example: 'https://api.upbit.com',
});
/** The Upbit fragment. */
export const upbitFragment = defineFragment({ name: 'upbit', vars: { UPBIT_BASE_URL }, build: (v): { readonly baseUrl?: string } => ({ baseUrl: v.UPBIT_BASE_URL }) });

// ---------------------------------------------------------------------------------------------
// Process: logging, shutdown, HTTP listeners
// ---------------------------------------------------------------------------------------------

/** A pino log level. */
export type LogLevel = (typeof LOG_LEVELS)[number];
/** `LOG_LEVEL`. */
export const LOG_LEVEL = envVar({
  name: 'LOG_LEVEL', schema: z.enum(LOG_LEVELS, { error: () => `must be one of ${LOG_LEVELS.join(', ')}` }), default: 'info',
  doc: 'Log level (JSON lines on stdout).', expected: `one of ${LOG_LEVELS.join(', ')}`, example: 'info',
});
/** The logging fragment. */
export const loggingFragment = defineFragment({ name: 'logging', vars: { LOG_LEVEL }, build: (v): { readonly level: LogLevel } => ({ level: v.LOG_LEVEL }) });

/** `SHUTDOWN_TIMEOUT_MS`: SIGTERM grace, ms. */
export const SHUTDOWN_TIMEOUT_MS = envVar({
  name: 'SHUTDOWN_TIMEOUT_MS', schema: intText(0, 600_000), default: '25000',
  doc: 'SIGTERM grace in ms: the API finishes in-flight requests, the worker finishes or hands back active jobs.', expected: 'milliseconds 0-600000', example: '25000',
});
/** The shutdown fragment. */
export const shutdownFragment = defineFragment({ name: 'shutdown', vars: { SHUTDOWN_TIMEOUT_MS }, build: (v): { readonly timeoutMs: number } => ({ timeoutMs: v.SHUTDOWN_TIMEOUT_MS }) });

const hostText = z.string().min(1).regex(/^[A-Za-z0-9.:[\]-]+$/, 'must be a host name or an IP address');
/** The default bind address of every listener: loopback only (containers set 0.0.0.0 explicitly). */
export const DEFAULT_BIND_HOST = '127.0.0.1';

/** Where an HTTP server listens. */
export interface ListenSettings {
  readonly host: string;
  /** 0 = any free port. */
  readonly port: number;
}

/** The two variables of one HTTP listener (one definition for the API's and the worker's). */
function listenVars<H extends string, P extends string>(hostName: H, portName: P, what: string, defaultPort: number) {
  return {
    host: envVar({
      name: hostName, schema: hostText, default: DEFAULT_BIND_HOST,
      doc: `Address ${what} listens on; 127.0.0.1 = this host only, 0.0.0.0 = every interface (containers, behind a proxy).`, expected: 'an IP address or host name', example: '0.0.0.0',
    }),
    port: envVar({ name: portName, schema: intText(0, 65_535), default: String(defaultPort), doc: `TCP port of ${what} (0 = any free port).`, expected: 'a TCP port 0-65535', example: String(defaultPort) }),
  };
}
const apiListen = listenVars('HOST', 'PORT', 'the API', 8080);
const metricsListen = listenVars('METRICS_HOST', 'METRICS_PORT', "the /healthz and /metrics port of the worker and the paper process", 9464);
/** `HOST`: the API's bind address (default 127.0.0.1). */
export const HOST = apiListen.host;
/** `PORT`: the API's TCP port (default 8080; 0 = any free port). */
export const PORT = apiListen.port;
/** `METRICS_HOST`: bind address of the worker's and the paper process's /healthz and /metrics (default 127.0.0.1). */
export const METRICS_HOST = metricsListen.host;
/** `METRICS_PORT`: port of the worker's and the paper process's /healthz and /metrics (default 9464; 0 = any free port). */
export const METRICS_PORT = metricsListen.port;

/** The API's listener fragment (HOST, PORT). */
export const apiListenFragment = defineFragment({ name: 'apiListen', vars: { HOST, PORT }, build: (v): ListenSettings => ({ host: v.HOST, port: v.PORT }) });
/** The /healthz + /metrics listener fragment of the worker and the paper process (METRICS_HOST, METRICS_PORT). */
export const metricsListenFragment = defineFragment({ name: 'metricsListen', vars: { METRICS_HOST, METRICS_PORT }, build: (v): ListenSettings => ({ host: v.METRICS_HOST, port: v.METRICS_PORT }) });

// ---------------------------------------------------------------------------------------------
// Alerts (Slack webhook, SMTP e-mail)
// ---------------------------------------------------------------------------------------------

const emailList = csvText.pipe(z.array(z.email({ error: () => 'each recipient must be an e-mail address' })));

/** `ALERT_SLACK_WEBHOOK_URL`. */
export const ALERT_SLACK_WEBHOOK_URL = envVar({
  name: 'ALERT_SLACK_WEBHOOK_URL', schema: httpUrl, secret: true,
  doc: 'Slack incoming webhook for alerts.', expected: 'an http(s):// URL', example: 'https://hooks.slack.com/services/T000/B000/XXXX',
});
/** `ALERT_SLACK_CHANNEL`. */
export const ALERT_SLACK_CHANNEL = envVar({ name: 'ALERT_SLACK_CHANNEL', schema: z.string().min(1), doc: "Slack channel override (default: the webhook's).", expected: 'a channel name', example: '#coinhts-alerts' });
/** `SMTP_HOST`: set = alerts by e-mail. */
export const SMTP_HOST = envVar({ name: 'SMTP_HOST', schema: z.string().min(1), doc: 'SMTP server for alert e-mails; unset = no e-mail.', expected: 'a host name', example: 'smtp.example.com' });
/** `SMTP_PORT`. */
export const SMTP_PORT = envVar({ name: 'SMTP_PORT', schema: intText(1, 65_535), default: '587', doc: 'SMTP port.', expected: 'a TCP port 1-65535', example: '587' });
/** `SMTP_SECURE`: TLS from the first byte (465) instead of STARTTLS. */
export const SMTP_SECURE = envVar({ name: 'SMTP_SECURE', schema: boolText, default: 'false', doc: 'true = TLS from the first byte (port 465); false = STARTTLS when offered.', expected: 'true or false', example: 'false' });
/** `SMTP_USER`. */
export const SMTP_USER = envVar({ name: 'SMTP_USER', schema: z.string().min(1), doc: 'SMTP user (with SMTP_PASSWORD).', expected: 'a user name', example: 'alerts' });
/** `SMTP_PASSWORD`. */
export const SMTP_PASSWORD = envVar({ name: 'SMTP_PASSWORD', schema: z.string().min(1), secret: true, doc: 'SMTP password.', expected: 'the password of SMTP_USER', example: 'secret' });
/** `ALERT_EMAIL_FROM`. */
export const ALERT_EMAIL_FROM = envVar({ name: 'ALERT_EMAIL_FROM', schema: z.email({ error: () => 'must be an e-mail address' }), doc: 'Sender of alert e-mails (required with SMTP_HOST).', expected: 'an e-mail address', example: 'coinhts@example.com' });
/** `ALERT_EMAIL_TO`. */
export const ALERT_EMAIL_TO = envVar({ name: 'ALERT_EMAIL_TO', schema: emailList, doc: 'Comma-separated recipients of alert e-mails (required with SMTP_HOST).', expected: 'comma-separated e-mail addresses', example: 'ops@example.com,dev@example.com' });

/** Alert channels as configured (each optional). */
export interface AlertSettings {
  readonly slack?: { readonly webhookUrl: string; readonly channel?: string };
  readonly email?: { readonly host: string; readonly port: number; readonly secure: boolean; readonly user?: string; readonly password?: string; readonly from: string; readonly to: readonly string[] };
}

/** The alert channels fragment (Slack webhook, SMTP). */
export const alertsFragment = defineFragment({
  name: 'alerts',
  vars: { ALERT_SLACK_WEBHOOK_URL, ALERT_SLACK_CHANNEL, SMTP_HOST, SMTP_PORT, SMTP_SECURE, SMTP_USER, SMTP_PASSWORD, ALERT_EMAIL_FROM, ALERT_EMAIL_TO },
  check: (v) => {
    const out: ProblemDraft[] = [];
    if (v.SMTP_HOST && !v.ALERT_EMAIL_FROM) out.push({ variable: 'ALERT_EMAIL_FROM', problem: 'is required when SMTP_HOST is set', fix: 'set ALERT_EMAIL_FROM to the sender address, e.g. ALERT_EMAIL_FROM=coinhts@example.com' });
    if (v.SMTP_HOST && !(v.ALERT_EMAIL_TO && v.ALERT_EMAIL_TO.length > 0)) out.push({ variable: 'ALERT_EMAIL_TO', problem: 'is required when SMTP_HOST is set (who gets the alerts?)', fix: 'set ALERT_EMAIL_TO to comma-separated recipients, e.g. ALERT_EMAIL_TO=ops@example.com' });
    if (v.SMTP_USER && !v.SMTP_PASSWORD) out.push({ variable: 'SMTP_PASSWORD', problem: 'is required when SMTP_USER is set', fix: 'set SMTP_PASSWORD, or unset SMTP_USER for a server without login' });
    return out;
  },
  build: (v): AlertSettings => ({
    slack: v.ALERT_SLACK_WEBHOOK_URL ? { webhookUrl: v.ALERT_SLACK_WEBHOOK_URL, channel: v.ALERT_SLACK_CHANNEL } : undefined,
    email: v.SMTP_HOST
      ? { host: v.SMTP_HOST, port: v.SMTP_PORT, secure: v.SMTP_SECURE, user: v.SMTP_USER, password: v.SMTP_PASSWORD, from: v.ALERT_EMAIL_FROM as string, to: v.ALERT_EMAIL_TO ?? [] }
      : undefined,
  }),
});

// ---------------------------------------------------------------------------------------------
// Strategy plugins
// ---------------------------------------------------------------------------------------------

/** A module specifier as configured: a path (`./x.js`, `/abs/x.ts`, `plugins/x.js`) made absolute against `cwd`; a package name unchanged. */
export function resolveModuleSpecifier(spec: string, cwd: string): string {
  return spec.startsWith('.') || spec.startsWith('/') || /\.[cm]?[jt]s$/.test(spec) ? resolve(cwd, spec) : spec;
}

/** `COINHTS_STRATEGY_MODULES`: strategy plugin modules (exports of `defineStrategy(...)`), loaded at start-up. */
export const COINHTS_STRATEGY_MODULES = envVar({
  name: 'COINHTS_STRATEGY_MODULES', schema: csvText, default: '',
  doc: 'Strategy plugin modules, comma-separated paths (relative to the working folder) or package names; each exports defineStrategy(...) definitions. The CLI, the API and the worker load them at start-up and run them like built-ins; a module that fails to load, repeats a name or exports an invalid definition stops start-up. Every process of a deployment must name the same modules.',
  expected: 'comma-separated module paths or package names', example: './strategies/ema-rsi-trend.js',
});
/** The strategy plugin fragment: `modules` with paths made absolute. */
export const strategyModulesFragment = defineFragment({
  name: 'strategyModules',
  vars: { COINHTS_STRATEGY_MODULES },
  build: (v, ctx): { readonly modules: readonly string[] } => ({ modules: v.COINHTS_STRATEGY_MODULES.map((m) => resolveModuleSpecifier(m, ctx.cwd)) }),
});
