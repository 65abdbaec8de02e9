import type { BacktestSeries } from '../backtest';
import { walkForwardPlan, type WalkForwardRequest, type WalkForwardResult } from '../sweep';
import { resolveStrategyIn } from './strategy-modules';
import type { SweepPool } from './sweep-pool';

/** Input of {@link walkForwardOnPool}: a walk-forward request naming its strategy (workers look it up). */
export interface ParallelWalkForwardRequest extends Omit<WalkForwardRequest, 'strategy'> {
  /** Registry name of the strategy, or one exported by `strategyModules`. */
  readonly strategy: string;
  /** See ParallelSweepRequest.strategyModules. */
  readonly strategyModules?: readonly string[];
}

/**
 * {@link walkForward} with each in-sample sweep on `pool`: the workers (and their column caches)
 * serve every window, and the candles go to shared memory once — the windows are views of it.
 * Gives the result `walkForward` gives.
 */
export async function walkForwardOnPool(req: ParallelWalkForwardRequest, pool: SweepPool): Promise<WalkForwardResult> {
  const strategy = resolveStrategyIn(req.strategy, req.strategyModules);
  const series: BacktestSeries[] = req.series.map((s) => ({ ...s, candles: pool.share(s.candles).candles }));
  const plan = walkForwardPlan({ ...req, strategy, series });
  let step = plan.next();
  while (!step.done) {
    const sweep = await pool.run({ ...req, series: step.value, onProgress: undefined, top: 1, verdictBlocks: 0 });
    step = plan.next(sweep);
  }
  return step.value;
}
