import { candlesFromRows } from '../core/candles';
import { runBacktest, type BacktestSeries } from '../backtest';
import { returnBlockStats } from '../metrics/overfitting';
import { getStrategy } from '../strategies';
import { syntheticCandles } from '../testing';
import { LruColumnCache } from './column-cache';
import { SummaryRunner } from './summary-run';

// The expected values of every case come from the full runBacktest (tested on its own against hand
// calculations): the summary runner must give bit-identical portfolio metrics and block statistics.

const candles = syntheticCandles({ n: 3000, seed: 11, volatility: 0.01 });
const series: BacktestSeries[] = [{ symbol: 'KRW-BTC', timeframe: '1m', candles }];

const STRATEGIES: [string, Record<string, unknown>[]][] = [
  ['sma_crossover', [{ fast_period: 3, slow_period: 20 }, { fast_period: 10, slow_period: 50 }, { fast_period: 1, slow_period: 2 }]],
  ['rsi_reversion', [{ period: 7, oversold: 30, overbought: 70 }, { period: 14, oversold: 40, overbought: 60, hold_period_bars: 5 }]],
  ['bollinger_breakout', [{ period: 20 }, { period: 10, hold_period_bars: 3 }]],
  ['donchian_breakout', [{ entry_period: 20, exit_period: 10 }]],
  ['macd_crossover', [{ fast_period: 5, slow_period: 13, signal_period: 4 }]],
  ['volume_long_candle', [{}]],
  ['volume_zone_breakout', [{}]],
];

const OPTIONS: Record<string, unknown>[] = [
  {},
  { fee_rate: 0, slippage_rate: 0, lot_step: 0 },
  { fee_rate: 0.002, slippage_rate: 0.001, stop_loss_pct: 1 },
  { stop_loss_pct: 0.5, take_profit_pct: 0.8, trailing_stop_pct: 0.6, hold_bars: null },
  { fill: 'signal-close', hold_bars: 7, stop_loss_pct: 1.5 },
  { fill: 'signal-close', hold_bars: null, exit_on_sell: false, take_profit_pct: 2, close_at_end: false },
  { hold_bars: 3, exit_on_sell: false, close_at_end: false, trailing_stop_pct: 0.3 },
  { sizing: { kind: 'notional', krw: 1_000_000 }, initial_capital: 1e9, risk_free_rate_pct: 3.5 },
  { sizing: { kind: 'quantity', quantity: 0.5 }, initial_capital: 5e6, bars_per_year: 252 * 390 }, // entries refused for cash
  { sizing: { kind: 'equity-fraction', fraction: 0.3 }, order_rules: 'upbit-krw', risk_free_rate_pct: -2 },
];

function expectSame(strategy: string, params: Record<string, unknown>, options: Record<string, unknown>, blocks: number, s: BacktestSeries[] = series): void {
  const def = getStrategy(strategy);
  const full = runBacktest({ strategy: def, params, series: s, options });
  const runner = SummaryRunner.create(def as never, s, options, new LruColumnCache());
  expect(runner).not.toBeNull();
  const got = runner?.run(params, blocks);
  const label = `${strategy} ${JSON.stringify(params)} ${JSON.stringify(options)}`;
  // toEqual compares numbers with Object.is: bit-identical (and +0 / −0 told apart)
  expect({ label, metrics: got?.metrics }).toEqual({ label, metrics: full.summary.portfolio });
  expect({ label, stats: got?.stats }).toEqual({ label, stats: returnBlockStats(full.equity.equity, full.summary.options.initial_capital, blocks) });
}

describe('SummaryRunner gives exactly runBacktest\'s portfolio metrics and block statistics', () => {
  for (const [strategy, sets] of STRATEGIES) {
    it(`${strategy}: every set under every option set`, () => {
      let trades = 0;
      for (const params of sets) {
        for (const options of OPTIONS) {
          expectSame(strategy, params, options, 8);
          trades += runBacktest({ strategy: getStrategy(strategy), params, series, options }).summary.portfolio.trade_count;
        }
      }
      expect(trades).toBeGreaterThan(0); // the grid trades (a strategy that never trades would prove little)
    });
  }

  it('with other block counts, including more blocks than bars', () => {
    for (const blocks of [0, 2, 6, 32]) expectSame('sma_crossover', { fast_period: 3, slow_period: 20 }, { stop_loss_pct: 1 }, blocks);
    const tiny = candlesFromRows([100, 101, 99, 103, 98].map((c, i) => ({ timestamp: Date.UTC(2024, 0, 1, 0, i), open: c, high: c + 1, low: c - 1, close: c, volume: 1 })));
    for (const blocks of [0, 2, 8, 32]) expectSame('sma_crossover', { fast_period: 1, slow_period: 2 }, { fill: 'signal-close', lot_step: 0 }, blocks, [{ symbol: 'KRW-T', timeframe: '1m', candles: tiny }]);
  });

  it('with a single candle', () => {
    const one = candlesFromRows([{ timestamp: Date.UTC(2024, 0, 1), open: 100, high: 101, low: 99, close: 100, volume: 1 }]);
    expectSame('sma_crossover', { fast_period: 1, slow_period: 2 }, {}, 8, [{ symbol: 'KRW-T', timeframe: '1d', candles: one }]);
  });

  it('throws the error runBacktest throws for parameters the strategy refuses', () => {
    const def = getStrategy('sma_crossover');
    const bad = { fast_period: 30, slow_period: 20 };
    let expected: unknown;
    try { runBacktest({ strategy: def, params: bad, series }); } catch (err) { expected = err; }
    expect(expected).toBeDefined();
    const runner = SummaryRunner.create(def as never, series, {}, undefined);
    expect(() => runner?.run(bad, 8)).toThrow((expected as Error).message);
  });

  it('leaves requests it does not handle to runBacktest (several series, bad options)', () => {
    const def = getStrategy('sma_crossover') as never;
    const two = [...series, { symbol: 'KRW-ETH', timeframe: '1m' as const, candles }];
    expect(SummaryRunner.create(def, two, {}, undefined)).toBeNull();
    expect(SummaryRunner.create(def, series, { fee_rate: 5 }, undefined)).toBeNull();
  });
});
