import { StreamingPortfolio, type Candle, type StrategyState, type StreamingBarResult, type StreamingPortfolioState, type StreamingStrategy, type Timeframe } from '@coinhts/engine';
import { streamKey, type ClosedCandle } from '@coinhts/market-data';
import type {
  PaperCheckpoint, PaperOrderRecord, PaperPairRecord, PaperPositionRecord, PaperSignalRecord, PaperSnapshotRecord, PaperTradeRecord,
} from '@coinhts/results';
import type { ValidatedPaperRequest } from './session-request';

/** Event types of the client stream (SSE `event:` names). */
export const PaperEventType = {
  Signal: 'signal',
  Order: 'order',
  PositionOpened: 'position-opened',
  PositionUpdated: 'position-updated',
  PositionClosed: 'position-closed',
  Performance: 'performance',
  Session: 'session',
} as const;
/** One of {@link PaperEventType}'s values. */
export type PaperEventType = (typeof PaperEventType)[keyof typeof PaperEventType];

/** Options of {@link PaperSession}. */
export interface PaperSessionOptions {
  /** A performance snapshot (and position-updated events) every this many candles of the session. Default 60. */
  readonly snapshotEveryBars?: number;
}

interface PairRuntime {
  readonly index: number;
  readonly symbol: string;
  readonly strategyName: string;
  stream: StreamingStrategy;
  portfolio: StreamingPortfolio;
  lastCandleTime: number | null;
}

/**
 * One paper session in memory: its pairs, each with the strategy's streaming form and the
 * engine's {@link StreamingPortfolio} (the backtest's own per-bar simulation and position book
 * with Upbit's rules). {@link apply} feeds a closed candle to the pairs of its market;
 * {@link drain} hands over everything produced since the last call as one checkpoint (rows,
 * events and the state to resume from), which the runner writes in one transaction. No I/O here.
 */
export class PaperSession {
  private readonly pairs: PairRuntime[];
  private readonly bySymbol = new Map<string, PairRuntime[]>();
  private signals: PaperSignalRecord[] = [];
  private orders: PaperOrderRecord[] = [];
  private trades: PaperTradeRecord[] = [];
  private snapshots: PaperSnapshotRecord[] = [];
  private events: { type: string; data: unknown }[] = [];
  private readonly dirty = new Set<PairRuntime>();
  private barsSinceSnapshot = 0;
  private readonly snapshotEvery: number;
  private lastTime = 0;
  /** Candle-to-decision latencies (ms) of the last 100,000 candles that carried `closedAt`. */
  readonly latenciesMs: number[] = [];

  constructor(readonly id: string, readonly request: ValidatedPaperRequest, saved: readonly PaperPairRecord[], options: PaperSessionOptions = {}) {
    this.snapshotEvery = options.snapshotEveryBars ?? 60;
    this.pairs = request.pairs.map((p, index) => {
      const row = saved.find((s) => s.pairIndex === index);
      const stream = p.strategy.createStream(p.params);
      const portfolio = new StreamingPortfolio({ symbol: p.symbol, strategy: p.strategy.name, options: request.pairOptions, holdBars: p.holdBars });
      if (row?.portfolioState) portfolio.restore(row.portfolioState as StreamingPortfolioState);
      if (row?.strategyState) stream.restore(row.strategyState as StrategyState);
      const rt: PairRuntime = { index, symbol: p.symbol, strategyName: p.strategy.name, stream, portfolio, lastCandleTime: row?.lastCandleTime ?? null };
      const list = this.bySymbol.get(p.symbol) ?? [];
      list.push(rt);
      this.bySymbol.set(p.symbol, list);
      return rt;
    });
  }

  /** Markets the session trades. */
  get markets(): string[] {
    return [...this.bySymbol.keys()];
  }

  /** The session's candle timeframe. */
  get timeframe(): Timeframe {
    return this.request.timeframe;
  }

  /** Per `market|timeframe`: the open time of the last candle every pair of that market has applied (resume point). */
  resumeAfter(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [symbol, list] of this.bySymbol) {
      const times = list.map((p) => p.lastCandleTime);
      if (times.every((t) => t !== null)) out[streamKey(symbol, this.timeframe)] = Math.min(...(times as number[]));
    }
    return out;
  }

  /** Applies a closed candle to every pair of its market that has not applied it yet; returns how many pairs did. */
  apply(c: ClosedCandle): number {
    if (c.timeframe !== this.timeframe) return 0;
    const list = this.bySymbol.get(c.market);
    if (!list) return 0;
    let n = 0;
    for (const p of list) {
      if (p.lastCandleTime !== null && c.candle.timestamp <= p.lastCandleTime) continue; // already applied before a restart
      this.step(p, c.candle);
      n++;
    }
    if (c.closedAt !== undefined && n > 0) {
      if (this.latenciesMs.length >= 100_000) this.latenciesMs.splice(0, 50_000);
      this.latenciesMs.push(performance.now() - c.closedAt);
    }
    if (n > 0 && ++this.barsSinceSnapshot >= this.snapshotEvery) this.snapshot();
    return n;
  }

  private step(p: PairRuntime, candle: Candle): void {
    const sig = p.stream.onCandle(candle);
    const r = p.portfolio.onBar(candle, sig?.side ?? 0);
    p.lastCandleTime = candle.timestamp;
    this.lastTime = Math.max(this.lastTime, candle.timestamp);
    this.dirty.add(p);
    if (sig) {
      const s: PaperSignalRecord = { pairIndex: p.index, barTime: candle.timestamp, side: sig.side, confidence: sig.confidence, level: Number.isFinite(sig.level) ? sig.level : null };
      this.signals.push(s);
      this.events.push({ type: PaperEventType.Signal, data: { ...s, symbol: p.symbol, strategy: p.strategyName } });
    }
    this.record(p, r, candle.timestamp);
  }

  private record(p: PairRuntime, r: StreamingBarResult, barTime: number): void {
    const o = this.request.pairOptions;
    if (r.refused) {
      const order: PaperOrderRecord = { pairIndex: p.index, positionTime: barTime, orderTime: barTime, side: 'buy', status: 'refused', price: null, fillPrice: null, quantity: null, fee: null, reason: r.refused.reason, message: r.refused.message };
      this.orders.push(order);
      this.events.push({ type: PaperEventType.Order, data: { ...order, symbol: p.symbol, strategy: p.strategyName } });
    }
    if (r.opened) {
      const order: PaperOrderRecord = { pairIndex: p.index, positionTime: barTime, orderTime: barTime, side: 'buy', status: 'filled', price: r.opened.price, fillPrice: r.opened.fillPrice, quantity: r.opened.quantity, fee: r.opened.fee, reason: null, message: null };
      this.orders.push(order);
      this.events.push({ type: PaperEventType.Order, data: { ...order, symbol: p.symbol, strategy: p.strategyName } });
      this.events.push({ type: PaperEventType.PositionOpened, data: { pairIndex: p.index, symbol: p.symbol, strategy: p.strategyName, entryTime: barTime, entryFillPrice: r.opened.fillPrice, quantity: r.opened.quantity, fee: r.opened.fee } });
    }
    for (const t of r.closed) {
      const exitFee = t.exit_price * t.quantity * o.fee_rate;
      const order: PaperOrderRecord = { pairIndex: p.index, positionTime: t.entry_time, orderTime: t.exit_time, side: 'sell', status: 'filled', price: t.exit_price / (1 - o.slippage_rate), fillPrice: t.exit_price, quantity: t.quantity, fee: exitFee, reason: t.exit_reason, message: null };
      const trade: PaperTradeRecord = { pairIndex: p.index, symbol: p.symbol, entryTime: t.entry_time, exitTime: t.exit_time, entryPrice: t.entry_price, exitPrice: t.exit_price, quantity: t.quantity, fees: t.fees, pnl: t.pnl, pnlPct: t.pnl_pct, barsHeld: t.bars_held, exitReason: t.exit_reason };
      this.orders.push(order);
      this.trades.push(trade);
      this.events.push({ type: PaperEventType.Order, data: { ...order, symbol: p.symbol, strategy: p.strategyName } });
      this.events.push({ type: PaperEventType.PositionClosed, data: { ...trade, strategy: p.strategyName } });
    }
  }

  /** Adds a performance snapshot of the whole session (and position-updated events) to the next checkpoint. */
  snapshot(): void {
    this.barsSinceSnapshot = 0;
    let equity = 0, cash = 0, realized = 0, unrealized = 0, fees = 0, trades = 0, open = 0;
    for (const p of this.pairs) {
      const s = p.portfolio.book.getSummary();
      equity += s.equity; cash += s.cash; realized += s.realizedPnl; unrealized += s.unrealizedPnl; fees += s.feesPaid; trades += s.closedCount; open += s.openCount;
      for (const pos of p.portfolio.book.getOpenPositions()) {
        this.events.push({ type: PaperEventType.PositionUpdated, data: { pairIndex: p.index, symbol: pos.symbol, strategy: pos.strategy, entryTime: pos.entryTime, entryFillPrice: pos.entryFillPrice, quantity: pos.quantity, markPrice: pos.markPrice, unrealizedPnl: pos.unrealizedPnl } });
      }
    }
    const snap: PaperSnapshotRecord = { barTime: this.lastTime, equity, cash, realizedPnl: realized, unrealizedPnl: unrealized, fees, trades, openPositions: open };
    this.snapshots.push(snap);
    this.events.push({ type: PaperEventType.Performance, data: snap });
  }

  /** Ends every pair as a backtest ends (pending orders dropped; with `close_at_end`, open positions closed at the last close). */
  end(): void {
    for (const p of this.pairs) {
      if (p.portfolio.barCount === 0) continue;
      this.record(p, p.portfolio.end(), p.lastCandleTime ?? 0);
      this.dirty.add(p);
    }
    this.snapshot();
  }

  /** True when something was produced since the last {@link drain}. */
  get pending(): boolean {
    return this.dirty.size > 0 || this.events.length > 0;
  }

  /** Hands over everything produced since the last call as one checkpoint. */
  drain(extra: { type: string; data: unknown }[] = []): PaperCheckpoint {
    const pairs = [...this.dirty].map((p) => {
      const pos = p.portfolio.book.getOpenPositions()[0];
      const position: PaperPositionRecord | null = pos ? {
        pairIndex: p.index, symbol: pos.symbol, strategy: pos.strategy, entryTime: pos.entryTime, entryPrice: pos.entryPrice, entryFillPrice: pos.entryFillPrice,
        quantity: pos.quantity, entryFee: pos.entryFee, markPrice: pos.markPrice, markTime: pos.markTime, unrealizedPnl: pos.unrealizedPnl,
      } : null;
      return {
        pairIndex: p.index, lastCandleTime: p.lastCandleTime, bars: p.portfolio.barCount, strategyState: p.stream.snapshot(), portfolioState: p.portfolio.snapshot(),
        equity: p.portfolio.book.equity, cash: p.portfolio.book.cash, position,
      };
    });
    const c: PaperCheckpoint = { pairs, signals: this.signals, orders: this.orders, trades: this.trades, snapshots: this.snapshots, events: [...this.events, ...extra] };
    this.dirty.clear();
    this.signals = []; this.orders = []; this.trades = []; this.snapshots = []; this.events = [];
    return c;
  }
}
