/**
 * The paper-trading process: `node --conditions=@coinhts/source -r @swc-node/register apps/paper/src/main.ts`.
 * Runs every paper session stored in PostgreSQL that no live process owns (see docs/paper.md).
 * A missing or wrong variable exits with status 2. SIGTERM/SIGINT: stop streams, write pending
 * checkpoints, release the leases (another process takes the sessions over at once), exit 0.
 */
import pino from 'pino';
import { ConfigError, loadConfig, type PaperAppConfig } from './config';
import { startPaperApp } from './paper-app';

async function main(): Promise<void> {
  let config: PaperAppConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = pino({ level: config.logLevel, base: { service: 'coinhts-paper', pid: process.pid } });
  const app = await startPaperApp(config, logger);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: closing streams, writing checkpoints, releasing leases');
    app.close().then(
      () => { logger.info('stopped'); logger.flush(); process.exit(0); },
      (err: unknown) => { logger.error({ err }, 'shutdown failed'); logger.flush(); process.exit(1); },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`coinhts paper failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
