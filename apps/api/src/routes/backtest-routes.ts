import { RunRequestSchema } from '@coinhts/runs';
import { getStrategy, TIMEFRAMES } from '@coinhts/engine';
import type { RunListFilter } from '@coinhts/results';
import type { Request, Response } from 'express';
import { ApiError, ApiErrorCode } from '../http/api-error';
import type { RouteDef } from '../http/route-table';
import { jsonBody, parseInput } from '../http/validate';
import type { BacktestResult } from '@coinhts/engine';
import { requestedCandles } from '../services/request-size';
import { tableBody, TABLE_FORMATS, TABLE_MEDIA_TYPES, type TableFormat } from '../services/table-formats';
import type { RouteDeps } from './deps';
import { BacktestResponseSchema, RunIdParamsSchema, RunListQuerySchema, RunPageSchema, StoredRunSchema, TableQuerySchema } from './schemas';
import { iso, runLinks, storedRunView } from './views';

/** Example request body (also checked against the schema by the OpenAPI test). */
export const BACKTEST_EXAMPLE = {
  strategy: 'volume_zone_breakout',
  params: { volume_window: 20, top_percentile: 0.2, breakout_buffer: 0 },
  symbols: ['KRW-BTC'],
  start_date: '2024-01-01',
  end_date: '2024-03-31',
  timeframe: '1d',
  options: { fee_rate: 0.0005, slippage_rate: 0.0002, initial_capital: 10_000_000, sizing: { kind: 'equity-fraction', fraction: 1 }, stop_loss_pct: 5, take_profit_pct: 10 },
};

/** Which format the client wants: `?format=` first, then `Accept`; 406 when nothing fits. */
function negotiate(req: Request, requested: TableFormat | undefined): TableFormat {
  if (requested) return requested;
  const byType = Object.fromEntries(TABLE_FORMATS.map((f) => [TABLE_MEDIA_TYPES[f], f])) as Record<string, TableFormat>;
  const match = req.accepts(TABLE_FORMATS.map((f) => TABLE_MEDIA_TYPES[f]));
  if (!match) throw new ApiError(ApiErrorCode.NotAcceptable, `Acceptable formats: ${TABLE_FORMATS.map((f) => TABLE_MEDIA_TYPES[f]).join(', ')} (or ?format=json|csv|arrow|parquet)`);
  return byType[match];
}

function sendTable(deps: RouteDeps, table: 'trades' | 'equity' | 'signals') {
  return async (req: Request, res: Response) => {
    const { id } = parseInput(RunIdParamsSchema, req.params, 'params');
    const { format } = parseInput(TableQuerySchema, req.query, 'query');
    const chosen = negotiate(req, format);
    const run = await deps.runs.get(id); // 404 for an unknown run
    if (run.kind === 'sweep') {
      throw new ApiError(ApiErrorCode.NotFound, `Run ${id} is a sweep: it has no ${table} table; its ranking is at /api/v1/sweeps/${id}`, { run_id: id, kind: run.kind, ranking: `/api/v1/sweeps/${id}` });
    }
    const out = tableBody(await deps.runs.readTableBytes(run, table), id, table, chosen);
    res.setHeader('Vary', 'Accept');
    if (chosen === 'json') {
      res.json(out.body);
      return;
    }
    res.setHeader('Content-Type', out.mediaType);
    res.setHeader('Content-Disposition', `attachment; filename="${id}-${table}.${chosen === 'arrow' ? 'arrows' : chosen}"`);
    res.send(typeof out.body === 'string' ? out.body : Buffer.from(out.body as Uint8Array));
  };
}

const tableResponses = (what: string) => ({
  200: {
    description: `${what} of the run; JSON (rows), CSV, Arrow IPC stream or Parquet by Accept or ?format=`,
    contentTypes: ['application/json', 'text/csv', 'application/vnd.apache.arrow.stream', 'application/vnd.apache.parquet'],
  },
  404: { description: 'No such run, or a run without this table (a sweep; `NOT_FOUND`)' },
  406: { description: 'No acceptable format (`NOT_ACCEPTABLE`)' },
  500: { description: 'The archived table is damaged (`INTEGRITY_MISMATCH`, `CORRUPT_ARCHIVE`, `ARCHIVE_MISSING`) or in a store this server does not read (`ARCHIVE_UNREACHABLE`)' },
});

/** Synchronous backtests and stored runs. */
export function backtestRoutes(deps: RouteDeps): RouteDef[] {
  return [
    {
      method: 'post',
      path: '/api/v1/backtests',
      operationId: 'runBacktest',
      summary: 'Run a backtest now and store it',
      description:
        'Loads the candles from the store, runs the engine (signals, signal study, portfolio with fees, slippage, sizing and exits), stores the run (index + archive) and returns the summary. Dates are inclusive; date-only bounds are days in the configured zone (default Asia/Seoul). Requests over the configured size (candles × symbols) get 413: use POST /api/v1/backtests/async.',
      tags: ['backtests'],
      scope: 'run',
      request: { body: RunRequestSchema, bodyExample: BACKTEST_EXAMPLE },
      responses: {
        201: { description: 'Run stored; `Location` is the run', schema: BacktestResponseSchema, headers: { Location: 'URL of the stored run' } },
        413: { description: 'Too large for a synchronous run (`REQUEST_TOO_LARGE`); use the async route' },
      },
      handler: async (req, res) => {
        const request = parseInput(RunRequestSchema, jsonBody(req), 'body');
        getStrategy(request.strategy); // UNKNOWN_STRATEGY before any I/O
        const size = requestedCandles(request, deps.config.timeZone, TIMEFRAMES[request.timeframe].ms);
        if (size > deps.config.syncMaxCandles) {
          throw new ApiError(
            ApiErrorCode.RequestTooLarge,
            `This run covers up to ${size} candles (candles × symbols); synchronous runs are limited to ${deps.config.syncMaxCandles}. Submit it to POST /api/v1/backtests/async instead.`,
            { requested_candles: size, max_candles: deps.config.syncMaxCandles, async_route: '/api/v1/backtests/async' },
          );
        }
        const abort = new AbortController();
        const onClose = () => {
          if (!res.writableFinished) abort.abort('client closed the connection');
        };
        res.on('close', onClose);
        const startedAt = deps.clock();
        try {
          const execution = await deps.executor.run(request, { signal: abort.signal, progress: () => undefined });
          const result = execution.result as BacktestResult;
          const finishedAt = deps.clock();
          const runId = deps.newId();
          await deps.syncRuns.save({ runId, request, execution, startedAt, finishedAt });
          const s = result.summary;
          const body = {
            run_id: runId,
            strategy: s.strategy.name,
            params: s.params,
            options: s.options as unknown as Record<string, unknown>,
            symbols: request.symbols,
            timeframe: request.timeframe,
            start_date: request.start_date,
            end_date: request.end_date,
            period: { start: s.period.start, end: s.period.end, bars: s.period.bars },
            portfolio: s.portfolio as unknown as Record<string, number | null>,
            signal_study: s.signal_study,
            symbol_results: s.symbols.map((x) => ({
              symbol: x.symbol, timeframe: x.timeframe, bars: x.bars, start: iso(x.start_ms) as string, end: iso(x.end_ms) as string,
              buy_and_hold_return_pct: x.buy_and_hold_return_pct, exposure: x.exposure, entries_skipped: x.entries_skipped,
              signal_study: x.signal_study, trades: x.trades as unknown as Record<string, number | null>,
            })),
            engine_version: s.engine_version,
            execution_ms: finishedAt - startedAt,
            links: runLinks(runId),
          };
          res.status(201).location(`/api/v1/backtests/${runId}`).json(body);
        } finally {
          res.off('close', onClose);
        }
      },
    },
    {
      method: 'get',
      path: '/api/v1/backtests',
      operationId: 'listBacktests',
      summary: 'List stored runs, newest first (keyset pagination)',
      tags: ['backtests'],
      scope: 'read',
      request: { query: RunListQuerySchema },
      responses: { 200: { description: 'A page of runs; pass `next_cursor` as `cursor` for the next page', schema: RunPageSchema } },
      handler: async (req, res) => {
        const q = parseInput(RunListQuerySchema, req.query, 'query');
        const range = (min?: number, max?: number) => (min === undefined && max === undefined ? undefined : { min, max });
        const filter: RunListFilter = {
          strategy: q.strategy,
          symbol: q.symbol?.toUpperCase(),
          status: q.status,
          kind: q.kind,
          createdFrom: q.created_from ? Date.parse(q.created_from) : undefined,
          createdTo: q.created_to ? Date.parse(q.created_to) : undefined,
          totalReturnPct: range(q.min_return_pct, q.max_return_pct),
          sharpe: range(q.min_sharpe, q.max_sharpe),
        };
        const page = await deps.runs.list(filter, { limit: q.limit, cursor: q.cursor ?? null });
        const links: Record<string, string> = {};
        if (page.nextCursor) {
          const next = new URLSearchParams(Object.entries(req.query as Record<string, string>).filter(([k]) => k !== 'cursor'));
          next.set('cursor', page.nextCursor);
          links.next = `/api/v1/backtests?${next.toString()}`;
        }
        res.json({ items: page.items.map((r) => storedRunView(r, false)), next_cursor: page.nextCursor, links });
      },
    },
    {
      method: 'get',
      path: '/api/v1/backtests/:id',
      operationId: 'getBacktest',
      summary: 'A stored run with its metrics and per-symbol results',
      tags: ['backtests'],
      scope: 'read',
      request: { params: RunIdParamsSchema },
      responses: { 200: { description: 'The run', schema: StoredRunSchema }, 404: { description: 'No such run (`NOT_FOUND`)' } },
      handler: async (req, res) => {
        const { id } = parseInput(RunIdParamsSchema, req.params, 'params');
        res.json(storedRunView(await deps.runs.get(id), true));
      },
    },
    {
      method: 'get',
      path: '/api/v1/backtests/:id/trades',
      operationId: 'getBacktestTrades',
      summary: 'Trades of a run',
      tags: ['backtests'],
      scope: 'read',
      request: { params: RunIdParamsSchema, query: TableQuerySchema },
      responses: tableResponses('Trades'),
      handler: sendTable(deps, 'trades'),
    },
    {
      method: 'get',
      path: '/api/v1/backtests/:id/equity',
      operationId: 'getBacktestEquity',
      summary: 'Equity curve of a run',
      tags: ['backtests'],
      scope: 'read',
      request: { params: RunIdParamsSchema, query: TableQuerySchema },
      responses: tableResponses('Equity curve'),
      handler: sendTable(deps, 'equity'),
    },
    {
      method: 'get',
      path: '/api/v1/backtests/:id/signals',
      operationId: 'getBacktestSignals',
      summary: 'Signal-study rows of a run (one per buy signal)',
      tags: ['backtests'],
      scope: 'read',
      request: { params: RunIdParamsSchema, query: TableQuerySchema },
      responses: tableResponses('Signal study'),
      handler: sendTable(deps, 'signals'),
    },
    {
      method: 'delete',
      path: '/api/v1/backtests/:id',
      operationId: 'deleteBacktest',
      summary: 'Delete a stored run (index row and archive)',
      tags: ['backtests'],
      scope: 'run',
      request: { params: RunIdParamsSchema },
      responses: { 204: { description: 'Deleted' }, 404: { description: 'No such run (`NOT_FOUND`)' } },
      handler: async (req, res) => {
        const { id } = parseInput(RunIdParamsSchema, req.params, 'params');
        await deps.runs.delete(id);
        res.status(204).end();
      },
    },
  ];
}
