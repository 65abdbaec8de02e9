/**
 * Starts the HTTP API: `node --conditions=@coinhts/source -r @swc-node/register apps/api/src/main.ts`.
 * SIGTERM/SIGINT: stop accepting connections, let in-flight requests finish (up to
 * SHUTDOWN_TIMEOUT_MS), then close the database pool and Redis clients.
 */
import type { Server } from 'node:http';
import { StrategyModuleError } from '@coinhts/engine';
import pino from 'pino';
import { createApp } from './app';
import { ConfigError, loadConfig } from './config';
import { buildServices } from './services';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = pino({ level: config.logLevel, base: { service: 'coinhts-api' } });
  let services;
  try {
    services = await buildServices(config, logger);
  } catch (err) {
    // A bad strategy plugin module is bad input, like bad configuration: exit 2 with the message (as the worker and CLI do).
    if (err instanceof StrategyModuleError) {
      process.stderr.write(`The API cannot start: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const { app } = createApp(services.deps);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
  });
  server.keepAliveTimeout = 5_000;
  const address = server.address();
  logger.info({ port: typeof address === 'object' && address ? address.port : config.port, host: config.host }, 'coinhts API listening');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
    services.beginShutdown();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const timer = setTimeout(() => {
      logger.warn('in-flight requests did not finish in time; closing their connections');
      server.closeAllConnections();
    }, config.shutdownTimeoutMs);
    timer.unref();
    await closed;
    clearTimeout(timer);
    await services.close();
    logger.info('stopped');
    logger.flush();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`coinhts API failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
