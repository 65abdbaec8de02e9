/**
 * What the processors report about an engine run ({@link headlineOf}, {@link metricsOf}) and the
 * Upbit collection into the candle store ({@link UpbitCandleCollector}). Executing runs and
 * storing them is `@coinhts/runs`' job (it implements the `BacktestExecutor`, `RunStore` and
 * `SweepStore` ports declared here).
 */
import type { BacktestResult } from '@coinhts/engine';
import { numericMetrics } from './run-metrics';
import { collectUpbitCandles, type ParquetCandleStore, type UpbitClientOptions } from '@coinhts/market-data';

/** Headline numbers of a run (small: they become the job's return value). */
export function headlineOf(r: BacktestResult): Readonly<Record<string, number | null>> {
  const p = r.summary.portfolio;
  return { total_return_pct: p.total_return_pct, max_drawdown_pct: p.max_drawdown_pct, sharpe: p.sharpe, trade_count: p.trade_count, signals: r.summary.signal_study.signals };
}

/** Portfolio metrics of a run as plain numbers (what sweeps rank by). */
export function metricsOf(r: BacktestResult): Readonly<Record<string, number | null>> {
  return numericMetrics(r.summary.portfolio);
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
