import { API_CONFIG, API_KEYS_CONFIG, CLI_CONFIG, ConfigError, OPS_CONFIG, PAPER_CONFIG, VARIABLES_BY_APP, WORKER_CONFIG } from './index';

const CWD = '/srv/app';
const BASE = { DATABASE_URL: 'postgres://u@127.0.0.1:5432/db', REDIS_URL: 'redis://127.0.0.1:6379', DATA_ROOT: '/data' };
const S3 = ['AWS_ACCESS_KEY_ID', 'AWS_REGION', 'AWS_SECRET_ACCESS_KEY', 'RESULTS_STORE', 'S3_ENDPOINT'];
const ALERTS = ['ALERT_EMAIL_FROM', 'ALERT_EMAIL_TO', 'ALERT_SLACK_CHANNEL', 'ALERT_SLACK_WEBHOOK_URL', 'SMTP_HOST', 'SMTP_PASSWORD', 'SMTP_PORT', 'SMTP_SECURE', 'SMTP_USER'];
const sorted = (xs: string[]) => [...xs].sort();

describe('the variables each process reads (written out by hand: a variable added or dropped fails here)', () => {
  it('API', () => {
    expect(API_CONFIG.variables).toEqual(sorted([
      'HOST', 'PORT', 'DATABASE_URL', 'DB_SCHEMA', 'DB_POOL_SIZE', 'MIGRATE_ON_START', 'REDIS_URL', 'QUEUE_PREFIX', 'DATA_ROOT', ...S3, 'COINHTS_TZ',
      'CORS_ORIGINS', 'BODY_LIMIT_BYTES', 'UPLOAD_LIMIT_BYTES', 'SYNC_MAX_CANDLES', 'RATE_LIMIT_MAX', 'RATE_LIMIT_WINDOW_MS', 'AUTH_CACHE_TTL_MS',
      'REFRESH_DEFAULT_SYMBOLS', 'REFRESH_DEFAULT_TIMEFRAMES', 'TRUST_PROXY', 'LOG_LEVEL', 'SHUTDOWN_TIMEOUT_MS', 'COINHTS_STRATEGY_MODULES',
      'UPBIT_BASE_URL',
    ]));
    expect(API_KEYS_CONFIG.variables).toEqual(['DATABASE_URL', 'DB_SCHEMA']);
  });
  it('worker', () => {
    expect(WORKER_CONFIG.variables).toEqual(sorted([
      'REDIS_URL', 'QUEUE_PREFIX', 'DATABASE_URL', 'DB_SCHEMA', 'DB_POOL_SIZE', 'MIGRATE_ON_START', 'DATA_ROOT', 'COINHTS_TZ', ...S3,
      'WORKER_QUEUES', 'WORKER_SANDBOX', 'BACKTEST_CONCURRENCY', 'SWEEP_CONCURRENCY', 'INGESTION_CONCURRENCY', 'LOCK_DURATION_MS', 'STALLED_INTERVAL_MS',
      'MAX_STALLED_COUNT', 'STOP_GRACE_MS', 'SHUTDOWN_TIMEOUT_MS', 'RETENTION_COMPLETED_AGE_S', 'RETENTION_COMPLETED_COUNT', 'RETENTION_FAILED_AGE_S',
      'RETENTION_FAILED_COUNT', 'METRICS_HOST', 'METRICS_PORT', 'LOG_LEVEL', ...ALERTS, 'ALERT_WINDOW_MS', 'SCHEDULER_ENABLED', 'SCHEDULER_HOUR_UTC',
      'SCHEDULER_MINUTE_UTC', 'SCHEDULER_SYMBOLS', 'SCHEDULER_TIMEFRAMES', 'SCHEDULER_DAYS', 'UPBIT_BASE_URL', 'COINHTS_STRATEGY_MODULES',
    ]));
  });
  it('CLI (with the alert variables of `coinhts alerts test`) and ops tools', () => {
    expect(VARIABLES_BY_APP.cli).toEqual(sorted(['DATA_ROOT', ...S3, 'COINHTS_TZ', 'DATABASE_URL', 'DB_SCHEMA', 'COINHTS_DEBUG', 'COINHTS_STRATEGY_MODULES', 'UPBIT_BASE_URL', ...ALERTS]));
    expect(OPS_CONFIG.variables).toEqual(sorted([
      'DATABASE_URL', 'DB_SCHEMA', ...S3, 'RESTORE_DATABASE_URL', 'PG_BIN_DIR', 'BACKUP_S3_BUCKET', 'BACKUP_PREFIX', 'BACKUP_KEEP', 'BACKUP_MAX_AGE_DAYS',
      'BACKUP_SCHEMA', 'BACKUP_COMPRESS_LEVEL', 'BACKUP_LOCAL_DIR', 'ARCHIVE_EXPIRE_DAYS', 'NONCURRENT_EXPIRE_DAYS', 'ABORT_MULTIPART_DAYS', ...ALERTS,
    ]));
  });
  it('paper process', () => {
    expect(PAPER_CONFIG.variables).toEqual(sorted([
      'DATABASE_URL', 'DB_SCHEMA', 'DB_POOL_SIZE', 'MIGRATE_ON_START', 'UPBIT_BASE_URL', 'UPBIT_WS_URL', 'PAPER_OWNER', 'PAPER_LEASE_MS', 'PAPER_POLL_MS',
      'PAPER_SNAPSHOT_EVERY_BARS', 'PAPER_GRACE_MS', 'DATA_ROOT', 'LOG_LEVEL', 'METRICS_HOST', 'METRICS_PORT', 'COINHTS_STRATEGY_MODULES',
    ]));
    expect(VARIABLES_BY_APP.paper).toEqual(PAPER_CONFIG.variables);
  });
  it('every variable has a doc, an expected form and an example that parses', () => {
    for (const cfg of [API_CONFIG, WORKER_CONFIG, CLI_CONFIG, OPS_CONFIG, PAPER_CONFIG]) {
      for (const v of cfg.describe()) {
        expect({ name: v.name, doc: v.doc.length > 5, expected: v.expected.length > 2 }).toEqual({ name: v.name, doc: true, expected: true });
        const r = cfg.parse({ ...BASE, [v.name]: v.example }, { cwd: CWD });
        expect({ name: v.name, problems: r.ok ? [] : r.problems.filter((p) => p.variable === v.name) }).toEqual({ name: v.name, problems: [] });
      }
    }
  });
});

describe('the same store URL means the same store in every app', () => {
  it('API, worker, CLI and ops read RESULTS_STORE alike', () => {
    const env = { ...BASE, RESULTS_STORE: 's3://coinhts/prod/', S3_ENDPOINT: 'http://minio:9000', AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's' };
    const store = { kind: 's3', bucket: 'coinhts', keyPrefix: 'prod/', url: 's3://coinhts/prod/', endpoint: 'http://minio:9000', region: 'us-east-1', credentials: { accessKeyId: 'k', secretAccessKey: 's' } };
    expect(API_CONFIG.load(env, { cwd: CWD }).results).toEqual(store);
    expect(WORKER_CONFIG.load(env, { cwd: CWD }).results).toEqual(store);
    expect(CLI_CONFIG.load(env, { cwd: CWD }).results).toEqual(store);
    expect(OPS_CONFIG.load(env, { cwd: CWD })).toMatchObject({ s3: { bucket: 'coinhts', keyPrefix: 'prod/', endpoint: 'http://minio:9000' }, backup: { bucket: 'coinhts' } });
    const local = { ...BASE, RESULTS_STORE: 'file:results' };
    for (const cfg of [API_CONFIG, WORKER_CONFIG, CLI_CONFIG]) expect(cfg.load(local, { cwd: CWD }).results).toEqual({ kind: 'local', dir: '/srv/app/results', url: 'file:///srv/app/results' });
    expect(OPS_CONFIG.load({ ...local, BACKUP_S3_BUCKET: 'backups' }, { cwd: CWD })).toMatchObject({ s3: { bucket: undefined, keyPrefix: '' }, backup: { bucket: 'backups' } });
  });
});

describe('app compositions', () => {
  it('API: defaults (loopback bind, pool 10) and every problem at once', () => {
    expect(API_CONFIG.load(BASE, { cwd: CWD })).toMatchObject({ host: '127.0.0.1', port: 8080, database: { poolSize: 10 }, dataRoot: '/data', logLevel: 'info' });
    let err: unknown;
    try {
      API_CONFIG.load({ PORT: 'x', CORS_ORIGINS: '*', RESULTS_STORE: 'local' }, { cwd: CWD });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.map((p) => p.variable)).toEqual(['CORS_ORIGINS', 'DATABASE_URL', 'DATA_ROOT', 'PORT', 'REDIS_URL', 'RESULTS_STORE']);
    expect((err as ConfigError).message).toMatch(/^The API cannot start; fix these environment variables:\n {2}- CORS_ORIGINS="\*": each origin must look like/);
  });
  it('worker: pool 2 by default, bounded by the same 200 as the API', () => {
    expect(WORKER_CONFIG.load(BASE, { cwd: CWD })).toMatchObject({ database: { poolSize: 2 }, metrics: { host: '127.0.0.1', port: 9464 }, alerts: { windowMs: 60_000 } });
    expect(WORKER_CONFIG.load({ ...BASE, DB_POOL_SIZE: '120' }, { cwd: CWD }).database.poolSize).toBe(120);
    expect(() => WORKER_CONFIG.load({ ...BASE, DB_POOL_SIZE: '201' }, { cwd: CWD })).toThrow(/DB_POOL_SIZE="201": must be at most 200/);
  });
  it('CLI: everything optional', () => {
    expect(CLI_CONFIG.load({}, { cwd: CWD })).toEqual({
      dataRoot: undefined, results: { kind: 'local', dir: '/srv/app/coinhts-results', url: 'file:///srv/app/coinhts-results' }, timeZone: 'Asia/Seoul',
      databaseUrl: undefined, databaseSchema: undefined, debug: false, strategyModules: [],
    });
    // module paths are made absolute against the working folder; package names stay as written
    expect(CLI_CONFIG.load({ COINHTS_STRATEGY_MODULES: './plugins/a.js, @acme/strategies' }, { cwd: CWD }).strategyModules).toEqual(['/srv/app/plugins/a.js', '@acme/strategies']);
    expect(CLI_CONFIG.load({ COINHTS_DEBUG: '1' }, { cwd: CWD }).debug).toBe(true);
    expect(CLI_CONFIG.load({ COINHTS_DEBUG: '0' }, { cwd: CWD }).debug).toBe(false);
  });
});

describe('COINHTS_STRATEGY_MODULES means the same modules in every app', () => {
  it('paths are resolved against the working directory, package names stay as written', () => {
    const env = { ...BASE, COINHTS_STRATEGY_MODULES: './plugins/a.js, /opt/b.ts ,my-strategies,lib/c.mjs' };
    // './plugins/a.js' → '/srv/app/plugins/a.js'; '/opt/b.ts' absolute; 'my-strategies' a package; 'lib/c.mjs' a path by its extension.
    const expected = ['/srv/app/plugins/a.js', '/opt/b.ts', 'my-strategies', '/srv/app/lib/c.mjs'];
    expect(API_CONFIG.load(env, { cwd: CWD }).strategyModules).toEqual(expected);
    expect(WORKER_CONFIG.load(env, { cwd: CWD }).strategyModules).toEqual(expected);
    expect(CLI_CONFIG.load(env, { cwd: CWD }).strategyModules).toEqual(expected);
  });
});

describe("the API's limits reach its configuration (the resilience suite sets them this way)", () => {
  it('RATE_LIMIT_MAX, RATE_LIMIT_WINDOW_MS, AUTH_CACHE_TTL_MS and UPLOAD_LIMIT_BYTES are the values given, not the defaults', () => {
    const c = API_CONFIG.load({ ...BASE, RATE_LIMIT_MAX: '1000000', RATE_LIMIT_WINDOW_MS: '30000', AUTH_CACHE_TTL_MS: '1000', UPLOAD_LIMIT_BYTES: '1048576' }, { cwd: CWD });
    expect({ rateLimit: c.rateLimit, authCacheTtlMs: c.authCacheTtlMs, uploadLimitBytes: c.uploadLimitBytes }).toEqual({ rateLimit: { max: 1_000_000, windowMs: 30_000 }, authCacheTtlMs: 1_000, uploadLimitBytes: 1_048_576 });
    // The defaults (300 a minute, 30 s cache) when unset.
    const d = API_CONFIG.load(BASE, { cwd: CWD });
    expect({ rateLimit: d.rateLimit, authCacheTtlMs: d.authCacheTtlMs }).toEqual({ rateLimit: { max: 300, windowMs: 60_000 }, authCacheTtlMs: 30_000 });
  });
});
