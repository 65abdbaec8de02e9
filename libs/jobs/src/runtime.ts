/**
 * Builds what the processors need inside a sandbox — candle store, results database and archive
 * store, Redis for outcomes, Upbit collector — from plain options (the worker app reads them from
 * its configuration and passes them in). Opened once per sandbox and reused for every job.
 */
import { ParquetCandleStore } from '@coinhts/market-data';
import { createDataSource, ensureInitialized, LocalDirArchiveStore, ResultRepository, runMigrations, storageArchiveStore } from '@coinhts/results';
import type { ResultsStoreConfig } from '@coinhts/config';
import { ArchiveReader, ArchiveWriter, S3StorageProvider } from '@coinhts/storage';
import type { BacktestProcessorDeps } from './backtest-processor';
import {
  EngineBacktestExecutor,
  filesArchivePayload,
  filesSweepPayload,
  ResultsRunStore,
  ResultsSweepStore,
  storageArchivePayload,
  UpbitCandleCollector,
} from './engine-adapters';
import type { IngestionProcessorDeps } from './ingestion-processor';
import { outcomeRedis } from './outcome-store';
import { closeQuietly, createRedisClient, ensureConnected } from './redis';
import type { SweepProcessorDeps } from './sweep-processor';

/**
 * Where run archives go: `RESULTS_STORE` as `@coinhts/config` parses it — a local folder
 * (`{dir}/backtests/{runId}/`, the layout the API reads) or an S3 bucket and prefix with its
 * connection (through `@coinhts/storage`: summary JSON + zstd Parquet tables + manifest).
 */
export type ResultsStorageOptions = ResultsStoreConfig;

/** Options of {@link openProcessorRuntime}. */
export interface ProcessorRuntimeOptions {
  readonly redisUrl: string;
  readonly database: { readonly url: string; readonly schema?: string; readonly poolSize?: number };
  /** Candle store root (DATA_ROOT). */
  readonly dataRoot: string;
  /** Zone of date-only bounds (default Asia/Seoul). */
  readonly zone?: string;
  readonly results: ResultsStorageOptions;
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
  /** Closes the database pool and Redis. */
  close(): Promise<void>;
}

/** Connects Redis and PostgreSQL and builds the processor dependencies. */
export async function openProcessorRuntime(options: ProcessorRuntimeOptions): Promise<ProcessorRuntime> {
  const redis = createRedisClient({ url: options.redisUrl, clientName: `coinhts-sandbox-${process.pid}`, onError: options.onRedisError });
  await ensureConnected(redis);
  const ds = createDataSource({ url: options.database.url, schema: options.database.schema, poolSize: options.database.poolSize ?? 2, applicationName: 'coinhts-worker' });
  try {
    await ensureInitialized(ds);
  } catch (err) {
    await closeQuietly(redis);
    throw err;
  }
  const store = new ParquetCandleStore({ root: options.dataRoot });
  const executor = new EngineBacktestExecutor(store, { zone: options.zone });
  const outcomes = outcomeRedis(redis);
  let runs: BacktestProcessorDeps['runs'];
  let sweeps: SweepProcessorDeps['sweeps'];
  let destroyS3: (() => void) | undefined;
  if (options.results.kind === 'local') {
    const repo = new ResultRepository(ds, new LocalDirArchiveStore({ root: options.results.dir }));
    runs = new ResultsRunStore(repo, filesArchivePayload);
    sweeps = new ResultsSweepStore(repo, filesSweepPayload);
  } else {
    const r = options.results;
    const provider = new S3StorageProvider({ bucket: r.bucket, endpoint: r.endpoint, region: r.region, credentials: r.credentials, keyPrefix: r.keyPrefix });
    destroyS3 = () => provider.destroy();
    const archives = storageArchiveStore({ provider, writer: new ArchiveWriter(provider), reader: new ArchiveReader(provider), locationPrefix: `s3://${r.bucket}/${r.keyPrefix ?? ''}` });
    const repo = new ResultRepository(ds, archives);
    runs = new ResultsRunStore(repo, storageArchivePayload);
    // A sweep has no signal/trade/equity tables; its ranking is the archive's summary.
    sweeps = new ResultsSweepStore(repo, (ranking, request) => ({
      summary: JSON.parse(JSON.stringify({ request, ranking })) as Record<string, never>,
      tables: emptyTables(),
    }));
  }
  return {
    backtest: { executor, runs, outcomes, outcomeTtlMs: options.outcomeTtlMs },
    sweep: { executor, sweeps, outcomes, outcomeTtlMs: options.outcomeTtlMs },
    ingestion: { collector: new UpbitCandleCollector(store, options.upbitBaseUrl ? { baseUrl: options.upbitBaseUrl } : {}) },
    close: async () => {
      if (ds.isInitialized) await ds.destroy().catch(() => undefined);
      destroyS3?.();
      await closeQuietly(redis);
    },
  };
}

function emptyTables() {
  const f64 = () => new Float64Array(0);
  return {
    signals: { schema: { symbol: 'utf8', timestamp: 'timestamp_ms' }, columns: { symbol: [], timestamp: f64() } },
    trades: { schema: { symbol: 'utf8', pnl: 'f64' }, columns: { symbol: [], pnl: f64() } },
    equity: { schema: { timestamp: 'timestamp_ms', equity: 'f64' }, columns: { timestamp: f64(), equity: f64() } },
  } as const;
}

/** Applies pending migrations of the results database; returns the names applied. */
export async function migrateResultsDatabase(database: { readonly url: string; readonly schema?: string }): Promise<string[]> {
  const ds = createDataSource({ url: database.url, schema: database.schema, poolSize: 1, applicationName: 'coinhts-worker-migrate' });
  try {
    return (await runMigrations(ds)).map((m) => m.name);
  } finally {
    if (ds.isInitialized) await ds.destroy();
  }
}
