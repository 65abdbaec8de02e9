/**
 * `@coinhts/engine/parallel` — Node-only helpers that spread engine work over worker threads.
 * Kept out of the main entry point so the engine itself stays runnable in browsers and workers.
 * @packageDocumentation
 */
export {
  runSweepParallel, SweepPool, SweepWorkerError, SweepPoolClosedError,
  type ParallelSweepRequest, type SweepPoolOptions, type SweepPoolStats,
} from './sweep-pool';
export { resolveStrategyIn } from './strategy-modules';
export { walkForwardOnPool, type ParallelWalkForwardRequest } from './walk-forward-pool';
export { successiveHalvingOnPool, type ParallelSuccessiveHalvingRequest } from './search-pool';
