import { parentPort, workerData } from 'node:worker_threads';
import type { StrategyDefinition } from '../core/strategy';
import type { BacktestSeries } from '../backtest';
import { LruColumnCache, packedStride, packStats, SetEvaluator, trimChunkRows, type SweepRow } from '../sweep';
import { resolveStrategyIn } from './strategy-modules';
import type { SharedSeries, WorkerErrorInfo, WorkerJob, WorkerReply, WorkerRequest } from './protocol';

// Worker side of SweepPool: keeps a context per job and evaluates chunks of combinations against
// candles in shared memory. A job's cancel flag (shared memory too) is read between combinations.
const port = parentPort;
if (!port) throw new Error('sweep-worker must run as a worker thread');

interface JobContext {
  readonly msg: WorkerJob;
  readonly strategy: StrategyDefinition<object>;
  readonly series: readonly BacktestSeries[];
  readonly evaluator: SetEvaluator;
}
const jobs = new Map<number, JobContext>();
/** Indicator columns shared by every job of this worker (keyed by input identity, see keepSeries). */
const columns = new LruColumnCache((workerData as { columnBudgetBytes?: number } | undefined)?.columnBudgetBytes);
/**
 * Series by pool id, so repeated jobs over the same shared candles see the same array objects
 * (what identity-keyed caches need); the 8 most recent are kept.
 */
const seriesById = new Map<number, BacktestSeries>();

function keepSeries(s: SharedSeries): BacktestSeries {
  const known = seriesById.get(s.id);
  if (known) {
    seriesById.delete(s.id);
    seriesById.set(s.id, known);
    return known;
  }
  const fresh: BacktestSeries = { symbol: s.symbol, timeframe: s.timeframe, candles: s.candles };
  seriesById.set(s.id, fresh);
  while (seriesById.size > 8) seriesById.delete(seriesById.keys().next().value as number);
  return fresh;
}

function errorInfo(err: unknown): WorkerErrorInfo {
  const e = err as { name?: string; code?: string; message?: string; issues?: unknown };
  return { name: e?.name ?? 'Error', code: e?.code, message: e?.message ?? String(err), issues: e?.issues };
}

port.on('message', (m: WorkerRequest) => {
  if (m.type === 'job') {
    try {
      const strategy = resolveStrategyIn(m.strategy, m.strategyModules);
      const series = m.series.map(keepSeries);
      jobs.set(m.job, { msg: m, strategy, series, evaluator: new SetEvaluator(strategy, m.baseParams, series, m.options, m.rankBy, columns, m.blocks, m.evaluation) });
    } catch (err) {
      port.postMessage({ type: 'error', job: m.job, error: errorInfo(err) } satisfies WorkerReply);
    }
    return;
  }
  if (m.type === 'end') {
    jobs.delete(m.job);
    return;
  }
  const ctx = jobs.get(m.job);
  if (!ctx) return; // the job failed to start; its error was sent already
  const { msg } = ctx;
  const rows: SweepRow[] = [];
  const stride = packedStride(msg.blocks);
  const stats = new Float64Array(stride * m.sets.length);
  for (let k = 0; k < m.sets.length; k++) {
    if (Atomics.load(msg.cancel, 0) !== 0) {
      port.postMessage({ type: 'cancelled', job: m.job } satisfies WorkerReply);
      return;
    }
    try {
      const r = ctx.evaluator.evaluate(m.sets[k], m.start + k);
      rows.push(r.row);
      packStats(stats, k * stride, r.stats, msg.blocks);
    } catch (err) {
      port.postMessage({ type: 'error', job: m.job, error: errorInfo(err), index: m.start + k, set: m.sets[k] } satisfies WorkerReply);
      return;
    }
  }
  port.postMessage({ type: 'rows', job: m.job, rows: trimChunkRows(rows, msg.top, msg.direction), stats } satisfies WorkerReply, [stats.buffer]);
});
port.postMessage({ type: 'ready' } satisfies WorkerReply);
