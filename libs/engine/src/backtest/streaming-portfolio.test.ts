import { roundToTick } from '@coinhts/positions';
import { candleAt, type CandleColumns } from '../core/candles';
import { getStrategy } from '../strategies';
import { syntheticCandles } from '../testing';
import { parsePortfolioOptions, type PortfolioOptionsInput } from './options';
import { resolveHoldBars, runBacktest } from './run-backtest';
import { StreamingPortfolio, type StreamingBarResult, type TradeRow } from './simulate';

/** One day of 1-minute KRW-BTC-like candles with every price on Upbit's tick (1,000 KRW above 1,000,000). */
function dayOnTicks(seed: number): CandleColumns {
  const c = syntheticCandles({ n: 1440, seed, startPrice: 150_000_000, volatility: 0.002, startMs: Date.parse('2025-11-11T00:00:00Z') });
  const snap = (a: Float64Array, dir: 'down' | 'up') => a.map((x) => roundToTick(x, dir));
  const open = snap(c.open, 'down'), close = snap(c.close, 'down');
  const high = snap(c.high, 'up').map((h, i) => Math.max(h, open[i], close[i]));
  const low = snap(c.low, 'down').map((l, i) => Math.min(l, open[i], close[i]));
  return { timestamp: c.timestamp, open, high, low, close, volume: c.volume };
}

/** Feeds the candles one by one through the strategy's streaming form and a StreamingPortfolio. */
function replay(name: string, params: Record<string, unknown>, candles: CandleColumns, options: PortfolioOptionsInput, restartAt = -1) {
  const strategy = getStrategy(name);
  const p = strategy.paramsSchema.parse(params) as Record<string, unknown>;
  const o = parsePortfolioOptions(options);
  const cfg = { symbol: 'KRW-BTC', strategy: name, options: o, holdBars: resolveHoldBars(strategy, p, o) };
  let stream = strategy.createStream(p);
  let pf = new StreamingPortfolio(cfg);
  const trades: TradeRow[] = [];
  const equity: number[] = [];
  const bars: StreamingBarResult[] = [];
  const n = candles.timestamp.length;
  for (let i = 0; i < n; i++) {
    if (i === restartAt) {
      // A process restart: state goes through JSON and into fresh instances.
      const saved = JSON.parse(JSON.stringify({ s: stream.snapshot(), p: pf.snapshot() }));
      stream = strategy.createStream(p);
      stream.restore(saved.s);
      pf = new StreamingPortfolio(cfg);
      pf.restore(saved.p);
    }
    const c = candleAt(candles, i);
    const sig = stream.onCandle(c);
    const r = pf.onBar(c, sig?.side ?? 0);
    bars.push(r);
    trades.push(...r.closed);
    equity.push(r.equity);
  }
  const end = pf.end();
  trades.push(...end.closed);
  equity[n - 1] = end.equity;
  return { trades, equity, bars, pf };
}

const OPTIONS: PortfolioOptionsInput = {
  initial_capital: 10_000_000, fee_rate: 0.0005, slippage_rate: 0.0002, lot_step: 1e-8,
  sizing: { kind: 'equity-fraction', fraction: 0.5 }, stop_loss_pct: 1, take_profit_pct: 1.5, trailing_stop_pct: 0.8, order_rules: 'upbit-krw',
};

const CASES: [string, Record<string, unknown>, PortfolioOptionsInput][] = [
  ['sma_crossover', { fast_period: 5, slow_period: 20 }, OPTIONS],
  ['sma_crossover', { fast_period: 3, slow_period: 12 }, { ...OPTIONS, stop_loss_pct: null, take_profit_pct: null, trailing_stop_pct: null, hold_bars: 30 }],
  ['rsi_reversion', {}, OPTIONS],
  ['volume_long_candle', { body_pct: 0.001, vol_multiplier: 1.2, hold_period_bars: 5 }, { ...OPTIONS, close_at_end: false }],
  ['volume_zone_breakout', { volume_window: 60 }, OPTIONS],
];

describe('StreamingPortfolio: bar by bar gives the backtest\'s trades, fees and equity (same code, same answer)', () => {
  it.each(CASES)('%s %j', (name, params, options) => {
    const candles = dayOnTicks(7);
    const bt = runBacktest({ strategy: getStrategy(name), params, series: [{ symbol: 'KRW-BTC', timeframe: '1m', candles }], options });
    const live = replay(name, params, candles, options);
    const t = bt.trades;
    expect(live.trades.length).toBe(t.pnl.length);
    expect(t.pnl.length).toBeGreaterThan(0); // a comparison of two empty lists would prove nothing
    live.trades.forEach((r, k) => {
      expect(r.entry_time).toBe(t.entry_time[k]);
      expect(r.exit_time).toBe(t.exit_time[k]);
      expect(r.exit_reason).toBe(t.exit_reason[k]);
      expect(r.bars_held).toBe(t.bars_held[k]);
      for (const f of ['entry_price', 'exit_price', 'quantity', 'fees', 'pnl'] as const) {
        expect(Math.abs(r[f] - t[f][k])).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(t[f][k])));
      }
    });
    for (let i = 0; i < candles.timestamp.length; i++) {
      expect(Math.abs(live.equity[i] - bt.equity.equity[i])).toBeLessThanOrEqual(1e-9 * bt.equity.equity[i]);
    }
  });

  it('a restart mid-day (snapshot → JSON → restore) changes nothing', () => {
    const candles = dayOnTicks(11);
    const [name, params, options] = CASES[0];
    const straight = replay(name, params, candles, options);
    // restart at every 97th bar position in turn would be slow; three positions cover flat, invested and pending states
    for (const at of [300, 701, 1200]) {
      const restarted = replay(name, params, candles, options, at);
      expect(restarted.trades).toEqual(straight.trades);
      expect(restarted.equity).toEqual(straight.equity);
    }
  });

  it('refuses an entry below 5,000 KRW with upbit-krw rules and reports why on the bar', () => {
    // Capital 8,000 KRW, all in: 8,000 / (150,000,000 × 1.0002) ≈ 0.0000533 BTC → rounded to 1e-8
    // → worth ≈ 7,996 KRW at the quoted open: above 5,000, so allowed. Capital 4,000 → ≈ 3,998 KRW: refused.
    const candles = dayOnTicks(7);
    const live = replay('sma_crossover', { fast_period: 5, slow_period: 20 }, candles, { ...OPTIONS, initial_capital: 4000, sizing: { kind: 'equity-fraction', fraction: 1 } });
    expect(live.trades).toHaveLength(0);
    const refused = live.bars.filter((b) => b.refused !== null);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0].refused?.reason).toBe('below-minimum-order');
    expect(refused[0].refused?.message).toMatch(/below Upbit's minimum order of 5,000 KRW/);
  });

  it('refuses a live session with fill "signal-close" (a live order fills after the close)', () => {
    const o = parsePortfolioOptions({ fill: 'signal-close' });
    expect(() => new StreamingPortfolio({ symbol: 'KRW-BTC', strategy: 'x', options: o, holdBars: 1 })).toThrow(/next-open/);
  });
});
