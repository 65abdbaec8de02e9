import { RUN_KINDS, RUN_STATUSES, type RunKind, type RunStatus, type StoredError } from './run-vocabulary';
import { ResultValidationError } from './errors';
import { IssueList, isPlainObject, isUuid } from './validation';

/**
 * Headline numbers copied out of `metrics` into their own columns so that list filters on them
 * use plain b-tree comparisons. All optional; null = not computed.
 */
export interface PromotedRunMetrics {
  /** Total return of the run in **percent** (12.5 = +12.5 %). */
  readonly totalReturnPct?: number | null;
  /** Sharpe ratio (annualised, dimensionless). */
  readonly sharpe?: number | null;
  /** Maximum drawdown in **percent**, as a positive number (20 = a 20 % fall from peak). */
  readonly maxDrawdownPct?: number | null;
  /** Number of closed trades (or signals, for a signal study). */
  readonly tradeCount?: number | null;
}

/** Per-symbol summary of a run (one row of `backtest_symbol_results`). */
export interface SymbolResultInput {
  /** Symbol, e.g. `KRW-BTC`; must be one of the run's symbols. At most 40 characters. */
  readonly symbol: string;
  /** Any JSON metrics for the symbol. */
  readonly metrics?: Readonly<Record<string, unknown>>;
  /** Total return for the symbol in percent. */
  readonly totalReturnPct?: number | null;
  /** Share of winning trades as a **fraction** 0..1. */
  readonly winRate?: number | null;
  /** Maximum drawdown in percent (positive). */
  readonly maxDrawdownPct?: number | null;
  /** Trades (or signals) for the symbol. */
  readonly tradeCount?: number | null;
}

/** A run to index; see {@link PgRunIndex.put}. Times are epoch ms (a Date is accepted too). */
export interface RunInput extends PromotedRunMetrics {
  /** Run id (UUID), chosen by the caller so that a retried save is an upsert of the same run. */
  readonly id: string;
  /** sync, async or sweep. */
  readonly kind: RunKind;
  /** Lifecycle state. */
  readonly status: RunStatus;
  /** Strategy registry name, at most 100 characters. */
  readonly strategy: string;
  /** Parsed strategy parameters (default {}). */
  readonly params?: Readonly<Record<string, unknown>>;
  /** Symbols of the run (at least one, unique, at most 40 characters each). */
  readonly symbols: readonly string[];
  /** Timeframe code, e.g. `1d` (at most 16 characters). */
  readonly timeframe?: string | null;
  /** First candle time covered (epoch ms, inclusive). */
  readonly periodStart?: number | Date | null;
  /** Last candle time covered (epoch ms, inclusive). */
  readonly periodEnd?: number | Date | null;
  /** Full JSON metrics of the run (default {}). */
  readonly metrics?: Readonly<Record<string, unknown>>;
  /** Per-symbol rows; when given they replace the stored ones, when omitted the stored ones are kept. */
  readonly symbolResults?: readonly SymbolResultInput[];
  /** Wall time of the run in ms. */
  readonly durationMs?: number | null;
  /** When the run started (epoch ms). */
  readonly startedAt?: number | Date | null;
  /** When the run finished (epoch ms). */
  readonly finishedAt?: number | Date | null;
  /** Why the run failed, for failed runs. */
  readonly error?: StoredError | null;
  /** Client-supplied key (at most 200 characters) that at most one run may carry. */
  readonly idempotencyKey?: string | null;
  /** Creation time (epoch ms); default: the repository clock. Kept unchanged when the run is saved again. */
  readonly createdAt?: number | Date;
}

/** Where a run's archive is, as recorded in its row. */
export interface ArchiveRef {
  /** Archive URL given by the {@link RunArchiveStore}. */
  readonly location: string;
  /** SHA-256 of the archive manifest, lower-case hex. */
  readonly manifestSha256: string;
  /** Bytes stored, manifest included. */
  readonly totalBytes: number;
  /** Number of data files in the archive. */
  readonly fileCount: number;
}

/** A per-symbol row as stored. */
export interface StoredSymbolResult {
  /** Symbol. */
  readonly symbol: string;
  /** JSON metrics. */
  readonly metrics: Readonly<Record<string, unknown>>;
  /** Total return in percent, or null. */
  readonly totalReturnPct: number | null;
  /** Win rate as a fraction 0..1, or null. */
  readonly winRate: number | null;
  /** Maximum drawdown in percent, or null. */
  readonly maxDrawdownPct: number | null;
  /** Trades or signals, or null. */
  readonly tradeCount: number | null;
}

/** A run as stored. Times are epoch ms. */
export interface StoredRun {
  /** Run id (UUID). */
  readonly id: string;
  /** sync, async or sweep. */
  readonly kind: RunKind;
  /** Lifecycle state. */
  readonly status: RunStatus;
  /** Strategy name. */
  readonly strategy: string;
  /** Strategy parameters. */
  readonly params: Readonly<Record<string, unknown>>;
  /** Symbols of the run. */
  readonly symbols: readonly string[];
  /** Timeframe code, or null. */
  readonly timeframe: string | null;
  /** First covered candle time, or null. */
  readonly periodStart: number | null;
  /** Last covered candle time, or null. */
  readonly periodEnd: number | null;
  /** Full JSON metrics. */
  readonly metrics: Readonly<Record<string, unknown>>;
  /** Total return in percent, or null. */
  readonly totalReturnPct: number | null;
  /** Sharpe ratio, or null. */
  readonly sharpe: number | null;
  /** Maximum drawdown in percent, or null. */
  readonly maxDrawdownPct: number | null;
  /** Trades, or null. */
  readonly tradeCount: number | null;
  /** The archive, or null for a run saved without a payload (e.g. still queued). */
  readonly archive: ArchiveRef | null;
  /** Run wall time in ms, or null. */
  readonly durationMs: number | null;
  /** Start time, or null. */
  readonly startedAt: number | null;
  /** Finish time, or null. */
  readonly finishedAt: number | null;
  /** Failure detail, or null. */
  readonly error: StoredError | null;
  /** Idempotency key, or null. */
  readonly idempotencyKey: string | null;
  /** First save time. */
  readonly createdAt: number;
  /** Last save time. */
  readonly updatedAt: number;
  /** Per-symbol rows (sorted by symbol); present on `get`, absent in list pages. */
  readonly symbolResults?: readonly StoredSymbolResult[];
}

/** Throws {@link ResultValidationError} listing every problem of `run`. */
export function validateRunInput(run: RunInput): void {
  const v = new IssueList();
  if (!isUuid(run.id)) v.add('id', `must be a UUID (got ${JSON.stringify(run.id)})`);
  v.oneOf('kind', run.kind, RUN_KINDS);
  v.oneOf('status', run.status, RUN_STATUSES);
  v.text('strategy', run.strategy, 100);
  v.object('params', run.params);
  v.object('metrics', run.metrics);
  if (!Array.isArray(run.symbols) || run.symbols.length === 0) v.add('symbols', 'must be a non-empty array of symbols');
  else {
    run.symbols.forEach((s, i) => v.text(`symbols.${i}`, s, 40));
    if (new Set(run.symbols).size !== run.symbols.length) v.add('symbols', 'must not repeat a symbol');
  }
  v.text('timeframe', run.timeframe, 16, true);
  v.time('periodStart', run.periodStart);
  v.time('periodEnd', run.periodEnd);
  const ps = run.periodStart instanceof Date ? run.periodStart.getTime() : run.periodStart;
  const pe = run.periodEnd instanceof Date ? run.periodEnd.getTime() : run.periodEnd;
  if (typeof ps === 'number' && typeof pe === 'number' && ps > pe) v.add('periodEnd', 'must not be before periodStart');
  v.finite('totalReturnPct', run.totalReturnPct);
  v.finite('sharpe', run.sharpe);
  v.finite('maxDrawdownPct', run.maxDrawdownPct);
  v.integer('tradeCount', run.tradeCount, 0);
  v.integer('durationMs', run.durationMs, 0);
  v.time('startedAt', run.startedAt);
  v.time('finishedAt', run.finishedAt);
  v.time('createdAt', run.createdAt);
  v.text('idempotencyKey', run.idempotencyKey, 200, true);
  if (run.error !== undefined && run.error !== null && (!isPlainObject(run.error) || typeof run.error.message !== 'string')) {
    v.add('error', 'must be an object with a string `message`');
  }
  if (run.symbolResults !== undefined) {
    if (!Array.isArray(run.symbolResults)) v.add('symbolResults', 'must be an array');
    else {
      const known = new Set(Array.isArray(run.symbols) ? run.symbols : []);
      const seen = new Set<string>();
      run.symbolResults.forEach((r, i) => {
        const f = `symbolResults.${i}`;
        if (!known.has(r.symbol)) v.add(`${f}.symbol`, `"${r.symbol}" is not one of the run's symbols`);
        if (seen.has(r.symbol)) v.add(`${f}.symbol`, `"${r.symbol}" appears twice`);
        seen.add(r.symbol);
        v.object(`${f}.metrics`, r.metrics);
        v.finite(`${f}.totalReturnPct`, r.totalReturnPct);
        v.finite(`${f}.winRate`, r.winRate);
        v.finite(`${f}.maxDrawdownPct`, r.maxDrawdownPct);
        v.integer(`${f}.tradeCount`, r.tradeCount, 0);
      });
    }
  }
  if (v.issues.length > 0) throw new ResultValidationError(v.issues, 'run');
}
