import { ClosedCandleAppender, ParquetCandleStore, UpbitCandleStream } from '@coinhts/market-data';
import { PaperRunner } from '@coinhts/paper';
import { createDataSource, ensureInitialized, PaperSessionRepository, runMigrations } from '@coinhts/results';
import { DEFAULT_METRICS_PORT, startHealthServer } from '@coinhts/service';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { PaperAppConfig } from './config';

/** A started paper process. */
export interface PaperApp {
  readonly runner: PaperRunner;
  /** Port of `/healthz` and `/metrics` (METRICS_PORT, or a free one when the default 9464 is taken). */
  readonly metricsPort: number;
  /** Stops streams, writes pending checkpoints, releases leases, closes the pool. */
  close(): Promise<void>;
}

/** Wires PostgreSQL, the runner and Upbit's stream (and the candle store when DATA_ROOT is set), and starts. */
export async function startPaperApp(config: PaperAppConfig, logger: Logger): Promise<PaperApp> {
  const ds = createDataSource({ url: config.database.url, schema: config.database.schema, poolSize: config.database.poolSize, applicationName: 'coinhts-paper' });
  await ensureInitialized(ds);
  if (config.database.migrateOnStart) {
    const applied = await runMigrations(ds);
    if (applied.length) logger.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');
  }
  const appender = config.dataRoot ? new ClosedCandleAppender(new ParquetCandleStore({ root: config.dataRoot })) : undefined;
  const runner = new PaperRunner({
    repository: new PaperSessionRepository(ds), owner: config.owner, leaseMs: config.leaseMs, pollMs: config.pollMs,
    snapshotEveryBars: config.snapshotEveryBars, appender,
    onEvent: (e) => {
      if (e.type === 'error') logger.error({ session: e.sessionId, err: e.error }, 'paper session error');
      else if (e.type === 'stream') logger.debug({ session: e.sessionId, stream: e.event }, 'stream');
      else logger.info({ session: e.sessionId, event: e.type }, `paper session ${e.type}`);
    },
    streamFactory: (s) => new UpbitCandleStream({
      markets: s.markets, timeframes: s.timeframes, resumeAfter: s.resumeAfter, onCandle: s.onCandle, onEvent: s.onEvent,
      url: config.upbitWsUrl, rest: { baseUrl: config.upbitBaseUrl }, graceMs: config.graceMs,
    }),
  });
  runner.start();
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'coinhts_paper_' });
  new Gauge({ name: 'coinhts_paper_sessions_owned', help: 'Paper sessions this process holds the lease of and runs', registers: [registry], collect() { this.set(runner.sessionIds.length); } });
  const server = await startHealthServer({
    host: config.metrics.host, port: config.metrics.port, registry,
    // The same default port as the worker's: a paper process beside a worker on one host takes a free port instead.
    fallbackToFreePort: config.metrics.port === DEFAULT_METRICS_PORT,
    onError: (err) => logger.warn({ err }, 'metrics collection failed'),
    health: async () => {
      const db = await ds.query('SELECT 1').then(() => true, () => false);
      return { ok: db, database: db, owner: config.owner, sessions: runner.sessionIds };
    },
  });
  if (server.fellBack) logger.warn({ wanted: config.metrics.port, port: server.port }, `port ${config.metrics.port} is in use: /healthz and /metrics listen on ${server.port}; set METRICS_PORT to choose`);
  logger.info({ owner: config.owner, leaseMs: config.leaseMs, port: server.port, host: config.metrics.host }, 'paper process started: /healthz and /metrics');
  return {
    runner,
    metricsPort: server.port,
    async close() {
      await server.close();
      await runner.close();
      await ds.destroy();
    },
  };
}
