/** Lifecycle state of a {@link Position}. */
export const PositionStatus = { Open: 'open', Closed: 'closed' } as const;
/** One of {@link PositionStatus}'s values. */
export type PositionStatus = (typeof PositionStatus)[keyof typeof PositionStatus];

/**
 * A long position in one symbol held by one strategy. Money is KRW, quantities are base units,
 * times are UTC epoch milliseconds, `…Pct` values are percent (2.5 = 2.5 %).
 * Objects are owned by the {@link PositionManager} and updated in place by marks (no allocation per
 * mark); treat them as read-only snapshots of "now".
 */
export interface Position {
  /** Sequential id within the manager, from 1. */
  readonly id: number;
  readonly symbol: string;
  /** Name of the strategy that owns the position (the book allows one open position per symbol and strategy). */
  readonly strategy: string;
  readonly status: PositionStatus;
  /** Entry time, epoch ms. */
  readonly entryTime: number;
  /** Quoted price the entry was ordered at, KRW per unit (before slippage). */
  readonly entryPrice: number;
  /** Price actually paid, KRW per unit: `entryPrice × (1 + slippageRate)`. */
  readonly entryFillPrice: number;
  /** Base units held, > 0. */
  readonly quantity: number;
  /** Entry fee paid, KRW: `quantity × entryFillPrice × feeRate`. */
  readonly entryFee: number;
  /** Cash the entry consumed, KRW: `quantity × entryFillPrice + entryFee`. */
  readonly costBasis: number;
  /** Latest mark price, KRW per unit (the entry's quoted price until the first mark). */
  readonly markPrice: number;
  /** Time of the latest mark, epoch ms. */
  readonly markTime: number;
  /** `quantity × markPrice`, KRW: what the position adds to equity. */
  readonly marketValue: number;
  /**
   * `marketValue − costBasis` = `quantity × (markPrice − entryFillPrice) − entryFee`, KRW. Exit fee and
   * exit slippage are not anticipated: they are charged when the position is closed.
   */
  readonly unrealizedPnl: number;
  /** `unrealizedPnl / (quantity × entryFillPrice) × 100`, percent of the entry notional. */
  readonly unrealizedPnlPct: number;
}

/** A finished round trip. Money is KRW, times are epoch ms, `realizedPnlPct` is percent. */
export interface ClosedTrade {
  /** Sequential id within the manager, from 1. */
  readonly id: number;
  /** Id of the position that was closed. */
  readonly positionId: number;
  readonly symbol: string;
  readonly strategy: string;
  readonly entryTime: number;
  readonly exitTime: number;
  /** Quoted entry price, KRW per unit. */
  readonly entryPrice: number;
  /** Entry fill price after slippage, KRW per unit. */
  readonly entryFillPrice: number;
  /** Quoted exit price, KRW per unit. */
  readonly exitPrice: number;
  /** Exit fill price after slippage: `exitPrice × (1 − slippageRate)`. */
  readonly exitFillPrice: number;
  /** Base units. */
  readonly quantity: number;
  /** Entry fee, KRW. */
  readonly entryFee: number;
  /** Exit fee, KRW: `quantity × exitFillPrice × feeRate`. */
  readonly exitFee: number;
  /** `entryFee + exitFee`, KRW. */
  readonly fees: number;
  /** What slippage cost on both legs, KRW (already inside the fill prices, reported for information). */
  readonly slippageCost: number;
  /**
   * Net P&L, KRW: `quantity × exitFillPrice − exitFee − costBasis`
   * = `quantity × (exitFillPrice − entryFillPrice) − entryFee − exitFee`.
   */
  readonly realizedPnl: number;
  /** `realizedPnl / (quantity × entryFillPrice) × 100`, percent of the entry notional. */
  readonly realizedPnlPct: number;
  /** `exitTime − entryTime`, ms. */
  readonly holdMs: number;
  /** Free-form exit reason given by the caller (e.g. `stop-loss`), or null. */
  readonly reason: string | null;
}

/**
 * @internal Mutable implementation of {@link Position}; marks update it in place. Only the inputs
 * are stored, derived amounts are getters: every stored double is a separate heap box, and a
 * simulation may open tens of thousands of positions.
 */
export class PositionRecord implements Position {
  status: PositionStatus = PositionStatus.Open;
  markPrice: number;
  markTime: number;

  constructor(
    readonly id: number,
    readonly symbol: string,
    readonly strategy: string,
    readonly entryTime: number,
    readonly entryPrice: number,
    readonly entryFillPrice: number,
    readonly quantity: number,
    readonly entryFee: number,
  ) {
    this.markPrice = entryPrice;
    this.markTime = entryTime;
  }

  /** quantity × entryFillPrice (the same expression the book debited). */
  get entryNotional(): number {
    return this.quantity * this.entryFillPrice;
  }

  get costBasis(): number {
    return this.quantity * this.entryFillPrice + this.entryFee;
  }

  get marketValue(): number {
    return this.quantity * this.markPrice;
  }

  get unrealizedPnl(): number {
    return this.quantity * this.markPrice - this.costBasis;
  }

  get unrealizedPnlPct(): number {
    const notional = this.entryNotional;
    return notional > 0 ? (this.unrealizedPnl / notional) * 100 : 0;
  }

  mark(price: number, time: number): void {
    this.markPrice = price;
    this.markTime = time;
  }

  /** Plain snapshot (getters included), e.g. for JSON. */
  toJSON(): Position {
    return {
      id: this.id, symbol: this.symbol, strategy: this.strategy, status: this.status, entryTime: this.entryTime,
      entryPrice: this.entryPrice, entryFillPrice: this.entryFillPrice, quantity: this.quantity, entryFee: this.entryFee,
      costBasis: this.costBasis, markPrice: this.markPrice, markTime: this.markTime, marketValue: this.marketValue,
      unrealizedPnl: this.unrealizedPnl, unrealizedPnlPct: this.unrealizedPnlPct,
    };
  }
}

/**
 * @internal Implementation of {@link ClosedTrade}: stored inputs plus getters for the derived
 * amounts (see {@link PositionRecord}).
 */
export class TradeRecord implements ClosedTrade {
  constructor(
    readonly id: number,
    readonly positionId: number,
    readonly symbol: string,
    readonly strategy: string,
    readonly entryTime: number,
    readonly exitTime: number,
    readonly entryPrice: number,
    readonly entryFillPrice: number,
    readonly exitPrice: number,
    readonly exitFillPrice: number,
    readonly quantity: number,
    readonly entryFee: number,
    readonly exitFee: number,
    readonly realizedPnl: number,
    readonly reason: string | null,
  ) {}

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

  /** Plain snapshot (getters included), e.g. for JSON. */
  toJSON(): ClosedTrade {
    return {
      id: this.id, positionId: this.positionId, symbol: this.symbol, strategy: this.strategy, entryTime: this.entryTime,
      exitTime: this.exitTime, entryPrice: this.entryPrice, entryFillPrice: this.entryFillPrice, exitPrice: this.exitPrice,
      exitFillPrice: this.exitFillPrice, quantity: this.quantity, entryFee: this.entryFee, exitFee: this.exitFee, fees: this.fees,
      slippageCost: this.slippageCost, realizedPnl: this.realizedPnl, realizedPnlPct: this.realizedPnlPct, holdMs: this.holdMs,
      reason: this.reason,
    };
  }
}
