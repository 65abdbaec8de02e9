import { ConfigError, loadConfig } from './config';

const minimal = { REDIS_URL: 'redis://127.0.0.1:6379', DATABASE_URL: 'postgres://u@127.0.0.1:5432/db', DATA_ROOT: '/data' };
const problemLines = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (e) {
    return (e as ConfigError).problems.map((p) => `${p.variable}: ${p.problem}`);
  }
  return [];
};

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig(minimal);
    expect(c).toMatchObject({
      queuePrefix: 'coinhts',
      queues: ['backtest', 'sweep', 'data-ingestion'],
      sandbox: 'process',
      concurrency: { backtest: 1, sweep: 1, ingestion: 1 },
      locks: { lockDurationMs: 30_000, stalledIntervalMs: 5_000, maxStalledCount: 2, stopGraceMs: 1_000 },
      retention: { completedAgeSec: 86_400, completedCount: 1_000, failedAgeSec: 604_800, failedCount: 5_000 },
      shutdownTimeoutMs: 25_000,
      metrics: { host: '127.0.0.1', port: 9464 },
      database: { poolSize: 2 },
      timeZone: 'Asia/Seoul',
      alerts: { windowMs: 60_000 },
      scheduler: { enabled: true, hourUtc: 0, minuteUtc: 10, timeframes: ['1h', '1d'], days: 3 },
    });
    expect(c.results).toEqual({ kind: 'local', dir: expect.stringMatching(/\/coinhts-results$/), url: expect.stringMatching(/^file:\/\/\/.*\/coinhts-results$/) });
    expect(c.alerts.slack).toBeUndefined();
    expect(c.alerts.email).toBeUndefined();
  });

  it('names every missing required variable at once', () => {
    try {
      loadConfig({ REDIS_URL: 'http://wrong' });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems.map((p) => `${p.variable}: ${p.problem}`)).toEqual([
        'DATABASE_URL: is required but not set',
        'DATA_ROOT: is required but not set',
        'REDIS_URL: must be a URL starting with redis:// or rediss://',
      ]);
      expect((err as Error).message).toMatch(/^The worker cannot start; fix these environment variables:/);
    }
  });

  it.each([
    ['S3 without a bucket', { RESULTS_STORE: 's3://' }, 'RESULTS_STORE: names no bucket'],
    ['SMTP without recipients', { SMTP_HOST: 'smtp.example.com', ALERT_EMAIL_FROM: 'a@example.com' }, 'ALERT_EMAIL_TO: is required when SMTP_HOST is set (who gets the alerts?)'],
    ['an unknown queue', { WORKER_QUEUES: 'backtest,emails' }, 'WORKER_QUEUES: each queue must be one of backtest, sweep, data-ingestion'],
    ['a concurrency of 0', { BACKTEST_CONCURRENCY: '0' }, 'BACKTEST_CONCURRENCY: must be at least 1'],
    ['half an AWS key pair with an S3 store', { RESULTS_STORE: 's3://results', AWS_ACCESS_KEY_ID: 'x' }, 'AWS_SECRET_ACCESS_KEY: is not set while AWS_ACCESS_KEY_ID is'],
    ['a pool larger than the API allows', { DB_POOL_SIZE: '201' }, 'DB_POOL_SIZE: must be at most 200'],
  ])('refuses %s', (_l, extra, problem) => {
    expect(problemLines({ ...minimal, ...extra })).toEqual([problem]);
  });

  it('reads alert channels, S3 storage and queue selection', () => {
    const c = loadConfig({
      ...minimal,
      WORKER_QUEUES: 'backtest, sweep, backtest',
      RESULTS_STORE: 's3://results', S3_ENDPOINT: 'http://127.0.0.1:4566', AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's',
      ALERT_SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/X',
      SMTP_HOST: 'smtp.example.com', SMTP_PORT: '465', SMTP_SECURE: 'true', ALERT_EMAIL_FROM: 'worker@example.com', ALERT_EMAIL_TO: 'ops@example.com, dev@example.com',
    });
    expect(c.queues).toEqual(['backtest', 'sweep']);
    expect(c.results).toEqual({ kind: 's3', bucket: 'results', keyPrefix: '', url: 's3://results/', endpoint: 'http://127.0.0.1:4566', region: 'us-east-1', credentials: { accessKeyId: 'k', secretAccessKey: 's' } });
    expect(c.alerts.slack).toEqual({ webhookUrl: 'https://hooks.slack.com/services/T/B/X', channel: undefined });
    expect(c.alerts.email).toMatchObject({ host: 'smtp.example.com', port: 465, secure: true, to: ['ops@example.com', 'dev@example.com'] });
  });
});
