import { buyFillPrice, DEFAULT_FEE_RATE, DEFAULT_SLIPPAGE_RATE, sellFillPrice } from './costs';
import { InvalidOrderError, InvalidPositionsConfigError, ListenerError, type PositionEventName } from './errors';
import { PositionRecord, PositionStatus, TradeRecord, type ClosedTrade, type Position } from './position';
import type { OrderRefusal, OrderRules } from './order-rules';
import { entryQuantity, sizeEntry, SizingKind, type Sizing, type SizingRejection } from './sizing';

/** Default starting cash of a {@link PositionManager}: 10,000,000 KRW. */
export const DEFAULT_INITIAL_CASH = 10_000_000;

/** Default lot step: 1e-8 base units (Upbit's 8 decimals). */
export const DEFAULT_LOT_STEP = 1e-8;

/** Default sizing of a {@link PositionManager}: 10 % of equity per entry (fees included). */
export const DEFAULT_SIZING: Sizing = { kind: SizingKind.EquityFraction, fraction: 0.1 };

/** Options of {@link PositionManager}; every field has a documented default. */
export interface PositionManagerOptions {
  /** Starting cash, KRW, finite and >= 0. Default {@link DEFAULT_INITIAL_CASH}. */
  readonly initialCash?: number;
  /** Fee per leg as a fraction of notional, in [0, 1). Default 0.001 (0.1 %); 0 disables fees. */
  readonly feeRate?: number;
  /** Adverse slippage per fill as a fraction of price, in [0, 1). Default 0.0002 (0.02 %); 0 disables it. */
  readonly slippageRate?: number;
  /** Quantities are rounded down to a multiple of this many base units; 0 disables rounding. Default 1e-8. */
  readonly lotStep?: number;
  /** Sizing used when an order does not carry its own. Default {@link DEFAULT_SIZING}. */
  readonly defaultSizing?: Sizing;
  /**
   * Called when a listener throws (after the book has been updated). Listeners registered with
   * `on('error', …)` are called as well. When neither exists the error is only counted
   * ({@link PositionManager.listenerErrorCount}).
   */
  readonly onListenerError?: (error: ListenerError) => void;
  /**
   * How many closed trades {@link PositionManager.getClosedTrades} can return (the most recent
   * ones). Default: all. Counts, P&L and win rate in the summary always cover every trade. A
   * simulation that records trades itself passes 0: keeping thousands of trade objects alive costs
   * more garbage-collector time than the trades themselves.
   */
  readonly tradeHistoryLimit?: number;
  /**
   * Venue rules every entry must pass (e.g. `upbitKrwRules()`: price on the tick, amount >= 5,000
   * KRW), checked on the quoted price and the sized quantity. A refused entry changes nothing and
   * is returned by {@link PositionManager.enter} as the refusal (see also
   * {@link PositionManager.lastRefusal}). Default: none.
   */
  readonly orderRules?: OrderRules;
}

/** An order to open a position. */
export interface EnterOrder {
  readonly symbol: string;
  readonly strategy: string;
  /** Quoted price, KRW per unit, finite and > 0; the fill is `price × (1 + slippageRate)`. */
  readonly price: number;
  /** Entry time, epoch ms. */
  readonly time: number;
  /** Overrides the manager's default sizing. */
  readonly sizing?: Sizing;
  /** Overrides the manager's slippage rate for this fill (fraction, in [0, 1)). */
  readonly slippageRate?: number;
}

/** An order to close the open position of a (symbol, strategy) pair. */
export interface CloseOrder {
  readonly symbol: string;
  readonly strategy: string;
  /** Quoted price, KRW per unit, finite and >= 0; the fill is `price × (1 − slippageRate)`. */
  readonly price: number;
  /** Exit time, epoch ms. */
  readonly time: number;
  /** Overrides the manager's slippage rate for this fill (fraction, in [0, 1)). */
  readonly slippageRate?: number;
  /** Exit reason stored on the trade (e.g. `take-profit`). */
  readonly reason?: string;
}

/** Why an entry did not happen. */
export const EnterRejection = {
  /** The (symbol, strategy) pair already has an open position. */
  AlreadyOpen: 'already-open',
  InsufficientCash: 'insufficient-cash',
  BelowLotSize: 'below-lot-size',
} as const;
/** One of {@link EnterRejection}'s values. */
export type EnterRejection = (typeof EnterRejection)[keyof typeof EnterRejection];

/** Outcome of {@link PositionManager.enter}. */
export type EnterResult =
  | { readonly ok: true; readonly position: Position }
  | {
      readonly ok: false;
      readonly reason: typeof EnterRejection.AlreadyOpen;
      readonly message: string;
      /** The position that is already open. */
      readonly position: Position;
    }
  | {
      readonly ok: false;
      readonly reason: SizingRejection;
      readonly message: string;
      /** Cash the entry would need, KRW. */
      readonly required: number;
      /** Cash on hand, KRW. */
      readonly available: number;
    }
  | OrderRefusal;

/** An open position inside a {@link BookSnapshot} (plain numbers; KRW, base units, epoch ms). */
export interface BookSnapshotPosition {
  readonly id: number;
  readonly symbol: string;
  readonly strategy: string;
  readonly entryTime: number;
  readonly entryPrice: number;
  readonly entryFillPrice: number;
  readonly quantity: number;
  readonly entryFee: number;
  readonly markPrice: number;
  readonly markTime: number;
}

/**
 * Everything a {@link PositionManager} needs to continue after a restart: cash, fees, counters,
 * aggregates and the open positions. Plain JSON. The closed-trade history is not included (a
 * durable store keeps trades); the summary's counts and P&L are.
 */
export interface BookSnapshot {
  readonly version: 1;
  readonly cash: number;
  readonly fees: number;
  readonly nextPositionId: number;
  readonly nextTradeId: number;
  readonly closed: number;
  readonly realized: number;
  readonly wins: number;
  readonly losses: number;
  /** Per symbol: closed trades and realized P&L. */
  readonly bySymbol: Readonly<Record<string, { readonly closed: number; readonly realized: number }>>;
  readonly open: readonly BookSnapshotPosition[];
}

/** Outcome of {@link PositionManager.close}. */
export type CloseResult =
  | { readonly ok: true; readonly trade: ClosedTrade }
  | { readonly ok: false; readonly reason: 'not-found'; readonly message: string };

/** Signal sides understood by {@link PositionManager.onSignal}. */
export const TradeSide = { Buy: 'buy', Sell: 'sell' } as const;
/** One of {@link TradeSide}'s values. */
export type TradeSide = (typeof TradeSide)[keyof typeof TradeSide];

/** A trading signal for {@link PositionManager.onSignal}: buy opens, sell closes. */
export interface TradeSignal {
  readonly side: TradeSide;
  readonly symbol: string;
  readonly strategy: string;
  /** Signal price, KRW per unit; used when no candle is given. */
  readonly price: number;
  /** Signal time, epoch ms; used when no candle is given. */
  readonly time: number;
  /** When given, the order executes at `candle.close` and `candle.timestamp` (as the original). */
  readonly candle?: { readonly close: number; readonly timestamp: number };
  readonly sizing?: Sizing;
  readonly slippageRate?: number;
}

/** Outcome of {@link PositionManager.onSignal}. */
export type SignalOutcome =
  | { readonly side: typeof TradeSide.Buy; readonly result: EnterResult }
  | { readonly side: typeof TradeSide.Sell; readonly result: CloseResult };

/** Filter for open-position and trade queries; omitted fields match everything. */
export interface PositionFilter {
  readonly symbol?: string;
  readonly strategy?: string;
}

/** Filter for {@link PositionManager.getClosedTrades}. */
export interface TradeFilter extends PositionFilter {
  /** Keep at most this many (the newest). Default: all. (The original defaulted to 100.) */
  readonly limit?: number;
}

/** Per-symbol part of a {@link PositionSummary}. */
export interface SymbolSummary {
  readonly openCount: number;
  readonly closedCount: number;
  /** Σ realized P&L of closed trades, KRW. */
  readonly realizedPnl: number;
  /** Σ unrealized P&L of open positions at their last mark, KRW. */
  readonly unrealizedPnl: number;
}

/** Snapshot of the whole book (KRW amounts, fractions for rates). */
export interface PositionSummary {
  readonly openCount: number;
  readonly closedCount: number;
  /** Closed trades with realized P&L > 0. */
  readonly wins: number;
  /** Closed trades with realized P&L < 0 (zero is neither). */
  readonly losses: number;
  /** `wins / closedCount` as a **fraction** 0..1; null when nothing has been closed. */
  readonly winRate: number | null;
  /** Σ realized P&L, KRW (net of all fees). */
  readonly realizedPnl: number;
  /** Σ unrealized P&L at the last marks, KRW. */
  readonly unrealizedPnl: number;
  /** Σ fees paid so far (entries of all positions, exits of closed ones), KRW. */
  readonly feesPaid: number;
  readonly initialCash: number;
  readonly cash: number;
  /** `cash + Σ quantity × markPrice`, KRW. */
  readonly equity: number;
  /** Per symbol, in order of first entry. */
  readonly bySymbol: Readonly<Record<string, SymbolSummary>>;
}

/** Listener signatures by event name. */
export interface PositionListeners {
  /** A position was opened. */
  opened: (position: Position) => void;
  /** A position was closed; `position` has status `closed`. */
  closed: (trade: ClosedTrade, position: Position) => void;
  /** A position was marked to a new price. */
  updated: (position: Position) => void;
  /** A listener of another event threw. */
  error: (error: ListenerError) => void;
}

// Refusals are small classes with lazy messages: object literals with getters are slow to
// create, and a simulation may be refused many times.
class AlreadyOpen {
  readonly ok = false as const;
  readonly reason = EnterRejection.AlreadyOpen;
  constructor(readonly position: Position) {}
  get message(): string {
    return `${this.position.symbol} already has an open position for strategy ${this.position.strategy}`;
  }
}

class NothingToClose {
  readonly ok = false as const;
  readonly reason = 'not-found' as const;
  constructor(private readonly symbol: string, private readonly strategy: string) {}
  get message(): string {
    return `${this.symbol} has no open position for strategy ${this.strategy}`;
  }
}

function checkRate(field: string, x: number): number {
  if (!(Number.isFinite(x) && x >= 0 && x < 1)) throw new InvalidPositionsConfigError(field, x, 'a fraction in [0, 1)');
  return x;
}

/**
 * Receives closed trades from {@link PositionManager.closeAt}. The trade object is reused by the
 * book and valid only during the call: copy what you need. (An object with a method rather than a
 * bare callback: the book's compiled code then stays valid when a sink is replaced.)
 */
export interface TradeSink {
  record(trade: ClosedTrade): void;
}

/**
 * A long-only position book with cash: at most one open position per (symbol, strategy), fees on
 * both legs, adverse slippage on both fills, sizing with lot rounding, and listeners.
 *
 * Accounting identity (holds after every call, up to float rounding):
 * `equity − initialCash = Σ realizedPnl (closed) + Σ unrealizedPnl (open)`,
 * with `equity = cash + Σ quantity × markPrice`.
 *
 * Two ways to trade: {@link PositionManager.enter} / {@link PositionManager.close} return objects
 * (the position, the trade); {@link PositionManager.enterAt} / {@link PositionManager.closeAt} are
 * the same operations without allocating (for simulations that open tens of thousands of
 * positions). Position objects are created only when someone asks for one.
 * {@link PositionManager.markToMarket} does not allocate. No I/O, no clock: times are passed in.
 */
export class PositionManager {
  /** Fee per leg as a fraction of notional. */
  readonly feeRate: number;
  /** Default adverse slippage per fill as a fraction of price. */
  readonly slippageRate: number;
  /** Lot step in base units (0 = none). */
  readonly lotStep: number;
  /** Starting cash, KRW. */
  readonly initialCash: number;
  /** Sizing used when an order carries none. */
  readonly defaultSizing: Sizing;

  private cashKrw: number;
  private feesKrw = 0;
  private nextPositionId = 1;
  private nextTradeId = 1;
  private listenerErrors = 0;
  private readonly onListenerError?: (error: ListenerError) => void;
  private readonly orderRules: OrderRules | undefined;
  private refusal: OrderRefusal | null = null;
  /**
   * symbol → its slots. A slot is created on a pair's first entry and then reused, so entering and
   * closing never mutate a Map or an array.
   */
  private readonly groups = new Map<string, SymbolGroup>();
  /** Every slot, in creation order (for equity and queries). */
  private readonly slots: Slot[] = [];
  private lastSlot: Slot | null = null;
  private openPositions = 0;
  /** Most recent closed trades (at most `historyLimit` once trimmed). */
  private history: ClosedTrade[] = [];
  private readonly historyLimit: number;
  private closedTotal = 0;
  private realizedTotal = 0;
  private winCount = 0;
  private lossCount = 0;
  /** The trade of the last close, reused (see {@link TradeSink}). */
  private readonly lastTrade = new MutableTrade();
  private readonly listeners: { [E in keyof PositionListeners]: PositionListeners[E][] } = { opened: [], closed: [], updated: [], error: [] };

  constructor(options: PositionManagerOptions = {}) {
    this.feeRate = checkRate('feeRate', options.feeRate ?? DEFAULT_FEE_RATE);
    this.slippageRate = checkRate('slippageRate', options.slippageRate ?? DEFAULT_SLIPPAGE_RATE);
    const lot = options.lotStep ?? DEFAULT_LOT_STEP;
    if (!(Number.isFinite(lot) && lot >= 0)) throw new InvalidPositionsConfigError('lotStep', lot, 'a finite number >= 0 (base units)');
    this.lotStep = lot;
    const cash = options.initialCash ?? DEFAULT_INITIAL_CASH;
    if (!(Number.isFinite(cash) && cash >= 0)) throw new InvalidPositionsConfigError('initialCash', cash, 'a finite number >= 0 (KRW)');
    this.initialCash = cash;
    this.cashKrw = cash;
    this.defaultSizing = options.defaultSizing ?? DEFAULT_SIZING;
    this.onListenerError = options.onListenerError;
    const limit = options.tradeHistoryLimit ?? Infinity;
    if (!(limit === Infinity || (Number.isInteger(limit) && limit >= 0))) throw new InvalidPositionsConfigError('tradeHistoryLimit', limit, 'an integer >= 0 or Infinity');
    this.historyLimit = limit;
    this.orderRules = options.orderRules;
  }

  /** The venue rules entries are checked against (the `orderRules` option), if any. */
  get rules(): OrderRules | undefined {
    return this.orderRules;
  }

  /**
   * Why the most recent entry attempt was refused by the venue rules; null when it was not
   * (accepted, or refused for cash / lot size). Lets {@link enterAt} callers learn the reason.
   */
  get lastRefusal(): OrderRefusal | null {
    return this.refusal;
  }

  /** Cash on hand, KRW. */
  get cash(): number {
    return this.cashKrw;
  }

  /** `cash + Σ quantity × markPrice` over open positions, KRW. Allocation-free. */
  get equity(): number {
    let e = this.cashKrw;
    const slots = this.slots;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i];
      if (s.open) e += s.quantity * s.markPrice;
    }
    return e;
  }

  /** Number of open positions. */
  get openCount(): number {
    return this.openPositions;
  }

  /** Number of closed trades. */
  get closedCount(): number {
    return this.closedTotal;
  }

  /** Fees paid so far, KRW. */
  get feesPaid(): number {
    return this.feesKrw;
  }

  /** How many listener exceptions were caught so far. */
  get listenerErrorCount(): number {
    return this.listenerErrors;
  }

  /** Registers a listener; returns a function that removes it. */
  on<E extends keyof PositionListeners>(event: E, listener: PositionListeners[E]): () => void {
    const list = this.listeners[event] as PositionListeners[E][];
    list.push(listener);
    return () => {
      const i = list.indexOf(listener);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /** The open position of (symbol, strategy), if any. */
  getPosition(symbol: string, strategy: string): Position | undefined {
    const slot = this.groups.get(symbol)?.byStrategy.get(strategy);
    return slot?.open ? viewOf(slot) : undefined;
  }

  /** Captures the book's state (see {@link BookSnapshot}); {@link restore} on a book with the same options continues identically. */
  snapshot(): BookSnapshot {
    const bySymbol: Record<string, { closed: number; realized: number }> = {};
    for (const [symbol, g] of this.groups) bySymbol[symbol] = { closed: g.closedCount, realized: g.realizedPnl };
    const open: BookSnapshotPosition[] = [];
    for (const s of this.slots) {
      if (!s.open) continue;
      open.push({ id: s.id, symbol: s.symbol, strategy: s.strategy, entryTime: s.entryTime, entryPrice: s.entryPrice, entryFillPrice: s.entryFillPrice,
        quantity: s.quantity, entryFee: s.entryFee, markPrice: s.markPrice, markTime: s.markTime });
    }
    return { version: 1, cash: this.cashKrw, fees: this.feesKrw, nextPositionId: this.nextPositionId, nextTradeId: this.nextTradeId,
      closed: this.closedTotal, realized: this.realizedTotal, wins: this.winCount, losses: this.lossCount, bySymbol, open };
  }

  /**
   * Replaces the state of a **fresh** book (no trades yet) with `snap`. Throws
   * {@link InvalidPositionsConfigError} when the book was already used or the snapshot is not one.
   */
  restore(snap: BookSnapshot): void {
    if (this.slots.length > 0 || this.closedTotal > 0) throw new InvalidPositionsConfigError('restore', 'a used book', 'called on a fresh PositionManager');
    if (snap?.version !== 1 || !Array.isArray(snap.open)) throw new InvalidPositionsConfigError('restore', snap?.version, 'a BookSnapshot of version 1');
    this.cashKrw = snap.cash;
    this.feesKrw = snap.fees;
    this.nextPositionId = snap.nextPositionId;
    this.nextTradeId = snap.nextTradeId;
    this.closedTotal = snap.closed;
    this.realizedTotal = snap.realized;
    this.winCount = snap.wins;
    this.lossCount = snap.losses;
    for (const [symbol, g] of Object.entries(snap.bySymbol)) {
      const group: SymbolGroup = { byStrategy: new Map(), slots: [], closedCount: g.closed, realizedPnl: g.realized };
      this.groups.set(symbol, group);
    }
    for (const p of snap.open) {
      const slot = this.slotFor(p.symbol, p.strategy);
      slot.open = true;
      slot.id = p.id;
      slot.entryTime = p.entryTime;
      slot.entryPrice = p.entryPrice;
      slot.entryFillPrice = p.entryFillPrice;
      slot.quantity = p.quantity;
      slot.entryFee = p.entryFee;
      slot.markPrice = p.markPrice;
      slot.markTime = p.markTime;
      this.openPositions++;
    }
  }

  /**
   * Opens a position: fills at `price × (1 + slippage)`, sizes it, rounds it down to the lot step,
   * pays the entry fee and debits `notional + fee` from cash. Returns a value for every expected
   * refusal (already open, not enough cash, below one lot); throws {@link InvalidOrderError} for a
   * malformed order.
   */
  enter(order: EnterOrder): EnterResult {
    const { symbol, strategy, price, time } = order;
    checkOrder(price, time, false);
    const slip = order.slippageRate === undefined ? this.slippageRate : checkOrderRate(order.slippageRate);
    const slot = this.slotFor(symbol, strategy);
    if (slot.open) return new AlreadyOpen(viewOf(slot));
    const sizing = order.sizing ?? this.defaultSizing;
    if (this.openSlot(slot, price, time, sizing, slip) > 0) return { ok: true, position: viewOf(slot) };
    if (this.refusal !== null) return this.refusal;
    const refused = sizeEntry(sizing, { fillPrice: buyFillPrice(price, slip), feeRate: this.feeRate, cash: this.cashKrw, equity: this.equity, lotStep: this.lotStep });
    if (!refused.ok) return refused;
    throw new Error('unreachable: sizeEntry accepted what entryQuantity refused');
  }

  /**
   * {@link enter} without allocating: returns the quantity bought (base units), or 0 when the pair
   * is already open or the sizing is refused (call {@link enter} to learn why).
   */
  enterAt(symbol: string, strategy: string, price: number, time: number, sizing: Sizing = this.defaultSizing, slippageRate?: number): number {
    checkOrder(price, time, false);
    const slip = slippageRate === undefined ? this.slippageRate : checkOrderRate(slippageRate);
    const slot = this.slotFor(symbol, strategy);
    if (slot.open) { this.refusal = null; return 0; }
    return this.openSlot(slot, price, time, sizing, slip);
  }

  /**
   * Closes the open position of (symbol, strategy) at `price × (1 − slippage)`, pays the exit fee
   * and credits `quantity × exitFill − exitFee` to cash. Nothing open → `{ ok: false, reason: 'not-found' }`.
   */
  close(order: CloseOrder): CloseResult {
    const { symbol, strategy, price, time } = order;
    checkOrder(price, time, true);
    const slip = order.slippageRate === undefined ? this.slippageRate : checkOrderRate(order.slippageRate);
    const slot = this.lookup(symbol, strategy);
    if (slot === null || !slot.open) return new NothingToClose(symbol, strategy);
    return { ok: true, trade: this.closeSlot(slot, price, time, order.reason ?? null, slip, true) ?? this.lastTrade.freeze() };
  }

  /**
   * {@link close} without allocating: returns false when nothing is open. The trade is passed to
   * `sink.record` (a reused object, valid during the call only).
   */
  closeAt(symbol: string, strategy: string, price: number, time: number, reason: string | null = null, sink?: TradeSink, slippageRate?: number): boolean {
    checkOrder(price, time, true);
    const slip = slippageRate === undefined ? this.slippageRate : checkOrderRate(slippageRate);
    const slot = this.lookup(symbol, strategy);
    if (slot === null || !slot.open) return false;
    this.closeSlot(slot, price, time, reason, slip, false);
    if (sink !== undefined) sink.record(this.lastTrade);
    return true;
  }

  /**
   * Marks every open position of `symbol` to `price` (KRW per unit, finite, >= 0) at `time` (ms).
   * Returns how many positions were updated. Does not allocate (unless `updated` listeners need
   * position objects).
   */
  markToMarket(symbol: string, price: number, time: number): number {
    if (!(Number.isFinite(price) && price >= 0)) throw new InvalidOrderError('price', price, 'a finite number >= 0 (KRW per unit)');
    const group = this.groups.get(symbol);
    if (group === undefined) return 0;
    const notify = this.listeners.updated.length > 0;
    const slots = group.slots;
    let marked = 0;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i];
      if (!s.open) continue;
      s.markPrice = price;
      s.markTime = time;
      if (s.view !== null) s.view.mark(price, time);
      marked++;
      if (notify) this.emit('updated', viewOf(s));
    }
    return marked;
  }

  /**
   * Port of the original `on_signal`: executes at `candle.close` (and `candle.timestamp`) when a
   * candle is given, else at the signal's price and time; buy → {@link enter}, sell → {@link close}.
   */
  onSignal(signal: TradeSignal): SignalOutcome {
    const price = signal.candle ? signal.candle.close : signal.price;
    const time = signal.candle ? signal.candle.timestamp : signal.time;
    const base = { symbol: signal.symbol, strategy: signal.strategy, price, time, slippageRate: signal.slippageRate };
    if (signal.side === TradeSide.Buy) return { side: TradeSide.Buy, result: this.enter({ ...base, sizing: signal.sizing }) };
    if (signal.side === TradeSide.Sell) return { side: TradeSide.Sell, result: this.close({ ...base, reason: 'sell-signal' }) };
    throw new InvalidOrderError('side', (signal as { side: unknown }).side, `"${TradeSide.Buy}" or "${TradeSide.Sell}"`);
  }

  /** Open positions matching the filter, newest entry first (ties: newest id first). A new array. */
  getOpenPositions(filter: PositionFilter = {}): Position[] {
    return this.openList()
      .filter((p) => matches(p, filter))
      .sort((a, b) => b.entryTime - a.entryTime || b.id - a.id);
  }

  /** Closed trades matching the filter, newest exit first (ties: newest id first), at most `limit`. */
  getClosedTrades(filter: TradeFilter = {}): ClosedTrade[] {
    const kept = this.history.length > this.historyLimit ? this.history.slice(-this.historyLimit) : this.history;
    const out = kept.filter((t) => matches(t, filter)).sort((a, b) => b.exitTime - a.exitTime || b.id - a.id);
    const limit = filter.limit;
    if (limit !== undefined) {
      if (!(Number.isInteger(limit) && limit >= 0)) throw new InvalidOrderError('limit', limit, 'an integer >= 0');
      out.length = Math.min(out.length, limit);
    }
    return out;
  }

  /** Counts, P&L, fees, win rate (fraction) and a per-symbol breakdown. */
  getSummary(): PositionSummary {
    const bySymbol: Record<string, { openCount: number; closedCount: number; realizedPnl: number; unrealizedPnl: number }> = {};
    for (const [s, g] of this.groups) bySymbol[s] = { openCount: 0, closedCount: g.closedCount, realizedPnl: g.realizedPnl, unrealizedPnl: 0 };
    let unrealized = 0;
    for (const s of this.slots) {
      if (!s.open) continue;
      const u = unrealizedOf(s);
      const b = bySymbol[s.symbol];
      b.openCount++;
      b.unrealizedPnl += u;
      unrealized += u;
    }
    const n = this.closedTotal;
    return {
      openCount: this.openPositions, closedCount: n, wins: this.winCount, losses: this.lossCount, winRate: n > 0 ? this.winCount / n : null,
      realizedPnl: this.realizedTotal, unrealizedPnl: unrealized, feesPaid: this.feesKrw,
      initialCash: this.initialCash, cash: this.cashKrw, equity: this.equity, bySymbol,
    };
  }

  /** Opens `slot`; returns the quantity, or 0 when the sizing is refused (nothing changes then). */
  private openSlot(slot: Slot, price: number, time: number, sizing: Sizing, slip: number): number {
    const fill = buyFillPrice(price, slip);
    const quantity = entryQuantity(sizing, fill, this.feeRate, this.cashKrw, this.equity, this.lotStep);
    this.refusal = null;
    if (quantity <= 0) return 0;
    if (this.orderRules !== undefined) {
      const refused = this.orderRules.check({ symbol: slot.symbol, price, quantity });
      if (refused !== null) { this.refusal = refused; return 0; }
    }
    const notional = quantity * fill;
    const fee = notional * this.feeRate;
    this.cashKrw -= notional + fee;
    this.feesKrw += fee;
    slot.open = true;
    slot.id = this.nextPositionId++;
    slot.entryTime = time;
    slot.entryPrice = price;
    slot.entryFillPrice = fill;
    slot.quantity = quantity;
    slot.entryFee = fee;
    slot.markPrice = price;
    slot.markTime = time;
    slot.view = null;
    this.openPositions++;
    if (this.listeners.opened.length > 0) this.emit('opened', viewOf(slot));
    return quantity;
  }

  /**
   * Closes `slot` into {@link lastTrade} and updates cash and aggregates. Returns a frozen trade when
   * one was needed anyway (history, listeners, or `wantRecord`), else null.
   */
  private closeSlot(slot: Slot, price: number, time: number, reason: string | null, slip: number, wantRecord: boolean): TradeRecord | null {
    const q = slot.quantity;
    const fill = sellFillPrice(price, slip);
    const exitNotional = q * fill;
    const exitFee = exitNotional * this.feeRate;
    const proceeds = exitNotional - exitFee;
    const realized = proceeds - (q * slot.entryFillPrice + slot.entryFee);
    this.cashKrw += proceeds;
    this.feesKrw += exitFee;
    slot.open = false;
    this.openPositions--;
    this.lastTrade.set(this.nextTradeId++, slot, time, price, fill, exitFee, realized, reason);
    this.closedTotal++;
    this.realizedTotal += realized;
    if (realized > 0) this.winCount++;
    else if (realized < 0) this.lossCount++;
    slot.group.closedCount++;
    slot.group.realizedPnl += realized;
    const notify = this.listeners.closed.length > 0;
    const keep = this.historyLimit > 0;
    let record: TradeRecord | null = null;
    if (wantRecord || notify || keep) record = this.lastTrade.freeze();
    let view = slot.view;
    if (view === null && notify) view = viewOf(slot);
    if (view !== null) {
      view.mark(price, time);
      view.status = PositionStatus.Closed;
      slot.view = null;
    }
    if (keep && record !== null) {
      this.history.push(record);
      // Trim in batches so the cost per trade stays O(1).
      if (this.history.length >= 2 * this.historyLimit) this.history = this.history.slice(-this.historyLimit);
    }
    if (notify && record !== null && view !== null) this.emit('closed', record, view);
    return record;
  }

  private lookup(symbol: string, strategy: string): Slot | null {
    const last = this.lastSlot;
    if (last !== null && last.symbol === symbol && last.strategy === strategy) return last;
    const slot = this.groups.get(symbol)?.byStrategy.get(strategy);
    if (slot === undefined) return null;
    this.lastSlot = slot;
    return slot;
  }

  private slotFor(symbol: string, strategy: string): Slot {
    const found = this.lookup(symbol, strategy);
    if (found !== null) return found;
    let group = this.groups.get(symbol);
    if (group === undefined) {
      group = { byStrategy: new Map(), slots: [], closedCount: 0, realizedPnl: 0 };
      this.groups.set(symbol, group);
    }
    const slot = new Slot(symbol, strategy, group);
    group.byStrategy.set(strategy, slot);
    group.slots.push(slot);
    this.slots.push(slot);
    this.lastSlot = slot;
    return slot;
  }

  private openList(): PositionRecord[] {
    const out: PositionRecord[] = [];
    for (const s of this.slots) if (s.open) out.push(viewOf(s));
    return out;
  }

  private emit<E extends Exclude<keyof PositionListeners, 'error'>>(event: E, ...args: Parameters<PositionListeners[E]>): void {
    const list = this.listeners[event] as ((...a: Parameters<PositionListeners[E]>) => void)[];
    for (let i = 0; i < list.length; i++) {
      try {
        list[i](...args);
      } catch (cause) {
        this.reportListenerError(new ListenerError(event as PositionEventName, cause));
      }
    }
  }

  private reportListenerError(error: ListenerError): void {
    this.listenerErrors++;
    // Error reporters are isolated too: a throwing reporter must not break the book either.
    try {
      this.onListenerError?.(error);
    } catch {
      this.listenerErrors++;
    }
    for (const l of this.listeners.error) {
      try {
        l(error);
      } catch {
        this.listenerErrors++;
      }
    }
  }
}

/**
 * The state of one (symbol, strategy) pair: its open position as plain numbers (no object per
 * position), and the public {@link Position} object once someone asked for it.
 */
class Slot {
  open = false;
  id = 0;
  entryTime = 0;
  entryPrice = 0;
  entryFillPrice = 0;
  quantity = 0;
  entryFee = 0;
  markPrice = 0;
  markTime = 0;
  /** The position object handed out for the current position, updated by marks; null until asked for. */
  view: PositionRecord | null = null;
  constructor(readonly symbol: string, readonly strategy: string, readonly group: SymbolGroup) {}
}

/** The slots of one symbol and the aggregates of its closed trades. */
interface SymbolGroup {
  readonly byStrategy: Map<string, Slot>;
  readonly slots: Slot[];
  closedCount: number;
  /** Σ realized P&L of this symbol's closed trades, KRW. */
  realizedPnl: number;
}

/** The position object of an open slot (created once per position, on demand). */
function viewOf(s: Slot): PositionRecord {
  if (s.view === null) {
    s.view = new PositionRecord(s.id, s.symbol, s.strategy, s.entryTime, s.entryPrice, s.entryFillPrice, s.quantity, s.entryFee);
    s.view.mark(s.markPrice, s.markTime);
  }
  return s.view;
}

/** quantity × mark − cost basis, the same expression as {@link Position.unrealizedPnl}. */
function unrealizedOf(s: Slot): number {
  return s.quantity * s.markPrice - (s.quantity * s.entryFillPrice + s.entryFee);
}

/** The last closed trade, reused between closes; {@link MutableTrade.freeze} copies it. */
class MutableTrade implements ClosedTrade {
  id = 0;
  positionId = 0;
  symbol = '';
  strategy = '';
  entryTime = 0;
  exitTime = 0;
  entryPrice = 0;
  entryFillPrice = 0;
  exitPrice = 0;
  exitFillPrice = 0;
  quantity = 0;
  entryFee = 0;
  exitFee = 0;
  realizedPnl = 0;
  reason: string | null = null;

  set(id: number, s: Slot, exitTime: number, exitPrice: number, exitFill: number, exitFee: number, realized: number, reason: string | null): void {
    this.id = id;
    this.positionId = s.id;
    this.symbol = s.symbol;
    this.strategy = s.strategy;
    this.entryTime = s.entryTime;
    this.exitTime = exitTime;
    this.entryPrice = s.entryPrice;
    this.entryFillPrice = s.entryFillPrice;
    this.exitPrice = exitPrice;
    this.exitFillPrice = exitFill;
    this.quantity = s.quantity;
    this.entryFee = s.entryFee;
    this.exitFee = exitFee;
    this.realizedPnl = realized;
    this.reason = reason;
  }

  get fees(): number {
    return this.entryFee + this.exitFee;
  }

  get slippageCost(): number {
    const q = this.quantity;
    return q * (this.entryFillPrice - this.entryPrice) + q * (this.exitPrice - this.exitFillPrice);
  }

  get realizedPnlPct(): number {
    const notional = this.quantity * this.entryFillPrice;
    return notional > 0 ? (this.realizedPnl / notional) * 100 : 0;
  }

  get holdMs(): number {
    return this.exitTime - this.entryTime;
  }

  freeze(): TradeRecord {
    return new TradeRecord(this.id, this.positionId, this.symbol, this.strategy, this.entryTime, this.exitTime, this.entryPrice,
      this.entryFillPrice, this.exitPrice, this.exitFillPrice, this.quantity, this.entryFee, this.exitFee, this.realizedPnl, this.reason);
  }
}

function checkOrder(price: number, time: number, allowZero: boolean): void {
  if (!(Number.isFinite(price) && (allowZero ? price >= 0 : price > 0))) {
    throw new InvalidOrderError('price', price, allowZero ? 'a finite number >= 0 (KRW per unit)' : 'a finite number > 0 (KRW per unit)');
  }
  if (!Number.isFinite(time)) throw new InvalidOrderError('time', time, 'finite epoch milliseconds');
}

function checkOrderRate(x: number): number {
  if (!(Number.isFinite(x) && x >= 0 && x < 1)) throw new InvalidOrderError('slippageRate', x, 'a fraction in [0, 1)');
  return x;
}

function matches(p: { readonly symbol: string; readonly strategy: string }, f: PositionFilter): boolean {
  return (f.symbol === undefined || p.symbol === f.symbol) && (f.strategy === undefined || p.strategy === f.strategy);
}
