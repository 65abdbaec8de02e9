import { resolve } from 'node:path';
import { API_CONFIG } from '@coinhts/config';
import { ConfigError, loadConfig, loadKeysCliConfig } from './config';

const MIN = { DATABASE_URL: 'postgres://u@127.0.0.1:5432/db', REDIS_URL: 'redis://127.0.0.1:6379', DATA_ROOT: '/data' };
const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (e) {
    return (e as ConfigError).problems.map((p) => `${p.variable}: ${p.problem}`);
  }
  return [];
};

describe('loadConfig', () => {
  it('refuses to start without the required variables, naming each with its fix', () => {
    let err: unknown;
    try {
      loadConfig({});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.map((p) => [p.variable, p.problem])).toEqual([
      ['DATABASE_URL', 'is required but not set'], ['DATA_ROOT', 'is required but not set'], ['REDIS_URL', 'is required but not set'],
    ]);
    expect((err as Error).message).toMatch(/^The API cannot start; fix these environment variables:\n {2}- DATABASE_URL \(not set\): is required but not set; fix: set DATABASE_URL to a postgres:\/\/ URL/);
  });

  it('applies the documented defaults (loopback bind: containers set HOST=0.0.0.0)', () => {
    const c = loadConfig(MIN);
    expect(c).toMatchObject({
      port: 8080, host: '127.0.0.1', queuePrefix: 'coinhts', timeZone: 'Asia/Seoul', corsOrigins: [], bodyLimitBytes: 262_144, uploadLimitBytes: 52_428_800,
      syncMaxCandles: 200_000, rateLimit: { max: 300, windowMs: 60_000 }, authCacheTtlMs: 30_000, logLevel: 'info', shutdownTimeoutMs: 25_000, trustProxy: false,
      database: { url: MIN.DATABASE_URL, poolSize: 10, migrateOnStart: false },
      refreshDefaults: { symbols: ['KRW-BTC', 'KRW-ETH'], timeframes: ['1h', '1d'] },
    });
    expect(c.dataRoot).toBe('/data');
  });

  it('names every wrong value', () => {
    expect(problemsOf({ ...MIN, PORT: 'eighty', REDIS_URL: 'http://x', COINHTS_TZ: 'Mars/Base', MIGRATE_ON_START: 'maybe' })).toEqual([
      'COINHTS_TZ: is not an IANA time zone', 'MIGRATE_ON_START: must be true or false', 'PORT: must be a whole number', 'REDIS_URL: must be a URL starting with redis:// or rediss://',
    ]);
  });

  it('the pool size has the same bound as the worker\'s (1-200)', () => {
    expect(loadConfig({ ...MIN, DB_POOL_SIZE: '200' }).database.poolSize).toBe(200);
    expect(problemsOf({ ...MIN, DB_POOL_SIZE: '201' })).toEqual(['DB_POOL_SIZE: must be at most 200']);
  });

  it('accepts explicit CORS origins but never a wildcard or a path', () => {
    expect(loadConfig({ ...MIN, CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' }).corsOrigins).toEqual(['https://app.example.com', 'http://localhost:5173']);
    expect(() => loadConfig({ ...MIN, CORS_ORIGINS: '*' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...MIN, CORS_ORIGINS: 'https://a.example/path' })).toThrow(ConfigError);
  });

  it('archives in the folder ./coinhts-results by default; RESULTS_STORE=file:… names another', () => {
    expect(loadConfig(MIN)).toMatchObject({ resultsDir: resolve('coinhts-results'), results: { kind: 'local', dir: resolve('coinhts-results') } });
    expect(loadConfig({ ...MIN, RESULTS_STORE: 'file:/var/lib/coinhts' })).toMatchObject({ resultsDir: '/var/lib/coinhts', results: { kind: 'local', dir: '/var/lib/coinhts', url: 'file:///var/lib/coinhts' } });
  });

  it('RESULTS_STORE=s3://bucket/prefix takes the connection from S3_ENDPOINT, AWS_REGION, AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY', () => {
    const c = loadConfig({
      ...MIN, RESULTS_STORE: 's3://coinhts-results/prod/', S3_ENDPOINT: 'http://127.0.0.1:4566',
      AWS_REGION: 'ap-northeast-2', AWS_ACCESS_KEY_ID: 'AKIA1', AWS_SECRET_ACCESS_KEY: 'secret',
    });
    expect(c.results).toEqual({ kind: 's3', bucket: 'coinhts-results', keyPrefix: 'prod/', url: 's3://coinhts-results/prod/', endpoint: 'http://127.0.0.1:4566', region: 'ap-northeast-2', credentials: { accessKeyId: 'AKIA1', secretAccessKey: 'secret' } });
    // Runs archived locally before the switch stay readable from the default folder.
    expect(c.resultsDir).toBe(resolve('coinhts-results'));
    // Without keys the AWS default chain is used; the region defaults to us-east-1 (as in the worker).
    expect(loadConfig({ ...MIN, RESULTS_STORE: 's3://b-1' }).results).toEqual({ kind: 's3', bucket: 'b-1', keyPrefix: '', url: 's3://b-1/', endpoint: undefined, region: 'us-east-1', credentials: undefined });
  });

  it('refuses an unusable store, naming each problem', () => {
    expect(problemsOf({ RESULTS_STORE: 's3', ...MIN })).toEqual(['RESULTS_STORE: is the old spelling of an S3 store']);
    expect(problemsOf({ ...MIN, RESULTS_STORE: 's3://b-1', AWS_ACCESS_KEY_ID: 'AKIA1' })).toEqual(['AWS_SECRET_ACCESS_KEY: is not set while AWS_ACCESS_KEY_ID is']);
    expect(problemsOf({ ...MIN, RESULTS_STORE: 'gcs://b-1' })).toEqual(['RESULTS_STORE: has an unknown scheme "gcs:" (only file: and s3: stores exist)']);
    expect(problemsOf({ ...MIN, RESULTS_STORE: 's3://b-1', S3_ENDPOINT: 'ftp://x' })).toEqual(['S3_ENDPOINT: must be a URL starting with http:// or https://']);
    expect(problemsOf({ ...MIN, COINHTS_RESULTS_DIR: '/data/results' })).toEqual(['COINHTS_RESULTS_DIR: is no longer read (RESULTS_STORE names the store as one URL)']);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ ...MIN, PORT: '', DB_SCHEMA: '' })).toMatchObject({ port: 8080, database: { schema: undefined } });
  });

  it('reads exactly the variables API_CONFIG lists', () => {
    expect(API_CONFIG.variables).toContain('RESULTS_STORE');
    expect(API_CONFIG.variables).not.toContain('COINHTS_RESULTS_DIR');
  });
});

describe('loadKeysCliConfig', () => {
  it('needs only DATABASE_URL', () => {
    expect(loadKeysCliConfig({ DATABASE_URL: MIN.DATABASE_URL, DB_SCHEMA: 'x' })).toEqual({ database: { url: MIN.DATABASE_URL, schema: 'x' } });
    expect(() => loadKeysCliConfig({})).toThrow(/DATABASE_URL \(not set\): is required but not set/);
  });
});
