/**
 * Executing a run: candles from the market-data store, the engine, options passed through as
 * the request names them (the engine's vocabulary and units; there is no translation layer).
 */
import { getStrategy, parsePortfolioOptions, parseStrategyParams, runBacktest, type BacktestSeries } from '@coinhts/engine';
import type * as Jobs from '@coinhts/jobs';
import type { BacktestExecution, BacktestExecutor, ProgressFn } from '@coinhts/jobs';
import { loadSeriesForBacktest, type ParquetCandleStore } from '@coinhts/market-data';
import type { RunRequest, SweepRequest } from './run-request';

/**
 * Submit-time checks with the engine (strategy exists, params and options in range), for
 * `JobQueues.connect({ validateBacktest })`: bad input is refused before it is queued.
 */
export function validateWithEngine(request: RunRequest): void {
  parseStrategyParams(getStrategy(request.strategy), request.params);
  parsePortfolioOptions(request.options);
}

/** Same as {@link validateWithEngine} for a sweep (checks the first combination). */
export function validateSweepWithEngine(request: SweepRequest, first: Readonly<Record<string, unknown>>): void {
  parseStrategyParams(getStrategy(request.strategy), first);
  parsePortfolioOptions(request.options);
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

/** Loads candles from the store and runs the engine (the jobs library's `BacktestExecutor` port). */
export class EngineBacktestExecutor implements BacktestExecutor<RunRequest> {
  private readonly cache = new Map<string, Promise<BacktestSeries[]>>();

  /**
   * @param store - the candle store
   * @param options - zone and cache size
   */
  constructor(
    private readonly store: ParquetCandleStore,
    private readonly options: EngineBacktestExecutorOptions = {},
  ) {}

  /** Runs `request`; `result` of the execution is the engine's `BacktestResult`. */
  async run(request: RunRequest, ctx: { readonly signal: AbortSignal; readonly progress: ProgressFn }): Promise<BacktestExecution> {
    const strategy = getStrategy(request.strategy);
    ctx.progress(0, 'loading candles');
    const series = await this.load(request);
    if (ctx.signal.aborted) throw Object.assign(new Error('aborted before the run'), { code: 'ABORTED' });
    const result = runBacktest({
      strategy,
      params: request.params,
      series,
      options: request.options,
      signal: ctx.signal,
      onProgress: (p) => ctx.progress(0.1 + 0.9 * p.fraction, p.stage),
    });
    // loaded here, not with the library: the CLI imports @coinhts/runs without the queue's packages
    const { headlineOf, metricsOf } = require('@coinhts/jobs') as typeof Jobs;
    return { headline: headlineOf(result), metrics: metricsOf(result), result };
  }

  private load(request: RunRequest): Promise<BacktestSeries[]> {
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
