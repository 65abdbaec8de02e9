/**
 * Scenario tests of the portfolio simulation. Every expected number is worked out by hand in the
 * comments from the documented rules (docs/backtest.md), not taken from running the code.
 */
import { candlesFromRows, type CandleColumns } from '../core/candles';
import { parsePortfolioOptions, type PortfolioOptionsInput } from './options';
import { simulatePortfolio, type SimulationResult } from './simulate';

const T0 = Date.UTC(2024, 0, 1);
const DAY = 86_400_000;
type Row = readonly [open: number, high: number, low: number, close: number];

function ohlc(rows: readonly Row[], start = T0): CandleColumns {
  return candlesFromRows(rows.map(([open, high, low, close], i) => ({ timestamp: start + i * DAY, open, high, low, close, volume: 1 })));
}

/** Side column with Buy (1) at `buys` and Sell (−1) at `sells`. */
function sides(n: number, buys: readonly number[], sells: readonly number[] = []): Int8Array {
  const s = new Int8Array(n);
  for (const i of buys) s[i] = 1;
  for (const i of sells) s[i] = -1;
  return s;
}

/** Zero costs, 10 units per trade, no lot rounding, no time exit unless given. */
const PLAIN: PortfolioOptionsInput = { initial_capital: 10_000, sizing: { kind: 'quantity', quantity: 10 }, fee_rate: 0, slippage_rate: 0, lot_step: 0, hold_bars: null };

function run(rows: readonly Row[], buys: readonly number[], sells: readonly number[], options: PortfolioOptionsInput, holdBars: number | null = null): SimulationResult {
  const opts = parsePortfolioOptions({ ...PLAIN, ...options });
  const candles = ohlc(rows);
  return simulatePortfolio([{ symbol: 'KRW-BTC', candles, side: sides(rows.length, buys, sells) }], {
    strategy: 'test', options: opts, holdBars: opts.hold_bars === 'strategy' ? holdBars : opts.hold_bars,
  });
}

describe('fills, fees and slippage (next-open, hold 2 bars)', () => {
  /**
   * Buy signal at bar 0 → entry at the open of bar 1 (102).
   * Options: 10 units, fee 0.1 %, slippage 0.1 %, hold 2 bars.
   *   entry fill = 102 × 1.001 = 102.102; notional 1,021.02; fee 1.02102; cost 1,022.04102
   *   cash = 10,000 − 1,022.04102 = 8,977.95898
   * Held from the open of bar 1: after the close of bar 2 two bars have passed → exit at the open of bar 3 (110).
   *   exit fill = 110 × 0.999 = 109.89; notional 1,098.9; fee 1.0989; proceeds 1,097.8011
   *   pnl = 1,097.8011 − 1,022.04102 = 75.76008; pnl % = 75.76008 / 1,021.02 = 7.42003878 %
   *   cash = 8,977.95898 + 1,097.8011 = 10,075.76008
   * Equity: bar 0 10,000; bar 1 8,977.95898 + 10 × 105 = 10,027.95898; bar 2 + 10 × 107 = 10,047.95898;
   *         bars 3-4 10,075.76008. In the market during bars 1 and 2 → exposure 2 / 5.
   */
  const rows: Row[] = [[100, 101, 99, 100], [102, 106, 101, 105], [106, 108, 104, 107], [110, 111, 108, 109], [109, 110, 108, 108]];
  const r = run(rows, [0], [], { fee_rate: 0.001, slippage_rate: 0.001, hold_bars: 2 });

  it('one trade with both fees and adverse fills', () => {
    const t = r.trades;
    expect(t.pnl.length).toBe(1);
    expect(t.entry_time[0]).toBe(T0 + DAY);
    expect(t.exit_time[0]).toBe(T0 + 3 * DAY);
    expect(t.entry_price[0]).toBeCloseTo(102.102, 10);
    expect(t.exit_price[0]).toBeCloseTo(109.89, 10);
    expect(t.quantity[0]).toBe(10);
    expect(t.fees[0]).toBeCloseTo(1.02102 + 1.0989, 10);
    expect(t.pnl[0]).toBeCloseTo(75.76008, 9);
    expect(t.pnl_pct[0]).toBeCloseTo(7.42003878, 7);
    expect(t.bars_held[0]).toBe(2);
    expect(t.exit_reason[0]).toBe('hold-period');
  });

  it('equity, cash and exposure per bar', () => {
    const e = r.equity;
    expect(Array.from(e.timestamp)).toEqual(rows.map((_, i) => T0 + i * DAY));
    const expected = [10_000, 10_027.95898, 10_047.95898, 10_075.76008, 10_075.76008];
    expected.forEach((x, i) => expect(e.equity[i]).toBeCloseTo(x, 8));
    expect(e.cash[1]).toBeCloseTo(8_977.95898, 8);
    expect(Array.from(e.drawdown_pct)).toEqual([0, 0, 0, 0, 0]);
    expect(r.barsInMarket).toBe(2);
  });

  it('the book agrees with the curve: change in equity = Σ pnl', () => {
    expect(r.book.cash).toBeCloseTo(10_075.76008, 8);
    expect(r.equity.equity[4] - 10_000).toBeCloseTo(r.trades.pnl[0], 9);
  });
});

describe('signal-close fills (the original rule)', () => {
  it('enters at the signal close and exits at the close hold bars later; no stop check on the entry bar', () => {
    // Buy at bar 0 close 100 → hold 1 → exit at bar 1 close 105: 10 × 5 = 50. Bar 0's low (50) is
    // before the entry and must not trigger the 5 % stop.
    const r = run([[100, 101, 50, 100], [100, 106, 99, 105], [105, 105, 105, 105]], [0], [], { fill: 'signal-close', hold_bars: 1, stop_loss_pct: 5 });
    expect(Array.from(r.trades.pnl)).toEqual([50]);
    expect(r.trades.exit_reason).toEqual(['hold-period']);
    expect(r.trades.entry_time[0]).toBe(T0);
    expect(r.trades.exit_time[0]).toBe(T0 + DAY);
    expect(r.trades.bars_held[0]).toBe(1);
    // the position was opened at bar 0's close: only bar 1 is in the market
    expect(r.barsInMarket).toBe(1);
  });

  it('a Buy on the bar a hold exit fills re-enters at the same close', () => {
    // Buys at 0 and 1, hold 1: exit at close 1 (105) then re-enter at close 1; exit at close 2 (110)
    const r = run([flat(100), flat(105), flat(110)], [0, 1], [], { fill: 'signal-close', hold_bars: 1 });
    expect(Array.from(r.trades.pnl)).toEqual([50, 50]);
  });
});

describe('stops (next-open entry at 100, 10 units, zero costs)', () => {
  // bar 0: signal; bar 1: entry at open 100
  const entryBars: Row[] = [flat(100), [100, 101, 96, 97]];

  it('stop-loss 5 %: the low touches 95 → exit at 95, −50, held 2 bars', () => {
    const r = run([...entryBars, [96, 97, 94, 95.5], flat(95)], [0], [], { stop_loss_pct: 5 });
    expect(Array.from(r.trades.exit_price)).toEqual([95]);
    expect(Array.from(r.trades.pnl)).toEqual([-50]);
    expect(r.trades.exit_reason).toEqual(['stop-loss']);
    expect(r.trades.exit_time[0]).toBe(T0 + 2 * DAY);
    expect(r.trades.bars_held[0]).toBe(2); // from the open of bar 1 through bar 2
  });

  it('a gap below the stop fills at the open (90), not at the level: −100, held like an exit at that open', () => {
    const r = run([...entryBars, [90, 92, 88, 91], flat(91)], [0], [], { stop_loss_pct: 5 });
    expect(Array.from(r.trades.exit_price)).toEqual([90]);
    expect(Array.from(r.trades.pnl)).toEqual([-100]);
    // entry at the open of bar 1 (axis 1), exit at the open of bar 2 (axis 2): 1 bar, not 2 as a fill inside bar 2 would be
    expect(Array.from(r.trades.bars_held)).toEqual([1]);
    // the same moment and price by a Sell decided at bar 1's close and filled at bar 2's open: the same holding time
    const sell = run([...entryBars, [90, 92, 88, 91], flat(91)], [0], [1], {});
    expect([Array.from(sell.trades.exit_price), Array.from(sell.trades.bars_held)]).toEqual([[90], [1]]);
  });

  it('stop-loss and take-profit both inside one bar: the stop is assumed first', () => {
    // levels 95 and 105; bar 2 spans 94..106
    const r = run([...entryBars, [100, 106, 94, 100], flat(100)], [0], [], { stop_loss_pct: 5, take_profit_pct: 5 });
    expect(r.trades.exit_reason).toEqual(['stop-loss']);
    expect(Array.from(r.trades.pnl)).toEqual([-50]);
  });

  it('take-profit 5 % inside the bar fills at 105 (+50); a gap above it fills at the open (107, +70)', () => {
    const inBar = run([...entryBars, [101, 106, 99, 104], flat(104)], [0], [], { take_profit_pct: 5 });
    expect(Array.from(inBar.trades.exit_price)).toEqual([105]);
    expect(Array.from(inBar.trades.pnl)).toEqual([50]);
    expect(inBar.trades.exit_reason).toEqual(['take-profit']);
    const gap = run([...entryBars, [107, 108, 106, 107], flat(107)], [0], [], { take_profit_pct: 5 });
    expect(Array.from(gap.trades.exit_price)).toEqual([107]);
    expect(Array.from(gap.trades.pnl)).toEqual([70]);
  });

  it('stops can trigger on the entry bar itself when entering at the open', () => {
    // entry at open 100 of bar 1, whose low is 94 → stop at 95 in the same bar, held 1 bar
    const r = run([flat(100), [100, 101, 94, 96], flat(96)], [0], [], { stop_loss_pct: 5 });
    expect(Array.from(r.trades.pnl)).toEqual([-50]);
    expect(r.trades.bars_held[0]).toBe(1);
    expect(r.trades.exit_time[0]).toBe(T0 + DAY);
  });

  it('trailing stop 5 %: the peak takes bar 1 high 110 after the checks; bar 2 stops at 104.5 (+45)', () => {
    // bar 1: level from the entry fill = 95, low 99 → no stop; peak becomes 110
    // bar 2: level = 110 × 0.95 = 104.5 (above the 5 % stop-loss at 95) → low 104 → exit 104.5
    const r = run([flat(100), [100, 110, 99, 108], [108, 109, 104, 105], flat(105)], [0], [], { trailing_stop_pct: 5, stop_loss_pct: 5 });
    expect(r.trades.exit_reason).toEqual(['trailing-stop']);
    expect(r.trades.exit_price[0]).toBeCloseTo(104.5, 12);
    expect(r.trades.pnl[0]).toBeCloseTo(45, 10);
  });

  it('with slippage, a stop fill is also moved against us: 95 × (1 − 0.001) = 94.905', () => {
    // entry fill 100 × 1.001 = 100.1; stop level = 100.1 × 0.95 = 95.095; bar 2 low 94 → fill 95.095 × 0.999
    const r = run([...entryBars, [96, 97, 94, 95.5], flat(95)], [0], [], { stop_loss_pct: 5, slippage_rate: 0.001 });
    expect(r.trades.exit_price[0]).toBeCloseTo(95.095 * 0.999, 10);
  });
});

describe('signal exits and the end of the data', () => {
  const rows: Row[] = [flat(100), flat(101), flat(102), [103, 104, 103, 104], flat(105)];

  it('a Sell signal exits at the next open (next-open) or at its close (signal-close)', () => {
    // next-open: entry open 1 (101), Sell at 2 → exit open 3 (103): 10 × 2 = 20
    const a = run(rows, [0], [2], {});
    expect(Array.from(a.trades.pnl)).toEqual([20]);
    expect(a.trades.exit_reason).toEqual(['sell-signal']);
    // signal-close: entry close 0 (100), exit close 2 (102): 20
    const b = run(rows, [0], [2], { fill: 'signal-close' });
    expect(Array.from(b.trades.pnl)).toEqual([20]);
  });

  it('exit_on_sell: false ignores Sell signals', () => {
    const r = run(rows, [0], [2], { exit_on_sell: false });
    // closed only at the end: entry 101, last close 105 → 40, reason end-of-data
    expect(Array.from(r.trades.pnl)).toEqual([40]);
    expect(r.trades.exit_reason).toEqual(['end-of-data']);
  });

  it('close_at_end: false leaves the position open and marks it at the last close', () => {
    const r = run(rows, [0], [], { close_at_end: false });
    expect(r.trades.pnl.length).toBe(0);
    // cash 10,000 − 1,010 = 8,990; equity = 8,990 + 10 × 105 = 10,040
    expect(r.equity.equity[4]).toBe(10_040);
    expect(r.book.openCount).toBe(1);
    expect(r.book.equity).toBe(10_040);
  });

  it('a Buy on the last bar opens nothing, with either fill rule', () => {
    for (const fill of ['next-open', 'signal-close'] as const) {
      const r = run(rows, [4], [], { fill, slippage_rate: 0.01 });
      expect(r.trades.pnl.length).toBe(0);
      expect(r.book.openCount).toBe(0);
      expect(r.equity.equity[4]).toBe(10_000);
    }
  });

  it('an entry on the last open is closed at the last close, held 1 bar', () => {
    const r = run(rows, [3], [], {});
    // entry open 4 (105), exit close 4 (105): 0
    expect(Array.from(r.trades.bars_held)).toEqual([1]);
    expect(r.trades.exit_reason).toEqual(['end-of-data']);
  });
});

describe('sizing and cash', () => {
  it('all-in sizing with lot rounding; the second Buy while invested is ignored', () => {
    // 10,000 KRW all in at 100 (no costs, lot 1): 100 units; Buy at 1 while holding is not an entry
    const r = run([flat(100), flat(100), flat(110), flat(120)], [0, 1], [], { sizing: { kind: 'equity-fraction', fraction: 1 }, lot_step: 1 });
    expect(Array.from(r.trades.quantity)).toEqual([100]);
    // held to the end: 100 × (120 − 100) = 2,000
    expect(Array.from(r.trades.pnl)).toEqual([2_000]);
    expect(r.symbolEntriesSkipped).toEqual([0]);
  });

  it('a fixed size the cash cannot pay is skipped and counted, not thrown', () => {
    const r = run([flat(100), flat(100), flat(100)], [0], [], { sizing: { kind: 'quantity', quantity: 1_000 } });
    expect(r.trades.pnl.length).toBe(0);
    expect(r.symbolEntriesSkipped).toEqual([1]);
    expect(Array.from(r.equity.equity)).toEqual([10_000, 10_000, 10_000]);
  });
});

describe('several symbols share one cash account', () => {
  const a = ohlc([flat(100), flat(100), flat(110), flat(110)]);
  const b = ohlc([flat(50), flat(50), flat(40), flat(40)]);

  it('all-in: the first symbol (request order) takes the cash, the second entry is skipped', () => {
    const o = parsePortfolioOptions({ ...PLAIN, sizing: { kind: 'equity-fraction', fraction: 1 }, lot_step: 1 });
    const r = simulatePortfolio([
      { symbol: 'A', candles: a, side: sides(4, [0]) },
      { symbol: 'B', candles: b, side: sides(4, [0]) },
    ], { strategy: 't', options: o, holdBars: null });
    expect(r.trades.symbol).toEqual(['A']);
    expect(r.symbolEntriesSkipped).toEqual([0, 1]);
    // A: 100 units at 100 → 110 at the end: +1,000
    expect(r.equity.equity[3]).toBe(11_000);
  });

  it('fixed sizes: the same trades as separate runs; equity adds both P&Ls', () => {
    const r = simulatePortfolio([
      { symbol: 'A', candles: a, side: sides(4, [0]) },
      { symbol: 'B', candles: b, side: sides(4, [0]) },
    ], { strategy: 't', options: parsePortfolioOptions(PLAIN), holdBars: null });
    // A: 10 × (110 − 100) = 100; B: 10 × (40 − 50) = −100; both closed at the last close
    expect(r.trades.symbol).toEqual(['A', 'B']);
    expect(Array.from(r.trades.pnl)).toEqual([100, -100]);
    // bar 2: cash 10,000 − 1,000 − 500 = 8,500; + 10 × 110 + 10 × 40 = 10,000
    expect(r.equity.equity[2]).toBe(10_000);
    expect(r.barsInMarket).toBe(3);
  });

  it('series with different timestamps are merged into one timeline; a symbol keeps its last price between its bars', () => {
    // A trades daily on days 0..3; C has bars on days 1 and 3 only
    const c = candlesFromRows([{ timestamp: T0 + DAY, open: 10, high: 10, low: 10, close: 10, volume: 1 }, { timestamp: T0 + 3 * DAY, open: 20, high: 20, low: 20, close: 20, volume: 1 }]);
    const r = simulatePortfolio([
      { symbol: 'A', candles: a, side: sides(4, []) },
      { symbol: 'C', candles: c, side: sides(2, [0]) },
    ], { strategy: 't', options: parsePortfolioOptions({ ...PLAIN, fill: 'signal-close' }), holdBars: null });
    expect(Array.from(r.equity.timestamp)).toEqual([T0, T0 + DAY, T0 + 2 * DAY, T0 + 3 * DAY]);
    // C bought 10 at 10 on day 1, held through day 2 (no bar, still worth 10 × 10), closed at 20 on day 3: +100
    expect(Array.from(r.equity.equity)).toEqual([10_000, 10_000, 10_000, 10_100]);
    expect(r.symbolBarsInMarket).toEqual([0, 1]);
    expect(r.barsInMarket).toBe(2);
  });
});

function flat(p: number): Row {
  return [p, p, p, p];
}
