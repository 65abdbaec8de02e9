import type { BacktestSummary } from '@coinhts/engine';
import { formatStatRow, labelWithUnit, statsRows, tradingRules } from './stats-rows';

/** A summary with hand-picked numbers (only the fields the rows read). */
function handSummary(): BacktestSummary {
  const trades = { trade_count: 4, win_rate: 0.5, avg_trade_pct: 1.25, net_pnl_krw: 123_456.7 };
  const study = { signals: 8, hold_period_bars: 1, win_rate: 0.625, avg_return_pct: 2.5, legacy_max_drawdown_pct: 3.2 };
  return {
    engine_version: 'test',
    strategy: { name: 'sma_crossover', title: 'SMA crossover' },
    params: { fast_period: 10, slow_period: 30 },
    options: { initial_capital: 10_000_000, fee_rate: 0.0005, slippage_rate: 0.0002, fill: 'next-open', stop_loss_pct: 2, take_profit_pct: null, trailing_stop_pct: null, exit_on_sell: true, sizing: { kind: 'equity-fraction', fraction: 1 } },
    resolved: { hold_bars: null, study_hold_bars: 1, bars_per_year: 365, bar_ms: 86_400_000 },
    period: { start_ms: 1_704_067_200_000, end_ms: 1_704_067_200_000 + 9 * 86_400_000, start: '', end: '', bars: 10 },
    signal_study: study,
    portfolio: {
      exposure: 0.4, initial_capital_krw: 10_000_000, final_equity_krw: 10_123_456.7, total_return_pct: 1.234567, cagr_pct: 55.5,
      volatility_ann_pct: 20, sharpe: 1.5, sortino: 2, calmar: 3, max_drawdown_pct: 4.5, max_drawdown_duration_ms: 3 * 86_400_000,
      max_drawdown_duration_bars: 3, longest_drawdown_ms: 4 * 86_400_000, longest_drawdown_bars: 4, trade_count: 4, win_rate: 0.5,
      best_trade_pct: 3, worst_trade_pct: -1, avg_trade_pct: 1.25, avg_bars_held: 2.25, profit_factor: 2.5, expectancy_pct: 1.25,
      expectancy_krw: 30_864.175, sqn: 1.1, fees_paid_krw: 40_000, entries_skipped: 0,
    },
    symbols: [{ symbol: 'KRW-BTC', timeframe: '1d', bars: 10, start_ms: 0, end_ms: 0, buy_and_hold_return_pct: 7.5, exposure: 0.4, entries_skipped: 0, signal_study: study, trades }],
  } as unknown as BacktestSummary;
}

const byLabel = (rows: ReturnType<typeof statsRows>['performance'], label: string) => rows.find((r) => labelWithUnit(r) === label);

describe('statsRows: the rows the CLI and the report share', () => {
  const t = statsRows(handSummary());

  it('fractions and percents read in percent once: win rate 0.5 → 50.00 %, signal average 2.5 % → 2.5000 %', () => {
    expect(formatStatRow(byLabel(t.performance, 'Win Rate [%]')!)).toBe('50.00 %');
    expect(formatStatRow(byLabel(t.signalStudy, 'Avg. Return [%]')!)).toBe('2.5000 %');
    expect(formatStatRow(byLabel(t.signalStudy, 'Avg. Return [%]')!, { unit: false })).toBe('2.5000');
    expect(formatStatRow(byLabel(t.performance, 'Exposure Time [%]')!)).toBe('40.00 %');
  });
  it('money with separators, drawdown shown negative, durations with bars', () => {
    expect(formatStatRow(byLabel(t.performance, 'Equity Final [KRW]')!)).toBe('10,123,457 KRW');
    expect(formatStatRow(byLabel(t.performance, 'Max. Drawdown [%]')!)).toBe('-4.50 %');
    expect(formatStatRow(byLabel(t.performance, 'Max. Drawdown Duration')!)).toBe('3d (3 bars)');
    expect(formatStatRow(byLabel(t.performance, 'Sharpe Ratio')!)).toBe('1.500');
  });
  it('setup rows: the trading rules in one line, the period', () => {
    // fee 0.0005 = 0.050 %, slippage 0.0002 = 0.020 %
    expect(tradingRules(handSummary())).toBe('fee 0.050 % per leg, slippage 0.020 %, fill next-open, no time exit, stop-loss 2 %');
    expect(formatStatRow(t.setup.find((r) => r.label === 'Start')!)).toBe('2024-01-01 00:00 UTC');
    expect(formatStatRow(t.setup.find((r) => r.label === 'Duration')!)).toBe('10d'); // 9 days between first and last bar + one 1d bar
  });
  it('per-symbol table: one row per symbol in column order', () => {
    expect(t.perSymbol.columns.map((c) => c.label)).toContain('B&H');
    expect(t.perSymbol.rows).toEqual([['KRW-BTC', '1d', 10, 7.5, 0.4, 4, 0.5, 1.25, 123_456.7, 8, 0.625, 2.5]]);
  });
});
