/**
 * Job payloads as zod schemas. The HTTP API parses request bodies with the same request schemas,
 * and the worker parses every job payload again before processing it (a payload may have been
 * written by an older producer, or by hand).
 *
 * Payload envelopes carry `v: 1`. A worker that meets a version it does not know fails the job
 * without retrying ({@link UnsupportedPayloadVersionError}) instead of misreading it.
 */
import { z } from 'zod';
import { DEFAULT_MAX_COMBINATIONS, PortfolioOptionsSchema, SWEEP_METRICS, type Timeframe } from '@coinhts/engine';
import { normalizeSymbol, normalizeTimeframe, parseDateBound } from '@coinhts/market-data';
import { InvalidJobRequestError, UnsupportedPayloadVersionError, type PayloadIssue } from './errors';

/** Payload versions this code writes and reads. */
export const PAYLOAD_VERSION = 1 as const;

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** Runs a market-data normaliser inside a zod transform, turning its error into an issue. */
function normalized<T>(fn: (s: string) => T) {
  return (s: string, ctx: z.RefinementCtx): T => {
    try {
      return fn(s);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  };
}

/**
 * A date bound: `YYYY-MM-DD` (a calendar day in the worker's zone; an end date covers the whole
 * day), `YYYY-MM-DDTHH:mm[:ss]` (wall time in that zone) or an ISO 8601 time with `Z` or an offset.
 * Checked with market-data's parser (impossible dates such as 2024-02-30 are refused).
 */
export const DateBoundSchema = z
  .string()
  .trim()
  .superRefine((s, ctx) => {
    try {
      parseDateBound(s, { zone: 'UTC' });
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  });

/** A market code such as `KRW-BTC` (market-data's spelling rules: lower case and legacy `BTC_KRW` are accepted). */
export const SymbolSchema = z.string().trim().transform(normalized(normalizeSymbol));

/**
 * A timeframe, normalised to the engine's canonical code (`1m` … `1mo`) by market-data's rules
 * (the original's `1H`, `1D`, `1W`, and `1M` = one minute, are accepted).
 */
export const TimeframeSchema = z.string().trim().transform(normalized((s): Timeframe => normalizeTimeframe(s)));

/**
 * Portfolio simulation options of a run: the engine's own `PortfolioOptionsSchema`, so a request
 * names every option and unit exactly as the engine does (`fee_rate` and `slippage_rate` as
 * fractions, `initial_capital` in KRW, `stop_loss_pct` / `take_profit_pct` /
 * `trailing_stop_pct` in percent, `hold_bars` in bars). Omitted options take the engine's
 * defaults, which the parsed request then records.
 */
export const BacktestOptionsSchema = PortfolioOptionsSchema;

/**
 * A backtest request, in the original API's vocabulary (`POST /api/backtests/run` body), with
 * portfolio `options`. Dates are inclusive on both ends.
 */
export const BacktestRequestSchema = z
  .object({
    /** Strategy registry name, e.g. `volume_long_candle`. */
    strategy: z.string().trim().min(1).max(100),
    /** Strategy parameters; checked against the strategy's own schema by the engine. */
    params: z.record(z.string(), z.unknown()).default({}),
    /** One or more market codes, no repeats. */
    symbols: z
      .array(SymbolSchema)
      .min(1)
      .max(50)
      .refine((s) => new Set(s).size === s.length, { message: 'must not repeat a symbol' }),
    start_date: DateBoundSchema,
    end_date: DateBoundSchema,
    timeframe: TimeframeSchema.default('1d'),
    options: BacktestOptionsSchema.prefault({}),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (DATE_ONLY.test(r.start_date) && DATE_ONLY.test(r.end_date) && r.start_date > r.end_date) {
      ctx.addIssue({ code: 'custom', path: ['end_date'], message: `must not be before start_date (${r.start_date})` });
    }
  });

/** A backtest request as submitted (before defaults). */
export type BacktestRequestInput = z.input<typeof BacktestRequestSchema>;
/** A validated backtest request (defaults applied, symbols upper-cased, timeframe canonical). */
export type BacktestRequest = z.output<typeof BacktestRequestSchema>;

/** Payload of a `backtest` job. */
export const BacktestJobDataSchema = z
  .object({
    v: z.literal(PAYLOAD_VERSION),
    request: BacktestRequestSchema,
    /** When the request was accepted, ISO 8601 UTC. */
    submitted_at: z.string(),
    /** Client idempotency key, when one was given. */
    idempotency_key: z.string().min(1).max(200).optional(),
  })
  .strict();
/** A `backtest` job payload. */
export type BacktestJobData = z.output<typeof BacktestJobDataSchema>;

/** A grid value list: every combination of the lists is run. */
const GridValuesSchema = z.array(z.union([z.number(), z.string(), z.boolean()])).min(1).max(1000);

/**
 * Largest number of parameter sets one sweep may expand to: the engine's grid limit
 * (`DEFAULT_MAX_COMBINATIONS`, 1,000,000), the one limit of the CLI, the engine and the queue.
 */
export const MAX_SWEEP_COMBINATIONS: number = DEFAULT_MAX_COMBINATIONS;

/**
 * A parameter sweep: a backtest request whose `params` are fixed values and whose `grid` lists
 * the values to try per parameter. The worker runs every combination (split into chunks run in
 * parallel) and ranks them.
 */
export const SweepRequestSchema = z
  .object({
    strategy: z.string().trim().min(1).max(100),
    /** Parameters held fixed across the sweep. */
    params: z.record(z.string(), z.unknown()).default({}),
    /** Parameter name → values to try. */
    grid: z
      .record(z.string(), GridValuesSchema)
      .refine((g) => Object.keys(g).length > 0, { message: 'name at least one parameter to sweep' }),
    symbols: z
      .array(SymbolSchema)
      .min(1)
      .max(50)
      .refine((s) => new Set(s).size === s.length, { message: 'must not repeat a symbol' }),
    start_date: DateBoundSchema,
    end_date: DateBoundSchema,
    timeframe: TimeframeSchema.default('1d'),
    options: BacktestOptionsSchema.prefault({}),
    /** Combinations per chunk job (default 25). */
    chunk_size: z.number().int().min(1).max(1000).default(25),
    /** Portfolio metric the combinations are ranked by (default `total_return_pct`). */
    rank_by: z.enum(SWEEP_METRICS).default('total_return_pct'),
    /** `max` (larger is better) or `min`; default: the metric's natural direction (min for drawdown, volatility, fees). */
    direction: z.enum(['max', 'min']).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const n = Object.values(r.grid).reduce((acc, values) => acc * values.length, 1);
    if (n > MAX_SWEEP_COMBINATIONS) {
      ctx.addIssue({ code: 'custom', path: ['grid'], message: `expands to ${n} parameter sets (the product of the value counts); at most ${MAX_SWEEP_COMBINATIONS} are allowed: narrow the lists or split the sweep` });
    }
    for (const k of Object.keys(r.grid)) {
      if (k in r.params) ctx.addIssue({ code: 'custom', path: ['grid', k], message: `is also a fixed parameter; name it in params or grid, not both` });
    }
    if (DATE_ONLY.test(r.start_date) && DATE_ONLY.test(r.end_date) && r.start_date > r.end_date) {
      ctx.addIssue({ code: 'custom', path: ['end_date'], message: `must not be before start_date (${r.start_date})` });
    }
  });
/** A sweep request as submitted. */
export type SweepRequestInput = z.input<typeof SweepRequestSchema>;
/** A validated sweep request. */
export type SweepRequest = z.output<typeof SweepRequestSchema>;

/** Payload of the parent (aggregating) job of a sweep flow. */
export const SweepJobDataSchema = z
  .object({
    v: z.literal(PAYLOAD_VERSION),
    request: SweepRequestSchema,
    submitted_at: z.string(),
    /** Number of combinations (= sum of the chunks' sizes). */
    combinations: z.number().int().positive(),
    /** Number of chunk jobs. */
    chunks: z.number().int().positive(),
    idempotency_key: z.string().min(1).max(200).optional(),
  })
  .strict();
/** A sweep parent job payload. */
export type SweepJobData = z.output<typeof SweepJobDataSchema>;

/** Payload of one chunk job of a sweep: a slice of the combinations. */
export const SweepChunkJobDataSchema = z
  .object({
    v: z.literal(PAYLOAD_VERSION),
    /** Id of the sweep (its parent job id). */
    sweep_id: z.string().min(1),
    /** 0-based chunk number. */
    chunk: z.number().int().min(0),
    /** Index of the first combination of this chunk in the whole sweep. */
    first_index: z.number().int().min(0),
    /** The request, with `params` replaced per combination. */
    base: BacktestRequestSchema,
    /** Full parameter sets to run, in order. */
    combinations: z.array(z.record(z.string(), z.unknown())).min(1),
  })
  .strict();
/** A sweep chunk payload. */
export type SweepChunkJobData = z.output<typeof SweepChunkJobDataSchema>;

/** A market-data refresh: fetch recent candles from Upbit and merge them into the store. */
export const IngestionRequestSchema = z
  .object({
    symbols: z.array(SymbolSchema).min(1).max(200),
    timeframes: z.array(TimeframeSchema).min(1).max(11),
    /** How many days back to fetch (default 3; the store merges, never overwrites). */
    days: z.number().int().min(1).max(3650).default(3),
  })
  .strict();
/** An ingestion request as submitted. */
export type IngestionRequestInput = z.input<typeof IngestionRequestSchema>;
/** A validated ingestion request. */
export type IngestionRequest = z.output<typeof IngestionRequestSchema>;

/** Payload of a `data-ingestion` job. */
export const IngestionJobDataSchema = z
  .object({
    v: z.literal(PAYLOAD_VERSION),
    request: IngestionRequestSchema,
    /** `schedule` (job scheduler) or `manual`. */
    trigger: z.enum(['schedule', 'manual']),
  })
  .strict();
/** A `data-ingestion` job payload. */
export type IngestionJobData = z.output<typeof IngestionJobDataSchema>;

/** Progress of a running job as stored in the queue. */
export const JobProgressSchema = z.object({
  /** Done so far, 0..1. */
  fraction: z.number().min(0).max(1),
  /** Human-readable step, e.g. `loading candles`. */
  stage: z.string(),
});
/** Progress of a running job. */
export type JobProgress = z.output<typeof JobProgressSchema>;

/** Converts zod issues to {@link PayloadIssue}s. */
export function toPayloadIssues(error: z.ZodError): PayloadIssue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

/**
 * Parses `input` with `schema`, throwing {@link InvalidJobRequestError} (code `INVALID_REQUEST`)
 * that lists every issue.
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, subject: string): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw new InvalidJobRequestError(toPayloadIssues(r.error), subject);
  return r.data;
}

/**
 * Parses a job payload envelope: first its version (so a future payload fails with
 * `UNSUPPORTED_VERSION`, not with a list of schema issues), then the whole payload.
 */
export function parseJobPayload<S extends z.ZodType>(schema: S, data: unknown, subject: string): z.output<S> {
  const v = (data as { v?: unknown } | null | undefined)?.v;
  if (v !== PAYLOAD_VERSION) throw new UnsupportedPayloadVersionError(v, [PAYLOAD_VERSION]);
  return parseOrThrow(schema, data, subject);
}
