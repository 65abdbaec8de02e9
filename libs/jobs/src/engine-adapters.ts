/**
 * The real implementations of the processor ports: the engine on candles from the market-data
 * store ({@link EngineBacktestExecutor}), runs stored through `@coinhts/results`
 * ({@link ResultsRunStore}), and Upbit collection into the store ({@link UpbitCandleCollector}).
 * They translate names and units only; every rule lives in the libraries.
 */
import {
  getStrategy,
  parsePortfolioOptions,
  parseStrategyParams,
  runBacktest,
  type BacktestResult,
  type BacktestSeries,
  type PortfolioMetrics,
} from '@coinhts/engine';
import { collectUpbitCandles, loadSeriesForBacktest, type ParquetCandleStore, type UpbitClientOptions } from '@coinhts/market-data';
import type { ResultRepository, RunInput, RunKind } from '@coinhts/results';
import { encodeParquet, type ArchiveInput, type ColumnarTable } from '@coinhts/storage';
import type { BacktestExecution, BacktestExecutor, ProgressFn, RunRecord, RunStore } from './backtest-processor';
import type { BacktestRequest, SweepRequest } from './schemas';
import type { SweepRanking, SweepStore } from './sweep-processor';

/** The engine's portfolio options for a request's `options` (fractions → the engine's names and percent). */
export function engineOptions(o: BacktestRequest['options']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (o.fees !== undefined) out.fee_rate = o.fees;
  if (o.slippage !== undefined) out.slippage_rate = o.slippage;
  if (o.capital !== undefined) out.initial_capital = o.capital;
  if (o.sizing !== undefined) out.sizing = o.sizing;
  if (o.exits?.stop_loss !== undefined) out.stop_loss_pct = o.exits.stop_loss * 100;
  if (o.exits?.take_profit !== undefined) out.take_profit_pct = o.exits.take_profit * 100;
  if (o.exits?.max_hold_bars !== undefined) out.hold_bars = o.exits.max_hold_bars;
  return out;
}

/**
 * Submit-time checks with the engine (strategy exists, params and options in range), for
 * `JobQueues.connect({ validateBacktest })`: bad input is refused before it is queued.
 */
export function validateWithEngine(request: BacktestRequest): void {
  parseStrategyParams(getStrategy(request.strategy), request.params);
  parsePortfolioOptions(engineOptions(request.options));
}

/** Same as {@link validateWithEngine} for a sweep (checks the first combination). */
export function validateSweepWithEngine(request: SweepRequest, first: Readonly<Record<string, unknown>>): void {
  parseStrategyParams(getStrategy(request.strategy), first);
  parsePortfolioOptions(engineOptions(request.options));
}

/** Headline numbers of a run (small: they become the job's return value). */
export function headlineOf(r: BacktestResult): Readonly<Record<string, number | null>> {
  const p = r.summary.portfolio;
  return { total_return_pct: p.total_return_pct, max_drawdown_pct: p.max_drawdown_pct, sharpe: p.sharpe, trade_count: p.trade_count, signals: r.summary.signal_study.signals };
}

/** Portfolio metrics as plain numbers (what sweeps rank by). */
export function metricsOf(r: BacktestResult): Readonly<Record<string, number | null>> {
  const out: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(r.summary.portfolio as PortfolioMetrics)) if (typeof v === 'number' || v === null) out[k] = v;
  return out;
}

/** Options of {@link EngineBacktestExecutor}. */
export interface EngineBacktestExecutorOptions {
  /** Zone of date-only bounds (default Asia/Seoul, as the original). */
  readonly zone?: string;
  /**
   * Loaded series kept for the next run of the same symbols, timeframe and range (default 4):
   * the chunks of a sweep run many parameter sets on the same candles.
   */
  readonly cacheEntries?: number;
}

/** Loads candles from the store and runs the engine (the `BacktestExecutor` port). */
export class EngineBacktestExecutor implements BacktestExecutor {
  private readonly cache = new Map<string, Promise<BacktestSeries[]>>();
  constructor(
    private readonly store: ParquetCandleStore,
    private readonly options: EngineBacktestExecutorOptions = {},
  ) {}

  async run(request: BacktestRequest, ctx: { readonly signal: AbortSignal; readonly progress: ProgressFn }): Promise<BacktestExecution> {
    const strategy = getStrategy(request.strategy);
    ctx.progress(0, 'loading candles');
    const series = await this.load(request);
    if (ctx.signal.aborted) throw Object.assign(new Error('aborted before the run'), { code: 'ABORTED' });
    const result = runBacktest({
      strategy,
      params: request.params,
      series,
      options: engineOptions(request.options),
      signal: ctx.signal,
      onProgress: (p) => ctx.progress(0.1 + 0.9 * p.fraction, p.stage),
    });
    return { headline: headlineOf(result), metrics: metricsOf(result), result };
  }

  private load(request: BacktestRequest): Promise<BacktestSeries[]> {
    const key = JSON.stringify([request.symbols, request.timeframe, request.start_date, request.end_date]);
    let p = this.cache.get(key);
    if (!p) {
      p = (async () => {
        const out: BacktestSeries[] = [];
        for (const symbol of request.symbols) {
          const s = await loadSeriesForBacktest(this.store, { symbol, timeframe: request.timeframe, from: request.start_date, to: request.end_date, zone: this.options.zone });
          out.push({ symbol: s.symbol, timeframe: s.timeframe, candles: s.candles });
        }
        return out;
      })();
      this.cache.set(key, p);
      p.catch(() => this.cache.delete(key));
      const max = this.options.cacheEntries ?? 4;
      while (this.cache.size > max) this.cache.delete(this.cache.keys().next().value as string);
    }
    return p;
  }
}

/** The three result tables in the archive's columnar form. */
export function resultTables(r: BacktestResult): Record<'signals' | 'trades' | 'equity', ColumnarTable> {
  const s = r.signals;
  const t = r.trades;
  const e = r.equity;
  return {
    signals: {
      schema: { symbol: 'utf8', index: 'i32', timestamp: 'timestamp_ms', price: 'f64', entry: 'f64', exit: 'f64', return_pct: 'f64', confidence: 'f64', level: 'f64' },
      columns: { symbol: [...s.symbol], index: s.index, timestamp: s.timestamp, price: s.price, entry: s.entry, exit: s.exit, return_pct: s.return_pct, confidence: s.confidence, level: s.level },
    },
    trades: {
      schema: { symbol: 'utf8', entry_time: 'timestamp_ms', exit_time: 'timestamp_ms', entry_price: 'f64', exit_price: 'f64', quantity: 'f64', fees: 'f64', pnl: 'f64', pnl_pct: 'f64', bars_held: 'i32', exit_reason: 'utf8' },
      columns: {
        symbol: [...t.symbol], entry_time: t.entry_time, exit_time: t.exit_time, entry_price: t.entry_price, exit_price: t.exit_price,
        quantity: t.quantity, fees: t.fees, pnl: t.pnl, pnl_pct: t.pnl_pct, bars_held: t.bars_held, exit_reason: [...t.exit_reason],
      },
    },
    equity: {
      schema: { timestamp: 'timestamp_ms', equity: 'f64', cash: 'f64', drawdown_pct: 'f64' },
      columns: { timestamp: e.timestamp, equity: e.equity, cash: e.cash, drawdown_pct: e.drawdown_pct },
    },
  };
}

/** Index row of a finished run. */
export function runInputOf(record: RunRecord, kind: RunKind): RunInput {
  const r = record.execution.result as BacktestResult;
  const p = r.summary.portfolio;
  return {
    id: record.runId,
    kind,
    status: 'completed',
    strategy: record.request.strategy,
    params: r.summary.params,
    symbols: record.request.symbols,
    timeframe: record.request.timeframe,
    periodStart: r.summary.period.start_ms,
    periodEnd: r.summary.period.end_ms,
    metrics: { portfolio: p, signal_study: r.summary.signal_study },
    totalReturnPct: p.total_return_pct,
    sharpe: p.sharpe,
    maxDrawdownPct: p.max_drawdown_pct,
    tradeCount: p.trade_count,
    symbolResults: r.summary.symbols.map((s) => ({
      symbol: s.symbol,
      metrics: { trades: s.trades, signal_study: s.signal_study, exposure: s.exposure, buy_and_hold_return_pct: s.buy_and_hold_return_pct, bars: s.bars },
      totalReturnPct: null,
      winRate: s.trades.win_rate,
      maxDrawdownPct: null,
      tradeCount: s.trades.trade_count,
    })),
    durationMs: Math.max(0, Math.round(record.finishedAt - record.startedAt)),
    startedAt: record.startedAt,
    finishedAt: record.finishedAt,
    idempotencyKey: record.idempotencyKey ?? null,
  };
}

/** Archive payload for `@coinhts/results`' local-folder store: summary JSON + three zstd Parquet files. */
export function filesArchivePayload(request: BacktestRequest, r: BacktestResult): { summary: unknown; files: { name: string; bytes: Uint8Array }[] } {
  const tables = resultTables(r);
  return {
    summary: { request, summary: r.summary },
    files: (['signals', 'trades', 'equity'] as const).map((name) => ({ name: `${name}.parquet`, bytes: encodeParquet(tables[name]) })),
  };
}

/** Archive payload for `@coinhts/storage` archives (local FS or S3 through `storageArchiveStore`). */
export function storageArchivePayload(request: BacktestRequest, r: BacktestResult): ArchiveInput {
  return { summary: JSON.parse(JSON.stringify({ request, summary: r.summary })) as ArchiveInput['summary'], tables: resultTables(r) };
}

/**
 * Stores runs through `@coinhts/results` (the `RunStore` port): archive first, then the row, as an
 * upsert by run id, so a retried job never creates a second run.
 */
export class ResultsRunStore<P> implements RunStore {
  constructor(
    private readonly runs: ResultRepository<P>,
    /** Builds the archive payload the repository's archive store takes. */
    private readonly payloadOf: (request: BacktestRequest, result: BacktestResult) => P,
    private readonly kind: RunKind = 'async',
  ) {}

  async save(record: RunRecord): Promise<void> {
    await this.runs.save(runInputOf(record, this.kind), this.payloadOf(record.request, record.execution.result as BacktestResult));
  }

  async delete(runId: string): Promise<void> {
    await this.runs.delete(runId).catch((err: unknown) => {
      if ((err as { code?: unknown }).code !== 'NOT_FOUND') throw err;
    });
  }
}

/** What a collection fetched. */
export interface CollectSummary {
  readonly symbol: string;
  readonly timeframe: string;
  /** Candles received. */
  readonly fetched: number;
  /** Candles new to the store. */
  readonly inserted: number;
}

/** Fetches recent candles into the store, merging: never overwriting what is stored. */
export interface CandleCollector {
  collect(request: { readonly symbol: string; readonly timeframe: string; readonly from: number; readonly signal: AbortSignal }): Promise<CollectSummary>;
}

/**
 * {@link CandleCollector} over `@coinhts/market-data`'s Upbit collector, appending only: it fetches
 * candles newer than the last stored one (or from `from` when nothing is stored), so a stored
 * candle is never replaced. Why not rely on the collector's `resume`: the collector merges by
 * upsert, and when a series has no coverage record it treats the stored span as covered for that
 * run only — the next run sees a gap there, fetches it again and replaces the stored rows. Holes
 * inside stored history are left to an explicit backfill (`coinhts data fetch`).
 */
export class UpbitCandleCollector implements CandleCollector {
  constructor(
    private readonly store: ParquetCandleStore,
    private readonly client: UpbitClientOptions = {},
    private readonly now: () => number = Date.now,
  ) {}

  async collect(request: { readonly symbol: string; readonly timeframe: string; readonly from: number; readonly signal: AbortSignal }): Promise<CollectSummary> {
    const stored = await this.store.bounds(request.symbol, request.timeframe);
    const from = stored ? Math.max(request.from, stored.last + 1) : request.from;
    const r = await collectUpbitCandles(this.store, { symbol: request.symbol, timeframe: request.timeframe, from, client: this.client, now: this.now, resume: true, signal: request.signal });
    return { symbol: r.symbol, timeframe: r.timeframe, fetched: r.fetched, inserted: r.inserted };
  }
}

/** Index row of a ranked sweep: the best combination's numbers are the row's headline. */
export function sweepRunInputOf(ranking: SweepRanking, request: SweepRequest, timing: { readonly startedAt: number; readonly finishedAt: number }): RunInput {
  const best = ranking.rows.find((r) => r.metrics !== null) ?? null;
  const m = best?.metrics ?? {};
  const num = (k: string): number | null => (typeof m[k] === 'number' && Number.isFinite(m[k]) ? (m[k] as number) : null);
  const count = num('trade_count');
  return {
    id: ranking.sweepId,
    kind: 'sweep',
    status: 'completed',
    strategy: request.strategy,
    params: { fixed: request.params, grid: request.grid },
    symbols: request.symbols,
    timeframe: request.timeframe,
    metrics: { rank_by: ranking.rankBy, direction: ranking.direction, total: ranking.total, evaluated: ranking.evaluated, failed: ranking.failed, best, top: ranking.rows.slice(0, 20) },
    totalReturnPct: num('total_return_pct'),
    sharpe: num('sharpe'),
    maxDrawdownPct: num('max_drawdown_pct'),
    tradeCount: count === null ? null : Math.round(count),
    durationMs: Math.max(0, Math.round(timing.finishedAt - timing.startedAt)),
    startedAt: timing.startedAt,
    finishedAt: timing.finishedAt,
  };
}

/** Stores sweep rankings as `sweep` runs through `@coinhts/results` (the `SweepStore` port). */
export class ResultsSweepStore<P> implements SweepStore {
  constructor(
    private readonly runs: ResultRepository<P>,
    /** Builds the archive payload (the full ranking) for the repository's archive store. */
    private readonly payloadOf: (ranking: SweepRanking, request: SweepRequest) => P,
  ) {}

  async save(ranking: SweepRanking, request: SweepRequest, timing: { readonly startedAt: number; readonly finishedAt: number }): Promise<void> {
    await this.runs.save(sweepRunInputOf(ranking, request, timing), this.payloadOf(ranking, request));
  }

  async delete(sweepId: string): Promise<void> {
    await this.runs.delete(sweepId).catch((err: unknown) => {
      if ((err as { code?: unknown }).code !== 'NOT_FOUND') throw err;
    });
  }
}

/** Sweep archive payload for the local-folder store: the whole ranking as the summary. */
export function filesSweepPayload(ranking: SweepRanking, request: SweepRequest): { summary: unknown; files: { name: string; bytes: Uint8Array }[] } {
  return { summary: { request, ranking }, files: [] };
}
