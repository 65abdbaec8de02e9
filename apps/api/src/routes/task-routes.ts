import { BacktestRequestSchema, SweepRequestSchema, type BacktestJobs, type SweepJobs } from '@coinhts/jobs';
import type { Request, RequestHandler } from 'express';
import { ApiError, ApiErrorCode } from '../http/api-error';
import type { RouteDef } from '../http/route-table';
import { jsonBody, parseInput } from '../http/validate';
import { BACKTEST_EXAMPLE } from './backtest-routes';
import type { RouteDeps } from './deps';
import { IdempotencyKeySchema, TaskAcceptedSchema, TaskCancelledSchema, TaskIdParamsSchema, TaskStatusSchema } from './schemas';
import { iso, taskStatusView } from './views';

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

function taskRoutes(kind: { base: string; tag: string; noun: string; opPrefix: string; jobs: () => BacktestJobs | SweepJobs; body: typeof BacktestRequestSchema | typeof SweepRequestSchema; example: unknown }): RouteDef[] {
  const submit: RequestHandler = async (req, res) => {
    const body = parseInput(kind.body, jsonBody(req), 'body');
    const r = await kind.jobs().submit(body, { idempotencyKey: idempotencyKey(req) });
    const base = `${kind.base}/${r.jobId}`;
    res
      .status(202)
      .location(`${base}/status`)
      .json({ task_id: r.jobId, state: r.status.state, deduplicated: r.deduplicated, created_at: iso(r.status.createdAt), links: { status: `${base}/status`, cancel: base } });
  };
  const status: RequestHandler = async (req, res) => {
    const { id } = parseInput(TaskIdParamsSchema, req.params, 'params');
    res.json(taskStatusView(await kind.jobs().status(id), `${kind.base}/${id}`));
  };
  const cancel: RequestHandler = async (req, res) => {
    const { id } = parseInput(TaskIdParamsSchema, req.params, 'params');
    const r = await kind.jobs().cancel(id);
    if (!r.cancelled) {
      throw new ApiError(ApiErrorCode.AlreadyFinished, `The ${kind.noun} ${id} already finished (${r.status.state}); it cannot be cancelled`, { state: r.status.state });
    }
    res.json({ task_id: id, state: 'cancelled', was_running: r.wasRunning, already_cancelled: r.alreadyCancelled });
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
      responses: { 200: { description: 'Current status', schema: TaskStatusSchema }, 404: { description: 'No such task (`JOB_NOT_FOUND`)' } },
      handler: status,
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

/** Async backtests and sweeps (queued through @coinhts/jobs). */
export function asyncRoutes(deps: RouteDeps): RouteDef[] {
  return [
    ...taskRoutes({ base: '/api/v1/backtests/async', tag: 'async backtests', noun: 'backtest', opPrefix: 'AsyncBacktest', jobs: () => deps.jobs.backtests, body: BacktestRequestSchema, example: BACKTEST_EXAMPLE }),
    ...taskRoutes({ base: '/api/v1/sweeps', tag: 'sweeps', noun: 'sweep', opPrefix: 'Sweep', jobs: () => deps.jobs.sweeps, body: SweepRequestSchema, example: SWEEP_EXAMPLE }),
  ];
}
