import { finiteOrNull } from './finite';

/** Per-trade columns {@link tradeMetrics} reads (one entry per closed trade, any order). */
export interface TradeColumnsInput {
  /** Net P&L per trade, KRW (after both fees and slippage). */
  readonly pnl: ArrayLike<number>;
  /** Net P&L per trade in percent of the entry notional. */
  readonly pnl_pct: ArrayLike<number>;
  /** Bars each trade was held. */
  readonly bars_held: ArrayLike<number>;
  /** Fees per trade (both legs), KRW. */
  readonly fees: ArrayLike<number>;
}

/**
 * Trade-list metrics. A win is a trade with pnl > 0 KRW; a loss has pnl < 0 (0 is neither). Null
 * means "not defined" (never NaN/Infinity): every average is null with no trades, profit factor is
 * null with no losing trade, SQN needs two trades and a non-zero spread.
 */
export interface TradeMetrics {
  readonly trade_count: number;
  readonly wins: number;
  readonly losses: number;
  /** wins / trade_count, a **fraction** 0..1. */
  readonly win_rate: number | null;
  /** Σ pnl of winning trades, KRW. */
  readonly gross_profit_krw: number;
  /** Σ |pnl| of losing trades, KRW (>= 0). */
  readonly gross_loss_krw: number;
  /** Σ pnl, KRW. */
  readonly net_pnl_krw: number;
  /** gross_profit_krw / gross_loss_krw (unitless). */
  readonly profit_factor: number | null;
  /** Mean pnl per trade, KRW. */
  readonly expectancy_krw: number | null;
  /**
   * Expected percent return per trade: win_rate × avg_win_pct + (1 − win_rate) × avg_non_win_pct,
   * which equals the mean of pnl_pct (so it is the same number as avg_trade_pct; both names are common).
   */
  readonly expectancy_pct: number | null;
  /** Mean pnl_pct, percent. */
  readonly avg_trade_pct: number | null;
  /** Mean pnl_pct of winning trades, percent. */
  readonly avg_win_pct: number | null;
  /** Mean pnl_pct of losing trades, percent (negative). */
  readonly avg_loss_pct: number | null;
  /** Largest pnl_pct, percent. */
  readonly best_trade_pct: number | null;
  /** Smallest pnl_pct, percent. */
  readonly worst_trade_pct: number | null;
  /** Mean bars held. */
  readonly avg_bars_held: number | null;
  /** System Quality Number: sqrt(N) × mean(pnl KRW) / sample stdev(pnl KRW). */
  readonly sqn: number | null;
  /** Σ fees, KRW. */
  readonly fees_paid_krw: number;
}

/** Computes {@link TradeMetrics} in one pass, allocation-free apart from the result. */
export function tradeMetrics(t: TradeColumnsInput): TradeMetrics {
  const n = t.pnl.length;
  let wins = 0, losses = 0, gp = 0, gl = 0, net = 0, sumPct = 0, winPct = 0, lossPct = 0, bars = 0, fees = 0;
  let best = -Infinity, worst = Infinity;
  let mean = 0, m2 = 0;
  for (let i = 0; i < n; i++) {
    const p = t.pnl[i];
    const pct = t.pnl_pct[i];
    net += p;
    sumPct += pct;
    bars += t.bars_held[i];
    fees += t.fees[i];
    if (p > 0) { wins++; gp += p; winPct += pct; }
    else if (p < 0) { losses++; gl -= p; lossPct += pct; }
    if (pct > best) best = pct;
    if (pct < worst) worst = pct;
    const d = p - mean;
    mean += d / (i + 1);
    m2 += d * (p - mean);
  }
  const sd = n > 1 ? Math.sqrt(m2 / (n - 1)) : 0;
  const avgPct = n > 0 ? sumPct / n : null;
  return {
    trade_count: n,
    wins,
    losses,
    win_rate: n > 0 ? wins / n : null,
    gross_profit_krw: gp,
    gross_loss_krw: gl,
    net_pnl_krw: net,
    profit_factor: gl > 0 ? finiteOrNull(gp / gl) : null,
    expectancy_krw: n > 0 ? finiteOrNull(net / n) : null,
    expectancy_pct: finiteOrNull(avgPct),
    avg_trade_pct: finiteOrNull(avgPct),
    avg_win_pct: wins > 0 ? finiteOrNull(winPct / wins) : null,
    avg_loss_pct: losses > 0 ? finiteOrNull(lossPct / losses) : null,
    best_trade_pct: n > 0 ? finiteOrNull(best) : null,
    worst_trade_pct: n > 0 ? finiteOrNull(worst) : null,
    avg_bars_held: n > 0 ? bars / n : null,
    sqn: n > 1 && sd > 0 ? finiteOrNull((Math.sqrt(n) * mean) / sd) : null,
    fees_paid_krw: fees,
  };
}
