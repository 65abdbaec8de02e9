/**
 * Sweep jobs: a flow whose children ("chunk" jobs) each run a slice of the parameter grid and
 * whose parent ("aggregate" job) ranks every combination once all chunks are done. Chunks of one
 * sweep run on as many workers as there are, which is how a sweep scales out.
 */
import { compareRows, defaultDirection, type CollectedRow, type SweepMetric } from '@coinhts/engine';
import type { BacktestExecutor } from './backtest-processor';
import { failureDecision, errorCode, JobCancelledError } from './errors';
import { OutcomeStore, type OutcomeRedis } from './outcome-store';
import { throttledProgress, watchCancellation } from './backtest-processor';
import { parseJobPayload, SweepChunkJobDataSchema, SweepJobDataSchema, type SweepRequest } from './schemas';
import type { JobContext, JobHandler } from './sandbox';

/** The result of one combination. */
export interface SweepRowResult {
  /** Index of the combination in the sweep's grid order. */
  readonly index: number;
  /** Full parameter set. */
  readonly params: Readonly<Record<string, unknown>>;
  /** Portfolio metrics, or null when the combination could not run. */
  readonly metrics: Readonly<Record<string, number | null>> | null;
  /** Why it could not run (a permanent error, e.g. fast period ≥ slow period). */
  readonly error?: { readonly code: string; readonly message: string };
}

/**
 * Return value of a chunk job. With a {@link SweepChunkStore} the rows are in the store and the
 * job returns only the count; without one they travel as the job's return value.
 */
export interface SweepChunkResult {
  readonly chunk: number;
  /** Parameter sets in the chunk. */
  readonly sets: number;
  /** True when an earlier attempt had finished the chunk and nothing was evaluated now. */
  readonly reused: boolean;
  /** The rows, when there is no chunk store. */
  readonly rows?: readonly SweepRowResult[];
}

/** Which chunk of which sweep (see {@link SweepChunkStore}). */
export interface SweepChunkRef {
  readonly sweepId: string;
  /** 0-based chunk number. */
  readonly chunk: number;
  /** Grid index of the chunk's first parameter set. */
  readonly firstIndex: number;
  /** Parameter sets in the chunk. */
  readonly sets: number;
}

/**
 * Durable per-chunk results of queued sweeps (e.g. `sweep_chunks` in PostgreSQL): what a sweep
 * resumes from after a worker crash, a failure or a cancel. Queue return values live in Redis,
 * which may evict or trim them; this store keeps them until the sweep's run is deleted.
 */
export interface SweepChunkStore {
  /**
   * Records that an attempt starts evaluating the chunk, unless it has already finished: then
   * resolves to its stored rows (nothing is recorded, nothing needs evaluating).
   */
  begin(chunk: SweepChunkRef): Promise<readonly SweepRowResult[] | null>;
  /** Stores the rows of the finished chunk; if another attempt finished it first, keeps and returns those. */
  finish(chunk: SweepChunkRef, rows: readonly SweepRowResult[]): Promise<readonly SweepRowResult[]>;
  /** Rows of every finished chunk of the sweep, in chunk order. */
  finishedRows(sweepId: string): Promise<readonly SweepRowResult[]>;
}

/** A ranked sweep (the full result, stored through {@link SweepStore}). */
export interface SweepRanking {
  readonly sweepId: string;
  readonly rankBy: SweepMetric;
  readonly direction: 'max' | 'min';
  /** Combinations in the grid. */
  readonly total: number;
  /** Combinations that ran. */
  readonly evaluated: number;
  /** Combinations that could not run. */
  readonly failed: number;
  /** Every combination, best first (failed ones last; ties keep grid order). */
  readonly rows: readonly (SweepRowResult & { readonly score: number | null })[];
}

/** Return value of the aggregate (parent) job: the ranking's head. */
export interface SweepJobResult {
  readonly runId: string;
  readonly rankBy: SweepMetric;
  readonly total: number;
  readonly evaluated: number;
  readonly failed: number;
  /** The best combinations (at most 10). */
  readonly top: SweepRanking['rows'];
}

/** Durable storage of sweep rankings (e.g. a `sweep` run in `@coinhts/results`). Idempotent. */
export interface SweepStore {
  save(ranking: SweepRanking, request: SweepRequest, timing: { readonly startedAt: number; readonly finishedAt: number }): Promise<void>;
  delete(sweepId: string): Promise<void>;
}

/** What the sweep processor needs. */
export interface SweepProcessorDeps {
  readonly executor: BacktestExecutor;
  /** Where rankings are stored; without one the ranking's head is only the job's return value. */
  readonly sweeps?: SweepStore;
  /**
   * Where finished chunks are kept; with one a sweep resumes from its finished chunks (after a
   * crash, a failure or cancel-then-resume), without one every chunk's rows are its job's return value.
   */
  readonly chunks?: SweepChunkStore;
  readonly outcomes: OutcomeRedis;
  readonly outcomeTtlMs?: number;
  readonly cancelPollMs?: number;
  readonly clock?: () => number;
}

/** The sweep job handler: dispatches on the job name (`chunk` or `aggregate`). */
export const sweepHandler: JobHandler<SweepProcessorDeps, SweepChunkResult | SweepJobResult> = (ctx, deps) =>
  ctx.name === 'aggregate' ? aggregate(ctx, deps) : runChunk(ctx, deps);

async function runChunk(ctx: JobContext, deps: SweepProcessorDeps): Promise<SweepChunkResult> {
  const clock = deps.clock ?? Date.now;
  const data = parseJobPayload(SweepChunkJobDataSchema, ctx.data, 'sweep chunk payload');
  // Cancelling a sweep records the outcome on the sweep (the parent), so chunks watch that id.
  const outcomes = new OutcomeStore(deps.outcomes, ctx.queue, { ttlMs: deps.outcomeTtlMs });
  const sweepCtx = { id: data.sweep_id, signal: ctx.signal };
  const before = await outcomes.get(data.sweep_id);
  if (before?.state === 'cancelled') throw new JobCancelledError(data.sweep_id, before.reason);
  const n = data.combinations.length;
  const ref: SweepChunkRef = { sweepId: data.sweep_id, chunk: data.chunk, firstIndex: data.first_index, sets: n };
  // A chunk an earlier attempt (or the sweep before a cancel) finished is not evaluated again.
  if (deps.chunks && (await deps.chunks.begin(ref))) {
    await ctx.progress(1, 'finished earlier');
    return { chunk: data.chunk, sets: n, reused: true };
  }
  const watch = watchCancellation(sweepCtx, outcomes, deps.cancelPollMs ?? 250);
  const progress = throttledProgress(ctx, 200, clock);
  try {
    const rows: SweepRowResult[] = [];
    for (let i = 0; i < n; i++) {
      watch.throwIfAborted();
      const params = data.combinations[i];
      try {
        const exec = await deps.executor.run({ ...data.base, params: { ...params } }, { signal: watch.signal, progress: () => undefined });
        rows.push({ index: data.first_index + i, params, metrics: exec.metrics ?? { ...exec.headline } as Record<string, number | null> });
      } catch (err) {
        // A combination the strategy rejects is a result ("invalid"), not a reason to fail the sweep;
        // anything transient fails the chunk so it is retried.
        if (watch.signal.aborted || failureDecision(err) !== 'fail') throw err;
        rows.push({ index: data.first_index + i, params, metrics: null, error: { code: errorCode(err), message: (err as Error).message } });
      }
      progress((i + 1) / n, `combination ${i + 1}/${n}`);
      // Let the event loop breathe between combinations (cancel messages, lock renewal).
      await new Promise((r) => setImmediate(r));
    }
    await progress.flush();
    if (!deps.chunks) return { chunk: data.chunk, sets: n, reused: false, rows };
    await deps.chunks.finish(ref, rows);
    return { chunk: data.chunk, sets: n, reused: false };
  } finally {
    watch.stop();
  }
}

/**
 * Ranks rows by `metric` in `direction` with the engine's row order (`compareRows`: rows without a
 * score last, ties in grid order), after scoring each row by its metric.
 */
export function rankSweepRows(rows: readonly SweepRowResult[], metric: string, direction: 'max' | 'min'): SweepRanking['rows'] {
  const scored = rows.map((r) => {
    const v = r.metrics?.[metric];
    return { ...r, score: typeof v === 'number' && Number.isFinite(v) ? v : null };
  });
  const sign = direction === 'max' ? -1 : 1;
  return scored.sort((a, b) => compareRows(a as unknown as CollectedRow, b as unknown as CollectedRow, sign));
}

async function aggregate(ctx: JobContext, deps: SweepProcessorDeps): Promise<SweepJobResult> {
  const clock = deps.clock ?? Date.now;
  const startedAt = clock();
  const data = parseJobPayload(SweepJobDataSchema, ctx.data, 'sweep payload');
  const outcomes = new OutcomeStore(deps.outcomes, ctx.queue, { ttlMs: deps.outcomeTtlMs });
  const before = await outcomes.get(ctx.id);
  if (before?.state === 'cancelled') {
    await deps.sweeps?.delete(ctx.id);
    throw new JobCancelledError(ctx.id, before.reason);
  }
  await ctx.progress(0.96, 'aggregating');
  const rows = deps.chunks
    ? await deps.chunks.finishedRows(ctx.id)
    : (Object.values(await ctx.childrenValues()) as SweepChunkResult[]).flatMap((v) => v.rows ?? []);
  if (rows.length !== data.combinations) {
    throw Object.assign(new Error(`expected ${data.combinations} combinations from ${data.chunks} chunks, got ${rows.length}`), { code: 'INTERNAL' });
  }
  const rankBy = data.request.rank_by;
  const direction = data.request.direction ?? defaultDirection(rankBy);
  const ranked = rankSweepRows(rows, rankBy, direction);
  const ranking: SweepRanking = {
    sweepId: ctx.id,
    rankBy,
    direction,
    total: rows.length,
    evaluated: rows.filter((r) => r.metrics !== null).length,
    failed: rows.filter((r) => r.metrics === null).length,
    rows: ranked,
  };
  await deps.sweeps?.save(ranking, data.request, { startedAt, finishedAt: clock() });
  const claim = await outcomes.claim(ctx.id, { state: 'completed', runId: ctx.id, at: clock() });
  if (!claim.won && claim.outcome.state === 'cancelled') {
    await deps.sweeps?.delete(ctx.id);
    throw new JobCancelledError(ctx.id, claim.outcome.reason);
  }
  await ctx.progress(1, 'done');
  return { runId: ctx.id, rankBy, total: ranking.total, evaluated: ranking.evaluated, failed: ranking.failed, top: ranked.slice(0, 10) };
}
