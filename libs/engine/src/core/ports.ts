import type { CandleColumns } from './candles';
import type { Timeframe } from './timeframes';

/** What to load from a {@link CandleSource}. */
export interface CandleQuery {
  /** Canonical symbol, Upbit market code (e.g. `KRW-BTC`). */
  readonly symbol: string;
  readonly timeframe: Timeframe;
  /** First candle open time to include, UTC epoch ms (inclusive); omitted = from the first stored. */
  readonly from?: number;
  /** Last candle open time to include, UTC epoch ms (**inclusive**); omitted = to the last stored. */
  readonly to?: number;
}

/**
 * Port through which the engine's callers obtain candles. Declared here, implemented by
 * adapters (e.g. `@coinhts/market-data`'s Parquet store) and by in-memory fakes in tests.
 */
export interface CandleSource {
  /** Loads candles sorted by time; an empty series when nothing is stored in the range. */
  load(query: CandleQuery): Promise<CandleColumns>;
}
