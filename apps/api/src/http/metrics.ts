import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { routeOf } from './request-context';

/** Job counts of one queue by state (read when Prometheus scrapes). */
export type QueueCountsSource = () => Promise<Readonly<Record<string, Readonly<Record<string, number>>>>>;

/** The API's Prometheus metrics, in their own registry (one per app instance). */
export class ApiMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly duration: Histogram<'method' | 'route' | 'status'>;

  constructor(queueCounts?: QueueCountsSource, options: { readonly defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by method, route pattern and status, seconds',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
    if (queueCounts) {
      new Gauge({
        name: 'coinhts_queue_jobs',
        help: 'Jobs per queue and state (queued, running, completed, failed, cancelled)',
        labelNames: ['queue', 'state'],
        registers: [this.registry],
        async collect() {
          this.reset();
          try {
            const counts = await queueCounts();
            for (const [queue, byState] of Object.entries(counts)) {
              for (const [state, n] of Object.entries(byState)) this.set({ queue, state }, n);
            }
          } catch {
            // Redis down: the gauge is left empty; /readyz reports the outage.
          }
        },
      });
    }
  }

  /** Middleware counting and timing every request under its route pattern (`unmatched` for 404s). */
  middleware(): RequestHandler {
    return (req, res, next) => {
      const end = this.duration.startTimer();
      res.on('finish', () => {
        const labels = { method: req.method, route: routeOf(res) ?? 'unmatched', status: String(res.statusCode) };
        this.requests.inc(labels);
        end(labels);
      });
      next();
    };
  }
}
