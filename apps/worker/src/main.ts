/**
 * The queue worker: `node --conditions=@coinhts/source -r @swc-node/register apps/worker/src/main.ts`
 * (or `node apps/worker/dist/main.js` after a build). Configuration comes from the environment
 * (see config.ts and docs/jobs.md); a missing or wrong variable, a strategy module that does not
 * load, or a local results folder it cannot write exits with status 2.
 * SIGTERM/SIGINT: stop taking jobs, finish or hand back active ones, exit 0.
 */
import { registerStrategyModules, StrategyModuleError } from '@coinhts/engine';
import { checkStoreWritable, StoreNotWritableError } from '@coinhts/runs';
import { runService } from '@coinhts/service';
import { loadConfig } from './config';
import { startWorkerApp } from './worker-app';

void runService({
  service: 'coinhts-worker',
  loadConfig,
  logLevel: (c) => c.logLevel,
  prepare: async (c) => {
    // Checked here, before any job is taken; every sandbox loads the same modules again.
    await registerStrategyModules(c.strategyModules, (spec) => import(spec));
    // A results folder the sandboxes could not write would fail every job's attempts: refuse now.
    await checkStoreWritable(c.results);
  },
  isStartupError: (err) => err instanceof StrategyModuleError || err instanceof StoreNotWritableError,
  start: startWorkerApp,
  stopping: 'shutting down: no new jobs; finishing or handing back active ones',
  stoppingFields: (c) => ({ timeoutMs: c.shutdownTimeoutMs }),
});
