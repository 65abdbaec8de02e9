/**
 * Sweeps and walk-forward analyses run in-process (the CLI's `coinhts sweep`, on the engine's
 * worker pool) stored as runs — in exactly the shape the queue's sweeps are stored
 * ({@link ServiceSweepStore}): the same index row ({@link sweepRunInput}) and the same
 * `{ request, ranking }` document, so `coinhts results list/show/export`, the API and the report
 * see one kind of sweep whoever ran it. The stored shapes are described in this library's README.
 */
import { drawdownStats, type SweepResult, type WalkForwardResult } from '@coinhts/engine';
import type { SweepRanking } from '@coinhts/jobs';
import { numericMetrics } from '@coinhts/jobs/model';
import type { RunInput, StoredRun } from '@coinhts/results';
import type { ColumnarTable } from '@coinhts/storage';
import { sweepRunInput } from './job-stores';
import { emptyResultTables } from './result-tables';
import { runDocument } from './run-record';
import type { SweepRequest } from './run-request';
import type { RunService } from './run-service';

/** How the combinations of an in-process sweep were chosen. */
export type SweepSearch = { readonly kind: 'grid' } | { readonly kind: 'random'; readonly samples: number; readonly seed: number };

/** Timing of a run, epoch ms. */
export interface RunTiming {
  readonly startedAt: number;
  readonly finishedAt: number;
}

/**
 * The engine's sweep result as the ranking the queue stores: rows best first, each with the full
 * parameter set (`fixed` ∪ the row's swept values) and its numeric portfolio metrics.
 * @param result - the engine's (or its worker pool's) sweep result
 * @param sweepId - the run id
 * @param fixed - the parameters held fixed (the request's `params`)
 */
export function engineSweepRanking(result: SweepResult, sweepId: string, fixed: Readonly<Record<string, unknown>>): SweepRanking {
  return {
    sweepId,
    rankBy: result.rankBy,
    direction: result.direction,
    total: result.total,
    evaluated: result.evaluated,
    failed: result.failed,
    rows: result.rows.map((r) => ({
      index: r.index,
      params: { ...fixed, ...r.params },
      metrics: r.metrics === null ? null : numericMetrics(r.metrics),
      ...(r.error ? { error: { code: r.error.code, message: r.error.message } } : {}),
      score: r.score,
    })),
  };
}

/** What {@link saveEngineSweep} stores. */
export interface EngineSweepRun {
  /** Run id (a UUID). */
  readonly runId: string;
  /** The sweep as a request of the one schema (`grid` = the values per swept parameter). */
  readonly request: SweepRequest;
  readonly result: SweepResult;
  /** Grid, or random samples drawn from `request.grid`. */
  readonly search: SweepSearch;
  readonly timing: RunTiming;
}

/** Stores an in-process sweep as a `sweep` run (archive, then index row; see {@link RunService.save}). */
export function saveEngineSweep(runs: RunService, sweep: EngineSweepRun): Promise<StoredRun> {
  const ranking = engineSweepRanking(sweep.result, sweep.runId, sweep.request.params);
  const run = sweepRunInput(ranking, sweep.request, sweep.timing);
  const extra = { search: sweep.search, ...(sweep.result.verdict ? { verdict: sweep.result.verdict } : {}) };
  return runs.save(run, { summary: runDocument(run, { request: sweep.request, ranking, ...extra }), tables: emptyResultTables() });
}

/** Fold geometry of a walk-forward analysis, in bars of the first series. */
export interface WalkForwardGeometry {
  readonly inSampleBars: number;
  readonly outOfSampleBars: number;
  readonly stepBars: number;
  readonly anchored: boolean;
}

/** What {@link saveWalkForward} stores. */
export interface WalkForwardRun {
  readonly runId: string;
  /** The sweep each in-sample window is optimised over. */
  readonly request: SweepRequest;
  readonly result: WalkForwardResult;
  readonly geometry: WalkForwardGeometry;
  readonly search: SweepSearch;
  /** KRW the stitched curve starts from (the request's `options.initial_capital`). */
  readonly initialCapital: number;
  readonly timing: RunTiming;
}

/** The `walk_forward` record of a walk-forward run's summary.json (README: "Walk-forward analyses"). */
export function walkForwardRecord(wf: WalkForwardResult, geometry: WalkForwardGeometry, fixed: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return {
    in_sample_bars: geometry.inSampleBars,
    out_of_sample_bars: geometry.outOfSampleBars,
    step_bars: geometry.stepBars,
    anchored: geometry.anchored,
    rank_by: wf.rankBy,
    direction: wf.direction,
    oos_compounded_return_pct: wf.oosCompoundedReturnPct,
    is_mean_score: wf.isMeanScore,
    oos_mean_score: wf.oosMeanScore,
    folds: wf.folds.map((f) => ({
      fold: f.fold,
      in_sample: f.inSample,
      out_of_sample: f.outOfSample,
      best_params: f.bestParams === null ? null : { ...fixed, ...f.bestParams },
      in_sample_score: f.inSampleScore,
      out_of_sample_score: f.outOfSampleScore,
      out_of_sample_metrics: f.outOfSampleMetrics === null ? null : numericMetrics(f.outOfSampleMetrics),
    })),
    stability: {
      changes: wf.stability.changes,
      modal_share: wf.stability.modalShare,
      params: wf.stability.params.map((p) => ({ name: p.name, values: p.values, distinct: p.distinct, mean: p.mean, std: p.std, relative_std: p.relativeStd })),
    },
  };
}

/**
 * Index fields of a walk-forward run: the headline is the out-of-sample result (compounded return,
 * the stitched curve's largest drawdown, out-of-sample trades), never an in-sample figure.
 */
export function walkForwardRunInput(w: WalkForwardRun): RunInput {
  const wf = w.result;
  const eq = wf.oosEquity;
  const n = eq.equity.length;
  const barMs = n > 1 ? eq.timestamp[1] - eq.timestamp[0] : 0;
  const maxDd = n > 0 ? drawdownStats(eq.equity, eq.timestamp, w.initialCapital, barMs).maxDrawdownPct : null;
  const ran = wf.folds.filter((f) => f.outOfSampleMetrics !== null);
  const trades = ran.length ? ran.reduce((acc, f) => acc + (f.outOfSampleMetrics?.trade_count ?? 0), 0) : null;
  const oos = wf.folds.map((f) => f.outOfSample);
  return {
    id: w.runId,
    kind: 'sweep',
    status: 'completed',
    strategy: w.request.strategy,
    params: { fixed: w.request.params, grid: w.request.grid },
    symbols: w.request.symbols,
    timeframe: w.request.timeframe,
    periodStart: oos.length ? oos[0].start_ms : null,
    periodEnd: oos.length ? oos[oos.length - 1].end_ms : null,
    metrics: { analysis: 'walk-forward', rank_by: wf.rankBy, direction: wf.direction, folds: wf.folds.length, is_mean_score: wf.isMeanScore, oos_mean_score: wf.oosMeanScore, parameter_changes: wf.stability.changes },
    totalReturnPct: wf.oosCompoundedReturnPct,
    sharpe: null,
    maxDrawdownPct: maxDd,
    tradeCount: trades,
    durationMs: Math.max(0, Math.round(w.timing.finishedAt - w.timing.startedAt)),
    startedAt: w.timing.startedAt,
    finishedAt: w.timing.finishedAt,
  };
}

/** Stores a walk-forward analysis as a `sweep` run whose equity table is the stitched out-of-sample curve. */
export function saveWalkForward(runs: RunService, w: WalkForwardRun): Promise<StoredRun> {
  const run = walkForwardRunInput(w);
  const equity: ColumnarTable = {
    schema: { timestamp: 'timestamp_ms', equity: 'f64' },
    columns: { timestamp: w.result.oosEquity.timestamp, equity: w.result.oosEquity.equity },
  };
  const summary = runDocument(run, { request: w.request, walk_forward: walkForwardRecord(w.result, w.geometry, w.request.params), search: w.search });
  return runs.save(run, { summary, tables: { ...emptyResultTables(), equity } });
}
