/**
 * Data-ingestion jobs: refresh recent candles of the configured symbols × timeframes from Upbit
 * into the store. The collector merges and skips what is already stored, so a run never
 * overwrites candles (the original's daily job overwrote whole year files).
 */
import type { CandleCollector, CollectSummary } from './engine-adapters';
import { IngestionJobDataSchema, parseJobPayload } from './schemas';
import type { JobHandler } from './sandbox';

/** What the ingestion processor needs. */
export interface IngestionProcessorDeps {
  readonly collector: CandleCollector;
  /** Clock, epoch ms (the refresh covers `days` back from now). */
  readonly clock?: () => number;
}

/** Return value of an ingestion job. */
export interface IngestionJobResult {
  /** One entry per symbol × timeframe. */
  readonly series: readonly CollectSummary[];
  /** Sum of candles new to the store. */
  readonly inserted: number;
}

/**
 * The ingestion handler. Series are collected one after the other (Upbit rate-limits per IP);
 * the first failing series fails the job, which is retried — already collected series are
 * skipped on the retry because the store now covers them.
 */
export const ingestionHandler: JobHandler<IngestionProcessorDeps, IngestionJobResult> = async (ctx, deps) => {
  const data = parseJobPayload(IngestionJobDataSchema, ctx.data, 'ingestion payload');
  const now = (deps.clock ?? Date.now)();
  const from = now - data.request.days * 86_400_000;
  const pairs = data.request.symbols.flatMap((symbol) => data.request.timeframes.map((timeframe) => ({ symbol, timeframe })));
  const out: CollectSummary[] = [];
  for (let i = 0; i < pairs.length; i++) {
    if (ctx.signal.aborted) throw Object.assign(new Error('aborted'), { code: 'ABORTED' });
    await ctx.progress(i / pairs.length, `collecting ${pairs[i].symbol} ${pairs[i].timeframe}`);
    out.push(await deps.collector.collect({ ...pairs[i], from, signal: ctx.signal }));
  }
  await ctx.progress(1, 'done');
  return { series: out, inserted: out.reduce((a, s) => a + s.inserted, 0) };
};
