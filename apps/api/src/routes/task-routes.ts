import { BacktestRequestSchema, SweepRequestSchema, type BacktestJobs, type JobStatus, type SweepJobs } from '@coinhts/jobs';
import type { StoredRun } from '@coinhts/results';
import { createHash } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { z } from 'zod';
import { ApiError, ApiErrorCode } from '../http/api-error';
import type { RouteDef } from '../http/route-table';
import { streamSse } from '../http/sse';
import { jsonBody, parseInput } from '../http/validate';
import { BACKTEST_EXAMPLE } from './backtest-routes';
import type { RouteDeps } from './deps';
import {
  IdempotencyKeySchema,
  RunIdParamsSchema,
  SweepRankingQuerySchema,
  SweepRunSchema,
  SweepStatusSchema,
  TaskAcceptedSchema,
  TaskCancelledSchema,
  TaskIdParamsSchema,
  TaskStatusSchema,
} from './schemas';
import { parseSweepSummary, rankingView, sweepStatusView } from './sweep-views';
import { iso, storedRunView, taskStatusView } from './views';

/** Example sweep body. */
export const SWEEP_EXAMPLE = {
  strategy: 'volume_zone_breakout',
  params: { breakout_buffer: 0 },
  grid: { volume_window: [10, 20, 30], top_percentile: [0.1, 0.2] },
  symbols: ['KRW-BTC'],
  start_date: '2023-01-01',
  end_date: '2023-12-31',
  timeframe: '1d',
  rank_by: 'sharpe',
};

const idempotencyKey = (req: Request) => parseInput(IdempotencyKeySchema, req.get('idempotency-key'), 'headers');

interface TaskKind {
  base: string;
  tag: string;
  noun: string;
  opPrefix: string;
  jobs: () => BacktestJobs | SweepJobs;
  body: typeof BacktestRequestSchema | typeof SweepRequestSchema;
  example: unknown;
  statusSchema: z.ZodType;
  statusView: (s: JobStatus, base: string) => Promise<object>;
}

/** States after which a task's status no longer changes. */
const TERMINAL: ReadonlySet<JobStatus['state']> = new Set(['completed', 'failed', 'cancelled']);
/** How often a status stream looks at the task (ms). */
const STATUS_POLL_MS = 250;

function taskRoutes(kind: TaskKind, deps: RouteDeps): RouteDef[] {
  const submit: RequestHandler = async (req, res) => {
    const body = parseInput(kind.body, jsonBody(req), 'body');
    const r = await kind.jobs().submit(body, { idempotencyKey: idempotencyKey(req) });
    const base = `${kind.base}/${r.jobId}`;
    res
      .status(202)
      .location(`${base}/status`)
      .json({ task_id: r.jobId, state: r.status.state, deduplicated: r.deduplicated, created_at: iso(r.status.createdAt), links: { status: `${base}/status`, cancel: base, events: `${base}/events` } });
  };
  const status: RequestHandler = async (req, res) => {
    const { id } = parseInput(TaskIdParamsSchema, req.params, 'params');
    res.json(await kind.statusView(await kind.jobs().status(id), `${kind.base}/${id}`));
  };
  const cancel: RequestHandler = async (req, res) => {
    const { id } = parseInput(TaskIdParamsSchema, req.params, 'params');
    const r = await kind.jobs().cancel(id);
    if (!r.cancelled) {
      throw new ApiError(ApiErrorCode.AlreadyFinished, `The ${kind.noun} ${id} already finished (${r.status.state}); it cannot be cancelled`, { state: r.status.state });
    }
    res.json({ task_id: id, state: 'cancelled', was_running: r.wasRunning, already_cancelled: r.alreadyCancelled });
  };
  const events: RequestHandler = async (req, res) => {
    const { id } = parseInput(TaskIdParamsSchema, req.params, 'params');
    const base = `${kind.base}/${id}`;
    await kind.jobs().status(id); // 404 before the stream starts
    const header = req.get('last-event-id');
    await streamSse(req, res, {
      next: async (lastId) => {
        const s = await kind.jobs().status(id);
        const view = await kind.statusView(s, base);
        const digest = createHash('sha256').update(JSON.stringify(view)).digest('hex').slice(0, 16);
        return { events: digest === lastId ? [] : [{ id: digest, event: 'status', data: view }], done: TERMINAL.has(s.state) };
      },
    }, { lastId: header && header.length <= 64 ? header : null, pollMs: STATUS_POLL_MS, isShuttingDown: deps.isShuttingDown });
  };
  return [
    {
      method: 'post',
      path: kind.base,
      operationId: `submit${kind.opPrefix}`,
      summary: `Queue a ${kind.noun}`,
      description: `Validates the request, queues it and answers 202 at once. Send \`Idempotency-Key\` to make retries of the submit safe (the same key returns the same task; reusing it for another request is 409).`,
      tags: [kind.tag],
      scope: 'run',
      request: { body: kind.body, bodyExample: kind.example },
      responses: {
        202: { description: 'Queued; `Location` is the status URL', schema: TaskAcceptedSchema, headers: { Location: 'Status URL of the task' } },
        409: { description: 'Idempotency key reused for a different request (`IDEMPOTENCY_CONFLICT`)' },
      },
      handler: submit,
    },
    {
      method: 'get',
      path: `${kind.base}/:id/status`,
      operationId: `get${kind.opPrefix}Status`,
      summary: `State, progress, stage, error and result of a ${kind.noun}`,
      tags: [kind.tag],
      scope: 'read',
      request: { params: TaskIdParamsSchema },
      responses: { 200: { description: 'Current status', schema: kind.statusSchema }, 404: { description: 'No such task (`JOB_NOT_FOUND`)' } },
      handler: status,
    },
    {
      method: 'get',
      path: `${kind.base}/:id/events`,
      operationId: `stream${kind.opPrefix}Status`,
      summary: `Server-Sent Events: the status of a ${kind.noun} each time it changes, until it ends`,
      description:
        `A \`text/event-stream\` of \`status\` events, each the body \`GET ${kind.base}/{id}/status\` would answer at that moment, sent when it changes (state, progress, stage), checked every ${STATUS_POLL_MS} ms. The stream ends after the first completed, failed or cancelled status. Each event's \`id\` is a digest of its status: reconnect with \`Last-Event-ID\` and the current status is sent only if it differs from the one you have (a reconnect after the end gets nothing and the stream ends). Send the key as a header: read with \`fetch\` streaming (browsers' \`EventSource\` cannot send headers).`,
      tags: [kind.tag],
      scope: 'read',
      request: { params: TaskIdParamsSchema },
      responses: { 200: { description: 'Event stream', contentTypes: ['text/event-stream'] }, 404: { description: 'No such task (`JOB_NOT_FOUND`)' } },
      handler: events,
    },
    {
      method: 'delete',
      path: `${kind.base}/:id`,
      operationId: `cancel${kind.opPrefix}`,
      summary: `Cancel a queued or running ${kind.noun}`,
      tags: [kind.tag],
      scope: 'run',
      request: { params: TaskIdParamsSchema },
      responses: {
        200: { description: 'Cancelled (a running task stops within about a second)', schema: TaskCancelledSchema },
        404: { description: 'No such task (`JOB_NOT_FOUND`)' },
        409: { description: 'Already completed or failed (`ALREADY_FINISHED`)' },
      },
      handler: cancel,
    },
  ];
}

/** The stored run `id`, or null when there is none (deleted, or not written yet). */
async function storedRunOrNull(deps: RouteDeps, id: string): Promise<StoredRun | null> {
  try {
    return await deps.runs.get(id);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'NOT_FOUND') return null;
    throw err;
  }
}

/** `GET /api/v1/sweeps/{id}`: the stored sweep run with (a window of) its full ranking. */
function storedSweepRoute(deps: RouteDeps): RouteDef {
  return {
    method: 'get',
    path: '/api/v1/sweeps/:id',
    operationId: 'getSweep',
    summary: 'A completed sweep: its run and its full ranking (every combination, best first)',
    description:
      'Read from the sweep run the worker stored (index row + archive summary, local folder or S3). Until the sweep has completed there is no run: poll `/api/v1/sweeps/{id}/status`. `offset`/`limit` page through the ranking.',
    tags: ['sweeps'],
    scope: 'read',
    request: { params: RunIdParamsSchema, query: SweepRankingQuerySchema },
    responses: {
      200: { description: 'The sweep run and the requested window of its ranking', schema: SweepRunSchema },
      404: { description: 'No stored sweep with this id (`NOT_FOUND`): unknown, not completed yet, deleted, or not a sweep' },
      500: { description: 'The archived ranking is damaged (`INTEGRITY_MISMATCH`, `CORRUPT_ARCHIVE`, `ARCHIVE_MISSING`) or in a store this server does not read (`ARCHIVE_UNREACHABLE`)' },
    },
    handler: async (req, res) => {
      const { id } = parseInput(RunIdParamsSchema, req.params, 'params');
      const { offset, limit } = parseInput(SweepRankingQuerySchema, req.query, 'query');
      const run = await storedRunOrNull(deps, id);
      if (!run) throw new ApiError(ApiErrorCode.NotFound, `No stored sweep ${id}: a sweep is stored once it has completed (see /api/v1/sweeps/${id}/status)`, { status: `/api/v1/sweeps/${id}/status` });
      if (run.kind !== 'sweep') throw new ApiError(ApiErrorCode.NotFound, `Run ${id} is a ${run.kind} backtest, not a sweep (see /api/v1/backtests/${id})`, { kind: run.kind });
      const summary = parseSweepSummary(id, await deps.runs.readSummary(run));
      res.json({ ...storedRunView(run, true), request: summary.request, ranking: rankingView(summary, offset, limit) });
    },
  };
}

/** `POST /api/v1/sweeps/{id}/resume`: a cancelled or failed sweep continues from its finished chunks. */
function resumeSweepRoute(deps: RouteDeps): RouteDef {
  return {
    method: 'post',
    path: '/api/v1/sweeps/:id/resume',
    operationId: 'resumeSweep',
    summary: 'Resume a cancelled or failed sweep from its finished chunks',
    description:
      'Queues the sweep again under the same id. Chunks that had finished (their per-set rows are kept in PostgreSQL, `sweep_chunks`) are taken as they are and not evaluated again; only unfinished chunks run. A worker crash needs no resume: the chunk it held is taken over by another worker. The body is ignored.',
    tags: ['sweeps'],
    scope: 'run',
    request: { params: TaskIdParamsSchema },
    responses: {
      202: { description: 'Queued again; `Location` is the status URL', schema: TaskAcceptedSchema, headers: { Location: 'Status URL of the sweep' } },
      404: { description: 'No such sweep (`JOB_NOT_FOUND`)' },
      409: { description: '`NOT_RESUMABLE`: the sweep is queued, running or completed; a chunk is still stopping after a cancel (retry in a moment); or the queue no longer keeps its job record (submit it again)' },
    },
    handler: async (req, res) => {
      const { id } = parseInput(TaskIdParamsSchema, req.params, 'params');
      const r = await deps.jobs.sweeps.resume(id);
      const base = `/api/v1/sweeps/${id}`;
      res
        .status(202)
        .location(`${base}/status`)
        .json({ task_id: id, state: r.status.state, deduplicated: false, created_at: iso(r.status.createdAt), links: { status: `${base}/status`, cancel: base } });
    },
  };
}

/** Async backtests and sweeps (queued through @coinhts/jobs). */
export function asyncRoutes(deps: RouteDeps): RouteDef[] {
  return [
    ...taskRoutes({
      base: '/api/v1/backtests/async', tag: 'async backtests', noun: 'backtest', opPrefix: 'AsyncBacktest', jobs: () => deps.jobs.backtests, body: BacktestRequestSchema, example: BACKTEST_EXAMPLE,
      statusSchema: TaskStatusSchema, statusView: async (s, base) => taskStatusView(s, base),
    }, deps),
    ...taskRoutes({
      base: '/api/v1/sweeps', tag: 'sweeps', noun: 'sweep', opPrefix: 'Sweep', jobs: () => deps.jobs.sweeps, body: SweepRequestSchema, example: SWEEP_EXAMPLE,
      statusSchema: SweepStatusSchema,
      statusView: async (s, base) => sweepStatusView(s, base, s.state === 'completed' && s.runId ? await storedRunOrNull(deps, s.runId) : null),
    }, deps),
    resumeSweepRoute(deps),
    storedSweepRoute(deps),
  ];
}
