import { resolve } from 'node:path';
import { importUpload, inventory } from '@coinhts/market-data';
import express, { type RequestHandler } from 'express';
import { z } from 'zod';
import { ApiError, ApiErrorCode } from '../http/api-error';
import type { RouteDef } from '../http/route-table';
import { jsonBody, parseInput } from '../http/validate';
import type { RouteDeps } from './deps';
import { ImportQuerySchema, InventoryQuerySchema, RefreshBodySchema, TaskAcceptedSchema, TaskIdParamsSchema, TaskStatusSchema } from './schemas';
import { iso, taskStatusView } from './views';

/** The repository's tracked, synthetic sample set (apps/api/src/routes → repo root → data/sample); imports never write there. */
const BUNDLED_SAMPLE = resolve(__dirname, '..', '..', '..', '..', 'data', 'sample');

const CSV_TYPES = ['text/csv', 'text/plain', 'application/csv'];
const PARQUET_TYPES = ['application/vnd.apache.parquet', 'application/x-parquet', 'application/octet-stream'];

const InventoryResponseSchema = z.object({
  series: z.array(z.object({
    symbol: z.string(), timeframe: z.string(), rows: z.number().int(), bytes: z.number().int(), first: z.string().nullable(), last: z.string().nullable(),
    files: z.array(z.object({ year: z.number().int(), rows: z.number().int(), bytes: z.number().int(), first: z.string().nullable(), last: z.string().nullable(), error: z.string().optional() })),
  })),
  totals: z.object({ series: z.number().int(), files: z.number().int(), rows: z.number().int(), bytes: z.number().int() }),
  unrecognised: z.array(z.object({ path: z.string(), reason: z.string() })),
});

const ImportResponseSchema = z.object({
  dry_run: z.boolean(),
  symbol: z.string(),
  timeframe: z.string(),
  rows: z.number().int(),
  inserted: z.number().int(),
  replaced: z.number().int(),
  quality: z.object({ verdict: z.string() }).passthrough(),
  repaired: z.boolean(),
});

/** Market data: inventory, imports, collection. */
export function dataRoutes(deps: RouteDeps): RouteDef[] {
  const rawUpload: RequestHandler = express.raw({ type: [...CSV_TYPES, ...PARQUET_TYPES], limit: deps.config.uploadLimitBytes });
  return [
    {
      method: 'get',
      path: '/api/v1/data/inventory',
      operationId: 'getDataInventory',
      summary: 'Stored candle series: symbols, timeframes, year files, rows, first and last candle',
      tags: ['data'],
      scope: 'read',
      request: { query: InventoryQuerySchema },
      responses: { 200: { description: 'Inventory of DATA_ROOT', schema: InventoryResponseSchema } },
      handler: async (req, res) => {
        const q = parseInput(InventoryQuerySchema, req.query, 'query');
        const inv = await inventory(deps.candles, q);
        res.json({
          series: inv.series.map((s) => ({
            symbol: s.symbol, timeframe: s.timeframe, rows: s.rows, bytes: s.bytes, first: iso(s.first), last: iso(s.last),
            files: s.files.map((f) => ({ year: f.year, rows: f.rows, bytes: f.bytes, first: iso(f.first), last: iso(f.last), ...(f.error ? { error: f.error } : {}) })),
          })),
          totals: inv.totals,
          unrecognised: inv.unrecognised.map((u) => ({ path: u.path, reason: u.reason })),
        });
      },
    },
    {
      method: 'post',
      path: '/api/v1/data/import',
      operationId: 'importData',
      summary: 'Import one CSV or Parquet file of candles (merged into the store; other rows are never dropped)',
      description:
        'Send the file as the request body with Content-Type text/csv or application/vnd.apache.parquet (or application/octet-stream), and name the series in the query. The file is validated (columns, one timestamp format, numbers, data quality) before anything is written; invalid files get 422 naming the file, line and column. Larger than UPLOAD_LIMIT_BYTES: 413.',
      tags: ['data'],
      scope: 'admin',
      request: { query: ImportQuerySchema, body: z.string().describe('the file'), bodyContentTypes: ['text/csv', 'application/vnd.apache.parquet'] },
      before: [rawUpload],
      responses: { 201: { description: 'Imported (200 for a dry run)', schema: ImportResponseSchema } },
      handler: async (req, res) => {
        const q = parseInput(ImportQuerySchema, req.query, 'query');
        if (!Buffer.isBuffer(req.body) || req.body.length === 0) {
          const type = req.get('content-type');
          if (type && !req.is([...CSV_TYPES, ...PARQUET_TYPES])) throw new ApiError(ApiErrorCode.UnsupportedMediaType, `Send the file as text/csv or application/vnd.apache.parquet (got ${type})`);
          throw new ApiError(ApiErrorCode.ValidationFailed, 'The request body must be the CSV or Parquet file', { issues: [{ field: 'body', message: 'is empty' }] });
        }
        if (!q.dry_run && resolve(deps.candles.root) === BUNDLED_SAMPLE) {
          throw new ApiError(ApiErrorCode.Conflict, 'DATA_ROOT is the bundled synthetic sample set of the repository; imports do not write there. Set DATA_ROOT to a folder of your own (a dry run is allowed).');
        }
        const bytes = req.body as Buffer;
        const isParquet = bytes.length >= 4 && bytes.subarray(0, 4).toString('latin1') === 'PAR1';
        // Parsed in memory: errors name the file `upload.csv` / `upload.parquet`, never a server path.
        const name = isParquet ? 'upload.parquet' : 'upload.csv';
        const r = await importUpload(deps.candles, { name, bytes }, { symbol: q.symbol, timeframe: q.timeframe, quality: q.quality, dryRun: q.dry_run, zone: deps.config.timeZone });
        const f = r.files[0];
        const w = r.writes[0];
        res.status(q.dry_run ? 200 : 201).json({
          dry_run: q.dry_run, symbol: f.symbol, timeframe: f.timeframe, rows: f.rows, inserted: w?.inserted ?? 0, replaced: w?.replaced ?? 0,
          quality: f.quality as unknown as { verdict: string }, repaired: f.repair !== undefined,
        });
      },
    },
    {
      method: 'post',
      path: '/api/v1/data/refresh',
      operationId: 'refreshData',
      summary: 'Queue a collection of recent candles from Upbit (merged, never overwriting)',
      tags: ['data'],
      scope: 'admin',
      request: { body: RefreshBodySchema, bodyExample: { symbols: ['KRW-BTC'], timeframes: ['1h'], days: 3 } },
      responses: { 202: { description: 'Queued; `Location` is the status URL', schema: TaskAcceptedSchema } },
      handler: async (req, res) => {
        const body = parseInput(RefreshBodySchema, jsonBody(req) ?? {}, 'body');
        const r = await deps.jobs.ingestion.trigger({
          symbols: body.symbols ?? deps.config.refreshDefaults.symbols,
          timeframes: body.timeframes ?? deps.config.refreshDefaults.timeframes,
          days: body.days,
        });
        const base = `/api/v1/data/refresh/${r.jobId}`;
        res.status(202).location(`${base}/status`).json({ task_id: r.jobId, state: r.status.state, deduplicated: false, created_at: iso(r.status.createdAt), links: { status: `${base}/status` } });
      },
    },
    {
      method: 'get',
      path: '/api/v1/data/refresh/:id/status',
      operationId: 'getRefreshStatus',
      summary: 'Status of a data collection job',
      tags: ['data'],
      scope: 'read',
      request: { params: TaskIdParamsSchema },
      responses: { 200: { description: 'Current status', schema: TaskStatusSchema }, 404: { description: 'No such job (`JOB_NOT_FOUND`)' } },
      handler: async (req, res) => {
        const { id } = parseInput(TaskIdParamsSchema, req.params, 'params');
        const view = taskStatusView(await deps.jobs.ingestion.status(id), `/api/v1/data/refresh/${id}`);
        const { cancel: _cancel, ...links } = view.links;
        res.json({ ...view, links });
      },
    },
  ];
}
