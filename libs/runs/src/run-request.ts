/**
 * The one request schema of a run (zod): the HTTP API's body, the `request` of a job payload and
 * what the CLI's flags are mapped into are all parsed here. Options are the engine's own
 * (`PortfolioOptionsSchema`: one name and one unit per quantity, no translation layer).
 *
 * The queues (`@coinhts/jobs`) cannot import this layer: they get {@link RUN_REQUEST_PARSERS}
 * injected (`JobQueues.connect({ requests })` by the apps, the processors' dependencies by
 * {@link openProcessorRuntime}).
 *
 * Option names retired by earlier versions (`fees`, `slippage`, `capital`, `exits.*` with stops
 * as fractions) are refused with a message naming the new option and its unit, so a request (or
 * a queued job) written for an older version fails saying what to write instead.
 */
import { z } from 'zod';
import { DEFAULT_MAX_COMBINATIONS, PortfolioOptionsSchema, SWEEP_METRICS } from '@coinhts/engine';
import { parseOrThrow, SymbolSchema, TimeframeSchema, type JobRequestParsers } from '@coinhts/jobs/model';
import { parseDateBound } from '@coinhts/market-data';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A date bound: `YYYY-MM-DD` (a calendar day in the configured zone; an end date covers the whole
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

/**
 * Option names of earlier versions and what replaced them (path inside `options` → message).
 * The old stops were fractions; the engine's are percent.
 */
export const RETIRED_OPTIONS: Readonly<Record<string, string>> = {
  fees: 'was renamed fee_rate (the same fraction per fill, e.g. 0.0005)',
  slippage: 'was renamed slippage_rate (the same fraction per fill, e.g. 0.0002)',
  capital: 'was renamed initial_capital (KRW)',
  'exits.stop_loss': 'is now stop_loss_pct, in percent: multiply the old fraction by 100 (0.05 → 5)',
  'exits.take_profit': 'is now take_profit_pct, in percent: multiply the old fraction by 100 (0.1 → 10)',
  'exits.max_hold_bars': 'was renamed hold_bars (bars)',
  exits: 'was retired: write stop_loss_pct, take_profit_pct (percent) and hold_bars (bars) directly in options',
};

/**
 * Portfolio options of a run: the engine's `PortfolioOptionsSchema` (`fee_rate` and
 * `slippage_rate` as fractions, `initial_capital` in KRW, `stop_loss_pct` / `take_profit_pct` /
 * `trailing_stop_pct` in percent, `hold_bars` in bars). Omitted options take the engine's defaults,
 * which the parsed request then records. Retired names ({@link RETIRED_OPTIONS}) get an issue
 * that names their replacement.
 */
export const RunOptionsSchema = z.preprocess((raw, ctx) => {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const rest: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  let retired = false;
  for (const key of ['fees', 'slippage', 'capital'] as const) {
    if (key in rest) {
      ctx.addIssue({ code: 'custom', path: [key], message: RETIRED_OPTIONS[key], input: rest[key] });
      delete rest[key];
      retired = true;
    }
  }
  if ('exits' in rest) {
    const exits = rest.exits;
    const named = typeof exits === 'object' && exits !== null ? Object.keys(exits).filter((k) => `exits.${k}` in RETIRED_OPTIONS) : [];
    if (named.length === 0) ctx.addIssue({ code: 'custom', path: ['exits'], message: RETIRED_OPTIONS.exits, input: exits });
    for (const k of named) ctx.addIssue({ code: 'custom', path: ['exits', k], message: RETIRED_OPTIONS[`exits.${k}`], input: (exits as Record<string, unknown>)[k] });
    delete rest.exits;
    retired = true;
  }
  return retired ? rest : raw;
}, PortfolioOptionsSchema.prefault({}));

const SymbolsSchema = z
  .array(SymbolSchema)
  .min(1)
  .max(50)
  .refine((s) => new Set(s).size === s.length, { message: 'must not repeat a symbol' });

function endNotBeforeStart(r: { readonly start_date: string; readonly end_date: string }, ctx: z.RefinementCtx): void {
  if (DATE_ONLY.test(r.start_date) && DATE_ONLY.test(r.end_date) && r.start_date > r.end_date) {
    ctx.addIssue({ code: 'custom', path: ['end_date'], message: `must not be before start_date (${r.start_date})` });
  }
}

/** The fields of one backtest (shared by {@link RunRequestSchema} and {@link SweepRequestSchema}). */
const runFields = {
  /** Strategy registry name, e.g. `volume_long_candle`. */
  strategy: z.string().trim().min(1).max(100),
  /** Strategy parameters; checked against the strategy's own schema by the engine. */
  params: z.record(z.string(), z.unknown()).default({}),
  /** One or more market codes, no repeats. */
  symbols: SymbolsSchema,
  /** First candle (inclusive). */
  start_date: DateBoundSchema,
  /** Last candle (inclusive). */
  end_date: DateBoundSchema,
  /** Candle timeframe (default `1d`). */
  timeframe: TimeframeSchema.default('1d'),
  /** Portfolio options ({@link RunOptionsSchema}). */
  options: RunOptionsSchema,
};

/**
 * A run request (one backtest): the body of `POST /api/v1/backtests` and `/backtests/async`, the
 * `request` of a backtest job, and what `coinhts backtest`'s flags become. Dates are inclusive on
 * both ends.
 */
export const RunRequestSchema = z.object(runFields).strict().superRefine(endNotBeforeStart);

/** A run request as submitted (before defaults). */
export type RunRequestInput = z.input<typeof RunRequestSchema>;
/** A validated run request (defaults applied, symbols upper-cased, timeframe canonical, options complete). */
export type RunRequest = z.output<typeof RunRequestSchema>;

/** A grid value list: every combination of the lists is run. */
const GridValuesSchema = z.array(z.union([z.number(), z.string(), z.boolean()])).min(1);

/** Fields of a sweep that are not part of a backtest. */
const SWEEP_ONLY_FIELDS = ['grid', 'chunk_size', 'rank_by', 'direction'] as const;

/**
 * A parameter sweep: a run request whose `params` are fixed values and whose `grid` lists the
 * values to try per parameter. The body of `POST /api/v1/sweeps` (with the queue's limits,
 * {@link QueuedSweepRequestSchema}) and the request recorded with every sweep run, whether the
 * queue or the CLI ran it. How many combinations may run is not the request's business: the
 * engine refuses grids over its limit (1,000,000) and so does the queue ({@link QueuedSweepRequestSchema}),
 * which also bounds the values per parameter; a random search draws from any grid.
 */
export const SweepRequestSchema = z
  .object({
    ...runFields,
    /** Parameters held fixed across the sweep. */
    params: z.record(z.string(), z.unknown()).default({}),
    /** Parameter name → values to try. */
    grid: z
      .record(z.string(), GridValuesSchema)
      .refine((g) => Object.keys(g).length > 0, { message: 'name at least one parameter to sweep' }),
    /** Combinations per chunk job of a queued sweep (default 25). */
    chunk_size: z.number().int().min(1).max(1000).default(25),
    /** Portfolio metric the combinations are ranked by (default `total_return_pct`). */
    rank_by: z.enum(SWEEP_METRICS).default('total_return_pct'),
    /** `max` (larger is better) or `min`; default: the metric's natural direction (min for drawdown, volatility, fees). */
    direction: z.enum(['max', 'min']).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    for (const k of Object.keys(r.grid)) {
      if (k in r.params) ctx.addIssue({ code: 'custom', path: ['grid', k], message: `is also a fixed parameter; name it in params or grid, not both` });
    }
    endNotBeforeStart(r, ctx);
  });

/**
 * Largest number of parameter sets one queued sweep may expand to: the engine's grid limit
 * (`DEFAULT_MAX_COMBINATIONS`, 1,000,000), the one limit of the CLI's grids, the engine and the queue.
 */
export const MAX_SWEEP_COMBINATIONS: number = DEFAULT_MAX_COMBINATIONS;
/** Most values one swept parameter of a queued sweep may list. */
export const MAX_GRID_VALUES = 1000;

/**
 * A sweep the queue accepts (`POST /api/v1/sweeps`, {@link RUN_REQUEST_PARSERS}): a
 * {@link SweepRequestSchema} within the queue's limits — at most {@link MAX_GRID_VALUES} values per
 * parameter and {@link MAX_SWEEP_COMBINATIONS} combinations (every combination is a payload entry).
 */
export const QueuedSweepRequestSchema = SweepRequestSchema.superRefine((r, ctx) => {
  for (const [k, values] of Object.entries(r.grid)) {
    if (values.length > MAX_GRID_VALUES) ctx.addIssue({ code: 'custom', path: ['grid', k], message: `lists ${values.length} values; at most ${MAX_GRID_VALUES} are allowed per parameter` });
  }
  const n = Object.values(r.grid).reduce((acc, values) => acc * values.length, 1);
  if (n > MAX_SWEEP_COMBINATIONS) {
    ctx.addIssue({ code: 'custom', path: ['grid'], message: `expands to ${n} parameter sets (the product of the value counts); at most ${MAX_SWEEP_COMBINATIONS} are allowed: narrow the lists or split the sweep` });
  }
});
/** A sweep request as submitted. */
export type SweepRequestInput = z.input<typeof SweepRequestSchema>;
/** A validated sweep request. */
export type SweepRequest = z.output<typeof SweepRequestSchema>;

/**
 * Parses a run request, throwing `InvalidJobRequestError` (code `INVALID_REQUEST`, HTTP 422) that
 * lists every issue (path and message).
 */
export function parseRunRequest(input: unknown): RunRequest {
  return parseOrThrow(RunRequestSchema, input, 'backtest request');
}

/** Parses a sweep request (see {@link parseRunRequest}); no limit on its size (the engine has its own). */
export function parseSweepRequest(input: unknown): SweepRequest {
  return parseOrThrow(SweepRequestSchema, input, 'sweep request');
}

/** Parses a sweep request for the queue: {@link QueuedSweepRequestSchema}. */
export function parseQueuedSweepRequest(input: unknown): SweepRequest {
  return parseOrThrow(QueuedSweepRequestSchema, input, 'sweep request');
}

/** The run request inside a sweep: its backtest fields with `params` empty (each combination fills them). */
export function sweepBaseRequest(sweep: SweepRequest): RunRequest {
  const base: Record<string, unknown> = { ...sweep, params: {} };
  for (const k of SWEEP_ONLY_FIELDS) delete base[k];
  return base as RunRequest;
}

/** The request parsers the queues are given (`JobQueues.connect({ requests })`, processor dependencies). */
export const RUN_REQUEST_PARSERS: JobRequestParsers<RunRequest, SweepRequest> = {
  backtest: parseRunRequest,
  sweep: parseQueuedSweepRequest,
  sweepBase: sweepBaseRequest,
};
