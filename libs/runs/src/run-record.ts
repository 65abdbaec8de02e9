/**
 * What a run is, as the index and the archive both record it. The archive's `summary.json` holds
 * a {@link RunDocument}: the run's index fields (`run`, the same {@link RunInput} the index
 * stores), the request it was made from, and the engine's summary or a sweep's ranking. So the
 * archive alone is enough to rebuild its index row.
 */
import type { BacktestResult } from '@coinhts/engine';
import { validateRunInput, type RunInput, type RunKind } from '@coinhts/results/model';
import type { JsonObject } from '@coinhts/storage';

/** Contents of a run archive's `summary.json`. */
export interface RunDocument {
  /** Format marker. */
  readonly format: 'coinhts.run';
  /** The run's index fields; times as epoch ms. */
  readonly run: RunInput;
  /** The request the run was made from (CLI flags, HTTP body or job payload, parsed). */
  readonly request?: unknown;
  /** The engine's backtest summary (`BacktestSummary`), for backtests. */
  readonly summary?: unknown;
  /** The ranking, for sweeps. */
  readonly ranking?: unknown;
  /** For imported runs of the original system: its files, kept byte for byte. */
  readonly legacy?: unknown;
  /** For runs moved by `coinhts results migrate-layout`: where the archive was before. */
  readonly migratedFrom?: MigratedFrom;
}

/** Where `coinhts results migrate-layout` found a run (recorded in its {@link RunDocument}). */
export interface MigratedFrom {
  /** `results-dir`: `{store}/backtests/{uuid}/` (old `@coinhts/results` store); `cli-store`: `{store}/objects/backtests/{stamp}-{strategy}-{hex}/` + `runs.jsonl` (old CLI store). */
  readonly layout: 'results-dir' | 'cli-store';
  /** The run's id in the old layout. */
  readonly id: string;
  /** The old manifest's `createdAt` (ISO 8601). */
  readonly createdAt: string;
  /** Old CLI store only: where the candles came from (`store:DIR` or `csv:FILE`, from `runs.jsonl`). */
  readonly source?: string;
}

/** Timing and identity of a finished backtest, for {@link backtestRunInput}. Times are epoch ms. */
export interface BacktestRunFacts {
  readonly runId: string;
  readonly kind: RunKind;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly idempotencyKey?: string | null;
}

/**
 * The index fields of a finished backtest: strategy, symbols, timeframe and period from the
 * result; headline metrics promoted to their own columns (percent as the engine reports them).
 * @param r - the engine's result (only its summary is read)
 * @param facts - id, kind and timing
 */
export function backtestRunInput(r: Pick<BacktestResult, 'summary'>, facts: BacktestRunFacts): RunInput {
  const s = r.summary;
  const p = s.portfolio;
  return {
    id: facts.runId,
    kind: facts.kind,
    status: 'completed',
    strategy: s.strategy.name,
    params: s.params,
    symbols: s.symbols.map((x) => x.symbol),
    timeframe: [...new Set(s.symbols.map((x) => x.timeframe))].join(','),
    periodStart: s.period.start_ms,
    periodEnd: s.period.end_ms,
    metrics: { portfolio: p, signal_study: s.signal_study },
    totalReturnPct: p.total_return_pct,
    sharpe: p.sharpe,
    maxDrawdownPct: p.max_drawdown_pct,
    tradeCount: p.trade_count,
    symbolResults: s.symbols.map((x) => ({
      symbol: x.symbol,
      metrics: { trades: x.trades, signal_study: x.signal_study, exposure: x.exposure, buy_and_hold_return_pct: x.buy_and_hold_return_pct, bars: x.bars },
      totalReturnPct: null,
      winRate: x.trades.win_rate,
      maxDrawdownPct: null,
      tradeCount: x.trades.trade_count,
    })),
    durationMs: Math.max(0, Math.round(facts.finishedAt - facts.startedAt)),
    startedAt: facts.startedAt,
    finishedAt: facts.finishedAt,
    idempotencyKey: facts.idempotencyKey ?? null,
  };
}

const msOf = (v: number | Date | null | undefined): number | null | undefined => (v instanceof Date ? v.getTime() : v);

/** `run` with every time as epoch ms (JSON-safe). */
function runJson(run: RunInput): RunInput {
  return {
    ...run,
    periodStart: msOf(run.periodStart), periodEnd: msOf(run.periodEnd), startedAt: msOf(run.startedAt), finishedAt: msOf(run.finishedAt),
    ...(run.createdAt !== undefined ? { createdAt: msOf(run.createdAt) as number } : {}),
  };
}

/**
 * The archive's `summary.json` for a run: `run` plus whatever else is given, as plain JSON
 * (NaN and ±Infinity become null, as JSON has no such numbers).
 * @param run - the index fields
 * @param extra - request, engine summary or ranking
 */
export function runDocument(run: RunInput, extra: Omit<RunDocument, 'format' | 'run'> = {}): JsonObject {
  const doc: RunDocument = { format: 'coinhts.run', run: runJson(run), ...extra };
  return JSON.parse(JSON.stringify(doc, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))) as JsonObject;
}

/**
 * The index fields recorded in an archive's `summary.json`.
 * @param summary - the parsed summary.json
 * @throws Error saying what is missing or wrong (the archive is then listed as damaged)
 */
export function runInputOfDocument(summary: JsonObject): RunInput {
  const doc = summary as unknown as Partial<RunDocument>;
  if (doc.format !== 'coinhts.run' || typeof doc.run !== 'object' || doc.run === null) {
    throw new Error('summary.json is not a coinhts.run document (no "run" record); run `coinhts results migrate-layout` for archives of older layouts');
  }
  validateRunInput(doc.run);
  return doc.run;
}
