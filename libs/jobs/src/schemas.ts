/**
 * Job payload envelopes as zod schemas. The request inside a payload is the application's (the
 * one `RunRequestSchema` of `@coinhts/runs`, parsed through the injected `JobRequestParsers`):
 * an envelope only says that it is there. The worker parses every payload again before processing
 * it (a payload may have been written by an older producer, or by hand).
 *
 * Payload envelopes carry `v: 1`. A worker that meets a version it does not know fails the job
 * without retrying ({@link UnsupportedPayloadVersionError}) instead of misreading it.
 */
import { z } from 'zod';
import { type Timeframe } from '@coinhts/engine';
import { normalizeSymbol, normalizeTimeframe } from '@coinhts/market-data';
import { InvalidJobRequestError, UnsupportedPayloadVersionError, type PayloadIssue } from './errors';

/** Payload versions this code writes and reads. */
export const PAYLOAD_VERSION = 1 as const;

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

/** A market code such as `KRW-BTC` (market-data's spelling rules: lower case and legacy `BTC_KRW` are accepted). */
export const SymbolSchema = z.string().trim().transform(normalized(normalizeSymbol));

/**
 * A timeframe, normalised to the engine's canonical code (`1m` … `1mo`) by market-data's rules
 * (the original's `1H`, `1D`, `1W`, and `1M` = one minute, are accepted).
 */
export const TimeframeSchema = z.string().trim().transform(normalized((s): Timeframe => normalizeTimeframe(s)));

/** Payload of a `backtest` job. */
export const BacktestJobDataSchema = z
  .object({
    v: z.literal(PAYLOAD_VERSION),
    /** The request, parsed by `JobRequestParsers.backtest` when it is used. */
    request: z.unknown(),
    /** When the request was accepted, ISO 8601 UTC. */
    submitted_at: z.string(),
    /** Client idempotency key, when one was given. */
    idempotency_key: z.string().min(1).max(200).optional(),
  })
  .strict();
/** A `backtest` job payload. */
export type BacktestJobData = z.output<typeof BacktestJobDataSchema>;

/** Payload of the parent (aggregating) job of a sweep flow. */
export const SweepJobDataSchema = z
  .object({
    v: z.literal(PAYLOAD_VERSION),
    /** The sweep request, parsed by `JobRequestParsers.sweep` when it is used. */
    request: z.unknown(),
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
    /** The backtest request of every combination (`JobRequestParsers.sweepBase`), `params` replaced per combination. */
    base: z.unknown(),
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
