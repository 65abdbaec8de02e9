import { successiveHalvingPlan, type SuccessiveHalvingRequest, type SuccessiveHalvingResult } from '../sweep';
import { resolveStrategyIn } from './strategy-modules';
import type { SweepPool } from './sweep-pool';

/** Input of {@link successiveHalvingOnPool}: a search naming its strategy (workers look it up). */
export interface ParallelSuccessiveHalvingRequest extends Omit<SuccessiveHalvingRequest, 'strategy'> {
  /** Registry name of the strategy, or one exported by `strategyModules`. */
  readonly strategy: string;
  /** See ParallelSweepRequest.strategyModules. */
  readonly strategyModules?: readonly string[];
}

/**
 * {@link successiveHalving} with every rung on `pool` (the rungs' windows are views of candles
 * shared once). Gives the result `successiveHalving` gives.
 */
export async function successiveHalvingOnPool(req: ParallelSuccessiveHalvingRequest, pool: SweepPool): Promise<SuccessiveHalvingResult> {
  const strategy = resolveStrategyIn(req.strategy, req.strategyModules);
  const series = req.series.map((s) => ({ ...s, candles: pool.share(s.candles).candles }));
  const plan = successiveHalvingPlan({ ...req, strategy, series });
  let step = plan.next();
  while (!step.done) {
    const { sets, series: window, top, verdictBlocks } = step.value;
    step = plan.next(await pool.run({ ...req, series: window, mode: { kind: 'list', sets }, top, verdictBlocks, onProgress: undefined }));
  }
  return step.value;
}
