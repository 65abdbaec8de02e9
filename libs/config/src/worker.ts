/** The worker's configuration: the shared fragments plus the worker's own variables. */
import { z } from 'zod';
import { composeConfig, defineFragment } from './compose';
import { boolText, csvText, envVar, intText } from './env-var';
import {
  alertsFragment,
  databaseFragment,
  loggingFragment,
  marketDataFragment,
  metricsListenFragment,
  queueFragment,
  resultsStoreFragment,
  shutdownFragment,
  timeZoneFragment,
  upbitFragment,
  type AlertSettings,
  type DatabaseSettings,
  type ListenSettings,
  type LogLevel,
  strategyModulesFragment,
  type ResultsStoreConfig,
} from './fragments';

/** The queues a worker can work on. */
export const WORKER_QUEUE_NAMES = ['backtest', 'sweep', 'data-ingestion'] as const;
/** One of {@link WORKER_QUEUE_NAMES}. */
export type WorkerQueueName = (typeof WORKER_QUEUE_NAMES)[number];

const v = {
  WORKER_QUEUES: envVar({ name: 'WORKER_QUEUES', schema: csvText.pipe(z.array(z.enum(WORKER_QUEUE_NAMES, { error: () => `each queue must be one of ${WORKER_QUEUE_NAMES.join(', ')}` })).min(1, 'must name at least one queue')), default: WORKER_QUEUE_NAMES.join(','), doc: 'Queues this process works on.', expected: `comma-separated queues of ${WORKER_QUEUE_NAMES.join(', ')}`, example: 'backtest,sweep' }),
  WORKER_SANDBOX: envVar({ name: 'WORKER_SANDBOX', schema: z.enum(['process', 'thread'], { error: () => 'must be process or thread' }), default: 'process', doc: 'process = a child process per job slot; thread = worker threads.', expected: 'process or thread', example: 'process' }),
  BACKTEST_CONCURRENCY: envVar({ name: 'BACKTEST_CONCURRENCY', schema: intText(1, 64), default: '1', doc: 'Backtest jobs at a time per process (one sandbox each).', expected: 'a whole number 1-64', example: '1' }),
  SWEEP_CONCURRENCY: envVar({ name: 'SWEEP_CONCURRENCY', schema: intText(1, 64), default: '1', doc: 'Sweep jobs at a time per process.', expected: 'a whole number 1-64', example: '1' }),
  INGESTION_CONCURRENCY: envVar({ name: 'INGESTION_CONCURRENCY', schema: intText(1, 8), default: '1', doc: 'Data ingestion jobs at a time per process.', expected: 'a whole number 1-8', example: '1' }),
  LOCK_DURATION_MS: envVar({ name: 'LOCK_DURATION_MS', schema: intText(1_000, 600_000), default: '30000', doc: 'A job whose lock is not renewed for this long (ms) is taken over.', expected: 'milliseconds 1000-600000', example: '30000' }),
  STALLED_INTERVAL_MS: envVar({ name: 'STALLED_INTERVAL_MS', schema: intText(500, 600_000), default: '5000', doc: 'How often stalled jobs are looked for, ms; a killed worker\'s job is back in the queue within LOCK_DURATION_MS + 2 × this, plus timer lateness on a starved machine (docs/reliability.md).', expected: 'milliseconds 500-600000', example: '5000' }),
  MAX_STALLED_COUNT: envVar({ name: 'MAX_STALLED_COUNT', schema: intText(0, 100), default: '2', doc: 'Stalls before a job fails.', expected: 'a whole number 0-100', example: '2' }),
  STOP_GRACE_MS: envVar({ name: 'STOP_GRACE_MS', schema: intText(0, 60_000), default: '1000', doc: 'Wait before killing a sandbox that ignores cancel/shutdown, ms.', expected: 'milliseconds 0-60000', example: '1000' }),
  RETENTION_COMPLETED_AGE_S: envVar({ name: 'RETENTION_COMPLETED_AGE_S', schema: intText(60, 31_536_000), default: '86400', doc: 'Completed jobs are kept this long, s.', expected: 'seconds 60-31536000', example: '86400' }),
  RETENTION_COMPLETED_COUNT: envVar({ name: 'RETENTION_COMPLETED_COUNT', schema: intText(0, 1_000_000), default: '1000', doc: 'At most this many completed jobs are kept.', expected: 'a whole number 0-1000000', example: '1000' }),
  RETENTION_FAILED_AGE_S: envVar({ name: 'RETENTION_FAILED_AGE_S', schema: intText(60, 31_536_000), default: '604800', doc: 'Failed jobs are kept this long, s.', expected: 'seconds 60-31536000', example: '604800' }),
  RETENTION_FAILED_COUNT: envVar({ name: 'RETENTION_FAILED_COUNT', schema: intText(0, 1_000_000), default: '5000', doc: 'At most this many failed jobs are kept.', expected: 'a whole number 0-1000000', example: '5000' }),
  ALERT_WINDOW_MS: envVar({ name: 'ALERT_WINDOW_MS', schema: intText(100, 86_400_000), default: '60000', doc: 'Alerts for jobs that failed for good are batched per window, ms.', expected: 'milliseconds 100-86400000', example: '60000' }),
  SCHEDULER_ENABLED: envVar({ name: 'SCHEDULER_ENABLED', schema: boolText, default: 'true', doc: 'Run the daily Upbit collection.', expected: 'true or false', example: 'true' }),
  SCHEDULER_HOUR_UTC: envVar({ name: 'SCHEDULER_HOUR_UTC', schema: intText(0, 23), default: '0', doc: 'Hour (UTC) of the daily collection.', expected: 'an hour 0-23', example: '0' }),
  SCHEDULER_MINUTE_UTC: envVar({ name: 'SCHEDULER_MINUTE_UTC', schema: intText(0, 59), default: '10', doc: 'Minute of the daily collection.', expected: 'a minute 0-59', example: '10' }),
  SCHEDULER_SYMBOLS: envVar({ name: 'SCHEDULER_SYMBOLS', schema: csvText, default: 'KRW-BTC,KRW-ETH,KRW-XRP,KRW-SOL,KRW-ADA,KRW-DOGE', doc: 'Symbols of the daily collection.', expected: 'comma-separated symbols', example: 'KRW-BTC,KRW-ETH' }),
  SCHEDULER_TIMEFRAMES: envVar({ name: 'SCHEDULER_TIMEFRAMES', schema: csvText, default: '1h,1d', doc: 'Timeframes of the daily collection.', expected: 'comma-separated timeframes', example: '1h,1d' }),
  SCHEDULER_DAYS: envVar({ name: 'SCHEDULER_DAYS', schema: intText(1, 3650), default: '3', doc: 'Days back each daily collection fetches.', expected: 'days 1-3650', example: '3' }),
};

/** The worker's own variables (queues, sandboxes, locks, retention, alert batching, scheduler). */
export const workerFragment = defineFragment({ name: 'worker', vars: v, build: (x) => x });

/** The typed configuration the rest of the worker receives. Durations ms unless named `…Sec`. */
export interface WorkerConfig {
  /** Strategy plugin modules loaded at start-up and in every sandbox (COINHTS_STRATEGY_MODULES), paths absolute. */
  readonly strategyModules: readonly string[];
  readonly redisUrl: string;
  readonly queuePrefix: string;
  readonly database: DatabaseSettings;
  /** Candle store root, absolute. */
  readonly dataRoot: string;
  readonly timeZone: string;
  /** Where runs are archived (RESULTS_STORE). */
  readonly results: ResultsStoreConfig;
  /** Queues this process works on (no duplicates). */
  readonly queues: readonly WorkerQueueName[];
  readonly sandbox: 'process' | 'thread';
  readonly concurrency: { readonly backtest: number; readonly sweep: number; readonly ingestion: number };
  readonly locks: { readonly lockDurationMs: number; readonly stalledIntervalMs: number; readonly maxStalledCount: number; readonly stopGraceMs: number };
  readonly retention: { readonly completedAgeSec: number; readonly completedCount: number; readonly failedAgeSec: number; readonly failedCount: number };
  readonly shutdownTimeoutMs: number;
  /** /healthz and /metrics listener (default 127.0.0.1:9464). */
  readonly metrics: ListenSettings;
  readonly logLevel: LogLevel;
  readonly alerts: AlertSettings & { readonly windowMs: number };
  readonly scheduler: { readonly enabled: boolean; readonly hourUtc: number; readonly minuteUtc: number; readonly symbols: readonly string[]; readonly timeframes: readonly string[]; readonly days: number };
  /** Upbit API base URL; unset = Upbit's. */
  readonly upbitBaseUrl?: string;
}

/** The worker's configuration (`WORKER_CONFIG.variables` lists what it reads). */
export const WORKER_CONFIG = composeConfig('The worker', {
  queue: queueFragment,
  database: databaseFragment(2),
  marketData: marketDataFragment,
  timeZone: timeZoneFragment,
  results: resultsStoreFragment,
  worker: workerFragment,
  shutdown: shutdownFragment,
  metrics: metricsListenFragment,
  logging: loggingFragment,
  alerts: alertsFragment,
  upbit: upbitFragment,
  strategyModules: strategyModulesFragment,
}).map((c): WorkerConfig => {
  const w = c.worker;
  return {
    redisUrl: c.queue.redisUrl,
    queuePrefix: c.queue.queuePrefix,
    database: c.database,
    dataRoot: c.marketData.dataRoot,
    timeZone: c.timeZone.timeZone,
    results: c.results,
    queues: [...new Set(w.WORKER_QUEUES)],
    sandbox: w.WORKER_SANDBOX,
    concurrency: { backtest: w.BACKTEST_CONCURRENCY, sweep: w.SWEEP_CONCURRENCY, ingestion: w.INGESTION_CONCURRENCY },
    locks: { lockDurationMs: w.LOCK_DURATION_MS, stalledIntervalMs: w.STALLED_INTERVAL_MS, maxStalledCount: w.MAX_STALLED_COUNT, stopGraceMs: w.STOP_GRACE_MS },
    retention: { completedAgeSec: w.RETENTION_COMPLETED_AGE_S, completedCount: w.RETENTION_COMPLETED_COUNT, failedAgeSec: w.RETENTION_FAILED_AGE_S, failedCount: w.RETENTION_FAILED_COUNT },
    shutdownTimeoutMs: c.shutdown.timeoutMs,
    metrics: c.metrics,
    logLevel: c.logging.level,
    alerts: { ...c.alerts, windowMs: w.ALERT_WINDOW_MS },
    scheduler: { enabled: w.SCHEDULER_ENABLED, hourUtc: w.SCHEDULER_HOUR_UTC, minuteUtc: w.SCHEDULER_MINUTE_UTC, symbols: w.SCHEDULER_SYMBOLS, timeframes: w.SCHEDULER_TIMEFRAMES, days: w.SCHEDULER_DAYS },
    upbitBaseUrl: c.upbit.baseUrl,
    strategyModules: c.strategyModules.modules,
  };
});
