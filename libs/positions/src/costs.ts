/**
 * Trading costs: a proportional fee on each leg and adverse slippage on each fill.
 *
 * Our rule (differs from the original coin_hts, which charged the 0.1 % fee on the entry notional
 * only and deducted 0.02 % slippage from the P&L of the exit only, without moving any price):
 * - fee = `feeRate` × notional, charged on the entry **and** on the exit, where notional =
 *   quantity × fill price (KRW);
 * - slippage moves the fill price against us on both legs: a buy fills at price × (1 + rate),
 *   a sell fills at price × (1 − rate).
 */

/** Default fee: 0.1 % of notional per leg, as a fraction (0.001). */
export const DEFAULT_FEE_RATE = 0.001;

/** Default slippage: 0.02 % of the price per fill, as a fraction (0.0002). */
export const DEFAULT_SLIPPAGE_RATE = 0.0002;

/** Fee and slippage rates, both fractions (0.001 = 0.1 %). */
export interface CostModel {
  /** Fee per leg as a fraction of notional (KRW fee per KRW traded). */
  readonly feeRate: number;
  /** Adverse price move per fill as a fraction of the quoted price. */
  readonly slippageRate: number;
}

/** The default cost model: {@link DEFAULT_FEE_RATE} and {@link DEFAULT_SLIPPAGE_RATE}. */
export const DEFAULT_COSTS: CostModel = { feeRate: DEFAULT_FEE_RATE, slippageRate: DEFAULT_SLIPPAGE_RATE };

/** Fill price of a buy at quoted `price` (KRW per unit): `price × (1 + slippageRate)`. */
export function buyFillPrice(price: number, slippageRate: number): number {
  return price * (1 + slippageRate);
}

/** Fill price of a sell at quoted `price` (KRW per unit): `price × (1 − slippageRate)`. */
export function sellFillPrice(price: number, slippageRate: number): number {
  return price * (1 - slippageRate);
}

/** Fee in KRW on a leg of `notional` KRW: `notional × feeRate`. */
export function tradingFee(notional: number, feeRate: number): number {
  return notional * feeRate;
}
