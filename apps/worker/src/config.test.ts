import { ConfigError, loadConfig } from './config';

const minimal = { REDIS_URL: 'redis://127.0.0.1:6379', DATABASE_URL: 'postgres://u@127.0.0.1:5432/db', DATA_ROOT: '/data' };

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
      metrics: { host: '127.0.0.1', port: 9464, fallbackToFreePort: true },
      timeZone: 'Asia/Seoul',
      alerts: { windowMs: 60_000 },
      scheduler: { enabled: true, hourUtc: 0, minuteUtc: 10, timeframes: ['1h', '1d'], days: 3 },
    });
    expect(c.results).toEqual({ kind: 'local', dir: expect.stringMatching(/coinhts-results$/) });
    expect(c.alerts.slack).toBeUndefined();
    expect(c.alerts.email).toBeUndefined();
  });

  it('names every missing required variable at once', () => {
    try {
      loadConfig({ REDIS_URL: 'http://wrong' });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems;
      expect(problems).toEqual(expect.arrayContaining([
        expect.stringMatching(/^REDIS_URL: must be a URL starting with redis:\/\//),
        'DATABASE_URL is required but not set',
        'DATA_ROOT is required but not set',
      ]));
      expect((err as Error).message).toMatch(/^The worker cannot start; fix these environment variables:/);
    }
  });

  it.each([
    ['S3 without a bucket', { RESULTS_STORE: 's3' }, 'S3_BUCKET: is required when RESULTS_STORE=s3'],
    ['SMTP without recipients', { SMTP_HOST: 'smtp.example.com', ALERT_EMAIL_FROM: 'a@example.com' }, 'ALERT_EMAIL_TO: is required when SMTP_HOST is set (who gets the alerts?)'],
    ['an unknown queue', { WORKER_QUEUES: 'backtest,emails' }, expect.stringMatching(/^WORKER_QUEUES: each queue must be one of/)],
    ['a concurrency of 0', { BACKTEST_CONCURRENCY: '0' }, expect.stringMatching(/^BACKTEST_CONCURRENCY:/)],
    ['half an AWS key pair', { AWS_ACCESS_KEY_ID: 'x' }, expect.stringMatching(/^AWS_SECRET_ACCESS_KEY: set both/)],
  ])('refuses %s', (_l, extra, problem) => {
    expect(() => loadConfig({ ...minimal, ...extra })).toThrow(expect.objectContaining({ problems: expect.arrayContaining([problem]) }));
  });

  it('reads alert channels, S3 storage and queue selection', () => {
    const c = loadConfig({
      ...minimal,
      WORKER_QUEUES: 'backtest, sweep',
      RESULTS_STORE: 's3', S3_BUCKET: 'results', S3_ENDPOINT: 'http://127.0.0.1:4566', AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's',
      ALERT_SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/X',
      SMTP_HOST: 'smtp.example.com', SMTP_PORT: '465', SMTP_SECURE: 'true', ALERT_EMAIL_FROM: 'worker@example.com', ALERT_EMAIL_TO: 'ops@example.com, dev@example.com',
    });
    expect(c.queues).toEqual(['backtest', 'sweep']);
    expect(c.results).toEqual({ kind: 's3', bucket: 'results', endpoint: 'http://127.0.0.1:4566', region: 'us-east-1', keyPrefix: undefined, credentials: { accessKeyId: 'k', secretAccessKey: 's' } });
    expect(c.alerts.slack).toEqual({ webhookUrl: 'https://hooks.slack.com/services/T/B/X', channel: undefined });
    expect(c.alerts.email).toMatchObject({ host: 'smtp.example.com', port: 465, secure: true, to: ['ops@example.com', 'dev@example.com'] });
  });
});
