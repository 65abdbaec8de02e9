/**
 * The jobs library's storage ports implemented over {@link RunService}: a finished backtest job
 * ({@link ServiceRunStore}) or a ranked sweep ({@link ServiceSweepStore}) becomes a run in the
 * one archive format plus its index row — exactly what the CLI and the synchronous API write.
 */
import type { BacktestResult } from '@coinhts/engine';
import type { RunRecord, RunStore, SweepChunkRef, SweepChunkStore, SweepRanking, SweepRequest, SweepRowResult, SweepStore } from '@coinhts/jobs';
import type { RunInput, RunKind, SweepChunkRepository } from '@coinhts/results';
import { emptyResultTables, resultTables } from './result-tables';
import { backtestRunInput, runDocument } from './run-record';
import type { RunService } from './run-service';

const ignoreNotFound = (err: unknown): void => {
  if ((err as { code?: unknown }).code !== 'NOT_FOUND') throw err;
};

/** Stores finished backtests (the `RunStore` port): run id = job id, so a retried job upserts. */
export class ServiceRunStore implements RunStore {
  /**
   * @param runs - the run service
   * @param kind - `async` for queued jobs, `sync` for the API's synchronous runs
   */
  constructor(private readonly runs: RunService, private readonly kind: RunKind = 'async') {}

  /** Archive, then row (see RunService.save). */
  async save(record: RunRecord): Promise<void> {
    const result = record.execution.result as BacktestResult;
    const run = backtestRunInput(result, { runId: record.runId, kind: this.kind, startedAt: record.startedAt, finishedAt: record.finishedAt, idempotencyKey: record.idempotencyKey });
    await this.runs.save(run, { summary: runDocument(run, { request: record.request, summary: result.summary }), tables: resultTables(result) });
  }

  /** Deletes the run; a missing run is not an error. */
  async delete(runId: string): Promise<void> {
    await this.runs.delete(runId).catch(ignoreNotFound);
  }
}

/** Index fields of a ranked sweep: the best combination's numbers are the row's headline. */
export function sweepRunInput(ranking: SweepRanking, request: SweepRequest, timing: { readonly startedAt: number; readonly finishedAt: number }): RunInput {
  const best = ranking.rows.find((r) => r.metrics !== null) ?? null;
  const m = best?.metrics ?? {};
  const num = (k: string): number | null => (typeof m[k] === 'number' && Number.isFinite(m[k]) ? (m[k] as number) : null);
  const count = num('trade_count');
  return {
    id: ranking.sweepId,
    kind: 'sweep',
    status: 'completed',
    strategy: request.strategy,
    params: { fixed: request.params, grid: request.grid },
    symbols: request.symbols,
    timeframe: request.timeframe,
    metrics: { rank_by: ranking.rankBy, direction: ranking.direction, total: ranking.total, evaluated: ranking.evaluated, failed: ranking.failed, best, top: ranking.rows.slice(0, 20) },
    totalReturnPct: num('total_return_pct'),
    sharpe: num('sharpe'),
    maxDrawdownPct: num('max_drawdown_pct'),
    tradeCount: count === null ? null : Math.round(count),
    durationMs: Math.max(0, Math.round(timing.finishedAt - timing.startedAt)),
    startedAt: timing.startedAt,
    finishedAt: timing.finishedAt,
  };
}

/** Stores ranked sweeps as `sweep` runs (the `SweepStore` port); the full ranking is in the summary. */
export class ServiceSweepStore implements SweepStore {
  /** @param runs - the run service */
  constructor(private readonly runs: RunService) {}

  /** Archive (ranking in summary.json, empty tables), then row. */
  async save(ranking: SweepRanking, request: SweepRequest, timing: { readonly startedAt: number; readonly finishedAt: number }): Promise<void> {
    const run = sweepRunInput(ranking, request, timing);
    await this.runs.save(run, { summary: runDocument(run, { request, ranking }), tables: emptyResultTables() });
  }

  /** Deletes the sweep run; a missing one is not an error. */
  async delete(sweepId: string): Promise<void> {
    await this.runs.delete(sweepId).catch(ignoreNotFound);
  }
}

/**
 * Finished sweep chunks in PostgreSQL (the `SweepChunkStore` port over `sweep_chunks`): the
 * durable record queued sweeps resume from. Rows are stored as the chunk job produced them.
 */
export class PgSweepChunkStore implements SweepChunkStore {
  /** @param repo - the `sweep_chunks` repository */
  constructor(private readonly repo: SweepChunkRepository) {}

  /** Counts an attempt, or returns the rows of a chunk that has already finished. */
  async begin(chunk: SweepChunkRef): Promise<readonly SweepRowResult[] | null> {
    const r = await this.repo.begin(chunk);
    return r.finishedAt === null ? null : (r.rows as readonly SweepRowResult[]);
  }

  /** Stores the rows; the first finisher's rows win. */
  async finish(chunk: SweepChunkRef, rows: readonly SweepRowResult[]): Promise<readonly SweepRowResult[]> {
    return (await this.repo.finish(chunk, rows)).rows as readonly SweepRowResult[];
  }

  /** Rows of the finished chunks, in chunk order. */
  async finishedRows(sweepId: string): Promise<readonly SweepRowResult[]> {
    return (await this.repo.list(sweepId)).flatMap((c) => (c.rows ?? []) as readonly SweepRowResult[]);
  }
}
