import { InvalidParamsError, type ParamIssue } from '../core/errors';
import type { BacktestSeries } from '../backtest';
import { DEFAULT_MAX_COMBINATIONS, randomParamSets, type ParamSet } from './param-space';
import { runSweep, sliceByTime, type SweepRequest, type SweepResult } from './run-sweep';

/** Input of {@link successiveHalving}: a sweep request (its `mode` is replaced by the search) plus the search's budget. */
export interface SuccessiveHalvingRequest extends Omit<SweepRequest, 'mode' | 'heatmap'> {
  /** Total backtests the search may run, over all rungs (>= 1, <= 1,000,000). */
  readonly budget: number;
  /** Keep the best 1/eta of the candidates at each rung and grow the data eta times (integer >= 2; default 3). */
  readonly eta?: number;
  /** Rungs, the last on all the data (integer >= 1; default 3: 1/9, 1/3 and all of the bars with eta 3). */
  readonly rungs?: number;
  /** Seed of the candidates' random draw (default 1): the same seed gives the same search. */
  readonly seed?: number;
}

/** One rung of a successive-halving search. */
export interface HalvingRung {
  /** Bars of the first series the rung's backtests ran on (a prefix of the data). */
  readonly bars: number;
  /** Candidates evaluated at this rung. */
  readonly sets: number;
  /** Best score of the rung (null when no candidate produced one). */
  readonly bestScore: number | null;
}

/** Result of {@link successiveHalving}: the last rung's sweep (on all the data) and the path there. */
export interface SuccessiveHalvingResult {
  /** The last rung's ranked sweep on the full data. */
  readonly final: SweepResult;
  readonly rungs: readonly HalvingRung[];
  /** Backtests run (<= budget). */
  readonly evaluations: number;
  /** Candidates drawn at the first rung. */
  readonly candidates: number;
  readonly seed: number;
}

/** One rung to run: its candidates (as a `list` sweep), data window, and what to keep of the result. */
export interface HalvingStep {
  readonly sets: ParamSet[];
  readonly series: BacktestSeries[];
  /** Full rows the rung's sweep must keep (the candidates of the next rung, or the request's `top` at the last). */
  readonly top: number | undefined;
  /** Verdict blocks of the rung's sweep: 0 before the last rung, the request's at the last. */
  readonly verdictBlocks: number | undefined;
}

/** Candidates kept at rung r of a search that starts with n: ⌊n / eta^r⌋, at least 1. */
function rungSize(n: number, eta: number, r: number): number {
  return Math.max(1, Math.floor(n / eta ** r));
}

/** The largest number of first-rung candidates whose evaluations over every rung fit the budget. */
export function halvingCandidates(budget: number, eta: number, rungs: number): number {
  const cost = (n: number): number => {
    let c = 0;
    for (let r = 0; r < rungs; r++) c += rungSize(n, eta, r);
    return c;
  };
  let lo = 0, hi = budget;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (cost(mid) <= budget) lo = mid; else hi = mid - 1;
  }
  return lo;
}

/**
 * The search as a generator (drivers: {@link successiveHalving} on one thread,
 * `successiveHalvingOnPool` in `@coinhts/engine/parallel`): it yields each rung's candidates and
 * data window and expects the rung's sweep result back.
 */
export function* successiveHalvingPlan(req: SuccessiveHalvingRequest): Generator<HalvingStep, SuccessiveHalvingResult, SweepResult> {
  const eta = req.eta ?? 3, rungs = req.rungs ?? 3, seed = req.seed ?? 1;
  const issues: ParamIssue[] = [];
  if (!(Number.isInteger(req.budget) && req.budget >= 1 && req.budget <= DEFAULT_MAX_COMBINATIONS)) issues.push({ field: 'budget', message: `must be an integer from 1 to ${DEFAULT_MAX_COMBINATIONS} backtests, got ${String(req.budget)}` });
  if (!(Number.isInteger(eta) && eta >= 2 && eta <= 100)) issues.push({ field: 'eta', message: `must be an integer from 2 to 100, got ${String(req.eta)}` });
  if (!(Number.isInteger(rungs) && rungs >= 1 && rungs <= 10)) issues.push({ field: 'rungs', message: `must be an integer from 1 to 10, got ${String(req.rungs)}` });
  if (!Number.isInteger(seed)) issues.push({ field: 'seed', message: `must be an integer, got ${String(req.seed)}` });
  if (!req.series?.length) issues.push({ field: 'series', message: 'must be a non-empty array' });
  if (issues.length) throw new InvalidParamsError(issues, 'successive halving');
  const n0 = halvingCandidates(req.budget, eta, rungs);
  if (n0 < 1) throw new InvalidParamsError([{ field: 'budget', message: `${req.budget} backtests cannot cover ${rungs} rungs (one candidate needs ${rungs}); raise the budget or use fewer rungs` }], 'successive halving');
  const clock = req.series[0].candles.timestamp;
  const n = clock.length;
  let candidates = randomParamSets(req.space, n0, seed);
  const history: HalvingRung[] = [];
  let evaluations = 0;
  let last: SweepResult | null = null;
  for (let r = 0; r < rungs; r++) {
    const bars = r === rungs - 1 ? n : Math.max(1, Math.min(n, Math.ceil(n / eta ** (rungs - 1 - r))));
    const until = bars < n ? clock[bars] : clock[n - 1] + 1;
    const series = bars < n ? req.series.map((s) => ({ ...s, candles: sliceByTime(s.candles, clock[0], until) })) : [...req.series];
    const lastRung = r === rungs - 1;
    const result: SweepResult = yield {
      sets: candidates, series, top: lastRung ? req.top : rungSize(n0, eta, r + 1), verdictBlocks: lastRung ? req.verdictBlocks : 0,
    };
    evaluations += candidates.length;
    history.push({ bars, sets: candidates.length, bestScore: result.best?.score ?? null });
    last = result;
    if (r < rungs - 1) {
      const keep = rungSize(n0, eta, r + 1);
      candidates = result.rows.slice(0, keep).map((row) => row.params);
    }
  }
  return { final: last as SweepResult, rungs: history, evaluations, candidates: n0, seed };
}

/**
 * Successive halving over growing data windows: draw as many random candidates as the budget
 * allows, backtest them all on the first 1/eta^(rungs−1) of the bars, keep the best 1/eta, run
 * those on eta times more bars, and so on until the last rung runs on all the data. The budget
 * counts backtests (every rung's, whatever its length); the same seed gives the same search.
 * Failed candidates rank last and are dropped first. One thread.
 */
export function successiveHalving(req: SuccessiveHalvingRequest): SuccessiveHalvingResult {
  const plan = successiveHalvingPlan(req);
  let step = plan.next();
  while (!step.done) {
    const { sets, series, top, verdictBlocks } = step.value;
    step = plan.next(runSweep({ ...req, series, mode: { kind: 'list', sets }, top, verdictBlocks, onProgress: undefined }));
  }
  return step.value;
}
