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

/** @internal Mutable implementation of {@link Position}; marks update it in place. */
export class PositionRecord implements Position {
  status: PositionStatus = PositionStatus.Open;
  markPrice: number;
  markTime: number;
  marketValue: number;
  unrealizedPnl: number;
  unrealizedPnlPct: number;
  readonly costBasis: number;
  private readonly entryNotional: number;

  constructor(
    readonly id: number,
    readonly symbol: string,
    readonly strategy: string,
    readonly entryTime: number,
    readonly entryPrice: number,
    readonly entryFillPrice: number,
    readonly quantity: number,
    readonly entryFee: number,
    entryNotional: number,
    cost: number,
  ) {
    this.entryNotional = entryNotional;
    this.costBasis = cost;
    this.markPrice = entryPrice;
    this.markTime = entryTime;
    this.marketValue = quantity * entryPrice;
    this.unrealizedPnl = this.marketValue - cost;
    this.unrealizedPnlPct = entryNotional > 0 ? (this.unrealizedPnl / entryNotional) * 100 : 0;
  }

  mark(price: number, time: number): void {
    this.markPrice = price;
    this.markTime = time;
    this.marketValue = this.quantity * price;
    this.unrealizedPnl = this.marketValue - this.costBasis;
    this.unrealizedPnlPct = this.entryNotional > 0 ? (this.unrealizedPnl / this.entryNotional) * 100 : 0;
  }
}
