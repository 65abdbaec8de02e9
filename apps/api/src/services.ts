import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { getStrategy, parseStrategyParams, registerStrategyModules } from '@coinhts/engine';
import { closeQuietly, createRedisClient, ensureConnected, JobQueues } from '@coinhts/jobs';
import { ParquetCandleStore, UpbitClient } from '@coinhts/market-data';
import { PaperService, upbitMarketCheck } from '@coinhts/paper';
import { createDataSource, ensureInitialized, PaperSessionRepository, PresetRepository, runMigrations } from '@coinhts/results';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { AppDeps } from './app';
import { ApiKeyRepository } from './auth/api-key-store';
import { CachedKeyVerifier } from './auth/key-verifier';
import { RedisRateLimitStore, type EvalClient } from './auth/rate-limit';
import type { ApiConfig } from './config';
import { ApiMetrics } from './http/metrics';
import { queueCounts } from './routes/ops-routes';
import { EngineBacktestExecutor, RUN_REQUEST_PARSERS, validateSweepWithEngine, validateWithEngine } from '@coinhts/runs';
import { openResultsStore } from './services/results-store';

/** The wired application dependencies plus what must be closed on shutdown. */
export interface Services {
  readonly deps: AppDeps;
  readonly dataSource: DataSource;
  readonly apiKeys: ApiKeyRepository;
  /** Marks the process as stopping (readiness turns 503, keep-alive connections are closed). */
  beginShutdown(): void;
  /** Closes pools and clients. */
  close(): Promise<void>;
}

/** Options of {@link buildServices} that tests override. */
export interface BuildOptions {
  readonly clock?: () => number;
  readonly newId?: () => string;
  /** Collect Node process metrics (default true; tests building several apps turn it off). */
  readonly processMetrics?: boolean;
}

/** Connects everything the API needs: PostgreSQL, Redis (queues + rate limit), the candle store and the run archives (local folder or S3). */
export async function buildServices(config: ApiConfig, logger: Logger, options: BuildOptions = {}): Promise<Services> {
  const clock = options.clock ?? Date.now;
  // Plugins first: a module that fails to load stops start-up before any connection is opened.
  const plugins = await registerStrategyModules(config.strategyModules, (spec) => import(spec));
  if (plugins.length) logger.info({ strategies: plugins.map((p) => `${p.definition.name} (${p.module})`) }, 'strategy plugins loaded');
  const ds = createDataSource({ url: config.database.url, schema: config.database.schema, poolSize: config.database.poolSize, applicationName: 'coinhts-api' });
  await ensureInitialized(ds);
  const closers: (() => Promise<void>)[] = [async () => { if (ds.isInitialized) await ds.destroy(); }];
  try {
    if (config.database.migrateOnStart) {
      const applied = await runMigrations(ds);
      if (applied.length) logger.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');
    }

    const jobs = await JobQueues.connect({
      // failFast: while Redis is down, queue calls fail at once (503 UNAVAILABLE) instead of hanging requests.
      redis: { url: config.redisUrl, clientName: 'coinhts-api', failFast: true, onError: (err) => logger.warn({ err }, 'redis (queues) error') },
      prefix: config.queuePrefix,
      clock,
      requests: RUN_REQUEST_PARSERS,
      validateBacktest: validateWithEngine,
      validateSweep: validateSweepWithEngine,
    });
    closers.push(() => jobs.close());

    const limiterRedis = createRedisClient({ url: config.redisUrl, clientName: 'coinhts-api-ratelimit', failFast: true, onError: (err) => logger.warn({ err }, 'redis (rate limit) error') });
    await ensureConnected(limiterRedis);
    closers.push(() => closeQuietly(limiterRedis));

    const results = await openResultsStore(ds, { results: config.results, clock });
    closers.push(async () => results.close());
    const presets = new PresetRepository(ds, (s, p) => parseStrategyParams(getStrategy(s), p), { now: clock });
    const candles = new ParquetCandleStore({ root: config.dataRoot });
    const apiKeys = new ApiKeyRepository(ds, { now: clock });
    const keys = new CachedKeyVerifier(apiKeys, { ttlMs: config.authCacheTtlMs, now: clock, onTouchError: (err) => logger.warn({ err }, 'could not record API key use') });
    const metrics = new ApiMetrics(() => queueCounts(jobs), { defaultMetrics: options.processMetrics ?? true });
    let stopping = false;

    const deps: AppDeps = {
      config,
      logger,
      keys,
      rateLimitStore: new RedisRateLimitStore(limiterRedis as unknown as EvalClient, config.queuePrefix),
      metrics,
      runs: results.runs,
      syncRuns: results.syncRuns,
      presets,
      jobs,
      candles,
      executor: new EngineBacktestExecutor(candles, { zone: config.timeZone }),
      paper: new PaperService(new PaperSessionRepository(ds), upbitMarketCheck(new UpbitClient({ baseUrl: config.upbitBaseUrl, maxRetries: 2 }))),
      readiness: [
        { name: 'postgres', check: async () => { await ds.query('SELECT 1'); } },
        { name: 'redis', check: async () => { if (!(await jobs.ping())) throw new Error('no PONG'); } },
        { name: 'storage', check: async () => { await access(config.dataRoot, constants.R_OK); await results.check(); } },
      ],
      isShuttingDown: () => stopping,
      clock,
      newId: options.newId ?? randomUUID,
    };
    return {
      deps,
      dataSource: ds,
      apiKeys,
      beginShutdown: () => {
        stopping = true;
      },
      close: async () => {
        for (const c of closers.reverse()) await c().catch((err: unknown) => logger.warn({ err }, 'error while closing'));
      },
    };
  } catch (err) {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    throw err;
  }
}
