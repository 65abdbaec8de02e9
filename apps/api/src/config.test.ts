import { resolve } from 'node:path';
import { ConfigError, loadConfig, loadKeysCliConfig } from './config';

const MIN = { DATABASE_URL: 'postgres://u@127.0.0.1:5432/db', REDIS_URL: 'redis://127.0.0.1:6379', DATA_ROOT: '/data' };

describe('loadConfig', () => {
  it('refuses to start without the required variables, naming each', () => {
    let err: unknown;
    try {
      loadConfig({});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual(['DATABASE_URL is required but not set', 'REDIS_URL is required but not set', 'DATA_ROOT is required but not set']);
    expect((err as Error).message).toMatch(/^The API cannot start; fix these environment variables:\n {2}- DATABASE_URL is required/);
  });

  it('applies the documented defaults', () => {
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
    expect(() => loadConfig({ ...MIN, PORT: 'eighty', REDIS_URL: 'http://x', COINHTS_TZ: 'Mars/Base', MIGRATE_ON_START: 'maybe' })).toThrow(
      expect.objectContaining({ problems: expect.arrayContaining([expect.stringMatching(/^PORT: /), expect.stringMatching(/^REDIS_URL: must be a URL starting with redis:\/\//), expect.stringMatching(/^COINHTS_TZ: /), expect.stringMatching(/^MIGRATE_ON_START: /)]) }),
    );
  });

  it('accepts explicit CORS origins but never a wildcard or a path', () => {
    expect(loadConfig({ ...MIN, CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' }).corsOrigins).toEqual(['https://app.example.com', 'http://localhost:5173']);
    expect(() => loadConfig({ ...MIN, CORS_ORIGINS: '*' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...MIN, CORS_ORIGINS: 'https://a.example/path' })).toThrow(ConfigError);
  });

  it('archives locally by default, under COINHTS_RESULTS_DIR', () => {
    expect(loadConfig(MIN).results).toEqual({ kind: 'local', dir: resolve('coinhts-results') });
    expect(loadConfig({ ...MIN, COINHTS_RESULTS_DIR: '/var/lib/coinhts' })).toMatchObject({ resultsDir: '/var/lib/coinhts', results: { kind: 'local', dir: '/var/lib/coinhts' } });
  });

  it('RESULTS_STORE=s3 takes the worker\'s variables: S3_BUCKET, S3_ENDPOINT, S3_KEY_PREFIX, AWS_REGION, AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY', () => {
    const c = loadConfig({
      ...MIN, RESULTS_STORE: 's3', S3_BUCKET: 'coinhts-results', S3_ENDPOINT: 'http://127.0.0.1:4566', S3_KEY_PREFIX: 'prod/',
      AWS_REGION: 'ap-northeast-2', AWS_ACCESS_KEY_ID: 'AKIA1', AWS_SECRET_ACCESS_KEY: 'secret',
    });
    expect(c.results).toEqual({ kind: 's3', bucket: 'coinhts-results', endpoint: 'http://127.0.0.1:4566', region: 'ap-northeast-2', keyPrefix: 'prod/', credentials: { accessKeyId: 'AKIA1', secretAccessKey: 'secret' } });
    // Without keys the AWS default chain is used; the region defaults to us-east-1 (as in the worker).
    expect(loadConfig({ ...MIN, RESULTS_STORE: 's3', S3_BUCKET: 'b-1' }).results).toEqual({ kind: 's3', bucket: 'b-1', endpoint: undefined, region: 'us-east-1', keyPrefix: undefined, credentials: undefined });
  });

  it('refuses an incomplete S3 configuration, naming each problem', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({ ...MIN, ...env });
      } catch (e) {
        return (e as ConfigError).problems;
      }
      return [];
    };
    expect(problems({ RESULTS_STORE: 's3' })).toEqual(['S3_BUCKET: is required when RESULTS_STORE=s3']);
    expect(problems({ RESULTS_STORE: 's3', S3_BUCKET: 'b-1', AWS_ACCESS_KEY_ID: 'AKIA1' })).toEqual([
      'AWS_SECRET_ACCESS_KEY: set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither (then the AWS default chain is used)',
    ]);
    expect(problems({ RESULTS_STORE: 's3', S3_BUCKET: 'b-1', S3_KEY_PREFIX: 'no-slash' })).toEqual(["S3_KEY_PREFIX: must be empty or end with '/'"]);
    expect(problems({ RESULTS_STORE: 'gcs' })).toEqual([expect.stringMatching(/^RESULTS_STORE: /)]);
    expect(problems({ RESULTS_STORE: 's3', S3_BUCKET: 'b-1', S3_ENDPOINT: 'ftp://x' })).toEqual([expect.stringMatching(/^S3_ENDPOINT: must be a URL starting with http:\/\/ or https:\/\//)]);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ ...MIN, PORT: '', DB_SCHEMA: '' })).toMatchObject({ port: 8080, database: { schema: undefined } });
  });
});

describe('loadKeysCliConfig', () => {
  it('needs only DATABASE_URL', () => {
    expect(loadKeysCliConfig({ DATABASE_URL: MIN.DATABASE_URL, DB_SCHEMA: 'x' })).toEqual({ database: { url: MIN.DATABASE_URL, schema: 'x' } });
    expect(() => loadKeysCliConfig({})).toThrow('DATABASE_URL is required but not set');
  });
});
