/**
 * The run list query — filters and keyset pages — as every {@link RunIndex}-style implementation
 * understands it: {@link normalizeRunQuery} checks a filter and page once and turns it into a
 * plain {@link NormalizedRunQuery} that the PostgreSQL index compiles to SQL and the embedded
 * index evaluates in memory, so both accept and refuse exactly the same inputs.
 */
import { decodeCursor, encodeCursor, type KeysetPosition } from './cursor';
import { RUN_KINDS, RUN_STATUSES, type RunKind, type RunStatus } from './run-vocabulary';
import { ResultValidationError } from './errors';
import type { StoredRun } from './run-types';
import { IssueList, toMs } from './validation';

/** An inclusive numeric range; either bound may be omitted. */
export interface NumberRange {
  /** Lower bound (inclusive). */
  readonly min?: number;
  /** Upper bound (inclusive). */
  readonly max?: number;
}

/** Filters of a run listing; all given filters must hold. */
export interface RunListFilter {
  /** Exact strategy name. */
  readonly strategy?: string;
  /** The run's symbols must include this symbol (or all of these symbols). */
  readonly symbol?: string | readonly string[];
  /** One status or any of several. */
  readonly status?: RunStatus | readonly RunStatus[];
  /** One kind or any of several. */
  readonly kind?: RunKind | readonly RunKind[];
  /** Created at or after (epoch ms or Date). */
  readonly createdFrom?: number | Date;
  /** Created at or before (epoch ms or Date, inclusive). */
  readonly createdTo?: number | Date;
  /** Range of `total_return_pct` (percent); runs without the value never match. */
  readonly totalReturnPct?: NumberRange;
  /** Range of `sharpe`. */
  readonly sharpe?: NumberRange;
  /** Range of `max_drawdown_pct` (percent, positive). */
  readonly maxDrawdownPct?: NumberRange;
  /** Range of `trade_count`. */
  readonly tradeCount?: NumberRange;
}

/** Which page of a listing to read. */
export interface PageRequest {
  /** Rows per page, 1..500 (default 50). */
  readonly limit?: number;
  /** `nextCursor` of the previous page (used with the same filter); omitted = first page. */
  readonly cursor?: string | null;
}

/** One page of runs, newest first (created_at DESC, id DESC). */
export interface RunPage {
  /** Runs of this page, without `symbolResults`. */
  readonly items: readonly StoredRun[];
  /** Cursor of the next page, or null when this is the last page. */
  readonly nextCursor: string | null;
}

/** Stored-run fields a numeric range can filter on. */
export const RANGE_FIELDS = ['totalReturnPct', 'sharpe', 'maxDrawdownPct', 'tradeCount'] as const;
/** One of {@link RANGE_FIELDS}. */
export type RangeField = (typeof RANGE_FIELDS)[number];

/** A checked filter and page. */
export interface NormalizedRunQuery {
  readonly strategy?: string;
  /** The run must hold every one of these symbols. */
  readonly symbols?: readonly string[];
  readonly statuses?: readonly RunStatus[];
  readonly kinds?: readonly RunKind[];
  /** Epoch ms, inclusive. */
  readonly createdFrom?: number;
  /** Epoch ms, inclusive. */
  readonly createdTo?: number;
  readonly ranges: readonly { readonly field: RangeField; readonly min?: number; readonly max?: number }[];
  /** 1..500. */
  readonly limit: number;
  /** Rows strictly after this position in (created_at DESC, id DESC) order. */
  readonly after?: KeysetPosition;
}

const asList = <T>(v: T | readonly T[] | undefined): readonly T[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? (v as readonly T[]) : [v as T]);

/** Checks a filter and page; throws `INVALID_PARAMS` listing every problem. */
export function normalizeRunQuery(filter: RunListFilter = {}, page: PageRequest = {}): NormalizedRunQuery {
  const v = new IssueList();
  if (filter.strategy !== undefined) v.text('strategy', filter.strategy, 100);
  const symbols = asList(filter.symbol);
  if (symbols !== undefined) {
    if (symbols.length === 0) v.add('symbol', 'must name at least one symbol');
    symbols.forEach((s, i) => v.text(`symbol.${i}`, s, 40));
  }
  const statuses = asList(filter.status);
  if (statuses !== undefined) {
    if (statuses.length === 0) v.add('status', 'must name at least one status');
    statuses.forEach((s, i) => v.oneOf(`status.${i}`, s, RUN_STATUSES));
  }
  const kinds = asList(filter.kind);
  if (kinds !== undefined) {
    if (kinds.length === 0) v.add('kind', 'must name at least one kind');
    kinds.forEach((k, i) => v.oneOf(`kind.${i}`, k, RUN_KINDS));
  }
  v.time('createdFrom', filter.createdFrom);
  v.time('createdTo', filter.createdTo);
  const from = toMs(filter.createdFrom);
  const to = toMs(filter.createdTo);
  if (from !== null && to !== null && from > to) v.add('createdTo', 'must not be before createdFrom');
  const ranges: { field: RangeField; min?: number; max?: number }[] = [];
  for (const field of RANGE_FIELDS) {
    const range = filter[field];
    if (range === undefined) continue;
    v.finite(`${field}.min`, range.min);
    v.finite(`${field}.max`, range.max);
    if (typeof range.min === 'number' && typeof range.max === 'number' && range.min > range.max) v.add(field, 'min must not exceed max');
    ranges.push({ field, ...(typeof range.min === 'number' ? { min: range.min } : {}), ...(typeof range.max === 'number' ? { max: range.max } : {}) });
  }
  const limit = page.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) v.add('limit', 'must be an integer in [1, 500]');
  if (v.issues.length) throw new ResultValidationError(v.issues, 'list filter');
  return {
    ...(filter.strategy !== undefined ? { strategy: filter.strategy } : {}),
    ...(symbols ? { symbols: [...symbols] } : {}),
    ...(statuses ? { statuses: [...statuses] } : {}),
    ...(kinds ? { kinds: [...kinds] } : {}),
    ...(from !== null ? { createdFrom: from } : {}),
    ...(to !== null ? { createdTo: to } : {}),
    ranges,
    limit,
    ...(page.cursor ? { after: decodeCursor(page.cursor) } : {}),
  };
}

/** The fields of a run that {@link runMatches} looks at (an index may keep only these in memory). */
export type RunFilterFields = Pick<StoredRun, 'strategy' | 'symbols' | 'status' | 'kind' | 'createdAt' | RangeField>;

/** True when `run` passes every filter of `q` (the cursor and limit are not looked at). */
export function runMatches(run: RunFilterFields, q: NormalizedRunQuery): boolean {
  if (q.strategy !== undefined && run.strategy !== q.strategy) return false;
  if (q.symbols && !q.symbols.every((s) => run.symbols.includes(s))) return false;
  if (q.statuses && !q.statuses.includes(run.status)) return false;
  if (q.kinds && !q.kinds.includes(run.kind)) return false;
  if (q.createdFrom !== undefined && run.createdAt < q.createdFrom) return false;
  if (q.createdTo !== undefined && run.createdAt > q.createdTo) return false;
  for (const r of q.ranges) {
    const value = run[r.field];
    if (value === null) return false;
    if (r.min !== undefined && value < r.min) return false;
    if (r.max !== undefined && value > r.max) return false;
  }
  return true;
}

/** The listing order: created_at DESC, then id DESC (negative = `a` comes first). */
export function compareRunsNewestFirst(a: Pick<StoredRun, 'createdAt' | 'id'>, b: Pick<StoredRun, 'createdAt' | 'id'>): number {
  if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** The cursor that continues after `last`. */
export function cursorAfter(last: Pick<StoredRun, 'createdAt' | 'id'>): string {
  return encodeCursor({ createdAt: last.createdAt, id: last.id });
}
