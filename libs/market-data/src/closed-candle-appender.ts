import { candlesFromRows, type Candle, type Timeframe } from '@coinhts/engine';
import type { ParquetCandleStore, WriteResult } from './store';
import type { ClosedCandle } from './upbit-stream';

/** Options of {@link ClosedCandleAppender}. */
export interface ClosedCandleAppenderOptions {
  /** Candles buffered (over all series) before they are merged into the store. Default 500. */
  readonly flushEvery?: number;
}

/**
 * Appends closed candles from the live stream to the Parquet candle store in batches: merging
 * rewrites a year file, so one merge per candle would cost far more than the candle is worth.
 * Call {@link flush} on shutdown (and periodically) to write what is buffered; merges are upserts,
 * so writing a candle twice (after a crash and a repair) is harmless.
 */
export class ClosedCandleAppender {
  private readonly buffers = new Map<string, { symbol: string; timeframe: Timeframe; rows: Candle[] }>();
  private buffered = 0;
  private readonly flushEvery: number;
  /** Candles written so far. */
  written = 0;

  constructor(private readonly store: ParquetCandleStore, options: ClosedCandleAppenderOptions = {}) {
    this.flushEvery = options.flushEvery ?? 500;
  }

  /** Buffers one closed candle; merges the buffers when `flushEvery` is reached. */
  async append(c: ClosedCandle): Promise<void> {
    const key = `${c.market}|${c.timeframe}`;
    let b = this.buffers.get(key);
    if (!b) { b = { symbol: c.market, timeframe: c.timeframe, rows: [] }; this.buffers.set(key, b); }
    b.rows.push(c.candle);
    if (++this.buffered >= this.flushEvery) await this.flush();
  }

  /** Merges every buffered candle into the store. */
  async flush(): Promise<WriteResult[]> {
    const out: WriteResult[] = [];
    for (const [key, b] of this.buffers) {
      if (b.rows.length === 0) continue;
      const rows = b.rows;
      b.rows = [];
      this.buffers.delete(key);
      out.push(await this.store.merge(b.symbol, b.timeframe, candlesFromRows(rows)));
      this.written += rows.length;
    }
    this.buffered = 0;
    return out;
  }
}
