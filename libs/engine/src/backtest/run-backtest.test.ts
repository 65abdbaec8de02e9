import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { z } from 'zod';
import { candlesFromRows, type CandleColumns } from '../core/candles';
import { BacktestAbortedError, InvalidCandlesError, InvalidParamsError } from '../core/errors';
import { emptySignals, SignalSide, type SignalColumns } from '../core/signals';
import type { StrategyDefinition } from '../core/strategy';
import { StrategyContractError } from './errors';
import type { PortfolioOptionsInput } from './options';
import { runBacktest, type BacktestProgress, type BacktestSeries } from './run-backtest';
import { serializeSummary } from './serialize';
import { ENGINE_VERSION } from './version';

const T0 = Date.UTC(2024, 0, 1);
const DAY = 86_400_000;
type Row = readonly [open: number, high: number, low: number, close: number];

function ohlc(rows: readonly Row[], start = T0): CandleColumns {
  return candlesFromRows(rows.map(([open, high, low, close], i) => ({ timestamp: start + i * DAY, open, high, low, close, volume: 1 })));
}

interface ScriptParams { readonly hold_period_bars: number; readonly tag: string }

/** A strategy that buys at `buys` and sells at `sells`, whatever the candles (per symbol: same indices). */
function scripted(buys: readonly number[], sells: readonly number[] = [], generate?: (c: CandleColumns) => SignalColumns): StrategyDefinition<ScriptParams> {
  return {
    name: 'scripted',
    title: 'Scripted signals',
    description: 'Buys and sells at fixed bar indices (tests only).',
    paramsSchema: z.strictObject({
      hold_period_bars: z.number().int().min(0).max(1000).default(1),
      tag: z.string().default('x'),
    }),
    jsonSchema: {},
    warmupBars: () => 0,
    holdPeriodBars: (p) => p.hold_period_bars,
    generate: generate ?? ((c) => {
      const n = c.timestamp.length;
      const s = emptySignals(n, true);
      for (const i of buys) if (i < n) { s.side[i] = SignalSide.Buy; s.confidence[i] = 0.75; s.level![i] = 42; }
      for (const i of sells) if (i < n) s.side[i] = SignalSide.Sell;
      return s;
    }),
    createStream() {
      throw new Error('not used in tests');
    },
  };
}

const ROWS: Row[] = [[100, 101, 99, 100], [102, 106, 101, 105], [106, 108, 104, 107], [110, 111, 108, 109], [109, 110, 108, 108]];
const BTC = (candles = ohlc(ROWS)): BacktestSeries => ({ symbol: 'KRW-BTC', timeframe: '1d', candles });
const SMALL: PortfolioOptionsInput = { initial_capital: 10_000, sizing: { kind: 'quantity', quantity: 10 }, fee_rate: 0.001, slippage_rate: 0.001, lot_step: 0, hold_bars: 2 };

describe('runBacktest: one hand-computed trade end to end', () => {
  // Same trade as in simulate.test.ts: entry fill 102.102, exit fill 109.89, pnl 75.76008 KRW,
  // fees 1.02102 + 1.0989 = 2.11992, held bars 1-2 of 5.
  const r = runBacktest({ strategy: scripted([0]), series: [BTC()], options: SMALL });
  const p = r.summary.portfolio;

  it('portfolio metrics', () => {
    expect(p.trade_count).toBe(1);
    expect(p.win_rate).toBe(1);
    expect(p.profit_factor).toBeNull(); // no losing trade
    expect(p.fees_paid_krw).toBeCloseTo(2.11992, 10);
    expect(p.net_pnl_krw).toBeCloseTo(75.76008, 9);
    // 75.76008 / 10,000 × 100
    expect(p.total_return_pct).toBeCloseTo(0.7576008, 9);
    expect(p.final_equity_krw).toBeCloseTo(10_075.76008, 8);
    expect(p.exposure).toBe(0.4);
    expect(p.bars_in_market).toBe(2);
    expect(p.max_drawdown_pct).toBe(0);
    expect(p.avg_bars_held).toBe(2);
    expect(p.entries_skipped).toBe(0);
  });

  it('bars_per_year: a daily stock series annualises with 252 trading days, shown in the summary', () => {
    const stock = runBacktest({ strategy: scripted([0]), series: [BTC()], options: { ...SMALL, bars_per_year: 252 } });
    const crypto = r.summary.portfolio;
    const p = stock.summary.portfolio;
    expect(stock.summary.resolved).toMatchObject({ bars_per_year: 252, calendar: 'custom' });
    expect(stock.summary.options.bars_per_year).toBe(252);
    // volatility and Sharpe scale with sqrt(bars per year): sqrt(252 / 365.2425) = 0.8306…, the same per-bar returns
    expect(p.volatility_ann_pct! / crypto.volatility_ann_pct!).toBeCloseTo(Math.sqrt(252 / 365.2425), 12);
    expect(p.sharpe! / crypto.sharpe!).toBeCloseTo(Math.sqrt(252 / 365.2425), 12);
    expect(p.final_equity_krw).toBe(crypto.final_equity_krw);
    expect(() => runBacktest({ strategy: scripted([0]), series: [BTC()], options: { bars_per_year: 0 } })).toThrow(/bars_per_year: .*\[1, 1e8\]/);
  });

  it('summary header, period and resolved values', () => {
    const s = r.summary;
    expect(s.engine_version).toBe(ENGINE_VERSION);
    expect(s.strategy).toEqual({ name: 'scripted', title: 'Scripted signals' });
    expect(s.params).toEqual({ hold_period_bars: 1, tag: 'x' });
    expect(s.options).toMatchObject({ initial_capital: 10_000, fee_rate: 0.001, fill: 'next-open', hold_bars: 2, stop_loss_pct: null });
    expect(s.resolved).toEqual({ hold_bars: 2, study_hold_bars: 1, bars_per_year: 365.2425, calendar: '24/7', bar_ms: DAY });
    expect(s.options.bars_per_year).toBeNull();
    expect(s.period).toEqual({ start_ms: T0, end_ms: T0 + 4 * DAY, start: '2024-01-01T00:00:00.000Z', end: '2024-01-05T00:00:00.000Z', bars: 5 });
    expect(s.symbols).toHaveLength(1);
    // buy and hold: 108 / 100 − 1
    expect(s.symbols[0].buy_and_hold_return_pct).toBeCloseTo(8, 10);
    expect(s.symbols[0].exposure).toBe(0.4);
    expect(s.symbols[0].trades.trade_count).toBe(1);
  });

  it('signal study row: entry close[0] = 100, exit close[1] = 105, +5 %', () => {
    expect(Array.from(r.signals.return_pct)).toEqual([5]);
    expect(r.signals.symbol).toEqual(['KRW-BTC']);
    expect(Array.from(r.signals.confidence)).toEqual([0.75]);
    expect(Array.from(r.signals.level)).toEqual([42]);
    expect(r.summary.signal_study).toMatchObject({ signals: 1, win_rate: 1, avg_return_pct: 5, legacy_max_drawdown_pct: 0 });
  });

  it('hold_bars "strategy" uses the strategy hold period', () => {
    const s = runBacktest({ strategy: scripted([0]), params: { hold_period_bars: 3 }, series: [BTC()], options: { ...SMALL, hold_bars: 'strategy' } });
    expect(s.summary.resolved.hold_bars).toBe(3);
    // entry open 1, three bars later: open of bar 4
    expect(Array.from(s.trades.exit_time)).toEqual([T0 + 4 * DAY]);
  });
});

describe('the original rule reproduces the original numbers', () => {
  const FIX = join(__dirname, '..', '..', 'test', 'fixtures', 'coin_hts');
  const lines = readFileSync(join(FIX, 'synthetic_seed42_300.csv'), 'utf8').trim().split('\n').slice(1);
  const candles = candlesFromRows(lines.map((l) => {
    const [t, o, h, lo, c, v] = l.split(',');
    return { timestamp: Date.parse(t.replace(' ', 'T')), open: +o, high: +h, low: +lo, close: +c, volume: +v };
  }));
  const fx = JSON.parse(readFileSync(join(FIX, 'vlc_300.json'), 'utf8')) as { signals: { index: number; return_pct: number }[]; win_rate: number; avg_return: number; max_drawdown: number };
  const r = runBacktest({
    strategy: scripted(fx.signals.map((s) => s.index)),
    series: [{ symbol: 'KRW-BTC', timeframe: '1d', candles }],
    options: { fill: 'signal-close', fee_rate: 0, slippage_rate: 0, lot_step: 0 },
  });

  it('signal study = the original win rate, average return and additive drawdown', () => {
    expect(r.summary.signal_study.win_rate).toBe(fx.win_rate);
    expect(r.summary.signal_study.avg_return_pct).toBeCloseTo(fx.avg_return, 12);
    expect(r.summary.signal_study.legacy_max_drawdown_pct).toBeCloseTo(fx.max_drawdown, 12);
  });

  it('with no costs and signal-close fills, every trade return equals the original per-signal return', () => {
    // The 15 VLC signals never overlap with a 1-bar hold, so each is one trade.
    expect(r.trades.pnl_pct.length).toBe(fx.signals.length);
    fx.signals.forEach((s, i) => expect(Math.abs(r.trades.pnl_pct[i] - s.return_pct)).toBeLessThan(1e-9));
  });
});

describe('accounting and path equivalence on random runs (fast-check)', () => {
  const seriesArb = fc.integer({ min: 2, max: 40 }).chain((n) => fc.record({
    steps: fc.array(fc.double({ min: -0.08, max: 0.08, noNaN: true }), { minLength: n, maxLength: n }),
    wicks: fc.array(fc.tuple(fc.double({ min: 0, max: 0.05, noNaN: true }), fc.double({ min: 0, max: 0.05, noNaN: true })), { minLength: n, maxLength: n }),
    side: fc.array(fc.constantFrom(0, 0, 0, 1, -1), { minLength: n, maxLength: n }),
  }));
  const optionsArb = fc.record({
    fee_rate: fc.constantFrom(0, 0.001, 0.0025),
    slippage_rate: fc.constantFrom(0, 0.0002, 0.003),
    fill: fc.constantFrom('next-open' as const, 'signal-close' as const),
    hold_bars: fc.constantFrom(null, 1, 2, 5),
    stop_loss_pct: fc.constantFrom(null, 1, 3),
    take_profit_pct: fc.constantFrom(null, 2, 6),
    trailing_stop_pct: fc.constantFrom(null, 2),
    exit_on_sell: fc.boolean(),
    sizing: fc.constantFrom(
      { kind: 'equity-fraction' as const, fraction: 1 },
      { kind: 'equity-fraction' as const, fraction: 0.3 },
      { kind: 'notional' as const, krw: 2_000_000 },
      { kind: 'quantity' as const, quantity: 0.05 },
    ),
  });

  function build(s: { steps: number[]; wicks: [number, number][] }): CandleColumns {
    let p = 50_000_000;
    return candlesFromRows(s.steps.map((step, i) => {
      const open = p;
      p = p * (1 + step);
      const [up, down] = s.wicks[i];
      return { timestamp: T0 + i * DAY, open, high: Math.max(open, p) * (1 + up), low: Math.min(open, p) * (1 - down), close: p, volume: 1 };
    }));
  }

  function fromSides(sides: number[]): StrategyDefinition<ScriptParams> {
    return scripted([], [], (c) => {
      const s = emptySignals(c.timestamp.length);
      sides.forEach((v, i) => { if (i < s.side.length) s.side[i] = v; });
      return s;
    });
  }

  it('final equity − initial capital = Σ trade P&L (net of all fees) to 1e-9 relative; cash never negative', () => {
    fc.assert(fc.property(seriesArb, optionsArb, (s, o) => {
      const r = runBacktest({ strategy: fromSides(s.side), series: [BTC(build(s))], options: o });
      const sumPnl = r.trades.pnl.reduce((a, b) => a + b, 0);
      const eq = r.equity.equity;
      const initial = 10_000_000;
      expect(Math.abs(eq[eq.length - 1] - initial - sumPnl)).toBeLessThanOrEqual(1e-9 * initial);
      expect(Math.min(...r.equity.cash)).toBeGreaterThanOrEqual(0);
      expect(Math.min(...r.equity.drawdown_pct)).toBeGreaterThanOrEqual(0);
      expect(r.summary.portfolio.fees_paid_krw).toBeCloseTo(r.trades.fees.reduce((a, b) => a + b, 0), 6);
      // every trade's P&L from its own fills: q × (exit − entry) − fees
      r.trades.pnl.forEach((pnl, i) => {
        const q = r.trades.quantity[i];
        const byRule = q * (r.trades.exit_price[i] - r.trades.entry_price[i]) - r.trades.fees[i];
        expect(Math.abs(pnl - byRule)).toBeLessThanOrEqual(1e-9 * initial);
      });
    }), { numRuns: 200 });
  });

  it('the multi-symbol path gives exactly the single-symbol fast path for the same symbol', () => {
    fc.assert(fc.property(seriesArb, optionsArb, (s, o) => {
      const candles = build(s);
      const strategy = fromSides(s.side);
      const one = runBacktest({ strategy, series: [BTC(candles)], options: o });
      // a second symbol on the same timestamps that never signals: forces the general path
      const quiet = candlesFromRows(Array.from(candles.timestamp, (t) => ({ timestamp: t, open: 1, high: 1, low: 1, close: 1, volume: 1 })));
      const quietStrategy = scripted([], [], (c) => {
        const sig = emptySignals(c.timestamp.length);
        if (c.close[0] !== 1) s.side.forEach((v, i) => { sig.side[i] = v; });
        return sig;
      });
      const two = runBacktest({ strategy: quietStrategy, series: [BTC(candles), { symbol: 'KRW-QUIET', timeframe: '1d', candles: quiet }], options: o });
      expect(Array.from(two.equity.equity)).toEqual(Array.from(one.equity.equity));
      expect(Array.from(two.equity.cash)).toEqual(Array.from(one.equity.cash));
      expect(Array.from(two.trades.pnl)).toEqual(Array.from(one.trades.pnl));
      expect(Array.from(two.trades.bars_held)).toEqual(Array.from(one.trades.bars_held));
      expect(two.trades.exit_reason).toEqual(one.trades.exit_reason);
      expect(two.summary.portfolio.bars_in_market).toBe(one.summary.portfolio.bars_in_market);
    }), { numRuns: 150 });
  });
});

describe('the fast path across abort-check chunks', () => {
  it('gives the general path\'s exact results on 70,000 bars (crosses a 65,536-bar chunk boundary)', () => {
    const n = 70_000;
    let seed = 7;
    const rnd = (): number => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;
    let p = 1_000;
    const rows = Array.from({ length: n }, (_, i) => {
      const open = p;
      p *= 1 + (rnd() - 0.5) * 0.02;
      return { timestamp: T0 + i * 60_000, open, high: Math.max(open, p) * (1 + rnd() * 0.01), low: Math.min(open, p) * (1 - rnd() * 0.01), close: p, volume: 1 };
    });
    const candles = candlesFromRows(rows);
    const sides = Int8Array.from({ length: n }, () => { const u = rnd(); return u < 0.01 ? 1 : u < 0.02 ? -1 : 0; });
    const strategy = scripted([], [], (c) => {
      const s = emptySignals(c.timestamp.length);
      if (c.close[0] !== 1) s.side.set(sides);
      return s;
    });
    const options = { stop_loss_pct: 2, take_profit_pct: 6, trailing_stop_pct: 3, hold_bars: 12 };
    const quiet = candlesFromRows(rows.map((r) => ({ ...r, open: 1, high: 1, low: 1, close: 1 })));
    const one = runBacktest({ strategy, series: [{ symbol: 'A', timeframe: '1m', candles }], options });
    const two = runBacktest({ strategy, series: [{ symbol: 'A', timeframe: '1m', candles }, { symbol: 'Q', timeframe: '1m', candles: quiet }], options });
    expect(one.trades.pnl.length).toBeGreaterThan(500);
    for (const reason of ['stop-loss', 'take-profit', 'trailing-stop', 'sell-signal', 'hold-period']) expect(one.trades.exit_reason).toContain(reason);
    expect(Buffer.from(two.equity.equity.buffer).equals(Buffer.from(one.equity.equity.buffer))).toBe(true);
    expect(Buffer.from(two.equity.drawdown_pct.buffer).equals(Buffer.from(one.equity.drawdown_pct.buffer))).toBe(true);
    expect(Array.from(two.trades.pnl)).toEqual(Array.from(one.trades.pnl));
    expect(two.summary.portfolio.bars_in_market).toBe(one.summary.portfolio.bars_in_market);
  });
});

describe('summary JSON', () => {
  const run = (params: unknown, options: unknown = SMALL) => runBacktest({ strategy: scripted([0, 2], [3]), params, series: [BTC()], options });

  it('serializes byte-identically for identical inputs, whatever the key order of params and options', () => {
    const a = serializeSummary(run({ hold_period_bars: 2, tag: 'a' }).summary);
    const b = serializeSummary(run({ tag: 'a', hold_period_bars: 2 }).summary);
    const c = serializeSummary(run({ tag: 'a', hold_period_bars: 2 }, { ...SMALL, hold_bars: 2, fee_rate: 0.001 }).summary);
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(serializeSummary(run({ tag: 'b', hold_period_bars: 2 }).summary)).not.toBe(a);
  });

  it('contains no NaN or Infinity anywhere, even when metrics are undefined (no trades, flat prices)', () => {
    const flat = ohlc([[100, 100, 100, 100], [100, 100, 100, 100]]);
    const r = runBacktest({ strategy: scripted([]), series: [BTC(flat)] });
    const walk = (x: unknown, path: string): void => {
      if (typeof x === 'number') expect({ path, finite: Number.isFinite(x) }).toEqual({ path, finite: true });
      else if (x && typeof x === 'object') for (const [k, v] of Object.entries(x)) walk(v, `${path}.${k}`);
    };
    walk(r.summary, 'summary');
    expect(r.summary.portfolio).toMatchObject({ sharpe: null, sortino: null, profit_factor: null, win_rate: null, sqn: null, calmar: null, trade_count: 0 });
    expect(JSON.parse(serializeSummary(r.summary)).portfolio.sharpe).toBeNull();
  });

  it('serializeSummary writes non-finite numbers as null and sorts keys', () => {
    const s = serializeSummary({ b: Number.NaN, a: { d: Infinity, c: -0 } } as never);
    expect(s).toBe('{\n  "a": {\n    "c": 0,\n    "d": null\n  },\n  "b": null\n}');
  });

  it('the engine version matches package.json', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    expect(ENGINE_VERSION).toBe(pkg.version);
  });
});

describe('several symbols', () => {
  it('concatenates signal rows per symbol and computes the overall study in time order', () => {
    const a = ohlc([[100, 100, 100, 100], [110, 110, 110, 110], [99, 99, 99, 99]]);
    const b = ohlc([[10, 10, 10, 10], [9, 9, 9, 9], [12, 12, 12, 12]]);
    const r = runBacktest({ strategy: scripted([0, 1]), series: [{ symbol: 'A', timeframe: '1d', candles: a }, { symbol: 'B', timeframe: '1d', candles: b }], options: { sizing: { kind: 'notional', krw: 1_000 } } });
    expect(r.signals.symbol).toEqual(['A', 'A', 'B', 'B']);
    // A: 100→110 +10 %, 110→99 −10 %; B: 10→9 −10 %, 9→12 +33.3 %
    const returns = Array.from(r.signals.return_pct);
    [10, -10, -10, 100 / 3].forEach((x, i) => expect(returns[i]).toBeCloseTo(x, 10));
    // time order: A0 +10, B0 −10, A1 −10, B1 +33.3 → additive 10, 0, −10, 23.3: drawdown 20
    expect(r.summary.signal_study.legacy_max_drawdown_pct).toBeCloseTo(20, 10);
    expect(r.summary.signal_study.win_rate).toBe(0.5);
    expect(r.summary.symbols.map((s) => s.symbol)).toEqual(['A', 'B']);
  });
});

describe('validation', () => {
  it('strategy params are validated by the strategy schema → InvalidParamsError naming the field', () => {
    const call = () => runBacktest({ strategy: scripted([0]), params: { hold_period_bars: -1 }, series: [BTC()] });
    expect(call).toThrow(InvalidParamsError);
    expect(call).toThrow(/hold_period_bars/);
    expect(() => runBacktest({ strategy: scripted([0]), params: { nope: 1 }, series: [BTC()] })).toThrow(/nope: unknown option/);
  });

  it('options name each bad field with its allowed range', () => {
    try {
      runBacktest({ strategy: scripted([0]), series: [BTC()], options: { fee_rate: 0.5, stop_loss_pct: 0, fill: 'tomorrow', sizing: { kind: 'equity-fraction', fraction: 2 }, typo: true } });
      throw new Error('expected InvalidParamsError');
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidParamsError);
      const issues = (e as InvalidParamsError).issues;
      expect(issues.map((i) => i.field).sort()).toEqual(['fee_rate', 'fill', 'sizing.fraction', 'stop_loss_pct', 'typo']);
      expect(issues.find((i) => i.field === 'fee_rate')?.message).toMatch(/\[0, 0\.1\]/);
      expect(issues.find((i) => i.field === 'sizing.fraction')?.message).toMatch(/\(0, 1\]/);
      expect(issues.find((i) => i.field === 'typo')?.message).toMatch(/unknown option/);
    }
  });

  it('the series list: non-empty, unique symbols, known timeframes', () => {
    expect(() => runBacktest({ strategy: scripted([0]), series: [] })).toThrow(/series: must be a non-empty array/);
    expect(() => runBacktest({ strategy: scripted([0]), series: [BTC(), BTC()] })).toThrow(/duplicate symbol KRW-BTC/);
    expect(() => runBacktest({ strategy: scripted([0]), series: [{ ...BTC(), timeframe: '1M' as never }] })).toThrow(/series\.0\.timeframe: must be one of 1m, /);
  });

  it('candles are validated: InvalidCandlesError naming the symbol, field and row', () => {
    const bad = ohlc(ROWS);
    bad.close[3] = Number.NaN;
    const call = () => runBacktest({ strategy: scripted([0]), series: [BTC(bad)] });
    expect(call).toThrow(InvalidCandlesError);
    expect(call).toThrow(/KRW-BTC: close at row 3/);
  });

  it('a strategy that breaks its contract → StrategyContractError', () => {
    const short = scripted([], [], () => emptySignals(2));
    expect(() => runBacktest({ strategy: short, series: [BTC()] })).toThrow(StrategyContractError);
    const weird = scripted([], [], (c) => ({ side: new Int8Array(c.timestamp.length).fill(3), confidence: new Float64Array(c.timestamp.length) }));
    expect(() => runBacktest({ strategy: weird, series: [BTC()] })).toThrow(/side other than -1, 0 or 1/);
  });
});

describe('progress and cancellation', () => {
  it('reports stages in order with a non-decreasing fraction ending at 1', () => {
    const seen: BacktestProgress[] = [];
    runBacktest({ strategy: scripted([0]), series: [BTC()], onProgress: (p) => seen.push(p) });
    const fractions = seen.map((p) => p.fraction);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(seen[0]).toEqual({ fraction: 0, stage: 'validate' });
    expect(seen[seen.length - 1]).toEqual({ fraction: 1, stage: 'done' });
    expect(new Set(seen.map((p) => p.stage))).toEqual(new Set(['validate', 'signals', 'signal-study', 'simulate', 'metrics', 'done']));
  });

  it('an already aborted signal throws BacktestAbortedError with the reason as cause', () => {
    const c = new AbortController();
    c.abort('user cancelled');
    const call = () => runBacktest({ strategy: scripted([0]), series: [BTC()], signal: c.signal });
    expect(call).toThrow(BacktestAbortedError);
    try { call(); } catch (e) { expect((e as Error).cause).toBe('user cancelled'); }
  });

  it('an abort during the simulation stops the run at the next ~64k-bar check', () => {
    const n = 200_000;
    const candles = candlesFromRows(Array.from({ length: n }, (_, i) => ({ timestamp: T0 + i * 60_000, open: 100, high: 100, low: 100, close: 100, volume: 1 })));
    const c = new AbortController();
    const simulated: number[] = [];
    const call = () => runBacktest({
      strategy: scripted([0]), series: [{ symbol: 'KRW-BTC', timeframe: '1m', candles }], signal: c.signal,
      onProgress: (p) => {
        if (p.stage !== 'simulate') return;
        simulated.push(p.fraction);
        if (simulated.length === 2) c.abort();
      },
    });
    expect(call).toThrow(BacktestAbortedError);
    // simulate starts at 0.4 and reports every 65,536 bars: 0.4, 0.4 + 0.5 × 65,536 / 200,000; the third check throws
    expect(simulated).toEqual([0.4, 0.4 + (0.5 * 65_536) / 200_000]);
  });
});
