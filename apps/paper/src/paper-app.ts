import { ClosedCandleAppender, ParquetCandleStore, UpbitCandleStream } from '@coinhts/market-data';
import { PaperRunner } from '@coinhts/paper';
import { createDataSource, ensureInitialized, PaperSessionRepository, runMigrations } from '@coinhts/results';
import type { Logger } from 'pino';
import type { PaperAppConfig } from './config';

/** A started paper process. */
export interface PaperApp {
  readonly runner: PaperRunner;
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
  logger.info({ owner: config.owner, leaseMs: config.leaseMs }, 'paper process started');
  return {
    runner,
    async close() {
      await runner.close();
      await ds.destroy();
    },
  };
}
