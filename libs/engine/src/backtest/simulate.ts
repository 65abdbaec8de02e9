import { buyFillPrice, orderRulesByName, PositionManager, type BookSnapshot, type ClosedTrade, type Sizing, type TradeSink } from '@coinhts/positions';
import type { Candle, CandleColumns } from '../core/candles';
import { InvalidParamsError } from '../core/errors';
import { SignalSide } from '../core/signals';
import { FillRule, type PortfolioOptions } from './options';

/** Why a position was closed. */
export const ExitReason = {
  /** `hold_bars` bars elapsed. */
  HoldPeriod: 'hold-period',
  /** A Sell signal (with `exit_on_sell`). */
  SellSignal: 'sell-signal',
  /** The low reached the stop-loss level (or the bar opened below it). */
  StopLoss: 'stop-loss',
  /** The high reached the take-profit level (or the bar opened above it). */
  TakeProfit: 'take-profit',
  /** The low reached the trailing-stop level (or the bar opened below it). */
  TrailingStop: 'trailing-stop',
  /** The series ended with the position open (`close_at_end`). */
  EndOfData: 'end-of-data',
} as const;
/** One of {@link ExitReason}'s values. */
export type ExitReason = (typeof ExitReason)[keyof typeof ExitReason];

// Signal sides as plain module constants: with CommonJS output an imported binding is a getter
// call on every read, which showed up in profiles of the per-signal paths.
const BUY: number = SignalSide.Buy;
const SELL: number = SignalSide.Sell;

// Small integer codes in the hot loop; index into REASON_NAMES.
const R_HOLD = 1, R_SELL = 2, R_SL = 3, R_TP = 4, R_TRAIL = 5, R_END = 6;
const REASON_NAMES: readonly ExitReason[] = [ExitReason.EndOfData, ExitReason.HoldPeriod, ExitReason.SellSignal, ExitReason.StopLoss, ExitReason.TakeProfit, ExitReason.TrailingStop, ExitReason.EndOfData];

/** Bars between abort checks / progress reports (~64k: well under a millisecond of work). */
export const CHECK_EVERY_BARS = 65_536;

/** One symbol's input to the simulation. */
export interface SimulationSeries {
  readonly symbol: string;
  readonly candles: CandleColumns;
  /** Signal side per bar (see SignalSide). */
  readonly side: Int8Array;
  /** Number of Buy signals in `side`, when known (sizes the trade log: trades <= Buys). */
  readonly buys?: number;
}

/** Settings of one simulation. */
export interface SimulationConfig {
  /** Strategy name (the position book's key). */
  readonly strategy: string;
  readonly options: PortfolioOptions;
  /** Resolved holding period in bars (>= 1), or null for no time exit. */
  readonly holdBars: number | null;
  /**
   * Called every {@link CHECK_EVERY_BARS} bars with (bars done, bars total); may throw to abort.
   * An object with a method (not a bare callback) so the compiled loop stays valid from run to run.
   */
  readonly progress?: ChunkListener;
}

/** Equity curve, one row per bar of the (merged) timeline. */
export interface EquityColumns {
  /**
   * Bar time, epoch ms. With one series this is the input's own timestamp column (shared, not
   * copied); with several it is the merged timeline. Treat it as read-only.
   */
  readonly timestamp: Float64Array;
  /** Cash + marked value of open positions after the bar's close, KRW. */
  readonly equity: Float64Array;
  /** Cash after the bar, KRW. */
  readonly cash: Float64Array;
  /** (running peak − equity) / running peak × 100, percent (>= 0); the peak starts at the initial capital. */
  readonly drawdown_pct: Float64Array;
}

/** One closed trade as a row (the fields of {@link TradeColumns}, same names and units). */
export interface TradeRow {
  readonly symbol: string;
  readonly entry_time: number;
  readonly exit_time: number;
  readonly entry_price: number;
  readonly exit_price: number;
  readonly quantity: number;
  readonly fees: number;
  readonly pnl: number;
  readonly pnl_pct: number;
  readonly bars_held: number;
  readonly exit_reason: ExitReason;
}

/** Trade list, one row per closed trade in exit order. Money KRW, prices KRW per unit, times epoch ms. */
export interface TradeColumns {
  readonly symbol: readonly string[];
  /** Time of the bar whose price filled the entry. */
  readonly entry_time: Float64Array;
  /** Time of the bar whose price filled the exit. */
  readonly exit_time: Float64Array;
  /** Entry fill price (after slippage). */
  readonly entry_price: Float64Array;
  /** Exit fill price (after slippage). */
  readonly exit_price: Float64Array;
  /** Base units. */
  readonly quantity: Float64Array;
  /** Entry + exit fee, KRW. */
  readonly fees: Float64Array;
  /** Net P&L, KRW (fees and slippage included). */
  readonly pnl: Float64Array;
  /** Net P&L in percent of the entry notional. */
  readonly pnl_pct: Float64Array;
  /**
   * Bars held: a fill at a bar's open counts from that bar, a fill at (or inside) a bar counts it
   * whole. A stop or take-profit that fills at the open because the price gapped through it is a
   * fill at the open (the same count as a Sell filled at that open).
   */
  readonly bars_held: Int32Array;
  readonly exit_reason: readonly ExitReason[];
}

/** Receives simulation progress (see {@link SimulationConfig.progress}). */
export interface ChunkListener {
  onChunk(done: number, total: number): void;
}

/** What the simulation produced. */
export interface SimulationResult {
  readonly equity: EquityColumns;
  readonly trades: TradeColumns;
  /** Timeline bars during which at least one position was open. */
  readonly barsInMarket: number;
  /** Per series: bars of that series during which its position was open. */
  readonly symbolBarsInMarket: readonly number[];
  /** Per series: entries refused by the book (not enough cash, below one lot). */
  readonly symbolEntriesSkipped: readonly number[];
  /** The position book after the run (open positions marked at their last close). */
  readonly book: PositionManager;
}

const NUMERIC_TRADE_FIELDS = ['entry_time', 'exit_time', 'entry_price', 'exit_price', 'quantity', 'fees', 'pnl', 'pnl_pct'] as const;

/**
 * Shared trade log of a run, kept columnar: copying a trade's numbers into typed arrays lets the
 * trade object die young instead of being promoted (retaining objects costs more GC than trading).
 */
class TradeLog {
  count = 0;
  private cap = 0;
  private num: Record<(typeof NUMERIC_TRADE_FIELDS)[number], Float64Array>;
  private bars = new Int32Array(0);
  private readonly symbols: string[] = [];
  private readonly reasons: ExitReason[] = [];

  /**
   * `capacity`: expected number of trades (at most the number of Buy signals), to avoid regrowing;
   * capped at 65,536 so a Buy on every bar does not reserve megabytes up front.
   */
  constructor(capacity = 256) {
    this.num = this.alloc(Math.min(65_536, Math.max(16, capacity)));
  }

  private alloc(cap: number): Record<(typeof NUMERIC_TRADE_FIELDS)[number], Float64Array> {
    const next = {} as Record<(typeof NUMERIC_TRADE_FIELDS)[number], Float64Array>;
    for (const f of NUMERIC_TRADE_FIELDS) {
      next[f] = new Float64Array(cap);
      if (this.cap > 0) next[f].set(this.num[f]);
    }
    const bars = new Int32Array(cap);
    bars.set(this.bars);
    this.bars = bars;
    this.cap = cap;
    return next;
  }

  add(t: ClosedTrade, barsHeld: number, reason: ExitReason): void {
    if (this.count === this.cap) this.num = this.alloc(this.cap * 2);
    const i = this.count++;
    const c = this.num;
    c.entry_time[i] = t.entryTime;
    c.exit_time[i] = t.exitTime;
    c.entry_price[i] = t.entryFillPrice;
    c.exit_price[i] = t.exitFillPrice;
    c.quantity[i] = t.quantity;
    c.fees[i] = t.fees;
    c.pnl[i] = t.realizedPnl;
    c.pnl_pct[i] = t.realizedPnlPct;
    this.bars[i] = barsHeld;
    this.symbols.push(t.symbol);
    this.reasons.push(reason);
  }

  /** Trade `i` as a row object (live use: a few trades per bar). */
  row(i: number): TradeRow {
    const c = this.num;
    return {
      symbol: this.symbols[i], entry_time: c.entry_time[i], exit_time: c.exit_time[i], entry_price: c.entry_price[i], exit_price: c.exit_price[i],
      quantity: c.quantity[i], fees: c.fees[i], pnl: c.pnl[i], pnl_pct: c.pnl_pct[i], bars_held: this.bars[i], exit_reason: this.reasons[i],
    };
  }

  /** Forgets every trade (live use: rows are handed out after each bar). */
  clear(): void {
    if (this.count === 0) return;
    this.count = 0;
    this.symbols.length = 0;
    this.reasons.length = 0;
  }

  columns(): TradeColumns {
    const n = this.count;
    const c = this.num;
    return {
      symbol: this.symbols, entry_time: c.entry_time.slice(0, n), exit_time: c.exit_time.slice(0, n), entry_price: c.entry_price.slice(0, n),
      exit_price: c.exit_price.slice(0, n), quantity: c.quantity.slice(0, n), fees: c.fees.slice(0, n), pnl: c.pnl.slice(0, n),
      pnl_pct: c.pnl_pct.slice(0, n), bars_held: this.bars.slice(0, n), exit_reason: this.reasons,
    };
  }
}

/**
 * Talks to the position book on the (rare) entries and exits, so the hot loops keep their state in
 * local variables and never call into the book per bar. Uses the book's allocation-free
 * `enterAt` / `closeAt`: a run may trade tens of thousands of times.
 */
class Trader implements TradeSink {
  qty = 0;
  cash: number;
  entryFill = 0;
  skipped = 0;
  /** Entries filled so far. */
  entries = 0;
  private entryAxis = 0;
  private exitAxis = 0;
  private exitReason: ExitReason = ExitReason.EndOfData;
  private readonly slippage: number;

  constructor(
    private readonly book: PositionManager,
    private readonly symbol: string,
    private readonly strategy: string,
    private readonly sizing: Sizing,
    private readonly log: TradeLog,
  ) {
    this.cash = book.cash;
    this.slippage = book.slippageRate;
  }

  /** The fields a restart needs (see {@link StreamingPortfolio.snapshot}). */
  state(): { qty: number; cash: number; entryFill: number; skipped: number; entryAxis: number } {
    return { qty: this.qty, cash: this.cash, entryFill: this.entryFill, skipped: this.skipped, entryAxis: this.entryAxis };
  }

  /** Restores {@link state}. */
  setState(st: { qty: number; cash: number; entryFill: number; skipped: number; entryAxis: number }): void {
    this.qty = st.qty; this.cash = st.cash; this.entryFill = st.entryFill; this.skipped = st.skipped; this.entryAxis = st.entryAxis;
  }

  /** The book's {@link TradeSink}: copies the closing trade into the log. */
  record(t: ClosedTrade): void {
    this.log.add(t, this.exitAxis - this.entryAxis, this.exitReason);
  }

  /** `axis` is the fill position on the bar axis: open of bar k = k, close of (or inside) bar k = k + 1. */
  enter(price: number, time: number, axis: number): boolean {
    if (!(price > 0)) { this.skipped++; return false; }
    const q = this.book.enterAt(this.symbol, this.strategy, price, time, this.sizing);
    if (q <= 0) { this.skipped++; return false; }
    this.qty = q;
    this.entries++;
    this.entryFill = buyFillPrice(price, this.slippage);
    this.entryAxis = axis;
    this.cash = this.book.cash;
    return true;
  }

  exit(price: number, time: number, axis: number, reason: number): void {
    this.exitAxis = axis;
    this.exitReason = REASON_NAMES[reason];
    this.book.closeAt(this.symbol, this.strategy, price, time, this.exitReason, this);
    this.qty = 0;
    this.cash = this.book.cash;
  }
}

/** The position book of one run: cash, fees, slippage, lot step, sizing and venue rules from the options. */
export function newBook(o: PortfolioOptions): PositionManager {
  return new PositionManager({ initialCash: o.initial_capital, feeRate: o.fee_rate, slippageRate: o.slippage_rate, lotStep: o.lot_step, defaultSizing: o.sizing, tradeHistoryLimit: 0, orderRules: orderRulesByName(o.order_rules) });
}

/** Per-bar stop factors derived from the options (−1 = disabled): level = entry fill × factor (trailing: × the peak). */
export function stopFactors(o: PortfolioOptions): { slF: number; tpF: number; trF: number } {
  return {
    slF: o.stop_loss_pct === null ? -1 : 1 - o.stop_loss_pct / 100,
    tpF: o.take_profit_pct === null ? -1 : 1 + o.take_profit_pct / 100,
    trF: o.trailing_stop_pct === null ? -1 : 1 - o.trailing_stop_pct / 100,
  };
}

/**
 * Simulates the portfolio. One series takes a tight single loop over the Float64Arrays; several
 * series share one cash account over a merged timeline (slower, same rules).
 *
 * Rules, per bar (see docs/backtest.md):
 * 1. open: with `fill: 'next-open'`, exits decided at the previous close fill at this open, then
 *    entries decided at the previous close fill at this open;
 * 2. intrabar: with a position open, stop-loss / trailing stop / take-profit are checked against
 *    the bar — a level already crossed by the open fills at the open; when both a stop and the
 *    take-profit lie inside the bar the stop is assumed to come first; the trailing peak takes this
 *    bar's high only after the checks;
 * 3. close: hold-period, Sell-signal and end-of-data exits are decided, then Buy signals; with
 *    `fill: 'signal-close'` they fill at this close, otherwise at the next open; a Buy on a series'
 *    last bar opens nothing (no later bar to hold it through);
 * 4. equity = cash + quantity × close.
 */
export function simulatePortfolio(series: readonly SimulationSeries[], cfg: SimulationConfig): SimulationResult {
  return series.length === 1 ? simulateOne(series[0], cfg) : simulateMany(series, cfg);
}

/**
 * State of the single-series simulation. The full per-bar rules live in {@link OneSeries.step};
 * the two scan loops in {@link simulateOne} only skip over "quiet" bars (flat with no Buy, or
 * invested with no stop, no exit decision and no order) with exactly the effects `step` would have.
 * Keeping the rare paths (orders through the book) out of those loops keeps them small enough for
 * the JIT to hold everything in registers: inlining the book into one big loop made every bar ~3x
 * slower.
 */
class OneSeries {
  cash: number;
  qty = 0;
  entryBar = 0;
  /** 1 when the position was entered at an open (that bar counts as held), 0 at a close. */
  entryOff = 0;
  slLevel = -Infinity;
  tpLevel = Infinity;
  peakPx = 0;
  pendEntry = false;
  /** Exit reason code of an exit to fill at the next open, 0 = none. */
  pendExit = 0;
  inMarket = 0;
  /** Equity after the last bar stepped, KRW. */
  equityNow = 0;
  /** Cash before bar 0. */
  readonly cash0: number;
  /** Bars at which the cash changed (entries and exits; ascending, possibly repeated) and the cash after each change. */
  readonly cashBars: number[] = [];
  readonly cashVals: number[] = [];
  readonly ts: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly last: number;
  readonly nextOpen: boolean;
  readonly hold: number;
  readonly exitOnSell: boolean;
  readonly closeAtEnd: boolean;
  readonly slF: number;
  readonly tpF: number;
  readonly trF: number;
  readonly stops: boolean;

  constructor(readonly s: SimulationSeries, readonly tr: Trader, o: PortfolioOptions, holdBars: number | null,
    readonly eqOut: Float64Array) {
    const c = s.candles;
    this.ts = c.timestamp; this.open = c.open; this.high = c.high; this.low = c.low; this.close = c.close;
    this.last = c.timestamp.length - 1;
    this.cash = tr.cash;
    this.cash0 = tr.cash;
    this.nextOpen = o.fill === FillRule.NextOpen;
    this.hold = holdBars ?? 0;
    this.exitOnSell = o.exit_on_sell;
    this.closeAtEnd = o.close_at_end;
    const f = stopFactors(o);
    this.slF = f.slF; this.tpF = f.tpF; this.trF = f.trF;
    this.stops = f.slF > 0 || f.tpF > 0 || f.trF > 0;
  }

  private entered(bar: number, off: number): void {
    const tr = this.tr;
    this.qty = tr.qty; this.cash = tr.cash; this.entryBar = bar; this.entryOff = off;
    this.cashBars.push(bar); this.cashVals.push(tr.cash);
    const f = tr.entryFill;
    this.slLevel = this.slF > 0 ? f * this.slF : -Infinity;
    this.tpLevel = this.tpF > 0 ? f * this.tpF : Infinity;
    this.peakPx = f;
  }

  private exited(i: number): void {
    this.qty = 0;
    this.cash = this.tr.cash;
    this.cashBars.push(i); this.cashVals.push(this.cash);
  }

  /**
   * Applies every rule to bar `i` < last (see {@link simulatePortfolio}): time `t`, prices o/h/l/c
   * and the bar's signal side. The values come in as arguments (not read from the columns) so
   * that the live form ({@link StreamingPortfolio}) runs this very method bar by bar.
   */
  step(i: number, t: number, o: number, h: number, l: number, c: number, side: number): void {
    this.openAndIntrabar(i, t, o, h, l);
    const tr = this.tr;
    // 3. close
    if (this.qty > 0) {
      let why = 0;
      if (this.hold > 0 && i - this.entryBar + this.entryOff >= this.hold) why = R_HOLD;
      else if (this.exitOnSell && side === SELL) why = R_SELL;
      if (why !== 0) {
        if (this.nextOpen) this.pendExit = why;
        else {
          tr.exit(c, t, i + 1, why);
          this.exited(i);
        }
      }
    }
    if (side === BUY) {
      if (this.nextOpen) {
        if (this.qty === 0 || this.pendExit !== 0) this.pendEntry = true;
      } else if (this.qty === 0 && tr.enter(c, t, i + 1)) {
        this.entered(i, 0);
      }
    }
    this.mark(i, c);
  }

  /**
   * Live end of a `next-open` run after {@link step} has already run on bar `i` (close `c` at
   * time `t`): exactly what {@link stepLast} does on a last bar — pending orders are dropped and,
   * with `close_at_end`, an open position is closed at the close (end-of-data).
   */
  endAfterStep(i: number, t: number, c: number): void {
    this.pendExit = 0;
    this.pendEntry = false;
    if (this.qty > 0 && this.closeAtEnd) {
      this.tr.exit(c, t, i + 1, R_END);
      this.exited(i);
    }
    this.mark(i, c);
  }

  /**
   * The last bar: like {@link step}, but no entry can open and a position still open is closed
   * with `close_at_end`. Kept apart from `step` because it runs once per run: a path the JIT has no
   * feedback for inside the hot `step` made it throw away `step`'s optimised code at every run's end.
   */
  stepLast(i: number): void {
    const t = this.ts[i], c = this.close[i];
    this.openAndIntrabar(i, t, this.open[i], this.high[i], this.low[i]);
    if (this.qty > 0) {
      let why = 0;
      if (this.nextOpen) why = this.closeAtEnd ? R_END : 0;
      else if (this.hold > 0 && i - this.entryBar + this.entryOff >= this.hold) why = R_HOLD;
      else if (this.exitOnSell && this.s.side[i] === SELL) why = R_SELL;
      else if (this.closeAtEnd) why = R_END;
      if (why !== 0) {
        this.tr.exit(c, t, i + 1, why);
        this.exited(i);
      }
    }
    this.mark(i, c);
  }

  /** Phases 1 (fills at the open) and 2 (stops inside the bar). */
  private openAndIntrabar(i: number, t: number, op: number, hi: number, lo: number): void {
    const tr = this.tr;
    // 1. open
    if (this.nextOpen) {
      if (this.pendExit !== 0) {
        tr.exit(op, t, i, this.pendExit);
        this.exited(i);
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
          const t = this.peakPx * this.trF;
          if (t > stop) { stop = t; why = R_TRAIL; }
        }
        let px = -1;
        if (op <= stop) px = op;
        else if (op >= this.tpLevel) { px = op; why = R_TP; }
        else if (lo <= stop) px = stop;
        else if (hi >= this.tpLevel) { px = this.tpLevel; why = R_TP; }
        else if (this.trF > 0) this.peakPx = Math.max(this.peakPx, hi);
        if (px >= 0) {
          // A gap through the level fills at the open: same moment as an exit ordered for that open, same bars_held.
          tr.exit(px, t, px === op ? i : i + 1, why);
          this.exited(i);
        }
      }
    }
  }

  /** 4. Equity after bar `i`'s close (cash and drawdown follow from the cash changes and the equity: {@link lazyColumns}). */
  private mark(i: number, c: number): void {
    const e = this.cash + this.qty * c;
    this.equityNow = e;
    if (i < this.eqOut.length) this.eqOut[i] = e;
  }
}

function simulateOne(s: SimulationSeries, cfg: SimulationConfig): SimulationResult {
  const c = s.candles;
  const n = c.timestamp.length;
  const o = cfg.options;
  const book = newBook(o);
  const log = new TradeLog((s.buys ?? 255) + 1);
  const tr = new Trader(book, s.symbol, cfg.strategy, o.sizing, log);
  const st = new OneSeries(s, tr, o, cfg.holdBars, new Float64Array(n));
  runOne(st, s.side, c.open, c.high, c.low, c.close, cfg.progress);
  st.stepLast(n - 1);
  if (st.qty > 0) book.markToMarket(s.symbol, c.close[n - 1], c.timestamp[n - 1]);
  return {
    // The single-series timeline is the input's own timestamp column (not copied: 8 MB per 1M bars).
    equity: lazyColumns(c.timestamp, st.eqOut, st.cash0, st.cashBars, st.cashVals, o.initial_capital),
    trades: log.columns(),
    barsInMarket: st.inMarket,
    symbolBarsInMarket: [st.inMarket],
    symbolEntriesSkipped: [tr.skipped],
    book,
  };
}

/**
 * `drawdown_pct` of an equity curve: (running peak − equity) / running peak × 100, the peak
 * starting at the initial capital. Exactly what the single-series loop used to store bar by bar
 * (`peak = Math.max(peak, equity)`), as a separate pass.
 */
export function drawdownColumn(equity: Float64Array, initialCapital: number): Float64Array {
  const n = equity.length;
  const dd = new Float64Array(n);
  let peak = initialCapital;
  for (let i = 0; i < n; i++) {
    const eq = equity[i];
    peak = Math.max(peak, eq);
    dd[i] = ((peak - eq) / peak) * 100;
  }
  return dd;
}

/**
 * Cash after each of `n` bars: `cash0` until the first change, then the value of the last change
 * at or before the bar (`bars` ascending). The same numbers the bar loop used to store per bar.
 */
export function cashColumn(n: number, cash0: number, bars: readonly number[], vals: readonly number[]): Float64Array {
  const out = new Float64Array(n);
  let from = 0, v = cash0;
  for (let k = 0; k <= bars.length; k++) {
    const to = k < bars.length ? Math.min(bars[k], n) : n;
    if (to > from) { out.fill(v, from, to); from = to; }
    if (k < bars.length) v = vals[k];
  }
  return out;
}

/**
 * The single-series equity table with `cash` and `drawdown_pct` computed on first read and then
 * kept: enumerable getters on a plain object, so the shape, the key order, JSON, structured clone
 * and spreads see the same columns as before, while a run whose caller never reads them (the
 * headline metrics do their own drawdown pass) skips two bar-sized columns and their per-bar work.
 */
function lazyColumns(timestamp: Float64Array, equity: Float64Array, cash0: number, cashBars: readonly number[], cashVals: readonly number[], initialCapital: number): EquityColumns {
  let cash: Float64Array | null = null;
  let dd: Float64Array | null = null;
  return {
    timestamp, equity,
    get cash(): Float64Array {
      cash ??= cashColumn(equity.length, cash0, cashBars, cashVals);
      return cash;
    },
    get drawdown_pct(): Float64Array {
      dd ??= drawdownColumn(equity, initialCapital);
      return dd;
    },
  };
}

/**
 * The bar loop of one series. Apart from {@link simulateOne} so that the JIT's on-stack-replacement
 * code never meets code without type feedback after the loop (which made it bail out, and rerun
 * the start of every call in the interpreter).
 */
function runOne(st: OneSeries, side: Int8Array, open: Float64Array, high: Float64Array, low: Float64Array, close: Float64Array,
  progress: ChunkListener | undefined): void {
  const { eqOut, hold, exitOnSell, trF } = st;
  const n = close.length;
  const last = n - 1;
  // Bars 0..last−1 only: the last bar (once per run) is the caller's, so that no path this loop
  // meets is new to its optimised code (such paths made the JIT drop it at the end of every run).
  let i = 0;
  let nextCheck = 0;
  while (i < last) {
    if (i >= nextCheck) {
      if (progress !== undefined) progress.onChunk(i, n);
      nextCheck = i + CHECK_EVERY_BARS;
    }
    const end = nextCheck < last ? nextCheck : last;
    if (st.pendExit === 0 && !st.pendEntry) {
      if (st.qty === 0) {
        // Flat and nothing pending: equity is the cash until the next Buy.
        const cash = st.cash;
        let j = i;
        while (j < end && side[j] !== BUY) {
          eqOut[j] = cash;
          j++;
        }
        i = j;
      } else {
        // Invested, nothing pending: mark until a stop, a time exit or a Sell signal needs the full step.
        const cash = st.cash, qty = st.qty, sl = st.slLevel, tp = st.tpLevel;
        const holdEnd = hold > 0 ? st.entryBar - st.entryOff + hold : n; // first bar whose close reaches the hold
        let peakPx = st.peakPx, inMarket = st.inMarket;
        let j = i;
        while (j < end && j < holdEnd) {
          const trail = trF > 0 ? peakPx * trF : -Infinity;
          const stop = trail > sl ? trail : sl;
          if (open[j] <= stop || open[j] >= tp || low[j] <= stop || high[j] >= tp) break;
          if (exitOnSell && side[j] === SELL) break;
          inMarket++;
          if (trF > 0) peakPx = Math.max(peakPx, high[j]);
          eqOut[j] = cash + qty * close[j];
          j++;
        }
        st.peakPx = peakPx; st.inMarket = inMarket;
        i = j;
      }
      if (i === end) continue;
    }
    st.step(i, st.ts[i], open[i], high[i], low[i], close[i], side[i]);
    i++;
  }
}

/** Per-symbol state of the multi-series path. */
class SymbolState {
  k = 0;
  qty = 0;
  entryBar = 0;
  entryOff = 0;
  slLevel = -Infinity;
  tpLevel = Infinity;
  peakPx = 0;
  pendEntry = false;
  pendExit = 0;
  inMarket = 0;
  readonly last: number;
  constructor(readonly s: SimulationSeries, readonly tr: Trader) {
    this.last = s.candles.timestamp.length - 1;
  }
}

/** Sorted union of the series' timestamps. */
function mergedTimeline(series: readonly SimulationSeries[]): Float64Array {
  let total = 0;
  for (const s of series) total += s.candles.timestamp.length;
  const all = new Float64Array(total);
  let off = 0;
  for (const s of series) { all.set(s.candles.timestamp, off); off += s.candles.timestamp.length; }
  all.sort();
  let u = 0;
  for (let i = 0; i < total; i++) if (i === 0 || all[i] !== all[u - 1]) all[u++] = all[i];
  return all.slice(0, u);
}

function simulateMany(series: readonly SimulationSeries[], cfg: SimulationConfig): SimulationResult {
  const o = cfg.options;
  const book = newBook(o);
  const log = new TradeLog(series.reduce((a, s) => a + (s.buys ?? 255) + 1, 0));
  const states = series.map((s) => new SymbolState(s, new Trader(book, s.symbol, cfg.strategy, o.sizing, log)));
  const timeline = mergedTimeline(series);
  const n = timeline.length;
  const eqOut = new Float64Array(n), cashOut = new Float64Array(n), ddOut = new Float64Array(n);
  const nextOpen = o.fill === FillRule.NextOpen;
  const hold = cfg.holdBars ?? 0;
  const { slF, tpF, trF } = stopFactors(o);
  const active: SymbolState[] = [];
  let peakEq = o.initial_capital, inMarket = 0;

  const setLevels = (st: SymbolState): void => {
    const f = st.tr.entryFill;
    st.slLevel = slF > 0 ? f * slF : -Infinity;
    st.tpLevel = tpF > 0 ? f * tpF : Infinity;
    st.peakPx = f;
  };

  for (let step = 0; step < n; step++) {
    if (cfg.progress !== undefined && step % CHECK_EVERY_BARS === 0) cfg.progress.onChunk(step, n);
    const t = timeline[step];
    active.length = 0;
    for (const st of states) if (st.k <= st.last && st.s.candles.timestamp[st.k] === t) active.push(st);

    // 1. open: mark to the opens, exits first (they free cash), then entries
    for (const st of active) book.markToMarket(st.s.symbol, st.s.candles.open[st.k], t);
    if (nextOpen) {
      for (const st of active) {
        if (st.pendExit !== 0) {
          st.tr.exit(st.s.candles.open[st.k], t, st.k, st.pendExit);
          st.qty = 0; st.pendExit = 0;
        }
      }
      for (const st of active) {
        if (!st.pendEntry) continue;
        st.pendEntry = false;
        if (st.tr.enter(st.s.candles.open[st.k], t, st.k)) {
          st.qty = st.tr.qty; st.entryBar = st.k; st.entryOff = 1;
          setLevels(st);
        }
      }
    }
    if (book.openCount > 0) inMarket++;

    // 2. intrabar
    for (const st of active) {
      if (st.qty <= 0) continue;
      st.inMarket++;
      if (slF <= 0 && tpF <= 0 && trF <= 0) continue;
      const c = st.s.candles, i = st.k;
      let stop = st.slLevel, why = R_SL;
      if (trF > 0) {
        const tl = st.peakPx * trF;
        if (tl > stop) { stop = tl; why = R_TRAIL; }
      }
      const op = c.open[i];
      let px = -1;
      if (op <= stop) px = op;
      else if (op >= st.tpLevel) { px = op; why = R_TP; }
      else if (c.low[i] <= stop) px = stop;
      else if (c.high[i] >= st.tpLevel) { px = st.tpLevel; why = R_TP; }
      else if (trF > 0) st.peakPx = Math.max(st.peakPx, c.high[i]);
      if (px >= 0) {
        st.tr.exit(px, t, px === op ? i : i + 1, why); // a gap fills at the open: counted like an exit at the open
        st.qty = 0;
      }
    }

    // 3. close: mark to the closes, exits, then entries
    for (const st of active) book.markToMarket(st.s.symbol, st.s.candles.close[st.k], t);
    for (const st of active) {
      if (st.qty <= 0) continue;
      const i = st.k, last = st.last;
      let why = 0;
      if (nextOpen && i === last) why = o.close_at_end ? R_END : 0;
      else if (hold > 0 && i - st.entryBar + st.entryOff >= hold) why = R_HOLD;
      else if (o.exit_on_sell && st.s.side[i] === SELL) why = R_SELL;
      else if (i === last && o.close_at_end) why = R_END;
      if (why === 0) continue;
      if (nextOpen && i !== last) st.pendExit = why;
      else {
        st.tr.exit(st.s.candles.close[i], t, i + 1, why);
        st.qty = 0;
      }
    }
    for (const st of active) {
      const i = st.k;
      if (st.s.side[i] !== BUY) continue;
      if (nextOpen) {
        if (i !== st.last && (st.qty === 0 || st.pendExit !== 0)) st.pendEntry = true;
      } else if (st.qty === 0 && i !== st.last && st.tr.enter(st.s.candles.close[i], t, i + 1)) {
        st.qty = st.tr.qty; st.entryBar = i; st.entryOff = 0;
        setLevels(st);
      }
    }

    // 4. mark
    const eq = book.equity;
    eqOut[step] = eq;
    cashOut[step] = book.cash;
    if (eq > peakEq) peakEq = eq;
    ddOut[step] = ((peakEq - eq) / peakEq) * 100;
    for (const st of active) st.k++;
  }
  return {
    equity: { timestamp: timeline, equity: eqOut, cash: cashOut, drawdown_pct: ddOut },
    trades: log.columns(),
    barsInMarket: inMarket,
    symbolBarsInMarket: states.map((st) => st.inMarket),
    symbolEntriesSkipped: states.map((st) => st.tr.skipped),
    book,
  };
}

/** Settings of a {@link StreamingPortfolio}: one (symbol, strategy) pair with its own book. */
export interface StreamingPortfolioConfig {
  readonly symbol: string;
  /** Strategy name (the position book's key). */
  readonly strategy: string;
  /** Parsed options; `fill` must be `next-open`. */
  readonly options: PortfolioOptions;
  /** Resolved holding period in bars (>= 1), or null for no time exit (see `resolveHoldBars`). */
  readonly holdBars: number | null;
}

/** What one bar did to a {@link StreamingPortfolio}. */
export interface StreamingBarResult {
  /** Bar index (0 = the first bar fed). */
  readonly index: number;
  /** Trades closed on this bar (at its open, or by a stop inside it), in order. */
  readonly closed: readonly TradeRow[];
  /** The entry filled at this bar's open, if one did: fill price after slippage (KRW), quantity (base units), fee (KRW). */
  readonly opened: { readonly price: number; readonly fillPrice: number; readonly quantity: number; readonly fee: number } | null;
  /** Why an entry due at this bar's open was refused by the venue rules or sizing, if one was. */
  readonly refused: { readonly reason: string; readonly message: string } | null;
  /** An order decided at this bar's close, to fill at the next open. */
  readonly pending: { readonly entry: boolean; readonly exit: ExitReason | null };
  /** Cash + quantity × close after the bar, KRW. */
  readonly equity: number;
  readonly cash: number;
  /** Base units held after the bar (0 = flat). */
  readonly quantity: number;
}

/** Serializable state of a {@link StreamingPortfolio} (plain JSON: infinities are stored as null). */
export interface StreamingPortfolioState {
  readonly version: 1;
  readonly bars: number;
  readonly lastTime: number | null;
  readonly lastClose: number | null;
  readonly series: {
    readonly cash: number; readonly qty: number; readonly entryBar: number; readonly entryOff: number;
    readonly slLevel: number | null; readonly tpLevel: number | null; readonly peakPx: number;
    readonly pendEntry: boolean; readonly pendExit: number; readonly inMarket: number; readonly equity: number;
  };
  readonly trader: { readonly qty: number; readonly cash: number; readonly entryFill: number; readonly skipped: number; readonly entryAxis: number };
  readonly book: BookSnapshot;
}

const NO_TRADES: readonly TradeRow[] = Object.freeze([]);

const EMPTY_CANDLES: CandleColumns = {
  timestamp: new Float64Array(0), open: new Float64Array(0), high: new Float64Array(0),
  low: new Float64Array(0), close: new Float64Array(0), volume: new Float64Array(0),
};

/**
 * The portfolio simulation of one series, fed one closed bar at a time (live paper trading).
 * It runs the single-series simulation's own per-bar method ({@link OneSeries.step}) and the same
 * position book, so a series fed bar by bar gives the trades, fees and equity of
 * {@link simulatePortfolio} on the whole series. Only `fill: 'next-open'` is supported: a live
 * order is placed after the candle closed, so it fills at the next price. {@link end} applies the
 * backtest's last-bar rule (`close_at_end`).
 */
export class StreamingPortfolio {
  private readonly log = new TradeLog(16);
  private readonly tr: Trader;
  private readonly st: OneSeries;
  /** The pair's position book (cash, fees, open position). */
  readonly book: PositionManager;
  private bars = 0;
  private lastTime = NaN;
  private lastClose = NaN;

  constructor(readonly config: StreamingPortfolioConfig) {
    const o = config.options;
    if (o.fill !== FillRule.NextOpen) throw new InvalidParamsError([{ field: 'fill', message: 'live sessions fill at the next open: use "next-open"' }], 'paper options');
    this.book = newBook(o);
    this.tr = new Trader(this.book, config.symbol, config.strategy, o.sizing, this.log);
    this.st = new OneSeries({ symbol: config.symbol, candles: EMPTY_CANDLES, side: new Int8Array(0) }, this.tr, o, config.holdBars, new Float64Array(0));
  }

  /** Bars fed so far. */
  get barCount(): number {
    return this.bars;
  }

  /** Feeds the next closed bar and the strategy's signal side for it (0 none, 1 Buy, −1 Sell). */
  onBar(candle: Candle, side: number): StreamingBarResult {
    const i = this.bars++;
    const entries = this.tr.entries, skipped = this.tr.skipped;
    this.st.step(i, candle.timestamp, candle.open, candle.high, candle.low, candle.close, side);
    this.lastTime = candle.timestamp;
    this.lastClose = candle.close;
    if (this.st.qty > 0) this.book.markToMarket(this.config.symbol, candle.close, candle.timestamp);
    return this.result(i, entries, skipped, candle.open);
  }

  /**
   * Ends the run as a backtest ends on its last bar: pending orders are dropped and, with
   * `close_at_end`, an open position is closed at the last close (exit reason `end-of-data`).
   */
  end(): StreamingBarResult {
    const i = this.bars - 1;
    if (i < 0) return this.result(0, this.tr.entries, this.tr.skipped, NaN);
    this.st.endAfterStep(i, this.lastTime, this.lastClose);
    return this.result(i, this.tr.entries, this.tr.skipped, NaN);
  }

  private result(i: number, entriesBefore: number, skippedBefore: number, openPrice: number): StreamingBarResult {
    let closed: readonly TradeRow[] = NO_TRADES;
    if (this.log.count > 0) {
      const rows: TradeRow[] = [];
      for (let k = 0; k < this.log.count; k++) rows.push(this.log.row(k));
      this.log.clear();
      closed = rows;
    }
    const st = this.st;
    let opened: StreamingBarResult['opened'] = null;
    if (this.tr.entries > entriesBefore) {
      // Filled at this bar's open; the position may already be closed again by a stop inside the bar.
      const pos = this.book.getPosition(this.config.symbol, this.config.strategy);
      const q = pos ? pos.quantity : closed.length > 0 ? closed[closed.length - 1].quantity : 0;
      const fill = this.tr.entryFill;
      opened = { price: openPrice, fillPrice: fill, quantity: q, fee: q * fill * this.book.feeRate };
    }
    let refused: StreamingBarResult['refused'] = null;
    if (this.tr.skipped > skippedBefore) {
      const r = this.book.lastRefusal;
      refused = r !== null ? { reason: r.reason, message: r.message } : { reason: 'sizing', message: 'the entry could not be sized (not enough cash or below one lot)' };
    }
    if (st.cashBars.length > 64) { st.cashBars.length = 0; st.cashVals.length = 0; }
    return {
      index: i, closed, opened, refused,
      pending: { entry: st.pendEntry, exit: st.pendExit === 0 ? null : REASON_NAMES[st.pendExit] },
      equity: st.equityNow, cash: st.cash, quantity: st.qty,
    };
  }

  /** Captures the state; {@link restore} on a new instance with the same config continues identically. */
  snapshot(): StreamingPortfolioState {
    const st = this.st;
    const fin = (x: number): number | null => (Number.isFinite(x) ? x : null);
    return {
      version: 1, bars: this.bars, lastTime: fin(this.lastTime), lastClose: fin(this.lastClose),
      series: { cash: st.cash, qty: st.qty, entryBar: st.entryBar, entryOff: st.entryOff, slLevel: fin(st.slLevel), tpLevel: fin(st.tpLevel),
        peakPx: st.peakPx, pendEntry: st.pendEntry, pendExit: st.pendExit, inMarket: st.inMarket, equity: st.equityNow },
      trader: this.tr.state(),
      book: this.book.snapshot(),
    };
  }

  /** Restores a {@link snapshot} into this fresh instance. */
  restore(state: StreamingPortfolioState): void {
    if (state?.version !== 1 || this.bars !== 0) throw new InvalidParamsError([{ field: 'state', message: 'expected a version-1 snapshot restored into a fresh StreamingPortfolio' }], 'paper state');
    this.book.restore(state.book);
    this.tr.setState(state.trader);
    const st = this.st, s = state.series;
    st.cash = s.cash; st.qty = s.qty; st.entryBar = s.entryBar; st.entryOff = s.entryOff;
    st.slLevel = s.slLevel ?? -Infinity; st.tpLevel = s.tpLevel ?? Infinity; st.peakPx = s.peakPx;
    st.pendEntry = s.pendEntry; st.pendExit = s.pendExit; st.inMarket = s.inMarket; st.equityNow = s.equity;
    this.bars = state.bars;
    this.lastTime = state.lastTime ?? NaN;
    this.lastClose = state.lastClose ?? NaN;
  }
}
