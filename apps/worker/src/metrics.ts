import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Job counts per caller state, by queue (read from Redis on each scrape). */
export type QueueCountsReader = () => Promise<Readonly<Record<string, Readonly<Record<string, number>>>>>;

/**
 * Prometheus metrics of a worker process: jobs by outcome and state, durations, retries,
 * dead-letter size, alerts. Queue-wide numbers (jobs by state, DLQ size) are read from Redis when
 * scraped, so every worker reports the same values for them.
 */
export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly finished: Counter<'queue' | 'outcome'>;
  private readonly duration: Histogram<'queue' | 'outcome'>;
  private readonly retries: Counter<'queue' | 'code'>;
  private readonly stalled: Counter<'queue'>;
  private readonly deadLettered: Counter<'queue' | 'code'>;
  private readonly alerts: Counter<'channel' | 'result'>;

  constructor(counts: QueueCountsReader, deadLetterSize: () => Promise<number>, options: { readonly defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'coinhts_worker_' });
    this.finished = new Counter({ name: 'coinhts_worker_jobs_finished_total', help: 'Job attempts finished by this process, by outcome (completed, failed, retried, cancelled, released)', labelNames: ['queue', 'outcome'], registers });
    this.duration = new Histogram({
      name: 'coinhts_worker_job_duration_seconds',
      help: 'Processing time of job attempts (sandbox included), by outcome',
      labelNames: ['queue', 'outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900],
      registers,
    });
    this.retries = new Counter({ name: 'coinhts_worker_job_retries_total', help: 'Failed attempts that will be retried, by error code', labelNames: ['queue', 'code'], registers });
    this.stalled = new Counter({ name: 'coinhts_worker_jobs_stalled_total', help: 'Jobs found stalled (their worker died) and put back', labelNames: ['queue'], registers });
    this.deadLettered = new Counter({ name: 'coinhts_worker_dead_lettered_total', help: 'Jobs copied to the dead-letter queue by this process, by error code', labelNames: ['queue', 'code'], registers });
    this.alerts = new Counter({ name: 'coinhts_worker_alerts_total', help: 'Alert summaries sent, by channel and result', labelNames: ['channel', 'result'], registers });
    new Gauge({
      name: 'coinhts_worker_queue_jobs',
      help: 'Jobs in each queue by state (queued, running, completed, failed, cancelled), as retained in Redis',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        this.reset();
        for (const [queue, byState] of Object.entries(await counts())) for (const [state, n] of Object.entries(byState)) this.set({ queue, state }, n);
      },
    });
    new Gauge({
      name: 'coinhts_worker_dead_letter_size',
      help: 'Entries in the dead-letter queue',
      registers,
      async collect() {
        this.set(await deadLetterSize());
      },
    });
  }

  /** A job attempt finished. */
  jobFinished(queue: string, outcome: 'completed' | 'failed' | 'retried' | 'cancelled' | 'released', durationMs?: number): void {
    this.finished.inc({ queue, outcome });
    if (durationMs !== undefined) this.duration.observe({ queue, outcome }, durationMs / 1000);
  }

  /** A failed attempt will be retried. */
  retried(queue: string, code: string): void {
    this.retries.inc({ queue, code });
  }

  /** A stalled job was put back. */
  stalledJob(queue: string): void {
    this.stalled.inc({ queue });
  }

  /** A job went to the dead-letter queue. */
  deadLetter(queue: string, code: string): void {
    this.deadLettered.inc({ queue, code });
  }

  /** An alert summary went out (or did not). */
  alert(channel: string, ok: boolean): void {
    this.alerts.inc({ channel, result: ok ? 'sent' : 'failed' });
  }
}
