/**
 * `@coinhts/service`: the shell every long-running coin-hts process shares (the queue worker and
 * the paper-trading process): {@link runService} (configuration once, exit codes, graceful stop)
 * and {@link startHealthServer} (`/healthz` + `/metrics`).
 */
export { runService, StartupError, type RunningService, type ServiceDefinition, type ServiceHost } from './run-service';
export { DEFAULT_METRICS_PORT, startHealthServer, type HealthReport } from './health-server';
