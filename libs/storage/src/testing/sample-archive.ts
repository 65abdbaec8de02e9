/** A hand-made result archive input for tests (and an example of the table input format). */
import type { ArchiveInput } from '../archive/result-archive';

/**
 * A small hand-made run: 3 signals, 2 trades (one still open: NaN exit time), 5 equity points,
 * with -0, 0.1 + 0.2 and unicode in it. `scale` changes some values, to tell two versions apart.
 * @param scale - multiplier applied to a few values (default 1)
 */
export function sampleArchiveInput(scale = 1): ArchiveInput {
  const t0 = Date.UTC(2024, 0, 5);
  return {
    summary: {
      strategy: 'volume_zone_breakout', params: { window: 20, bins: 20, threshold: 0.2 }, symbols: ['KRW-BTC', 'KRW-ETH'],
      metrics: { win_rate: 0.5, avg_return: -0.0125 * scale, max_drawdown: 0.031, sharpe: null, trades: 2 },
      versions: { engine: '0.1.0', storage: '0.1.0' }, note: '매물대 돌파 — ✓',
    },
    tables: {
      signals: {
        schema: { time: 'timestamp_ms', symbol: 'utf8', side: 'utf8', price: 'f64', confidence: 'f64' },
        columns: {
          time: new Float64Array([t0, t0 + 3_600_000, t0 + 7_200_000]),
          symbol: ['KRW-BTC', 'KRW-ETH', 'KRW-BTC'],
          side: ['BUY', 'BUY', 'SELL'],
          price: new Float64Array([56_123_000 * scale, 3_201_500, -0]),
          confidence: new Float64Array([0.7, 1, 0.1 + 0.2]),
        },
      },
      trades: {
        schema: { symbol: 'utf8', entry_time: 'timestamp_ms', exit_time: 'timestamp_ms', entry_price: 'f64', exit_price: 'f64', pnl: 'f64', hold_bars: 'i32', open: 'bool' },
        columns: {
          symbol: ['KRW-BTC', 'KRW-ETH'],
          entry_time: new Float64Array([t0, t0 + 3_600_000]),
          exit_time: new Float64Array([t0 + 7_200_000, NaN]),
          entry_price: new Float64Array([56_123_000, 3_201_500]),
          exit_price: new Float64Array([55_000_000, NaN]),
          pnl: new Float64Array([-1_123_000 * 0.0178 * scale, 0]),
          hold_bars: new Int32Array([2, 0]),
          open: new Uint8Array([0, 1]),
        },
      },
      equity: {
        schema: { time: 'timestamp_ms', equity: 'f64', drawdown: 'f64' },
        columns: {
          time: Float64Array.from({ length: 5 }, (_, i) => t0 + i * 3_600_000),
          equity: new Float64Array([1e7, 1.0001e7, 9.98e6, 9.99e6, 1e7 * scale]),
          drawdown: new Float64Array([0, 0, 0.0021, 0.0011, 0]),
        },
      },
    },
  };
}

