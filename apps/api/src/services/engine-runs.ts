/**
 * Wiring of one backtest: request (the jobs library's vocabulary) → candles from the store →
 * engine → result tables and run index row. Used by the synchronous route and, through the jobs
 * library's `BacktestExecutor` / `RunStore` ports, by a worker. It only translates names and
 * units; every rule lives in the libraries.
 */
import { getStrategy, runBacktest, type BacktestResult, type BacktestSeries } from '@coinhts/engine';
import type { BacktestExecution, BacktestExecutor, BacktestRequest, RunRecord, RunStore } from '@coinhts/jobs';
import { loadSeriesForBacktest, parseDateBound, type ParquetCandleStore } from '@coinhts/market-data';
import type { ResultRepository, RunKind, RunInput } from '@coinhts/results';
import { encodeParquet, type ColumnarTable } from '@coinhts/storage';

/** Portfolio options of the engine for the request's `options` (fractions → engine names and percent). */
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

/** Requested size of a run before loading anything: symbols × bars the date range can hold. */
export function requestedCandles(request: BacktestRequest, zone: string, barMs: number): number {
  const from = parseDateBound(request.start_date, { zone });
  const to = parseDateBound(request.end_date, { zone, end: true });
  const bars = Math.max(0, Math.floor((to - from) / barMs) + 1);
  return bars * request.symbols.length;
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

/** Headline numbers of a run (small: it becomes a job's return value). */
export function headlineOf(r: BacktestResult): Readonly<Record<string, number | null>> {
  const p = r.summary.portfolio;
  return { total_return_pct: p.total_return_pct, max_drawdown_pct: p.max_drawdown_pct, sharpe: p.sharpe, trade_count: p.trade_count, signals: r.summary.signal_study.signals };
}

/** Options of {@link EngineBacktestExecutor}. */
export interface EngineBacktestExecutorOptions {
  /** Zone of date-only bounds. */
  readonly zone: string;
}

/** Loads candles and runs the engine (the jobs library's `BacktestExecutor` port). */
export class EngineBacktestExecutor implements BacktestExecutor {
  constructor(
    private readonly store: ParquetCandleStore,
    private readonly options: EngineBacktestExecutorOptions,
  ) {}

  async run(request: BacktestRequest, ctx: { readonly signal: AbortSignal; readonly progress: (fraction: number, stage: string) => void }): Promise<BacktestExecution> {
    const result = await this.runFull(request, ctx);
    return { headline: headlineOf(result), result };
  }

  /** Same as `run`, returning the engine result itself. */
  async runFull(request: BacktestRequest, ctx: { readonly signal?: AbortSignal; readonly progress?: (fraction: number, stage: string) => void } = {}): Promise<BacktestResult> {
    const strategy = getStrategy(request.strategy);
    ctx.progress?.(0, 'loading candles');
    const series: BacktestSeries[] = [];
    for (const symbol of request.symbols) {
      const s = await loadSeriesForBacktest(this.store, { symbol, timeframe: request.timeframe, from: request.start_date, to: request.end_date, zone: this.options.zone });
      series.push({ symbol: s.symbol, timeframe: s.timeframe, candles: s.candles });
    }
    return runBacktest({
      strategy,
      params: request.params,
      series,
      options: engineOptions(request.options),
      signal: ctx.signal,
      onProgress: ctx.progress ? (p) => ctx.progress?.(0.1 + 0.9 * p.fraction, p.stage) : undefined,
    });
  }
}

/** Index row of a finished run. */
export function runInputOf(runId: string, kind: RunKind, request: BacktestRequest, r: BacktestResult, timing: { startedAt: number; finishedAt: number }, idempotencyKey?: string): RunInput {
  const p = r.summary.portfolio;
  return {
    id: runId,
    kind,
    status: 'completed',
    strategy: request.strategy,
    params: r.summary.params,
    symbols: request.symbols,
    timeframe: request.timeframe,
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
    durationMs: Math.max(0, Math.round(timing.finishedAt - timing.startedAt)),
    startedAt: timing.startedAt,
    finishedAt: timing.finishedAt,
    idempotencyKey: idempotencyKey ?? null,
  };
}

/** Archive files of a run: the summary plus the three tables as zstd Parquet. */
export function archivePayloadOf(request: BacktestRequest, r: BacktestResult) {
  const tables = resultTables(r);
  return {
    summary: { request, summary: r.summary },
    files: (['signals', 'trades', 'equity'] as const).map((name) => ({ name: `${name}.parquet`, bytes: encodeParquet(tables[name]) })),
  };
}

/** Stores runs in the results index and archive (the jobs library's `RunStore` port). */
export class ResultsRunStore implements RunStore {
  constructor(
    private readonly runs: ResultRepository,
    private readonly kind: RunKind,
  ) {}

  async save(record: RunRecord): Promise<void> {
    const result = record.execution.result as BacktestResult;
    await this.runs.save(
      runInputOf(record.runId, this.kind, record.request, result, { startedAt: record.startedAt, finishedAt: record.finishedAt }, record.idempotencyKey),
      archivePayloadOf(record.request, result),
    );
  }

  async delete(runId: string): Promise<void> {
    await this.runs.delete(runId).catch((err: unknown) => {
      if ((err as { code?: unknown }).code !== 'NOT_FOUND') throw err;
    });
  }
}
