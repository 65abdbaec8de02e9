/**
 * The paper-trading process: `node --conditions=@coinhts/source -r @swc-node/register apps/paper/src/main.ts`
 * (or `node apps/paper/dist/main.js` after a build). Runs every paper session stored in PostgreSQL
 * that no live process owns (see docs/paper.md). A missing or wrong variable exits with status 2.
 * SIGTERM/SIGINT: stop streams, write pending checkpoints, release the leases (another process
 * takes the sessions over at once), exit 0.
 */
import { registerStrategyModules, StrategyModuleError } from '@coinhts/engine';
import { runService } from '@coinhts/service';
import { loadConfig } from './config';
import { startPaperApp } from './paper-app';

void runService({
  service: 'coinhts-paper',
  loadConfig,
  logLevel: (c) => c.logLevel,
  // The API lists and starts sessions of plugin strategies (COINHTS_STRATEGY_MODULES): this process must know them too.
  prepare: (c) => registerStrategyModules(c.strategyModules, (spec) => import(spec)),
  isStartupError: (err) => err instanceof StrategyModuleError,
  start: startPaperApp,
  stopping: 'shutting down: closing streams, writing checkpoints, releasing leases',
});
