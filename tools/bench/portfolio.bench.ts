/**
 * Portfolio simulation benchmark: the engine's simulation (through @coinhts/positions) and the
 * whole `runBacktest` against a hand-written Float64Array loop applying the same rules, on
 * 1,000,000 synthetic 1-minute candles with a trivial inline signal generator.
 *
 * Rules shared by both sides: entries and Sell-signal exits fill at the next bar's open, all-in
 * sizing (fraction 1 of equity, fee included) rounded down to 1e-8 units, 0.1 % fee on each leg,
 * 0.02 % adverse slippage on each fill, 2 % stop-loss (a gap below it fills at the open), the
 * position still open at the end is closed at the last close.
 *
 * Both must end with the same equity (checked; the process fails otherwise). Targets printed:
 * runBacktest >= 20 M candles/s and within 2x of the hand-written loop.
 *
 * Run: `npm run bench -- portfolio`.
 */
import { z } from 'zod';
import { measure, report, saveResults, rate } from './harness';
import {
  emptySignals, parsePortfolioOptions, runBacktest, simulatePortfolio, SignalSide,
  type CandleColumns, type SignalColumns, type StrategyDefinition,
} from '@coinhts/engine';

const N = 1_000_000;
const FEE = 0.001;
const SLIP = 0.0002;
const STOP_PCT = 2;
const LOT = 1e-8;
const INITIAL = 10_000_000;
/** Body threshold of the toy signal: |close − open| / open above it is a Buy (up) or Sell (down). */
const THRESHOLD = 0.002;
/** Autocorrelation of bar returns: with some momentum in the data the toy strategy survives its costs. */
const PHI = 0.4;

/**
 * Seeded synthetic 1-minute bars: AR(1) returns (momentum PHI, ~0.1 % noise), random wicks;
 * deterministic across runs. The toy signal fires on ~2 % of the bars and makes ~19,000 trades,
 * a stress case for the entry/exit path (real strategies trade less).
 */
function syntheticCandles(n: number): CandleColumns {
  let seed = 42;
  const rnd = (): number => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;
  const c = { timestamp: new Float64Array(n), open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n) };
  let p = 50_000_000;
  let r = 0;
  for (let i = 0; i < n; i++) {
    const o = p;
    r = PHI * r + (rnd() - 0.5) * 0.004;
    p = p * (1 + r);
    c.timestamp[i] = 1_704_067_200_000 + i * 60_000;
    c.open[i] = o;
    c.close[i] = p;
    c.high[i] = Math.max(o, p) * (1 + rnd() * 0.002);
    c.low[i] = Math.min(o, p) * (1 - rnd() * 0.002);
    c.volume[i] = 1 + rnd();
  }
  return c;
}

/** The toy signal: a long body up is a Buy, a long body down a Sell. */
function toySignals(c: CandleColumns): SignalColumns {
  const { open, close } = c;
  const out = emptySignals(open.length);
  const side = out.side, conf = out.confidence;
  for (let i = 0; i < open.length; i++) {
    const body = (close[i] - open[i]) / open[i];
    if (body > THRESHOLD) { side[i] = SignalSide.Buy; conf[i] = 1; }
    else if (body < -THRESHOLD) side[i] = SignalSide.Sell;
  }
  return out;
}

const toyStrategy: StrategyDefinition<{ threshold: number }> = {
  name: 'toy_body', title: 'Toy body signal', description: 'Buy on a long up body, sell on a long down body (benchmark only).',
  paramsSchema: z.strictObject({ threshold: z.number().default(THRESHOLD) }), jsonSchema: {},
  warmupBars: () => 0, holdPeriodBars: () => 1,
  generate: (c) => toySignals(c),
  createStream() { throw new Error('benchmark only'); },
};

const OPTIONS = { initial_capital: INITIAL, fee_rate: FEE, slippage_rate: SLIP, lot_step: LOT, stop_loss_pct: STOP_PCT, hold_bars: null, fill: 'next-open' } as const;

interface LoopResult { finalEquity: number; trades: number; equity: Float64Array; cash: Float64Array; drawdown: Float64Array }

/** Hand-written simulation with the same rules and the same floating-point operations as the book. */
function baselineSimulation(c: CandleColumns, side: Int8Array): LoopResult {
  const { open, low, close } = c;
  const n = open.length, last = n - 1;
  const equity = new Float64Array(n), cashOut = new Float64Array(n), drawdown = new Float64Array(n);
  const slF = 1 - STOP_PCT / 100;
  let cash = INITIAL, qty = 0, stop = 0, trades = 0, peak = INITIAL;
  let pendingEntry = false, pendingExit = false;
  const exit = (price: number): void => {
    const fill = price * (1 - SLIP);
    const notional = qty * fill;
    cash += notional - notional * FEE;
    qty = 0;
    trades++;
  };
  for (let i = 0; i < n; i++) {
    if (pendingExit) { exit(open[i]); pendingExit = false; }
    if (pendingEntry) {
      pendingEntry = false;
      const fill = open[i] * (1 + SLIP);
      const budget = 1 * cash;
      let q = Math.floor((budget / (fill * (1 + FEE))) * (1 / LOT) + 1e-9) / (1 / LOT);
      let notional = q * fill, cost = notional + notional * FEE;
      if (cost > cash && q > 0) {
        q = Math.floor((q - LOT) * (1 / LOT) + 1e-9) / (1 / LOT);
        notional = q * fill; cost = notional + notional * FEE;
      }
      if (q > 0 && cost <= cash) { cash -= cost; qty = q; stop = fill * slF; }
    }
    if (qty > 0) {
      if (open[i] <= stop) exit(open[i]);
      else if (low[i] <= stop) exit(stop);
    }
    if (qty > 0) {
      if (i === last) exit(close[i]);
      else if (side[i] === -1) pendingExit = true;
    }
    if (side[i] === 1 && i !== last && (qty === 0 || pendingExit)) pendingEntry = true;
    const e = cash + qty * close[i];
    equity[i] = e;
    cashOut[i] = cash;
    peak = Math.max(peak, e);
    drawdown[i] = ((peak - e) / peak) * 100;
  }
  return { finalEquity: equity[last], trades, equity, cash: cashOut, drawdown };
}

/** Hand-written whole run: signals, simulation, and the headline metrics (return, volatility, max drawdown). */
function baselineFull(c: CandleColumns): { finalEquity: number; sharpeLike: number; maxDd: number } {
  const side = toySignals(c).side;
  const r = baselineSimulation(c, side);
  let prev = INITIAL, s1 = 0, s2 = 0, maxDd = 0;
  const eq = r.equity;
  for (let i = 0; i < eq.length; i++) {
    const ret = eq[i] / prev - 1;
    s1 += ret; s2 += ret * ret; prev = eq[i];
    if (r.drawdown[i] > maxDd) maxDd = r.drawdown[i];
  }
  const mean = s1 / eq.length;
  return { finalEquity: r.finalEquity, sharpeLike: mean / Math.sqrt(s2 / eq.length - mean * mean), maxDd };
}

function main(): void {
  const candles = syntheticCandles(N);
  const side = toySignals(candles).side;
  const options = parsePortfolioOptions(OPTIONS);

  // Correctness first: same final equity, same number of trades.
  const base = baselineSimulation(candles, side);
  const sim = simulatePortfolio([{ symbol: 'KRW-BTC', candles, side }], { strategy: 'toy_body', options, holdBars: null });
  const full = runBacktest({ strategy: toyStrategy, series: [{ symbol: 'KRW-BTC', timeframe: '1m', candles }], options: OPTIONS });
  const simEquity = sim.equity.equity[N - 1];
  const fullEquity = full.summary.portfolio.final_equity_krw;
  const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);
  console.log(`trades: baseline ${base.trades}, simulation ${sim.trades.pnl.length}, runBacktest ${full.summary.portfolio.trade_count}`);
  console.log(`final equity: baseline ${base.finalEquity}, simulation ${simEquity}, runBacktest ${fullEquity} (relative difference ${rel(simEquity, base.finalEquity)})`);
  const same = rel(simEquity, base.finalEquity) <= 1e-9 && rel(fullEquity, base.finalEquity) <= 1e-9 && base.trades === sim.trades.pnl.length;

  const opts = { runs: 15, warmup: 3, units: N };
  const results = [
    measure('hand-written loop (simulation)', () => baselineSimulation(candles, side), opts),
    measure('simulatePortfolio', () => simulatePortfolio([{ symbol: 'KRW-BTC', candles, side }], { strategy: 'toy_body', options, holdBars: null }), opts),
    measure('hand-written loop (signals + simulation + metrics)', () => baselineFull(candles), opts),
    measure('runBacktest (validate + signals + study + simulation + metrics)', () => runBacktest({ strategy: toyStrategy, series: [{ symbol: 'KRW-BTC', timeframe: '1m', candles }], options: OPTIONS }), opts),
  ];
  report(`Portfolio simulation, ${N.toLocaleString('en')} candles, ${base.trades} trades`, results, 'hand-written loop (simulation)');
  const [bSim, eSim, bFull, eFull] = results;
  const simRatio = eSim.medianMs / bSim.medianMs;
  const fullRatio = eFull.medianMs / bFull.medianMs;
  const fullRate = eFull.perSecond ?? 0;
  console.log(`\nsimulatePortfolio / hand-written simulation: ${simRatio.toFixed(2)}x`);
  console.log(`runBacktest / hand-written full run: ${fullRatio.toFixed(2)}x (target <= 2x: ${fullRatio <= 2 ? 'PASS' : 'FAIL'})`);
  console.log(`runBacktest throughput: ${rate(fullRate)} candles (target >= 20 M/s: ${fullRate >= 20e6 ? 'PASS' : 'FAIL'})`);
  console.log(`same final equity: ${same ? 'PASS' : 'FAIL'}`);
  saveResults('portfolio', { candles: N, trades: base.trades, finalEquity: base.finalEquity, results, simRatio, fullRatio, fullRate, sameEquity: same });
  if (!same) process.exitCode = 1;
}

main();
