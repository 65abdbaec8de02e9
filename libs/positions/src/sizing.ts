import { InvalidOrderError } from './errors';

/** Kinds of {@link Sizing}. */
export const SizingKind = {
  /** A fixed quantity in base units (e.g. 0.1 BTC). */
  Quantity: 'quantity',
  /** A fixed notional in KRW (quantity × fill price); the entry fee is paid on top. */
  Notional: 'notional',
  /** A fraction of equity, entry fee included, never more than the cash on hand. */
  EquityFraction: 'equity-fraction',
} as const;
/** One of {@link SizingKind}'s values. */
export type SizingKind = (typeof SizingKind)[keyof typeof SizingKind];

/**
 * How big an entry is.
 * - `quantity`: exactly `quantity` base units (rounded down to the lot step).
 * - `notional`: `krw` / fill price base units, i.e. the position is worth `krw` KRW at the fill
 *   price; the entry fee comes on top and must also be covered by cash.
 * - `equity-fraction`: spend `fraction` × equity **including** the entry fee, capped at the cash on
 *   hand (so `fraction: 1` is "all in" when flat and "whatever cash is left" when other positions
 *   are open).
 * Fixed sizes are exact requests: when cash does not cover them there is no entry (no partial fill).
 */
export type Sizing =
  | { readonly kind: typeof SizingKind.Quantity; /** Base units, > 0. */ readonly quantity: number }
  | { readonly kind: typeof SizingKind.Notional; /** KRW, > 0. */ readonly krw: number }
  | { readonly kind: typeof SizingKind.EquityFraction; /** Fraction of equity, in (0, 1]. */ readonly fraction: number };

/** Why an entry could not be sized. */
export const SizingRejection = {
  /** The cost (notional + entry fee) is more than the cash on hand. */
  InsufficientCash: 'insufficient-cash',
  /** The quantity rounds down to zero lots. */
  BelowLotSize: 'below-lot-size',
} as const;
/** One of {@link SizingRejection}'s values. */
export type SizingRejection = (typeof SizingRejection)[keyof typeof SizingRejection];

/** What {@link sizeEntry} needs to know about the order and the account. */
export interface SizingContext {
  /** Fill price after slippage, KRW per base unit, > 0. */
  readonly fillPrice: number;
  /** Entry fee as a fraction of notional. */
  readonly feeRate: number;
  /** Cash available, KRW. */
  readonly cash: number;
  /** Equity (cash + marked value of open positions), KRW. */
  readonly equity: number;
  /** Lot step in base units (e.g. 1e-8 BTC); 0 disables rounding. */
  readonly lotStep: number;
}

/** Result of {@link sizeEntry}: a quantity, or why there is none. */
export type SizingResult =
  | {
      readonly ok: true;
      /** Base units, a whole number of lots, > 0. */
      readonly quantity: number;
      /** quantity × fill price, KRW. */
      readonly notional: number;
      /** Entry fee, KRW. */
      readonly fee: number;
      /** notional + fee: the cash the entry consumes, KRW. */
      readonly cost: number;
    }
  | {
      readonly ok: false;
      readonly reason: SizingRejection;
      /** Human-readable explanation with the numbers. */
      readonly message: string;
      /** Cash the smallest acceptable order would need, KRW (notional + fee). */
      readonly required: number;
      /** Cash on hand, KRW. */
      readonly available: number;
    };

/**
 * Rounds a quantity **down** to a whole number of lots. Decimal lot steps (1e-8, 0.001, …) give the
 * double nearest the decimal result (0.3 with step 0.1 stays 0.3, it does not become 0.2 or
 * 0.30000000000000004). `lotStep` 0 returns the quantity unchanged.
 */
export function roundDownToLot(quantity: number, lotStep: number): number {
  if (lotStep === 0) return quantity;
  // q / lot may land a hair under an integer (0.3 / 0.1 = 2.9999999999999996): allow 1e-9 lot.
  const inverse = 1 / lotStep;
  if (Number.isInteger(inverse)) return Math.floor(quantity * inverse + 1e-9) / inverse;
  return Math.floor(quantity / lotStep + 1e-9) * lotStep;
}

/**
 * A refused sizing. The message is built on demand: a backtest may be refused thousands of times,
 * and formatting numbers into strings would cost more than the whole bar loop.
 */
class SizingRefusal {
  readonly ok = false as const;
  constructor(
    readonly reason: SizingRejection,
    readonly required: number,
    readonly available: number,
    /** `one-lot`: even one lot is too expensive; `order`: the requested order is; `lot`: it rounds to 0 lots. */
    private readonly what: 'one-lot' | 'order' | 'lot',
    private readonly quantity: number,
    private readonly lotStep: number,
    private readonly fillPrice: number,
    private readonly fee: number,
  ) {}

  get message(): string {
    switch (this.what) {
      case 'lot': return `the order (${this.quantity} units) is smaller than one lot of ${this.lotStep} units`;
      case 'one-lot': return `not enough cash for one lot (${this.lotStep} units at ${this.fillPrice} KRW need ${this.required} KRW with fees, ${this.available} KRW available)`;
      default: return `the entry costs ${this.required} KRW (${this.quantity} units at ${this.fillPrice} KRW plus ${this.fee} KRW fee) but only ${this.available} KRW is available`;
    }
  }
}

function checkPositive(field: string, x: number): void {
  if (!(Number.isFinite(x) && x > 0)) throw new InvalidOrderError(field, x, 'a finite number > 0');
}

/**
 * Computes the entry quantity for `sizing` and checks it against the cash. Never throws for an
 * expected shortfall: returns `{ ok: false, reason }` instead. Throws {@link InvalidOrderError}
 * when the sizing itself is malformed (e.g. a negative quantity or a fraction above 1).
 */
export function sizeEntry(sizing: Sizing, ctx: SizingContext): SizingResult {
  const { fillPrice, feeRate, cash, equity, lotStep } = ctx;
  const quantity = entryQuantity(sizing, fillPrice, feeRate, cash, equity, lotStep);
  if (quantity > 0) {
    const notional = quantity * fillPrice;
    const fee = notional * feeRate;
    return { ok: true, quantity, notional, fee, cost: notional + fee };
  }
  return refusal(sizing, fillPrice, feeRate, cash, equity, lotStep);
}

/** Budget in base units before lot rounding, and whether the cash capped it. */
function rawQuantity(sizing: Sizing, fillPrice: number, feeRate: number, cash: number, equity: number): number {
  switch (sizing.kind) {
    case SizingKind.Quantity:
      checkPositive('sizing.quantity', sizing.quantity);
      return sizing.quantity;
    case SizingKind.Notional:
      checkPositive('sizing.krw', sizing.krw);
      return sizing.krw / fillPrice;
    case SizingKind.EquityFraction: {
      const f = sizing.fraction;
      if (!(Number.isFinite(f) && f > 0 && f <= 1)) throw new InvalidOrderError('sizing.fraction', f, 'a fraction in (0, 1]');
      const budget = Math.min(f * equity, cash);
      return budget > 0 ? budget / (fillPrice * (1 + feeRate)) : 0;
    }
    default:
      throw new InvalidOrderError('sizing.kind', (sizing as { kind: unknown }).kind, `one of ${Object.values(SizingKind).join(', ')}`);
  }
}

/**
 * @internal The quantity {@link sizeEntry} would accept, or 0 when it would refuse. Allocation-free,
 * for the book's hot path; the cost is `quantity × fillPrice × (1 + feeRate)` computed as
 * `notional + notional × feeRate`, never more than `cash`.
 */
export function entryQuantity(sizing: Sizing, fillPrice: number, feeRate: number, cash: number, equity: number, lotStep: number): number {
  let quantity = roundDownToLot(rawQuantity(sizing, fillPrice, feeRate, cash, equity), lotStep);
  let notional = quantity * fillPrice;
  if (notional + notional * feeRate > cash && sizing.kind === SizingKind.EquityFraction && quantity > 0) {
    // The budget was computed to fit; only rounding can push the cost an ulp over. Step one lot down.
    quantity = lotStep > 0 ? roundDownToLot(quantity - lotStep, lotStep) : quantity * (1 - 1e-12);
    notional = quantity * fillPrice;
  }
  return quantity > 0 && notional + notional * feeRate <= cash ? quantity : 0;
}

/** Why {@link entryQuantity} returned 0 (only called on a refusal). */
function refusal(sizing: Sizing, fillPrice: number, feeRate: number, cash: number, equity: number, lotStep: number): SizingResult {
  const raw = rawQuantity(sizing, fillPrice, feeRate, cash, equity);
  const cappedByCash = sizing.kind === SizingKind.EquityFraction && sizing.fraction * equity > cash;
  let quantity = roundDownToLot(raw, lotStep);
  if (sizing.kind === SizingKind.EquityFraction && quantity > 0 && lotStep > 0) quantity = roundDownToLot(quantity - lotStep, lotStep);
  if (quantity <= 0) {
    const minQty = lotStep > 0 ? lotStep : Number.MIN_VALUE;
    const required = minQty * fillPrice * (1 + feeRate);
    if (cappedByCash || required > cash) return new SizingRefusal(SizingRejection.InsufficientCash, required, cash, 'one-lot', raw, minQty, fillPrice, 0);
    return new SizingRefusal(SizingRejection.BelowLotSize, required, cash, 'lot', raw, lotStep, fillPrice, 0);
  }
  const notional = quantity * fillPrice;
  const fee = notional * feeRate;
  return new SizingRefusal(SizingRejection.InsufficientCash, notional + fee, cash, 'order', quantity, lotStep, fillPrice, fee);
}
