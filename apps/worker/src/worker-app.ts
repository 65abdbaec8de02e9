import { join } from 'node:path';
import {
  closeQuietly,
  createRedisClient,
  EmailChannel,
  ensureConnected,
  FailureAlerter,
  JobQueues,
  QUEUE_NAMES,
  RedisAlertWindowStore,
  SlackWebhookChannel,
  startQueueWorker,
  type AlertChannel,
  type ProcessedQueueName,
  type QueueWorker,
  type QueueWorkerEvents,
} from '@coinhts/jobs';
import { migrateResultsDatabase, RUN_REQUEST_PARSERS } from '@coinhts/runs';
import type { Logger } from 'pino';
import type { WorkerConfig } from './config';
import { DEFAULT_METRICS_PORT, startHealthServer } from '@coinhts/service';
import { WorkerMetrics } from './metrics';

/** A running worker process (see {@link startWorkerApp}). */
export interface WorkerApp {
  /** Port of `/healthz` and `/metrics`. */
  readonly port: number;
  /**
   * Graceful stop: take no new jobs, let active ones finish for up to SHUTDOWN_TIMEOUT_MS, hand
   * the rest back to the queue, send pending alerts, close connections.
   */
  close(): Promise<void>;
}

/** Options tests override. */
export interface WorkerAppOptions {
  /** Collect Node process metrics (default true). */
  readonly defaultMetrics?: boolean;
}

const fromSource = __filename.endsWith('.ts');

/** Processor module of a queue: the compiled `.js` file, or in source mode the `.cjs` shim of the `.ts` file. */
export function processorFile(queue: ProcessedQueueName): string {
  const base = queue === 'data-ingestion' ? 'ingestion' : queue;
  return join(__dirname, 'processors', `${base}.processor${fromSource ? '.cjs' : '.js'}`);
}

/** Node options of the sandboxes: in source mode they need the TypeScript loader. */
export function sandboxExecArgv(): string[] {
  return fromSource ? ['--conditions=@coinhts/source', '-r', require.resolve('@swc-node/register')] : [];
}

/** Wires configuration, queues, sandboxed processors, alerts, the scheduler and the HTTP port. */
export async function startWorkerApp(config: WorkerConfig, logger: Logger, options: WorkerAppOptions = {}): Promise<WorkerApp> {
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const c of closers.reverse()) await c().catch((err: unknown) => logger.warn({ err }, 'error while closing'));
  };
  try {
    if (config.database.migrateOnStart) {
      const applied = await migrateResultsDatabase(config.database);
      if (applied.length) logger.info({ migrations: applied }, 'migrations applied');
    }
    const redis = { url: config.redisUrl, onError: (err: Error) => logger.warn({ err }, 'redis error') };
    const jobs = await JobQueues.connect({ redis: { ...redis, clientName: 'coinhts-worker-queues' }, requests: RUN_REQUEST_PARSERS, prefix: config.queuePrefix, retention: config.retention });
    closers.push(() => jobs.close());

    const metrics = new WorkerMetrics(
      async () => ({
        [QUEUE_NAMES.backtest]: await jobs.backtests.counts(),
        [QUEUE_NAMES.sweep]: await jobs.sweeps.counts(),
        [QUEUE_NAMES.ingestion]: await jobs.ingestion.counts(),
      }),
      () => jobs.deadLetter.size(),
      { defaultMetrics: options.defaultMetrics },
    );

    const channels: AlertChannel[] = [];
    if (config.alerts.slack) channels.push(new SlackWebhookChannel(config.alerts.slack));
    const email = config.alerts.email ? new EmailChannel(config.alerts.email) : undefined;
    if (email) {
      channels.push(email);
      closers.push(async () => email.close());
    }
    const alertRedis = createRedisClient({ ...redis, clientName: 'coinhts-worker-alerts' });
    await ensureConnected(alertRedis);
    closers.push(() => closeQuietly(alertRedis));
    const alerter = new FailureAlerter({
      channels,
      store: new RedisAlertWindowStore(alertRedis, config.queuePrefix),
      windowMs: config.alerts.windowMs,
      onSent: (summary, failures) => {
        const failed = new Set(failures.map((f) => f.channel));
        for (const c of channels) metrics.alert(c.name, !failed.has(c.name));
        if (failures.length) logger.error({ failures: failures.map((f) => f.message) }, 'alert not delivered on every channel');
        logger.warn({ title: summary.title, channels: channels.map((c) => c.name) }, channels.length ? 'alert summary sent' : 'dead-letter summary (no alert channel configured)');
      },
    });
    closers.push(() => alerter.close());
    if (channels.length === 0) logger.warn('no alert channel configured (ALERT_SLACK_WEBHOOK_URL, SMTP_HOST): dead-lettered jobs are only logged');

    const workers: QueueWorker[] = [];
    const concurrencyOf = (q: ProcessedQueueName) => (q === 'backtest' ? config.concurrency.backtest : q === 'sweep' ? config.concurrency.sweep : config.concurrency.ingestion);
    for (const queue of config.queues) {
      const w = await startQueueWorker({
        redis,
        prefix: config.queuePrefix,
        queue,
        processor: processorFile(queue),
        sandbox: config.sandbox,
        execArgv: sandboxExecArgv(),
        concurrency: concurrencyOf(queue),
        lockDurationMs: config.locks.lockDurationMs,
        stalledIntervalMs: config.locks.stalledIntervalMs,
        maxStalledCount: config.locks.maxStalledCount,
        stopGraceMs: config.locks.stopGraceMs,
        retention: config.retention,
        events: jobEvents(queue, logger, metrics, alerter),
      });
      workers.push(w);
      closers.push(() => w.close({ timeoutMs: config.shutdownTimeoutMs }));
      logger.info({ queue, concurrency: concurrencyOf(queue), sandbox: config.sandbox }, 'processing queue');
    }

    if (config.queues.includes('data-ingestion')) {
      if (config.scheduler.enabled) {
        const s = await jobs.ingestion.scheduleDaily(
          { symbols: config.scheduler.symbols, timeframes: config.scheduler.timeframes, days: config.scheduler.days },
          { hourUtc: config.scheduler.hourUtc, minuteUtc: config.scheduler.minuteUtc },
        );
        logger.info({ scheduler: s.id, pattern: s.pattern, tz: s.tz, nextRunAt: s.nextRunAt ? new Date(s.nextRunAt).toISOString() : null }, 'daily market-data refresh scheduled');
      } else {
        logger.info('daily market-data refresh scheduler disabled (SCHEDULER_ENABLED=false)');
      }
    }

    let stopping = false;
    const server = await startHealthServer({
      host: config.metrics.host,
      port: config.metrics.port,
      // 9464 is the well-known default: when a second worker on the host finds it taken, take a free port (logged).
      fallbackToFreePort: config.metrics.port === DEFAULT_METRICS_PORT,
      registry: metrics.registry,
      onError: (err) => logger.warn({ err }, 'metrics collection failed'),
      health: async () => {
        const redisOk = await jobs.ping();
        const queues = Object.fromEntries(workers.map((w) => [w.queue, { running: w.isRunning(), active: w.activeJobIds().length }]));
        return { ok: !stopping && redisOk && workers.every((w) => w.isRunning()), stopping, redis: redisOk, queues };
      },
    });
    closers.push(() => server.close());
    if (server.fellBack) logger.warn({ wanted: config.metrics.port, port: server.port }, `port ${config.metrics.port} is in use (another worker?): /healthz and /metrics listen on ${server.port}; set METRICS_PORT to choose`);
    logger.info({ port: server.port, host: config.metrics.host }, 'worker ready: /healthz and /metrics');

    let closing: Promise<void> | undefined;
    return {
      port: server.port,
      close: () => {
        stopping = true;
        closing ??= closeAll();
        return closing;
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** Logs (every line carries the job id, and the run id where there is one) and counts job events. */
function jobEvents(queue: string, logger: Logger, metrics: WorkerMetrics, alerter: FailureAlerter): QueueWorkerEvents {
  const log = (j: { id: string; runId?: string; attempt: number }) => logger.child({ queue, jobId: j.id, ...(j.runId ? { runId: j.runId } : {}), attempt: j.attempt });
  return {
    onActive: (j) => log(j).info('job started'),
    onCompleted: (j, _r, ms) => {
      metrics.jobFinished(queue, 'completed', ms);
      log(j).info({ durationMs: ms }, 'job completed');
    },
    onFailed: (j, e, final, ms) => {
      if (final) {
        metrics.jobFinished(queue, 'failed', ms);
        log(j).error({ code: e.code, error: e.message, durationMs: ms }, 'job failed for good');
      } else {
        metrics.jobFinished(queue, 'retried', ms);
        metrics.retried(queue, e.code);
        log(j).warn({ code: e.code, error: e.message, durationMs: ms }, 'job attempt failed; will retry');
      }
    },
    onCancelled: (j) => {
      metrics.jobFinished(queue, 'cancelled');
      log(j).info('job cancelled');
    },
    onReleased: (j) => {
      metrics.jobFinished(queue, 'released');
      log(j).info('job handed back to the queue (shutdown)');
    },
    onStalled: (id) => {
      metrics.stalledJob(queue);
      logger.warn({ queue, jobId: id, ...(queue === 'backtest' ? { runId: id } : {}) }, 'job stalled (its worker died); put back in the queue');
    },
    onDeadLetter: (entry) => {
      metrics.deadLetter(queue, entry.error.code);
      logger.error({ queue, jobId: entry.jobId, ...(queue === 'backtest' ? { runId: entry.jobId } : {}), code: entry.error.code, attempts: entry.attemptsMade }, 'job copied to the dead-letter queue');
      alerter.notify(entry).catch((err: unknown) => logger.error({ err, jobId: entry.jobId }, 'could not queue the alert'));
    },
    onError: (err) => logger.warn({ err, queue }, 'worker error'),
  };
}
