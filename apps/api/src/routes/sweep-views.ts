/**
 * Sweeps as the API shows them. Sources: the aggregate job's return value (`SweepJobResult`:
 * the ten best rows), the stored `sweep` run (its row keeps `rank_by`, `direction`, counts and
 * the twenty best rows) and the run's archive (`summary.json` = `{request, ranking}` with every row).
 */
import type { JobStatus } from '@coinhts/jobs';
import type { StoredRun } from '@coinhts/results';
import { CorruptArchiveError } from '@coinhts/storage';
import { z } from 'zod';
import type { SweepResultSchema, SweepRowSchema } from './schemas';
import { taskStatusView } from './views';

const RowSchema = z.object({
  index: z.number().int(),
  params: z.record(z.string(), z.unknown()),
  metrics: z.record(z.string(), z.number().nullable()).nullable(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  score: z.number().nullable(),
});
type Row = z.output<typeof RowSchema>;

/** `SweepJobResult` of `@coinhts/jobs` (after its trip through JSON). */
const JobResultSchema = z.object({ rankBy: z.string(), total: z.number().int(), evaluated: z.number().int(), failed: z.number().int(), top: z.array(RowSchema) });
/** What `sweepRunInputOf` keeps in a sweep run's `metrics`. */
const RunMetricsSchema = z.object({ rank_by: z.string(), direction: z.enum(['max', 'min']), total: z.number().int(), evaluated: z.number().int(), failed: z.number().int(), top: z.array(RowSchema) });
/** The archive summary of a sweep run (`{request, ranking}`, ranking = `SweepRanking`). */
const ArchiveSummarySchema = z.object({
  request: z.record(z.string(), z.unknown()),
  ranking: z.object({ rankBy: z.string(), direction: z.enum(['max', 'min']), total: z.number().int(), evaluated: z.number().int(), failed: z.number().int(), rows: z.array(RowSchema) }),
});

/** Rows shown in a status (the job returns ten). */
const STATUS_TOP = 10;

function rowView(r: Row, position: number): z.output<typeof SweepRowSchema> {
  return { rank: position + 1, index: r.index, params: r.params, score: r.score, metrics: r.metrics, error: r.error ?? null };
}

/**
 * The ranking's head for a completed sweep: from the job's return value while the job record is
 * kept, else from the stored run; `direction` comes from the stored run (the job does not return it).
 */
export function sweepResultOf(jobResult: unknown, stored: StoredRun | null): z.output<typeof SweepResultSchema> | null {
  const fromRun = stored ? RunMetricsSchema.safeParse(stored.metrics) : null;
  const run = fromRun?.success ? fromRun.data : null;
  const job = JobResultSchema.safeParse(jobResult);
  if (job.success) {
    const j = job.data;
    return { rank_by: j.rankBy, direction: run?.direction ?? null, total: j.total, evaluated: j.evaluated, failed: j.failed, top: j.top.slice(0, STATUS_TOP).map(rowView) };
  }
  if (run) return { rank_by: run.rank_by, direction: run.direction, total: run.total, evaluated: run.evaluated, failed: run.failed, top: run.top.slice(0, STATUS_TOP).map(rowView) };
  return null;
}

/** Status of a sweep task; `stored` is its sweep run when the status is completed and the run exists. */
export function sweepStatusView(s: JobStatus & { readonly sets?: { readonly done: number; readonly total: number } | null }, base: string, stored: StoredRun | null) {
  const view = { ...taskStatusView(s, base), sets: s.sets ?? null };
  if (s.state === 'cancelled' || s.state === 'failed') return { ...view, links: { ...view.links, resume: `${base}/resume` } };
  if (s.state !== 'completed') return view;
  const links: Record<string, string> = { self: view.links.self, cancel: view.links.cancel, events: view.links.events };
  if (stored) {
    links.result = `/api/v1/sweeps/${stored.id}`;
    links.run = `/api/v1/backtests/${stored.id}`;
  }
  return { ...view, result: sweepResultOf(s.result, stored), links };
}

/** Checks a sweep run's parsed archive summary; a summary of another shape is a corrupt archive. */
export function parseSweepSummary(runId: string, value: unknown) {
  const r = ArchiveSummarySchema.safeParse(value);
  if (!r.success) throw new CorruptArchiveError(`archive ${JSON.stringify(runId)}: summary.json is not a sweep ranking (${r.error.issues[0]?.path.join('.')}: ${r.error.issues[0]?.message})`, { key: `backtests/${runId}/summary.json` });
  return r.data;
}

/** A window of a stored sweep's ranking. */
export function rankingView(summary: ReturnType<typeof parseSweepSummary>, offset: number, limit: number) {
  const k = summary.ranking;
  return {
    rank_by: k.rankBy,
    direction: k.direction,
    total: k.total,
    evaluated: k.evaluated,
    failed: k.failed,
    offset,
    limit,
    rows: k.rows.slice(offset, offset + limit).map((r, i) => rowView(r, offset + i)),
  };
}
