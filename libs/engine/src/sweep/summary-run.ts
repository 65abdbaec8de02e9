import { type ClosedTrade, type PositionManager, type Sizing, type TradeSink, buyFillPrice } from '@coinhts/positions';
import type { CandleColumns } from '../core/candles';
import type { ColumnCache } from '../core/columns';
import { isSparseSignals } from '../core/sparse-signals';
import { InvalidParamsError } from '../core/errors';
import type { StrategyDefinition } from '../core/strategy';
import { barsPerYear, TIMEFRAMES } from '../core/timeframes';
import {
  ExitReason, FillRule, newBook, parsePortfolioOptions, resolveHoldBars, StrategyContractError, stopFactors, zodIssuesToParamIssues,
  type BacktestSeries, type PortfolioMetrics, type PortfolioOptions,
} from '../backtest';
import { validateSeriesCandles } from '../backtest/fast-validate';
import { CURVE_SCAN_SLOTS, curveFromScan, equityMetricsFromScan, perBarRate } from '../metrics/equity';
import type { ReturnBlockStats } from '../metrics/overfitting';
import { tradeMetrics } from '../metrics/trades';

/** What {@link SummaryRunner.run} gives for one parameter set. */
export interface SummaryRun {
  /** Exactly `runBacktest(...).summary.portfolio` for the same request. */
  readonly metrics: PortfolioMetrics;
  /** Exactly `returnBlockStats(equity, initial_capital, blocks)` of the run's equity curve. */
  readonly stats: ReturnBlockStats;
}

// Exit reason codes of the fused loop (index into REASONS).
const R_HOLD = 1, R_SELL = 2, R_SL = 3, R_TP = 4, R_TRAIL = 5, R_END = 6;
const REASONS: readonly ExitReason[] = [
  ExitReason.EndOfData, ExitReason.HoldPeriod, ExitReason.SellSignal, ExitReason.StopLoss, ExitReason.TakeProfit, ExitReason.TrailingStop, ExitReason.EndOfData,
];

/**
 * Entries and exits through the position book (rare: the loop keeps its state in locals), and the
 * closed trades' four metric columns in reusable arrays instead of a trade list.
 */
class SummaryTrader implements TradeSink {
  book!: PositionManager;
  qty = 0;
  cash = 0;
  entryFill = 0;
  skipped = 0;
  count = 0;
  pnl: Float64Array = new Float64Array(256);
  pnlPct: Float64Array = new Float64Array(256);
  barsHeld: Float64Array = new Float64Array(256);
  fees: Float64Array = new Float64Array(256);
  private entryAxis = 0;
  private exitAxis = 0;
  private slippage = 0;

  constructor(private readonly symbol: string, private readonly strategy: string, private readonly sizing: Sizing) {}

  reset(book: PositionManager): void {
    this.book = book;
    this.qty = 0; this.cash = book.cash; this.entryFill = 0; this.skipped = 0; this.count = 0;
    this.entryAxis = 0; this.exitAxis = 0; this.slippage = book.slippageRate;
  }

  record(t: ClosedTrade): void {
    if (this.count === this.pnl.length) this.grow();
    const i = this.count++;
    this.pnl[i] = t.realizedPnl;
    this.pnlPct[i] = t.realizedPnlPct;
    this.barsHeld[i] = this.exitAxis - this.entryAxis;
    this.fees[i] = t.fees;
  }

  private grow(): void {
    const up = (a: Float64Array): Float64Array => { const b = new Float64Array(a.length * 2); b.set(a); return b; };
    this.pnl = up(this.pnl); this.pnlPct = up(this.pnlPct); this.barsHeld = up(this.barsHeld); this.fees = up(this.fees);
  }

  /** As the simulation's trader: `axis` = open of bar k is k, its close (or inside it) k + 1. */
  enter(price: number, time: number, axis: number): boolean {
    if (!(price > 0)) { this.skipped++; return false; }
    const q = this.book.enterAt(this.symbol, this.strategy, price, time, this.sizing);
    if (q <= 0) { this.skipped++; return false; }
    this.qty = q;
    this.entryFill = buyFillPrice(price, this.slippage);
    this.entryAxis = axis;
    this.cash = this.book.cash;
    return true;
  }

  exit(price: number, time: number, axis: number, reason: number): void {
    this.exitAxis = axis;
    this.book.closeAt(this.symbol, this.strategy, price, time, REASONS[reason], this);
    this.qty = 0;
    this.cash = this.book.cash;
  }
}

/**
 * The sweep's evaluation of one parameter set: the same signals, the same simulation rules and the
 * same metrics as `runBacktest`, but only what a sweep row needs — the portfolio metrics and the
 * bar-return statistics of the overfitting verdict — computed in one pass over the bars that
 * simulates the position and accumulates the curve's statistics as it goes, with no trade list,
 * equity curve or signal study. Allocation per set: the signals (or nothing beyond the cached
 * indicator columns), the position book and the result.
 *
 * One series only (several symbols share a cash account: the full runner handles those); create it
 * with {@link SummaryRunner.create}, which returns null when the request is not one it handles.
 * Tested equal to `runBacktest` over grids of strategies and options (summary-run.test.ts).
 */
export class SummaryRunner {
  private readonly trader: SummaryTrader;
  private readonly scan = new Float64Array(CURVE_SCAN_SLOTS.size);
  private readonly candles: CandleColumns;
  private readonly bpy: number;
  private readonly barMs: number;
  private readonly rfBar: number;

  private constructor(
    private readonly strategy: StrategyDefinition<object>,
    series: BacktestSeries,
    private readonly options: PortfolioOptions,
    private readonly columns: ColumnCache | undefined,
  ) {
    this.candles = series.candles;
    this.trader = new SummaryTrader(series.symbol, strategy.name, options.sizing);
    this.barMs = TIMEFRAMES[series.timeframe].ms;
    this.bpy = options.bars_per_year ?? barsPerYear(series.timeframe);
    this.rfBar = perBarRate(options.risk_free_rate_pct, this.bpy);
  }

  /**
   * A runner for sets of `strategy` over `series` with `options`, or null when `runBacktest` is the
   * one to use: several series, or a request it would refuse for every set (bad options, candles or
   * series), so that each set's error row comes from `runBacktest` itself.
   */
  static create(strategy: StrategyDefinition<object>, series: readonly BacktestSeries[], options: unknown, columns: ColumnCache | undefined): SummaryRunner | null {
    if (!Array.isArray(series) || series.length !== 1) return null;
    const s = series[0];
    if (typeof s?.symbol !== 'string' || s.symbol.length === 0 || typeof s.timeframe !== 'string' || !(s.timeframe in TIMEFRAMES) || typeof s.candles !== 'object' || s.candles === null) return null;
    let parsed: PortfolioOptions;
    try {
      parsed = parsePortfolioOptions(options);
      validateSeriesCandles(s.candles, s.symbol);
    } catch {
      return null;
    }
    return new SummaryRunner(strategy, s, parsed, columns);
  }

  /**
   * Runs one set: throws what `runBacktest` throws for it (InvalidParamsError for parameters the
   * strategy refuses, StrategyContractError for bad signals).
   */
  run(rawParams: unknown, blocks: number): SummaryRun {
    const { strategy, options: o, candles: c } = this;
    const parsed = strategy.paramsSchema.safeParse(rawParams ?? {});
    if (!parsed.success) throw new InvalidParamsError(zodIssuesToParamIssues(parsed.error.issues), `parameters of strategy ${strategy.name}`);
    const params = parsed.data;
    const holdBars = resolveHoldBars(strategy, params, o);
    const n = c.timestamp.length;
    const sig = this.columns ? strategy.generate(c, params, { columns: this.columns }) : strategy.generate(c, params);
    if (!(sig?.side instanceof Int8Array) || sig.side.length !== n) throw new StrategyContractError(strategy.name, `generate() must return side as an Int8Array of ${n} values`);
    // Sparse signals build confidence and level only when read (valid by construction): do not read them.
    if (!isSparseSignals(sig) && (!(sig.confidence instanceof Float64Array) || sig.confidence.length !== n)) throw new StrategyContractError(strategy.name, `generate() must return confidence as a Float64Array of ${n} values`);
    if (!isSparseSignals(sig) && sig.level !== undefined && (!(sig.level instanceof Float64Array) || sig.level.length !== n)) throw new StrategyContractError(strategy.name, `generate() level, when present, must be a Float64Array of ${n} values`);

    const tr = this.trader;
    const book = newBook(o);
    tr.reset(book);
    const acc = new CurveAccumulator(n, o.initial_capital, this.rfBar, blocks);
    const st = new FusedPosition(tr, o, holdBars ?? 0, c, n - 1);
    const inMarket = fusedRun(sig.side, c, st, acc, o.exit_on_sell);
    if (inMarket < 0) throw new StrategyContractError(strategy.name, 'generate() returned a side other than -1, 0 or 1');
    const scan = this.scan;
    acc.toScan(scan);
    const final = n > 0 ? acc.last : o.initial_capital;
    const curve = equityMetricsFromScan(curveFromScan(scan, n, c.timestamp, this.barMs), n, final, c.timestamp, o.initial_capital, this.bpy, this.rfBar);
    const k = tr.count;
    const trades = tradeMetrics({ pnl: tr.pnl.subarray(0, k), pnl_pct: tr.pnlPct.subarray(0, k), bars_held: tr.barsHeld.subarray(0, k), fees: tr.fees.subarray(0, k) });
    const metrics: PortfolioMetrics = {
      ...curve,
      ...trades,
      exposure: n > 0 ? inMarket / n : null,
      bars_in_market: inMarket,
      entries_skipped: tr.skipped,
    };
    return { metrics, stats: { bars: n, moments: [acc.m1, acc.m2, acc.m3, acc.m4], blockSum: acc.blockSum, blockSumSq: acc.blockSumSq } };
  }
}

/**
 * The running statistics of an equity curve fed one bar at a time: exactly the operations of the
 * curve scan behind `equityMetrics` (returns, downside, drawdowns) and of `returnBlockStats`
 * (moments and block sums), in their order, so the results are bit-identical to those functions
 * run over the stored curve. {@link flat} takes a stretch of bars at one equity (a flat position)
 * in O(1) when that adds exactly what bar-by-bar feeding would.
 */
class CurveAccumulator {
  // curve scan
  prev: number;
  count = 0;
  shift = 0;
  s1 = 0;
  s2 = 0;
  down = 0;
  peak: number;
  peakIdx = -1;
  maxFrac = 0;
  maxPeakIdx = -1;
  troughIdx = -1;
  recovery = -1;
  longest = 0;
  longestFrom = -1;
  longestTo = -1;
  // block statistics
  bprev: number;
  m1 = 0;
  m2 = 0;
  m3 = 0;
  m4 = 0;
  b1 = 0;
  b2 = 0;
  block = 0;
  /** One past the last bar of the current block. */
  blockEnd: number;
  /** Equity of the last bar fed. */
  last: number;
  readonly blockSum: Float64Array;
  readonly blockSumSq: Float64Array;
  /** Downside term of a bar whose return is 0: min(0, 0 − target)². */
  private readonly flatDown: number;
  private readonly S: number;

  constructor(private readonly n: number, initialCapital: number, private readonly target: number, private readonly blocks: number) {
    this.prev = initialCapital; this.peak = initialCapital; this.bprev = initialCapital; this.last = initialCapital;
    this.S = Math.max(1, blocks);
    this.blockEnd = Math.ceil(n / this.S); // bars of block k: ceil(k·n/S) .. ceil((k+1)·n/S) − 1
    this.blockSum = new Float64Array(blocks);
    this.blockSumSq = new Float64Array(blocks);
    const below = 0 - target;
    const neg = (below - Math.abs(below)) * 0.5;
    this.flatDown = neg * neg;
  }

  /** Feeds bar `i` with equity `e`. */
  add(e: number, i: number): void {
    this.last = e;
    const prev = this.prev;
    if (prev > 0) {
      const r = e / prev - 1;
      if (this.count === 0) this.shift = r;
      this.count++;
      const d = r - this.shift;
      this.s1 += d;
      this.s2 += d * d;
      const below = r - this.target;
      const neg = (below - Math.abs(below)) * 0.5;
      this.down += neg * neg;
    }
    this.prev = e;
    const peak = this.peak;
    if (e >= peak) {
      const peakIdx = this.peakIdx;
      if (i - peakIdx > 1) {
        if (i - peakIdx > this.longest) { this.longest = i - peakIdx; this.longestFrom = peakIdx; this.longestTo = i; }
        if (peakIdx === this.maxPeakIdx && this.troughIdx > peakIdx) this.recovery = i;
      }
      this.peak = e;
      this.peakIdx = i;
    } else if (peak - e > this.maxFrac * peak) {
      this.maxFrac = (peak - e) / peak;
      this.maxPeakIdx = this.peakIdx;
      this.troughIdx = i;
      this.recovery = -1;
    }
    const bprev = this.bprev;
    const rb = bprev !== 0 ? e / bprev - 1 : 0;
    this.bprev = e;
    const rb2 = rb * rb;
    this.b1 += rb; this.b2 += rb2; this.m3 += rb2 * rb; this.m4 += rb2 * rb2;
    if (i + 1 === this.blockEnd) this.endBlock(i);
  }

  /** Closes the block that ends with bar `i` and moves on to the next one that has bars (empty ones, only when n < S, add nothing). */
  private endBlock(i: number): void {
    this.m1 += this.b1; this.m2 += this.b2;
    if (this.blocks > 0) { this.blockSum[this.block] = this.b1; this.blockSumSq[this.block] = this.b2; }
    this.b1 = 0; this.b2 = 0;
    while (this.block < this.S - 1) {
      this.block++;
      this.blockEnd = Math.ceil(((this.block + 1) * this.n) / this.S);
      if (this.blockEnd > i + 1) break;
    }
  }

  /** Feeds bars `from` .. `to` − 1, all with equity `e`. */
  flat(e: number, from: number, to: number): void {
    if (to - from < 3 || !(e > 0)) {
      for (let k = from; k < to; k++) this.add(e, k);
      return;
    }
    this.add(e, from);
    this.add(e, from + 1);
    if (this.shift !== 0) {
      for (let k = from + 2; k < to; k++) this.add(e, k);
      return;
    }
    // Bars from + 2 .. to − 1 repeat bar from + 1 exactly: the return is e / e − 1 = 0, so the sums of
    // returns and of squares (shift 0) and the block sums add +0 (no change); the count grows, the
    // downside sum adds its constant term bar by bar; a peak or a trough at e moves to each bar.
    const m = to - from - 2;
    this.count += m;
    const fd = this.flatDown;
    if (fd !== 0) { let down = this.down; for (let k = 0; k < m; k++) down += fd; this.down = down; }
    if (this.peakIdx === from + 1) this.peakIdx = to - 1;
    else if (this.troughIdx === from + 1) this.troughIdx = to - 1;
    this.last = e;
    while (to >= this.blockEnd && this.blockEnd > from + 2 - 1) this.endBlock(this.blockEnd - 1);
  }

  /** Writes the curve scan's slots (see CURVE_SCAN_SLOTS) for `curveFromScan`. */
  toScan(out: Float64Array): void {
    const S = CURVE_SCAN_SLOTS;
    out[S.count] = this.count; out[S.shift] = this.shift; out[S.s1] = this.s1; out[S.s2] = this.s2; out[S.down] = this.down;
    out[S.peak] = this.peak; out[S.peakIdx] = this.peakIdx; out[S.maxFrac] = this.maxFrac; out[S.maxPeakIdx] = this.maxPeakIdx;
    out[S.troughIdx] = this.troughIdx; out[S.recovery] = this.recovery; out[S.longest] = this.longest; out[S.longestFrom] = this.longestFrom; out[S.longestTo] = this.longestTo;
  }
}

/**
 * Position state of the fused pass and the rules of one bar that needs them (an order, a stop, an
 * exit decision): those of the single-series simulation's `step` / `stepLast`, in one method that
 * is large enough for the JIT to keep as a call, so the bar loop around it stays small.
 */
class FusedPosition {
  cash: number;
  qty = 0;
  entryBar = 0;
  entryOff = 0;
  slLevel = -Infinity;
  tpLevel = Infinity;
  peakPx = 0;
  pendEntry = false;
  pendExit = 0;
  inMarket = 0;
  private readonly nextOpen: boolean;
  private readonly exitOnSell: boolean;
  private readonly endWhy: number;
  private readonly hold: number;
  readonly slF: number;
  readonly tpF: number;
  readonly trF: number;
  private readonly stops: boolean;

  constructor(private readonly tr: SummaryTrader, o: PortfolioOptions, hold: number, private readonly c: CandleColumns, private readonly last: number) {
    this.cash = tr.cash;
    this.nextOpen = o.fill === FillRule.NextOpen;
    this.exitOnSell = o.exit_on_sell;
    this.endWhy = o.close_at_end ? R_END : 0;
    this.hold = hold;
    const f = stopFactors(o);
    this.slF = f.slF; this.tpF = f.tpF; this.trF = f.trF;
    this.stops = f.slF > 0 || f.tpF > 0 || f.trF > 0;
  }

  /** First bar whose close reaches the holding period of the open position (Infinity: none). */
  holdEnd(): number {
    return this.hold > 0 ? this.entryBar - this.entryOff + this.hold : Infinity;
  }

  private entered(bar: number, off: number): void {
    const tr = this.tr;
    this.qty = tr.qty; this.cash = tr.cash; this.entryBar = bar; this.entryOff = off;
    const f = tr.entryFill;
    this.slLevel = this.slF > 0 ? f * this.slF : -Infinity;
    this.tpLevel = this.tpF > 0 ? f * this.tpF : Infinity;
    this.peakPx = f;
  }

  private exit(price: number, t: number, axis: number, why: number): void {
    this.tr.exit(price, t, axis, why);
    this.qty = 0;
    this.cash = this.tr.cash;
  }

  /** Every rule of bar `i` with signal side `s` (the last bar: no entry, and the end-of-data exit). */
  bar(i: number, s: number): void {
    const c = this.c, tr = this.tr, last = this.last;
    const t = c.timestamp[i], op = c.open[i], cl = c.close[i];
    // 1. open
    if (this.nextOpen) {
      if (this.pendExit !== 0) {
        this.exit(op, t, i, this.pendExit);
        this.pendExit = 0;
      }
      if (this.pendEntry) {
        this.pendEntry = false;
        if (tr.enter(op, t, i)) this.entered(i, 1);
      }
    }
    // 2. intrabar
    if (this.qty > 0) {
      this.inMarket++;
      if (this.stops) {
        let stop = this.slLevel, why = R_SL;
        if (this.trF > 0) {
          const tl = this.peakPx * this.trF;
          if (tl > stop) { stop = tl; why = R_TRAIL; }
        }
        let px = -1;
        if (op <= stop) px = op;
        else if (op >= this.tpLevel) { px = op; why = R_TP; }
        else if (c.low[i] <= stop) px = stop;
        else if (c.high[i] >= this.tpLevel) { px = this.tpLevel; why = R_TP; }
        else if (this.trF > 0) this.peakPx = Math.max(this.peakPx, c.high[i]);
        if (px >= 0) this.exit(px, t, px === op ? i : i + 1, why);
      }
    }
    // 3. close
    if (this.qty > 0) {
      let why = 0;
      if (this.nextOpen && i === last) why = this.endWhy;
      else if (this.hold > 0 && i - this.entryBar + this.entryOff >= this.hold) why = R_HOLD;
      else if (this.exitOnSell && s === -1) why = R_SELL;
      else if (i === last) why = this.endWhy;
      if (why !== 0) {
        if (this.nextOpen && i !== last) this.pendExit = why;
        else this.exit(cl, t, i + 1, why);
      }
    }
    if (s === 1 && i !== last) {
      if (this.nextOpen) {
        if (this.qty === 0 || this.pendExit !== 0) this.pendEntry = true;
      } else if (this.qty === 0 && tr.enter(cl, t, i + 1)) {
        this.entered(i, 0);
      }
    }
  }
}

/**
 * The single-series simulation (the rules of `simulatePortfolio`, docs/backtest.md) feeding each
 * bar's equity to the curve statistics as it is made, never storing it. Like the simulation's own
 * loop it runs through quiet stretches in small loops (flat without a Buy: one equity, taken in
 * O(1); invested without a stop, an exit or an order) and takes the other bars through
 * {@link FusedPosition.bar}. Returns the bars in the market, or −1 when a side is not −1, 0 or 1.
 */
function fusedRun(side: Int8Array, c: CandleColumns, st: FusedPosition, acc: CurveAccumulator, exitOnSell: boolean): number {
  const open = c.open, high = c.high, low = c.low, close = c.close;
  const n = close.length;
  const last = n - 1;
  const trF = st.trF;
  let i = 0;
  while (i < n) {
    if (i < last && st.pendExit === 0 && !st.pendEntry) {
      if (st.qty === 0) {
        // flat, nothing pending: the equity is the cash until the next Buy
        let j = i;
        while (j < last) {
          const s = side[j];
          if (s === 1) break;
          if (s !== 0 && s !== -1) return -1;
          j++;
        }
        if (j > i) { acc.flat(st.cash, i, j); i = j; continue; }
      } else {
        // invested, nothing pending: mark until a stop, a time exit or a Sell needs the full rules
        const cash = st.cash, qty = st.qty, sl = st.slLevel, tp = st.tpLevel, holdEnd = st.holdEnd();
        let peakPx = st.peakPx, inMarket = st.inMarket;
        let j = i;
        while (j < last && j < holdEnd) {
          const s = side[j];
          if (s > 1 || s < -1) return -1;
          const trail = trF > 0 ? peakPx * trF : -Infinity;
          const stop = trail > sl ? trail : sl;
          const op = open[j];
          if (op <= stop || op >= tp || low[j] <= stop || high[j] >= tp) break;
          if (exitOnSell && s === -1) break;
          inMarket++;
          if (trF > 0) peakPx = Math.max(peakPx, high[j]);
          acc.add(cash + qty * close[j], j);
          j++;
        }
        st.peakPx = peakPx; st.inMarket = inMarket;
        if (j > i) { i = j; continue; }
      }
    }
    const s = side[i];
    if (s > 1 || s < -1) return -1;
    st.bar(i, s);
    acc.add(st.cash + st.qty * close[i], i);
    i++;
  }
  return st.inMarket;
}
