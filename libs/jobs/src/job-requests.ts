/**
 * The request inside a job payload is not this library's: its one schema lives in the
 * application layer (`@coinhts/runs`' `RunRequestSchema`), which the queues cannot import. The
 * queues know the payload envelope (version, submit time, idempotency key, chunk bookkeeping) and
 * only the few request fields they act on (a sweep's grid, chunk size and ranking); everything
 * else travels as the parser produced it. The parsers are injected: by the composition roots into
 * {@link JobQueues.connect} (submit side) and into the processors' dependencies (worker side), so
 * a request is parsed by the same code at the API, at submit and in the worker.
 */
import type { ParamValue, SweepMetric } from '@coinhts/engine';

/** What the queues need of a backtest request: its strategy parameters (replaced per sweep combination). */
export interface BacktestJobRequest {
  /** Strategy parameters. */
  readonly params: Readonly<Record<string, unknown>>;
}

/** What the queues need of a sweep request to fan it out into chunks and rank the results. */
export interface SweepJobRequest {
  /** Parameters held fixed across the sweep. */
  readonly params: Readonly<Record<string, unknown>>;
  /** Parameter name → values to try. */
  readonly grid: Readonly<Record<string, readonly ParamValue[]>>;
  /** Combinations per chunk job. */
  readonly chunk_size: number;
  /** Portfolio metric the combinations are ranked by. */
  readonly rank_by: SweepMetric;
  /** `max` or `min`; absent: the metric's natural direction. */
  readonly direction?: 'max' | 'min';
}

/**
 * Parsers of the requests a job carries. Each parses raw input (an HTTP body, or the `request` of
 * a payload written by any producer version) into the application's request, or throws a coded
 * error that lists every problem (`INVALID_REQUEST` through `InvalidJobRequestError`, or e.g.
 * `UNKNOWN_STRATEGY` / `INVALID_PARAMS` for semantic checks). A thrown error refuses a submit and
 * fails a job without retrying it.
 */
export interface JobRequestParsers<B extends BacktestJobRequest = BacktestJobRequest, S extends SweepJobRequest = SweepJobRequest> {
  /** A backtest request. */
  backtest(input: unknown): B;
  /** A sweep request. */
  sweep(input: unknown): S;
  /** The backtest part of a sweep (its fields without the sweep-only ones, `params` empty): what each chunk runs per combination. */
  sweepBase(sweep: S): B;
}
