/**
 * Test support: a real app against the real services (PostgreSQL, Redis) in a fresh namespace
 * per test file — its own DB schema, queue prefix, DATA_ROOT copy and results directory.
 * Missing services fail loudly; they are never skipped.
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import {
  backtestHandler,
  closeQuietly,
  createRedisClient,
  defineProcessor,
  ensureConnected,
  QUEUE_NAMES,
  startQueueWorker,
  sweepHandler,
  type QueueWorker,
} from '@coinhts/jobs';
import { createDataSource, runMigrations } from '@coinhts/results';
import { openProcessorRuntime } from '@coinhts/runs';
import type { Express } from 'express';
import pino from 'pino';
import { createApp } from '../app';
import type { ApiConfig } from '../config';
import { loadConfig } from '../config';
import { buildServices, type Services } from '../services';

/** DATABASE_URL and REDIS_URL, or an error saying how to start the services. */
export function requireServiceEnv(): { databaseUrl: string; redisUrl: string } {
  const { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl } = process.env;
  const missing = [!databaseUrl && 'DATABASE_URL', !redisUrl && 'REDIS_URL'].filter(Boolean);
  if (missing.length > 0 || !databaseUrl || !redisUrl) {
    throw new Error(`${missing.join(' and ')} not set. The API integration tests need PostgreSQL and Redis: run \`source tools/services.sh\` (it starts PostgreSQL, Redis and S3 and exports their URLs), then run the tests again.`);
  }
  return { databaseUrl, redisUrl };
}

/** Repository root (for the bundled sample candles). */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..', '..');

/** The API keys a test app is created with. */
export interface TestKeys {
  readonly read: string;
  readonly run: string;
  readonly admin: string;
  readonly readRun: string;
}

/** A running test app. */
export interface TestApp {
  readonly app: Express;
  readonly services: Services;
  readonly config: ApiConfig;
  readonly keys: TestKeys;
  /** JSON log lines written so far. */
  readonly logs: Record<string, unknown>[];
  readonly schema: string;
  readonly prefix: string;
  readonly dataRoot: string;
  close(): Promise<void>;
}

/** Options of {@link startTestApp}. */
export interface TestAppOptions {
  /** Extra environment variables (strings, as in the real environment). */
  readonly env?: Readonly<Record<string, string>>;
  /** Copy the bundled sample candles into DATA_ROOT (default true). */
  readonly sampleData?: boolean;
}

/** Builds a real app in a fresh namespace. */
export async function startTestApp(label: string, options: TestAppOptions = {}): Promise<TestApp> {
  const { databaseUrl, redisUrl } = requireServiceEnv();
  const id = randomBytes(4).toString('hex');
  const schema = `api_${label.replace(/[^a-z0-9]/g, '_')}_${id}`;
  const prefix = `t-api-${label}-${id}`;
  const tmp = await mkdtemp(join(tmpdir(), `coinhts-api-${label}-`));
  const dataRoot = join(tmp, 'data');
  if (options.sampleData ?? true) await cp(join(REPO_ROOT, 'data', 'sample'), dataRoot, { recursive: true });
  const loaded = loadConfig({
    DATABASE_URL: databaseUrl,
    DB_SCHEMA: schema,
    DB_POOL_SIZE: '4',
    MIGRATE_ON_START: 'true',
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    DATA_ROOT: dataRoot,
    RESULTS_STORE: `file:${join(tmp, 'results')}`,
    LOG_LEVEL: 'info',
    RATE_LIMIT_MAX: '100000',
    ...options.env,
  });
  // With an S3 store the API still reads runs archived locally from a folder; keep it in tmp.
  const config = loaded.results.kind === 's3' ? { ...loaded, resultsDir: join(tmp, 'results') } : loaded;
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const logger = pino({ level: config.logLevel }, sink);
  const services = await buildServices(config, logger, { processMetrics: false });
  const { app } = createApp(services.deps);
  const mk = async (name: string, scopes: string[]) => (await services.apiKeys.create({ name, scopes })).key;
  const keys: TestKeys = { read: await mk('reader', ['read']), run: await mk('runner', ['run']), admin: await mk('admin', ['admin']), readRun: await mk('reader-runner', ['read', 'run']) };
  return {
    app, services, config, keys, logs, schema, prefix, dataRoot,
    async close() {
      await services.close();
      const ds = createDataSource({ url: databaseUrl });
      await ds.initialize();
      await ds.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await ds.destroy();
      const redis = createRedisClient({ url: redisUrl });
      await ensureConnected(redis);
      for await (const batch of redis.scanIterator({ MATCH: `${prefix}:*`, COUNT: 500 })) if (batch.length) await redis.del(batch);
      await closeQuietly(redis);
      await rm(tmp, { recursive: true, force: true });
    },
  };
}

/** A queue worker started in this process for a test app's queues, built like apps/worker builds its sandboxes. */
export interface TestWorker {
  readonly worker: QueueWorker;
  close(): Promise<void>;
}

/**
 * Starts an in-process worker on `queue` of the test app's prefix. Its dependencies come from the
 * runs library's `openProcessorRuntime` with the app's own configuration (database schema,
 * DATA_ROOT, zone and RESULTS_STORE), exactly as `apps/worker` opens them in each sandbox — so the
 * runs it stores are the ones a real worker would store next to this API.
 */
export async function startTestWorker(t: TestApp, queue: typeof QUEUE_NAMES.backtest | typeof QUEUE_NAMES.sweep): Promise<TestWorker> {
  const { redisUrl } = requireServiceEnv();
  const rt = await openProcessorRuntime({
    redisUrl,
    database: { url: t.config.database.url, schema: t.config.database.schema },
    dataRoot: t.config.dataRoot,
    zone: t.config.timeZone,
    results: t.config.results,
  });
  try {
    const processor = queue === QUEUE_NAMES.sweep
      ? defineProcessor(() => rt.sweep, sweepHandler)
      : defineProcessor(() => ({ ...rt.backtest, progressIntervalMs: 0 }), backtestHandler);
    const worker = await startQueueWorker({ redis: { url: redisUrl }, prefix: t.prefix, queue, processor, lockDurationMs: 10_000 });
    return {
      worker,
      async close() {
        await worker.close({ timeoutMs: 0 });
        await rt.close();
      },
    };
  } catch (err) {
    await rt.close();
    throw err;
  }
}

/** Runs the results migrations in a fresh schema (for tests that need only the database). */
export async function freshSchema(label: string): Promise<{ url: string; schema: string; drop(): Promise<void> }> {
  const { databaseUrl } = requireServiceEnv();
  const schema = `api_${label}_${randomBytes(4).toString('hex')}`;
  const ds = createDataSource({ url: databaseUrl, schema });
  await runMigrations(ds);
  await ds.destroy();
  return {
    url: databaseUrl,
    schema,
    async drop() {
      const d = createDataSource({ url: databaseUrl });
      await d.initialize();
      await d.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await d.destroy();
    },
  };
}

/** Polls until `fn` returns a truthy value. */
export async function waitFor<T>(what: string, fn: () => Promise<T>, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Checks the common error shape and returns the error object. */
export function expectErrorShape(body: unknown, code?: string): { code: string; message: string; details: unknown; request_id: string } {
  const e = (body as { error?: { code: string; message: string; details: unknown; request_id: string } }).error;
  if (!e || typeof e.code !== 'string' || typeof e.message !== 'string' || !('details' in e) || typeof e.request_id !== 'string' || e.request_id.length === 0) {
    throw new Error(`not the error shape {error:{code,message,details,request_id}}: ${JSON.stringify(body)}`);
  }
  if (code !== undefined && e.code !== code) throw new Error(`expected error code ${code}, got ${e.code}: ${e.message}`);
  return e;
}
