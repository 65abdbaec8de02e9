/**
 * The queue worker: `node --conditions=@coinhts/source -r @swc-node/register apps/worker/src/main.ts`
 * (or `node apps/worker/dist/main.js` after a build). Configuration comes from the environment
 * (see config.ts and docs/jobs.md); a missing or wrong variable, or a local results folder it
 * cannot write, exits with status 2.
 * SIGTERM/SIGINT: stop taking jobs, finish or hand back active ones, exit 0.
 */
import { registerStrategyModules, StrategyModuleError } from '@coinhts/engine';
import { checkStoreWritable, StoreNotWritableError } from '@coinhts/runs';
import pino from 'pino';
import { ConfigError, loadConfig, type WorkerConfig } from './config';
import { startWorkerApp } from './worker-app';

async function main(): Promise<void> {
  let config: WorkerConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  try {
    // Checked here, before any job is taken; every sandbox loads the same modules again.
    await registerStrategyModules(config.strategyModules, (spec) => import(spec));
  } catch (err) {
    if (err instanceof StrategyModuleError) {
      process.stderr.write(`The worker cannot start: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  try {
    // A results folder the sandboxes could not write would fail every job's attempts: refuse now.
    await checkStoreWritable(config.results);
  } catch (err) {
    if (err instanceof StoreNotWritableError) {
      process.stderr.write(`The worker cannot start: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = pino({ level: config.logLevel, base: { service: 'coinhts-worker', pid: process.pid } });
  const app = await startWorkerApp(config, logger);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, timeoutMs: config.shutdownTimeoutMs }, 'shutting down: no new jobs; finishing or handing back active ones');
    app.close().then(
      () => {
        logger.info('stopped');
        logger.flush();
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        logger.flush();
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`coinhts worker failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
