import { composeConfig, type EnvRecord } from './compose';
import {
  alertsFragment, apiListenFragment, databaseFragment, loggingFragment, marketDataFragment, metricsListenFragment, optionalDatabaseFragment,
  queueFragment, resultsStoreFragment, s3Fragment, shutdownFragment, timeZoneFragment, upbitFragment,
} from './fragments';
import type { ConfigProblem } from './problems';

const CWD = '/srv/app';
const one = <T>(fragment: Parameters<typeof composeConfig>[1][string] & { build: (...a: never[]) => T }) => composeConfig('t', { f: fragment });
const parse = (fragment: Parameters<typeof composeConfig>[1][string], env: EnvRecord) => {
  const r = composeConfig('t', { f: fragment }).parse(env, { cwd: CWD });
  return r.ok ? { value: r.value.f } : { problems: r.problems };
};
const lines = (ps: readonly ConfigProblem[] | undefined) => (ps ?? []).map((p) => `${p.variable}: ${p.problem}`);

describe('database fragment', () => {
  const PG = 'postgres://u@127.0.0.1:5432/db';
  it('takes the process default pool size and one bound, 1-200, everywhere', () => {
    expect(parse(databaseFragment(10), { DATABASE_URL: PG })).toEqual({ value: { url: PG, schema: undefined, poolSize: 10, migrateOnStart: false } });
    expect(parse(databaseFragment(2), { DATABASE_URL: PG }).value).toMatchObject({ poolSize: 2 });
    for (const dflt of [2, 10]) {
      expect(parse(databaseFragment(dflt), { DATABASE_URL: PG, DB_POOL_SIZE: '200' }).value).toMatchObject({ poolSize: 200 });
      expect(parse(databaseFragment(dflt), { DATABASE_URL: PG, DB_POOL_SIZE: '201' }).problems).toEqual([
        { variable: 'DB_POOL_SIZE', value: '201', problem: 'must be at most 200', fix: 'set DB_POOL_SIZE to a whole number 1-200, e.g. DB_POOL_SIZE=10' },
      ]);
    }
  });

  it('lists every problem at once', () => {
    expect(lines(parse(databaseFragment(10), { DATABASE_URL: 'mysql://x', DB_SCHEMA: 'Bad-Name', DB_POOL_SIZE: '0', MIGRATE_ON_START: 'maybe' }).problems)).toEqual([
      'DATABASE_URL: must be a URL starting with postgres:// or postgresql://',
      'DB_POOL_SIZE: must be at least 1',
      'DB_SCHEMA: must be a lower-case SQL identifier',
      'MIGRATE_ON_START: must be true or false',
    ]);
    expect(parse(databaseFragment(10), {}).problems).toEqual([
      { variable: 'DATABASE_URL', problem: 'is required but not set', fix: 'set DATABASE_URL to a postgres:// URL, e.g. DATABASE_URL=postgres://coinhts:password@127.0.0.1:5432/coinhts' },
    ]);
  });

  it('has an optional variant for the CLI and the ops tools', () => {
    expect(parse(optionalDatabaseFragment, {})).toEqual({ value: { url: undefined, schema: undefined } });
  });
});

describe('queue fragment', () => {
  it('defaults the prefix and refuses a non-Redis URL and a bad prefix', () => {
    expect(parse(queueFragment, { REDIS_URL: 'rediss://r:6380' })).toEqual({ value: { redisUrl: 'rediss://r:6380', queuePrefix: 'coinhts' } });
    expect(lines(parse(queueFragment, { REDIS_URL: 'http://r', QUEUE_PREFIX: 'a b' }).problems)).toEqual([
      'QUEUE_PREFIX: may hold only letters, digits, _ and - (1-64)',
      'REDIS_URL: must be a URL starting with redis:// or rediss://',
    ]);
  });
});

describe('results store fragment', () => {
  it('defaults to the folder ./coinhts-results of the working folder', () => {
    expect(parse(resultsStoreFragment, {})).toEqual({ value: { kind: 'local', dir: '/srv/app/coinhts-results', url: 'file:///srv/app/coinhts-results' } });
  });

  it('an s3:// store carries the S3 connection', () => {
    expect(parse(resultsStoreFragment, { RESULTS_STORE: 's3://coinhts/prod', S3_ENDPOINT: 'http://127.0.0.1:9000', AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's' })).toEqual({
      value: { kind: 's3', bucket: 'coinhts', keyPrefix: 'prod/', url: 's3://coinhts/prod/', endpoint: 'http://127.0.0.1:9000', region: 'us-east-1', credentials: { accessKeyId: 'k', secretAccessKey: 's' } },
    });
  });

  it('refuses a bad URL with its fix, half a key pair, and the retired variables, all at once', () => {
    expect(parse(resultsStoreFragment, { RESULTS_STORE: 's3://', COINHTS_RESULTS_DIR: '/data/results', S3_KEY_PREFIX: 'prod/' }).problems).toEqual([
      { variable: 'COINHTS_RESULTS_DIR', value: '/data/results', problem: 'is no longer read (RESULTS_STORE names the store as one URL)', fix: 'remove it and name the folder in the store URL: RESULTS_STORE=file:/data/results' },
      { variable: 'S3_KEY_PREFIX', value: 'prod/', problem: 'is no longer read (RESULTS_STORE names the store as one URL)', fix: 'remove it and put the prefix into the store URL: RESULTS_STORE=s3://{bucket}/prod/' },
      { variable: 'RESULTS_STORE', value: 's3://', problem: 'names no bucket', fix: 'write RESULTS_STORE=s3://my-bucket or RESULTS_STORE=s3://my-bucket/coinhts/' },
    ]);
    expect(lines(parse(resultsStoreFragment, { RESULTS_STORE: 's3://coinhts', AWS_ACCESS_KEY_ID: 'k' }).problems)).toEqual(['AWS_SECRET_ACCESS_KEY: is not set while AWS_ACCESS_KEY_ID is']);
    // A file: store does not use S3, so half a key pair is not its problem.
    expect(parse(resultsStoreFragment, { RESULTS_STORE: 'file:/r', AWS_ACCESS_KEY_ID: 'k' }).value).toMatchObject({ kind: 'local', dir: '/r' });
    expect(lines(parse(resultsStoreFragment, { RESULTS_STORE: 'gcs://b' }).problems)).toEqual(['RESULTS_STORE: has an unknown scheme "gcs:" (only file: and s3: stores exist)']);
  });
});

describe('s3 fragment', () => {
  it('both keys or neither; the secret never appears', () => {
    expect(parse(s3Fragment, {})).toEqual({ value: { endpoint: undefined, region: 'us-east-1', credentials: undefined } });
    expect(parse(s3Fragment, { AWS_SECRET_ACCESS_KEY: 'topsecret' }).problems).toEqual([
      { variable: 'AWS_ACCESS_KEY_ID', problem: 'is not set while AWS_SECRET_ACCESS_KEY is', fix: 'set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither (then the AWS default chain is used)' },
    ]);
    expect(lines(parse(s3Fragment, { S3_ENDPOINT: 'ftp://x' }).problems)).toEqual(['S3_ENDPOINT: must be a URL starting with http:// or https://']);
  });
});

describe('alerts fragment', () => {
  it('nothing configured = no channel', () => {
    expect(parse(alertsFragment, {})).toEqual({ value: { slack: undefined, email: undefined } });
  });
  it('reads both channels', () => {
    expect(parse(alertsFragment, { ALERT_SLACK_WEBHOOK_URL: 'https://hooks.example/x', SMTP_HOST: 'smtp.example.com', SMTP_PORT: '465', SMTP_SECURE: 'yes', ALERT_EMAIL_FROM: 'a@example.com', ALERT_EMAIL_TO: 'b@example.com, c@example.com' }).value).toEqual({
      slack: { webhookUrl: 'https://hooks.example/x', channel: undefined },
      email: { host: 'smtp.example.com', port: 465, secure: true, user: undefined, password: undefined, from: 'a@example.com', to: ['b@example.com', 'c@example.com'] },
    });
  });
  it('SMTP without sender, recipients or password: every problem with its fix; the webhook stays hidden', () => {
    expect(parse(alertsFragment, { SMTP_HOST: 'smtp.example.com', SMTP_USER: 'u' }).problems).toEqual([
      { variable: 'ALERT_EMAIL_FROM', problem: 'is required when SMTP_HOST is set', fix: 'set ALERT_EMAIL_FROM to the sender address, e.g. ALERT_EMAIL_FROM=coinhts@example.com' },
      { variable: 'ALERT_EMAIL_TO', problem: 'is required when SMTP_HOST is set (who gets the alerts?)', fix: 'set ALERT_EMAIL_TO to comma-separated recipients, e.g. ALERT_EMAIL_TO=ops@example.com' },
      { variable: 'SMTP_PASSWORD', problem: 'is required when SMTP_USER is set', fix: 'set SMTP_PASSWORD, or unset SMTP_USER for a server without login' },
    ]);
    expect(parse(alertsFragment, { ALERT_SLACK_WEBHOOK_URL: 'not a url', ALERT_EMAIL_TO: 'x@y.z, nobody' }).problems).toEqual([
      expect.objectContaining({ variable: 'ALERT_EMAIL_TO', value: 'x@y.z, nobody', problem: 'each recipient must be an e-mail address' }),
      { variable: 'ALERT_SLACK_WEBHOOK_URL', hidden: true, problem: 'must be a URL starting with http:// or https://', fix: expect.any(String) },
    ]);
  });
});

describe('listeners, logging, shutdown, candles, zone, Upbit', () => {
  it('listen on loopback by default', () => {
    expect(parse(apiListenFragment, {})).toEqual({ value: { host: '127.0.0.1', port: 8080 } });
    expect(parse(metricsListenFragment, {})).toEqual({ value: { host: '127.0.0.1', port: 9464 } });
    expect(parse(apiListenFragment, { HOST: '0.0.0.0', PORT: '0' })).toEqual({ value: { host: '0.0.0.0', port: 0 } });
    expect(lines(parse(apiListenFragment, { HOST: 'a host', PORT: '65536' }).problems)).toEqual(['HOST: must be a host name or an IP address', 'PORT: must be at most 65535']);
    expect(lines(parse(metricsListenFragment, { METRICS_PORT: '-1' }).problems)).toEqual(['METRICS_PORT: must be at least 0']);
  });
  it('log level, shutdown timeout', () => {
    expect(parse(loggingFragment, {})).toEqual({ value: { level: 'info' } });
    expect(lines(parse(loggingFragment, { LOG_LEVEL: 'verbose' }).problems)).toEqual(['LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent']);
    expect(parse(shutdownFragment, {})).toEqual({ value: { timeoutMs: 25_000 } });
    expect(lines(parse(shutdownFragment, { SHUTDOWN_TIMEOUT_MS: '1.5' }).problems)).toEqual(['SHUTDOWN_TIMEOUT_MS: must be a whole number']);
  });
  it('DATA_ROOT is resolved against the working folder; the zone must be IANA', () => {
    expect(parse(marketDataFragment, { DATA_ROOT: 'data/sample' })).toEqual({ value: { dataRoot: '/srv/app/data/sample' } });
    expect(parse(timeZoneFragment, {})).toEqual({ value: { timeZone: 'Asia/Seoul' } });
    expect(parse(timeZoneFragment, { COINHTS_TZ: 'Mars/Olympus' }).problems).toEqual([
      { variable: 'COINHTS_TZ', value: 'Mars/Olympus', problem: 'is not an IANA time zone', fix: 'set COINHTS_TZ to an IANA time zone, e.g. COINHTS_TZ=Asia/Seoul' },
    ]);
    expect(parse(upbitFragment, {})).toEqual({ value: { baseUrl: undefined } });
    expect(one(upbitFragment).variables).toEqual(['UPBIT_BASE_URL']);
  });
});
