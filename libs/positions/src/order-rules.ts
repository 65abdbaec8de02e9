/**
 * Venue order rules: what an exchange refuses before an order reaches its book. Checked by the
 * {@link PositionManager} on every entry when a rule set is given (`orderRules` option), so a
 * backtest and a paper session that share the option refuse exactly the same orders.
 *
 * Upbit's KRW market (Upbit Developer Center, "원화(KRW) 마켓 주문 가격 단위 / 최소 주문 가능 금액",
 * the table in force since 2025-07-31; see ../shared/docs/UPBIT.md "Trading rules"):
 * - the order price must be a multiple of the **tick size of its price band**
 *   ({@link UPBIT_KRW_TICK_BANDS});
 * - the order amount (price × quantity, KRW) must be at least {@link UPBIT_KRW_MIN_ORDER_KRW};
 * - volumes have at most 8 decimals (the book's `lotStep`, default 1e-8, rounds quantities down).
 *
 * The price checked is the **quoted** price of the order (the price it is placed at), not the
 * simulated fill after slippage: slippage models where a market order ends up, the tick rule is
 * about the price an order names. Exits are not refused: a position must always be closable
 * (on Upbit a remainder below the minimum is "dust" that cannot be sold; we do not model dust).
 */

/** Why a venue refused an order. */
export const OrderRefusalReason = {
  /** The order price is not a multiple of the tick size of its price band. */
  OffTick: 'off-tick',
  /** price × quantity is below the venue's minimum order amount. */
  BelowMinimumOrder: 'below-minimum-order',
} as const;
/** One of {@link OrderRefusalReason}'s values. */
export type OrderRefusalReason = (typeof OrderRefusalReason)[keyof typeof OrderRefusalReason];

/** A refused order: the reason, a message with the numbers and how to fix it, and the limit broken. */
export interface OrderRefusal {
  readonly ok: false;
  readonly reason: OrderRefusalReason;
  /** Human-readable explanation with the numbers. */
  readonly message: string;
  /** The tick size of the price's band (KRW), for `off-tick`; the minimum amount (KRW) for `below-minimum-order`. */
  readonly limit: number;
}

/** An order as the rules see it. */
export interface RuleCheckedOrder {
  readonly symbol: string;
  /** Quoted order price, KRW per unit. */
  readonly price: number;
  /** Base units (already rounded to the lot step). */
  readonly quantity: number;
}

/** A set of venue rules; `check` returns null when the order is acceptable. */
export interface OrderRules {
  /** Name shown in messages and stored with sessions (e.g. `upbit-krw`). */
  readonly name: string;
  check(order: RuleCheckedOrder): OrderRefusal | null;
}

/** Upbit's minimum order amount on the KRW market: 5,000 KRW. */
export const UPBIT_KRW_MIN_ORDER_KRW = 5000;

/** One price band: prices `>= minPrice` (and below the next band's minimum) use `tick` KRW. */
export interface TickBand {
  /** Lower bound of the band, KRW, inclusive. */
  readonly minPrice: number;
  /** Tick size, KRW. */
  readonly tick: number;
}

/**
 * Upbit KRW tick sizes by price band, highest band first: the table published for 2025-07-31
 * (Upbit Developer Center, KRW market guide). The bands from 100 KRW up are that table; below
 * 100 KRW the 2024-01-29 values are kept (0.01 / 0.001 / …) because the 2025 page we could read
 * stopped at 100 KRW. Upbit publishes the authoritative per-pair tick in
 * `GET /v1/orderbook/instruments` (`tick_size`): pass those through {@link upbitKrwRules}'
 * `tickOverrides` for exact values (e.g. USDT/KRW, or the 16 assets of the 2024-10-14 change).
 */
export const UPBIT_KRW_TICK_BANDS: readonly TickBand[] = [
  { minPrice: 1_000_000, tick: 1000 },
  { minPrice: 500_000, tick: 500 },
  { minPrice: 100_000, tick: 100 },
  { minPrice: 50_000, tick: 50 },
  { minPrice: 10_000, tick: 10 },
  { minPrice: 5_000, tick: 5 },
  { minPrice: 100, tick: 1 },
  { minPrice: 10, tick: 0.01 },
  { minPrice: 1, tick: 0.001 },
  { minPrice: 0.1, tick: 0.0001 },
  { minPrice: 0.01, tick: 0.00001 },
  { minPrice: 0.001, tick: 0.000001 },
  { minPrice: 0.0001, tick: 0.0000001 },
  { minPrice: 0, tick: 0.00000001 },
];

/** Tick size (KRW) of the band `price` (KRW, >= 0) falls in. */
export function tickSizeOf(price: number, bands: readonly TickBand[] = UPBIT_KRW_TICK_BANDS): number {
  for (const b of bands) if (price >= b.minPrice) return b.tick;
  return bands[bands.length - 1].tick;
}

/**
 * True when `price` is a whole number of `tick`s. Ticks like 0.0001 are not exact in binary, so
 * the quotient is compared with its nearest integer at a relative tolerance of 1e-9 (far below
 * the smallest tick step and far above float rounding).
 */
export function isOnTick(price: number, tick: number): boolean {
  const q = price / tick;
  return Math.abs(q - Math.round(q)) <= 1e-9 * Math.max(1, Math.abs(q));
}

/**
 * `price` moved onto its band's tick: `'down'` to the tick at or below it, `'up'` to the one at or
 * above it. Prices already on the tick are returned unchanged.
 */
export function roundToTick(price: number, direction: 'down' | 'up', bands: readonly TickBand[] = UPBIT_KRW_TICK_BANDS): number {
  const tick = tickSizeOf(price, bands);
  if (isOnTick(price, tick)) return price;
  const q = price / tick;
  const n = direction === 'down' ? Math.floor(q) : Math.ceil(q);
  // Multiply by the inverse of a decimal tick when it is exact (1/0.01 = 100) so 0.01 ticks give 12.34, not 12.340000000000002.
  const inv = 1 / tick;
  return Number.isInteger(inv) ? n / inv : n * tick;
}

/** Options of {@link upbitKrwRules}. */
export interface UpbitKrwRulesOptions {
  /** Minimum order amount, KRW. Default {@link UPBIT_KRW_MIN_ORDER_KRW}. */
  readonly minOrderKrw?: number;
  /** Per-market tick size (KRW) from `GET /v1/orderbook/instruments`, replacing the band table for that market. */
  readonly tickOverrides?: Readonly<Record<string, number>>;
  /** Band table. Default {@link UPBIT_KRW_TICK_BANDS}. */
  readonly bands?: readonly TickBand[];
}

const fmt = (x: number): string => x.toLocaleString('en-US', { maximumFractionDigits: 8 });

/**
 * A refusal whose message is formatted only when read: a backtest may see hundreds of thousands
 * of refused entries (e.g. a capital below the minimum) and never look at one message.
 */
class Refusal implements OrderRefusal {
  readonly ok = false as const;
  constructor(readonly reason: OrderRefusalReason, readonly limit: number, private readonly symbol: string, private readonly price: number,
    private readonly quantity: number, private readonly bands: readonly TickBand[]) {}

  get message(): string {
    const { symbol, price, quantity } = this;
    if (this.reason === OrderRefusalReason.OffTick) {
      return `${symbol}: price ${fmt(price)} KRW is not on the ${fmt(this.limit)} KRW tick of its price band; use ${fmt(roundToTick(price, 'down', this.bands))} or ${fmt(roundToTick(price, 'up', this.bands))}`;
    }
    return `${symbol}: order amount ${fmt(price * quantity)} KRW (${fmt(quantity)} × ${fmt(price)}) is below Upbit's minimum order of ${fmt(this.limit)} KRW; raise the size or the capital`;
  }
}

/** Upbit's KRW-market rules: price on the band's tick, amount >= 5,000 KRW. */
export function upbitKrwRules(options: UpbitKrwRulesOptions = {}): OrderRules {
  const min = options.minOrderKrw ?? UPBIT_KRW_MIN_ORDER_KRW;
  const bands = options.bands ?? UPBIT_KRW_TICK_BANDS;
  const overrides = options.tickOverrides ?? {};
  return {
    name: 'upbit-krw',
    check({ symbol, price, quantity }: RuleCheckedOrder): OrderRefusal | null {
      const tick = overrides[symbol] ?? tickSizeOf(price, bands);
      if (!isOnTick(price, tick)) return new Refusal(OrderRefusalReason.OffTick, tick, symbol, price, quantity, bands);
      if (price * quantity < min) return new Refusal(OrderRefusalReason.BelowMinimumOrder, min, symbol, price, quantity, bands);
      return null;
    },
  };
}

/** Names of the built-in rule sets (`none` = no venue rules, as a plain backtest). */
export const ORDER_RULE_SETS = ['none', 'upbit-krw'] as const;
/** One of {@link ORDER_RULE_SETS}. */
export type OrderRuleSetName = (typeof ORDER_RULE_SETS)[number];

/** The built-in rule set called `name`, or undefined for `none`. */
export function orderRulesByName(name: OrderRuleSetName): OrderRules | undefined {
  return name === 'upbit-krw' ? upbitKrwRules() : undefined;
}
