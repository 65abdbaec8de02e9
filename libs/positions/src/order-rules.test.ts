import { isOnTick, OrderRefusalReason, PositionManager, roundToTick, tickSizeOf, upbitKrwRules, UPBIT_KRW_MIN_ORDER_KRW } from './index';

// Expected ticks are read off Upbit's KRW table (2025-07-31), band by band, at both edges:
// 2,000,000+ → 1,000 · 1,000,000–2,000,000 → 1,000 · 500,000–1,000,000 → 500 · 100,000–500,000 → 100 ·
// 50,000–100,000 → 50 · 10,000–50,000 → 10 · 5,000–10,000 → 5 · 1,000–5,000 → 1 · 100–1,000 → 1.
describe('Upbit KRW tick sizes (the published band table)', () => {
  it.each([
    [156_969_000, 1000], [2_000_000, 1000], [1_999_999, 1000], [1_000_000, 1000],
    [999_999, 500], [500_000, 500], [499_999, 100], [100_000, 100],
    [99_999, 50], [50_000, 50], [49_999, 10], [10_000, 10],
    [9_999, 5], [5_000, 5], [4_999, 1], [1_000, 1], [999, 1], [100, 1],
    [99.99, 0.01], [10, 0.01], [9.999, 0.001], [1, 0.001], [0.5, 0.0001], [0.05, 0.00001],
  ])('price %p KRW has a tick of %p KRW', (price, tick) => {
    expect(tickSizeOf(price)).toBe(tick);
  });

  it('accepts prices on the tick and refuses prices between ticks', () => {
    // The real KRW-BTC sample (UPBIT.md): 156,969,000 is a multiple of 1,000.
    expect(isOnTick(156_969_000, 1000)).toBe(true);
    expect(isOnTick(156_969_500, 1000)).toBe(false);
    expect(isOnTick(7_385, 5)).toBe(true);   // 5,000–10,000 band: multiples of 5
    expect(isOnTick(7_387, 5)).toBe(false);
    expect(isOnTick(12.34, 0.01)).toBe(true); // 1234 × 0.01, not exact in binary
    expect(isOnTick(12.345, 0.01)).toBe(false);
    expect(isOnTick(0.1234, 0.0001)).toBe(true);
  });

  it('rounds onto the tick in the requested direction', () => {
    expect(roundToTick(156_969_400, 'down')).toBe(156_969_000);
    expect(roundToTick(156_969_400, 'up')).toBe(156_970_000);
    expect(roundToTick(7_387, 'down')).toBe(7_385);
    expect(roundToTick(7_387, 'up')).toBe(7_390);
    expect(roundToTick(12.345, 'down')).toBe(12.34);
    expect(roundToTick(12.345, 'up')).toBe(12.35);
    expect(roundToTick(50_000, 'up')).toBe(50_000);
  });
});

describe('upbitKrwRules', () => {
  const rules = upbitKrwRules();

  it('refuses an order below 5,000 KRW with the amount in the message', () => {
    // 0.00003 BTC × 156,969,000 = 4,709.07 KRW < 5,000
    const r = rules.check({ symbol: 'KRW-BTC', price: 156_969_000, quantity: 0.00003 });
    expect(r?.reason).toBe(OrderRefusalReason.BelowMinimumOrder);
    expect(r?.limit).toBe(UPBIT_KRW_MIN_ORDER_KRW);
    expect(r?.message).toContain('4,709.07 KRW');
    // 0.00004 BTC × 156,969,000 = 6,278.76 KRW ≥ 5,000
    expect(rules.check({ symbol: 'KRW-BTC', price: 156_969_000, quantity: 0.00004 })).toBeNull();
    // exactly 5,000 KRW is allowed: 1 × 5,000
    expect(rules.check({ symbol: 'KRW-XYZ', price: 5000, quantity: 1 })).toBeNull();
  });

  it('refuses a price off the tick and names the neighbouring ticks', () => {
    const r = rules.check({ symbol: 'KRW-BTC', price: 156_969_500, quantity: 1 });
    expect(r?.reason).toBe(OrderRefusalReason.OffTick);
    expect(r?.limit).toBe(1000);
    expect(r?.message).toContain('156,969,000');
    expect(r?.message).toContain('156,970,000');
  });

  it('uses a per-market tick from /v1/orderbook/instruments over the table', () => {
    // USDT/KRW trades on 0.5 KRW ticks in the 1,000–10,000 band since 2025-03-21.
    const r2 = upbitKrwRules({ tickOverrides: { 'KRW-USDT': 0.5 } });
    expect(r2.check({ symbol: 'KRW-USDT', price: 1391.5, quantity: 10 })).toBeNull();
    expect(rules.check({ symbol: 'KRW-USDT', price: 1391.5, quantity: 10 })?.reason).toBe(OrderRefusalReason.OffTick);
  });
});

describe('PositionManager with Upbit rules', () => {
  it('refuses an entry below the minimum order and changes nothing', () => {
    // Notional sizing of 4,000 KRW at 100,000 KRW: quantity 0.04, amount 4,000 < 5,000.
    const book = new PositionManager({ initialCash: 1_000_000, feeRate: 0.0005, slippageRate: 0, orderRules: upbitKrwRules() });
    const r = book.enter({ symbol: 'KRW-ETH', strategy: 's', price: 100_000, time: 0, sizing: { kind: 'notional', krw: 4000 } });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toBe('below-minimum-order');
    expect(book.cash).toBe(1_000_000);
    expect(book.openCount).toBe(0);
    expect(book.lastRefusal?.reason).toBe('below-minimum-order');
  });

  it('refuses an entry whose quoted price is off the tick (enterAt returns 0 and keeps the reason)', () => {
    const book = new PositionManager({ initialCash: 1_000_000, orderRules: upbitKrwRules() });
    expect(book.enterAt('KRW-ETH', 's', 100_050, 0)).toBe(0); // 100,000–500,000 band: ticks of 100
    expect(book.lastRefusal?.reason).toBe('off-tick');
    expect(book.cash).toBe(1_000_000);
  });

  it('accepts an entry that meets both rules, fees charged as usual', () => {
    // 10,000 KRW notional at 100,000: q = 0.1, fee 0.05 % = 5 KRW, cash 1,000,000 − 10,005 = 989,995.
    const book = new PositionManager({ initialCash: 1_000_000, feeRate: 0.0005, slippageRate: 0, orderRules: upbitKrwRules() });
    const r = book.enter({ symbol: 'KRW-ETH', strategy: 's', price: 100_000, time: 0, sizing: { kind: 'notional', krw: 10_000 } });
    expect(r.ok).toBe(true);
    expect(book.cash).toBeCloseTo(989_995, 9);
    expect(book.lastRefusal).toBeNull();
  });
});
