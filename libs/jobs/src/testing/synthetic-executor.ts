/**
 * A `BacktestExecutor` that runs the real engine on deterministic synthetic candles covering the
 * request's date range (one candle per timeframe step, UTC), so benchmarks measure the queue and
 * the engine, not file I/O. Series are cached per range.
 */
import { getStrategy, runBacktest, TIMEFRAMES, type BacktestSeries } from '@coinhts/engine';
import { syntheticCandles } from '@coinhts/engine/testing';
import { parseDateBound } from '@coinhts/market-data';
import type { BacktestExecution, BacktestExecutor, ProgressFn } from '../backtest-processor';
import { headlineOf, metricsOf } from '../engine-adapters';
import type { FixtureRequest } from './fixture-requests';

/** See the module comment. */
export class SyntheticEngineExecutor implements BacktestExecutor<FixtureRequest> {
  private readonly cache = new Map<string, BacktestSeries[]>();

  async run(request: FixtureRequest, ctx: { readonly signal: AbortSignal; readonly progress: ProgressFn }): Promise<BacktestExecution> {
    const result = runBacktest({
      strategy: getStrategy(request.strategy),
      params: request.params,
      series: this.series(request),
      options: request.options,
      signal: ctx.signal,
      onProgress: (p) => ctx.progress(p.fraction, p.stage),
    });
    return { headline: headlineOf(result), metrics: metricsOf(result), result: null };
  }

  private series(request: FixtureRequest): BacktestSeries[] {
    const key = JSON.stringify([request.symbols, request.timeframe, request.start_date, request.end_date]);
    let s = this.cache.get(key);
    if (!s) {
      const ms = TIMEFRAMES[request.timeframe].ms;
      const from = parseDateBound(request.start_date, { zone: 'UTC' });
      const to = parseDateBound(request.end_date, { zone: 'UTC', end: true });
      const n = Math.floor((to - from) / ms) + 1;
      s = request.symbols.map((symbol, i) => ({
        symbol,
        timeframe: request.timeframe,
        candles: syntheticCandles({ n, seed: 1 + i, startMs: from, intervalMs: ms, volatility: 0.01, startPrice: 50_000_000 }),
      }));
      this.cache.clear();
      this.cache.set(key, s);
    }
    return s;
  }
}
