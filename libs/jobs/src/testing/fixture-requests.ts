/**
 * Request parsers for the jobs library's own tests and its queue benchmark. The real request
 * schema is the application's (`@coinhts/runs`' `RUN_REQUEST_PARSERS`), which this library cannot
 * import; the queue tests only need requests the fixture executors can read, and a parser that
 * refuses something so that "refused before anything is queued" can be tested. This is a test
 * fake: it checks the few fields the fixtures read and nothing else.
 */
import type { Timeframe } from '@coinhts/engine';
import { InvalidJobRequestError, type PayloadIssue } from '../errors';
import type { JobRequestParsers, SweepJobRequest } from '../job-requests';

/** A request as the fixture executors read it. */
export interface FixtureRequest {
  readonly strategy: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly symbols: readonly string[];
  readonly start_date: string;
  readonly end_date: string;
  readonly timeframe: Timeframe;
  readonly options: Readonly<Record<string, unknown>>;
}

/** A sweep request of the fixtures. */
export type FixtureSweepRequest = FixtureRequest & SweepJobRequest;

const SWEEP_ONLY = ['grid', 'chunk_size', 'rank_by', 'direction'] as const;

function backtest(input: unknown, subject = 'backtest request'): FixtureRequest {
  const r = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const issues: PayloadIssue[] = [];
  if (typeof r.strategy !== 'string' || r.strategy === '') issues.push({ path: 'strategy', message: 'must be a non-empty string' });
  if (!Array.isArray(r.symbols) || r.symbols.length === 0) issues.push({ path: 'symbols', message: 'must list at least one symbol' });
  for (const k of ['start_date', 'end_date'] as const) {
    if (typeof r[k] !== 'string' || Number.isNaN(Date.parse(r[k] as string))) issues.push({ path: k, message: 'must be a date' });
  }
  if (issues.length) throw new InvalidJobRequestError(issues, subject);
  return { params: {}, timeframe: '1d', options: {}, ...r } as unknown as FixtureRequest;
}

/** The fake parsers (see the module comment). */
export const FIXTURE_REQUESTS: JobRequestParsers<FixtureRequest, FixtureSweepRequest> = {
  backtest: (input) => backtest(input),
  sweep(input) {
    const r = backtest(input, 'sweep request') as unknown as Record<string, unknown>;
    if (typeof r.grid !== 'object' || r.grid === null) throw new InvalidJobRequestError([{ path: 'grid', message: 'must name the values to try' }], 'sweep request');
    return { chunk_size: 25, rank_by: 'total_return_pct', ...r } as unknown as FixtureSweepRequest;
  },
  sweepBase(sweep) {
    const base: Record<string, unknown> = { ...sweep, params: {} };
    for (const k of SWEEP_ONLY) delete base[k];
    return base as unknown as FixtureRequest;
  },
};
