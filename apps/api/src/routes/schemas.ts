/**
 * Request and response schemas of the HTTP API. Request bodies reuse the jobs library's schemas
 * (the same ones the queue payloads are checked with); these add queries and responses.
 */
import { z } from 'zod';
import { intQueryParam, timeQueryParam } from '../http/input-guard';

/** Links to related resources. */
export const LinksSchema = z.record(z.string(), z.string());

const nullableNumber = z.number().nullable();

/** Portfolio metrics (engine names; percent fields end in `_pct`, money in `_krw`). */
export const MetricsSchema = z.record(z.string(), z.union([z.number(), z.null(), z.string(), z.boolean()])).describe('Engine metrics; see docs/api.md');

/** Signal-study aggregates. */
export const SignalStudyStatsSchema = z.object({
  signals: z.number().int(),
  hold_period_bars: z.number().int(),
  win_rate: nullableNumber.describe('fraction 0..1'),
  avg_return_pct: nullableNumber,
  legacy_max_drawdown_pct: nullableNumber,
});

/** Per-symbol part of a synchronous backtest result. */
export const SymbolResultSchema = z.object({
  symbol: z.string(),
  timeframe: z.string(),
  bars: z.number().int(),
  start: z.string().describe('ISO 8601 UTC of the first bar'),
  end: z.string().describe('ISO 8601 UTC of the last bar'),
  buy_and_hold_return_pct: nullableNumber,
  exposure: nullableNumber.describe('fraction of bars in the market'),
  entries_skipped: z.number().int(),
  signal_study: SignalStudyStatsSchema,
  trades: MetricsSchema,
});

/** Response of `POST /api/v1/backtests`. */
export const BacktestResponseSchema = z.object({
  run_id: z.string().uuid(),
  strategy: z.string(),
  params: z.record(z.string(), z.unknown()).describe('strategy params after defaults'),
  options: z.record(z.string(), z.unknown()).describe('portfolio options after defaults (engine names)'),
  symbols: z.array(z.string()),
  timeframe: z.string(),
  start_date: z.string(),
  end_date: z.string(),
  period: z.object({ start: z.string(), end: z.string(), bars: z.number().int() }),
  portfolio: MetricsSchema,
  signal_study: SignalStudyStatsSchema,
  symbol_results: z.array(SymbolResultSchema),
  engine_version: z.string(),
  execution_ms: z.number(),
  links: LinksSchema,
});

/** A stored run as listed or read. */
export const StoredRunSchema = z.object({
  run_id: z.string().uuid(),
  kind: z.enum(['sync', 'async', 'sweep']),
  status: z.enum(['queued', 'running', 'completed', 'failed', 'cancelled']),
  strategy: z.string(),
  params: z.record(z.string(), z.unknown()),
  symbols: z.array(z.string()),
  timeframe: z.string().nullable(),
  period_start: z.string().nullable(),
  period_end: z.string().nullable(),
  total_return_pct: nullableNumber,
  sharpe: nullableNumber,
  max_drawdown_pct: nullableNumber,
  trade_count: z.number().int().nullable(),
  duration_ms: z.number().int().nullable(),
  created_at: z.string(),
  metrics: z.record(z.string(), z.unknown()).optional(),
  symbol_results: z.array(z.object({ symbol: z.string(), win_rate: nullableNumber, trade_count: z.number().int().nullable(), metrics: z.record(z.string(), z.unknown()) })).optional(),
  links: LinksSchema,
});

/** A page of runs. */
export const RunPageSchema = z.object({
  items: z.array(StoredRunSchema),
  next_cursor: z.string().nullable(),
  links: LinksSchema,
});

const numberParam = z.coerce.number({ error: () => 'must be a number' }).refine(Number.isFinite, 'must be a finite number');

/** Query of `GET /api/v1/backtests`. */
export const RunListQuerySchema = z.strictObject({
  strategy: z.string().min(1).max(100).optional(),
  symbol: z.string().min(1).max(40).optional().describe('runs that include this symbol'),
  status: z.enum(['queued', 'running', 'completed', 'failed', 'cancelled']).optional(),
  kind: z.enum(['sync', 'async', 'sweep']).optional(),
  created_from: timeQueryParam.optional().describe('created at or after (ISO 8601)'),
  created_to: timeQueryParam.optional().describe('created at or before (ISO 8601)'),
  min_return_pct: numberParam.optional(),
  max_return_pct: numberParam.optional(),
  min_sharpe: numberParam.optional(),
  max_sharpe: numberParam.optional(),
  limit: intQueryParam(1, 500).default(50),
  cursor: z.string().min(1).max(500).optional().describe('next_cursor of the previous page'),
});

/** `:id` of a run. */
export const RunIdParamsSchema = z.object({ id: z.string().min(1).max(100).describe('run id (UUID)') });

/** Query of table downloads. */
export const TableQuerySchema = z.strictObject({
  format: z.enum(['json', 'csv', 'arrow', 'parquet']).optional().describe('overrides the Accept header'),
});

/** Status of a queued task (async backtest, sweep, data refresh). */
export const TaskStatusSchema = z.object({
  task_id: z.string(),
  state: z.enum(['queued', 'running', 'completed', 'failed', 'cancelled']),
  progress: z.number().min(0).max(1),
  stage: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string(), retryable: z.boolean() }).nullable(),
  run_id: z.string().nullable(),
  result: z.unknown().optional(),
  attempts: z.number().int(),
  created_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  links: LinksSchema,
});

/** One combination of a ranked sweep. */
export const SweepRowSchema = z.object({
  rank: z.number().int().min(1).describe('1 = best; combinations that could not run come last'),
  index: z.number().int().min(0).describe('position of the combination in grid order (last grid key varies fastest)'),
  params: z.record(z.string(), z.unknown()).describe('the full parameter set (fixed params and grid values)'),
  score: nullableNumber.describe('value of the ranking metric; null when the combination could not run or the metric is undefined'),
  metrics: z.record(z.string(), z.number().nullable()).nullable().describe('portfolio metrics of the combination (engine names), null when it could not run'),
  error: z.object({ code: z.string(), message: z.string() }).nullable().describe('why the combination could not run (e.g. INVALID_PARAMS)'),
});

/** Headline of a completed sweep, in its status. */
export const SweepResultSchema = z.object({
  rank_by: z.string().describe('portfolio metric the combinations are ranked by'),
  direction: z.enum(['max', 'min']).nullable().describe('max = larger is better; null when the stored sweep run is gone'),
  total: z.number().int().describe('combinations in the grid'),
  evaluated: z.number().int().describe('combinations that ran'),
  failed: z.number().int().describe('combinations that could not run'),
  top: z.array(SweepRowSchema).describe('the best combinations, best first (at most 10); the full ranking is at links.result'),
});

/**
 * Status of a sweep: a task status whose `result` is the ranking's head once completed, with its
 * parameter sets done / total; a cancelled or failed sweep links to `resume`.
 */
export const SweepStatusSchema = TaskStatusSchema.extend({
  result: SweepResultSchema.nullable().optional(),
  sets: z
    .object({ done: z.number().int().min(0).describe('parameter sets in finished chunks'), total: z.number().int().min(1).describe('parameter sets in the grid') })
    .nullable()
    .describe('progress in parameter sets; null when the queue no longer keeps the sweep\'s job record'),
});

/** A stored sweep with its full ranking (`GET /api/v1/sweeps/{id}`). */
export const SweepRunSchema = StoredRunSchema.extend({
  request: z.record(z.string(), z.unknown()).describe('the sweep request as submitted (defaults applied)'),
  ranking: z.object({
    rank_by: z.string(),
    direction: z.enum(['max', 'min']),
    total: z.number().int(),
    evaluated: z.number().int(),
    failed: z.number().int(),
    offset: z.number().int(),
    limit: z.number().int(),
    rows: z.array(SweepRowSchema).describe('rows offset … offset + limit − 1 of the ranking, best first'),
  }),
});

/** Query of `GET /api/v1/sweeps/{id}`: a window of the ranking. */
export const SweepRankingQuerySchema = z.strictObject({
  offset: intQueryParam(0, 10_000_000).default(0),
  limit: intQueryParam(1, 10_000).default(100),
});

/** `POST …/async` and `POST /api/v1/sweeps` answer. */
export const TaskAcceptedSchema = z.object({
  task_id: z.string(),
  state: z.enum(['queued', 'running', 'completed', 'failed', 'cancelled']),
  deduplicated: z.boolean(),
  created_at: z.string().nullable(),
  links: LinksSchema,
});

/** Cancel answer. */
export const TaskCancelledSchema = z.object({
  task_id: z.string(),
  state: z.literal('cancelled'),
  was_running: z.boolean(),
  already_cancelled: z.boolean(),
});

/** `:id` of a task. */
export const TaskIdParamsSchema = z.object({ id: z.string().min(1).max(200).describe('task id') });

/** Header-derived idempotency key. */
export const IdempotencyKeySchema = z.string().min(1).max(200).optional();

/** A strategy as listed. */
export const StrategySchema = z.object({
  name: z.string(),
  title: z.string(),
  description: z.string(),
  params_schema: z.record(z.string(), z.unknown()).describe('JSON Schema (2020-12) of the parameters, with defaults and ranges'),
  defaults: z.record(z.string(), z.unknown()),
});

/** Preset body of `POST /api/v1/presets`. */
export const PresetCreateSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  strategy: z.string().trim().min(1).max(100),
  params: z.record(z.string(), z.unknown()).default({}),
  description: z.string().max(10_000).default(''),
});

/** Preset body of `PUT /api/v1/presets/{name}` (only the given fields change). */
export const PresetUpdateSchema = z.strictObject({
  strategy: z.string().trim().min(1).max(100).optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  description: z.string().max(10_000).optional(),
});

/** A preset. */
export const PresetSchema = z.object({
  name: z.string(),
  strategy: z.string(),
  params: z.record(z.string(), z.unknown()),
  description: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  links: LinksSchema,
});

/** `:name` of a preset. */
export const PresetNameParamsSchema = z.object({ name: z.string().min(1).max(100) });

/** Query of the data inventory. */
export const InventoryQuerySchema = z.strictObject({
  symbol: z.string().min(1).max(40).optional(),
  timeframe: z.string().min(1).max(10).optional(),
});

/** Query of a data import (the body is the file). */
export const ImportQuerySchema = z.strictObject({
  symbol: z.string().min(1).max(40).describe('market code, e.g. KRW-BTC'),
  timeframe: z.string().min(1).max(10).describe('e.g. 1h, 1d'),
  quality: z.enum(['refuse', 'repair']).default('refuse').describe('refuse invalid data (default) or drop bad rows'),
  dry_run: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
});

/** Body of `POST /api/v1/data/refresh` (defaults from configuration). */
export const RefreshBodySchema = z.strictObject({
  symbols: z.array(z.string().min(1).max(40)).min(1).max(200).optional(),
  timeframes: z.array(z.string().min(1).max(10)).min(1).max(11).optional(),
  days: z.number().int().min(1).max(3650).default(3),
});
