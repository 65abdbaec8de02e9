import { runBacktest } from '../backtest';
import { candlesFromRows } from '../core/candles';
import { getStrategy } from './registry';

// Closes that make a 2/3 SMA crossover buy once and sell once, several bars later.
//                                  bar: 0   1   2   3   4   5   6   7   8   9
const closes = [12, 11, 10, 12, 14, 16, 18, 15, 11, 9];
const candles = candlesFromRows(closes.map((c, i) => ({ timestamp: Date.UTC(2024, 0, 1 + i), open: c, high: c, low: c, close: c, volume: 1 })));
const series = [{ symbol: 'KRW-TEST', timeframe: '1d' as const, candles }];

describe('strategies that exit on their own Sell signals', () => {
  it('hold an SMA crossover position until the Sell by default, not for hold_period_bars', () => {
    const r = runBacktest({ strategy: getStrategy('sma_crossover'), params: { fast_period: 2, slow_period: 3 }, series, options: { fee_rate: 0, slippage_rate: 0, fill: 'signal-close', lot_step: 0 } });
    expect(r.summary.resolved.hold_bars).toBeNull();
    // By hand: bar 2 SMA2 10.5 < SMA3 11; bar 3 both 11; bar 4 SMA2 13 > SMA3 12 -> Buy at 14.
    // Bars 5-7 stay above (15>14, 17>16, 16.5>16.33); bar 8 SMA2 13 < SMA3 14.67 -> Sell at 11.
    // With a 1-bar time exit (the old default) the position would have closed at bar 5 instead.
    expect(r.trades.entry_price.length).toBe(1);
    expect(r.trades.entry_price[0]).toBe(14);
    expect(r.trades.exit_price[0]).toBe(11);
    expect(r.trades.bars_held[0]).toBe(4);
  });

  it('still exit after the holding period for strategies that only buy', () => {
    const r = runBacktest({ strategy: getStrategy('volume_long_candle'), series, options: { fee_rate: 0 } });
    expect(r.summary.resolved.hold_bars).toBe(1);
  });
});
