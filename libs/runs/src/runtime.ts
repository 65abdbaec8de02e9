/**
 * Builds what the job processors need inside a sandbox — candle store, run service (archive
 * store + PostgreSQL index), Redis for outcomes, Upbit collector — from plain options (the
 * worker app reads them from its configuration and passes them in). Opened once per sandbox and
 * reused for every job.
 */
import type * as Jobs from '@coinhts/jobs';
import type { BacktestProcessorDeps, IngestionProcessorDeps, SweepProcessorDeps } from '@coinhts/jobs';
import type * as Results from '@coinhts/results';
import { ParquetCandleStore } from '@coinhts/market-data';
import { EngineBacktestExecutor } from './executor';
import { PgSweepChunkStore, ServiceRunStore, ServiceSweepStore } from './job-stores';
import { RunArchive } from './run-archive';
import { RunService } from './run-service';
import { openStore, type StoreLocation } from './store-location';

/** Options of {@link openProcessorRuntime}. */
export interface ProcessorRuntimeOptions {
  readonly redisUrl: string;
  readonly database: { readonly url: string; readonly schema?: string; readonly poolSize?: number };
  /** Candle store root (DATA_ROOT). */
  readonly dataRoot: string;
  /** Zone of date-only bounds (default Asia/Seoul). */
  readonly zone?: string;
  /** Where run archives go (the same store the API and the CLI are pointed at). */
  readonly results: StoreLocation;
  /** Upbit API base URL (default Upbit's; tests point it at a fake). */
  readonly upbitBaseUrl?: string;
  /** How long job outcomes are kept, ms (must match the producer's). */
  readonly outcomeTtlMs?: number;
  /** Called with Redis connection errors. */
  readonly onRedisError?: (err: Error) => void;
}

/** The opened runtime. */
export interface ProcessorRuntime {
  readonly backtest: BacktestProcessorDeps;
  readonly sweep: SweepProcessorDeps;
  readonly ingestion: IngestionProcessorDeps;
  /** Closes the database pool, the store and Redis. */
  close(): Promise<void>;
}

/*
 * Redis (jobs) and PostgreSQL (results) load when a runtime is opened, not when `@coinhts/runs` is
 * imported: the CLI's backtest on a local store uses this library without loading bullmq, redis,
 * typeorm or pg.
 */
const jobs = (): typeof Jobs => require('@coinhts/jobs') as typeof Jobs;
const results = (): typeof Results => require('@coinhts/results') as typeof Results;

/** Connects Redis and PostgreSQL and builds the processor dependencies. */
export async function openProcessorRuntime(options: ProcessorRuntimeOptions): Promise<ProcessorRuntime> {
  const { closeQuietly, createRedisClient, ensureConnected, outcomeRedis, UpbitCandleCollector } = jobs();
  const { createDataSource, ensureInitialized, PgRunIndex, SweepChunkRepository } = results();
  const redis = createRedisClient({ url: options.redisUrl, clientName: `coinhts-sandbox-${process.pid}`, onError: options.onRedisError });
  await ensureConnected(redis);
  const ds = createDataSource({ url: options.database.url, schema: options.database.schema, poolSize: options.database.poolSize ?? 2, applicationName: 'coinhts-worker' });
  try {
    await ensureInitialized(ds);
  } catch (err) {
    await closeQuietly(redis);
    throw err;
  }
  const candles = new ParquetCandleStore({ root: options.dataRoot });
  const executor = new EngineBacktestExecutor(candles, { zone: options.zone });
  const outcomes = outcomeRedis(redis);
  const store = openStore(options.results);
  const runs = new RunService(new RunArchive(store.provider, store.url), new PgRunIndex(ds));
  return {
    backtest: { executor, runs: new ServiceRunStore(runs, 'async'), outcomes, outcomeTtlMs: options.outcomeTtlMs },
    sweep: { executor, sweeps: new ServiceSweepStore(runs), chunks: new PgSweepChunkStore(new SweepChunkRepository(ds)), outcomes, outcomeTtlMs: options.outcomeTtlMs },
    ingestion: { collector: new UpbitCandleCollector(candles, options.upbitBaseUrl ? { baseUrl: options.upbitBaseUrl } : {}) },
    close: async () => {
      if (ds.isInitialized) await ds.destroy().catch(() => undefined);
      store.close();
      await closeQuietly(redis);
    },
  };
}

/** Applies pending migrations of the results database; returns the names applied. */
export async function migrateResultsDatabase(database: { readonly url: string; readonly schema?: string }): Promise<string[]> {
  const { createDataSource, runMigrations } = results();
  const ds = createDataSource({ url: database.url, schema: database.schema, poolSize: 1, applicationName: 'coinhts-worker-migrate' });
  try {
    return (await runMigrations(ds)).map((m) => m.name);
  } finally {
    if (ds.isInitialized) await ds.destroy();
  }
}
