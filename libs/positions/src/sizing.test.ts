import { buyFillPrice, sellFillPrice, tradingFee } from './costs';
import { InvalidOrderError } from './errors';
import { roundDownToLot, sizeEntry, type SizingContext } from './sizing';

describe('costs', () => {
  it('slippage moves both fills against us; the fee is a fraction of notional', () => {
    expect(buyFillPrice(50_000, 0.0002)).toBeCloseTo(50_010, 9); // 50,000 × 1.0002
    expect(sellFillPrice(51_000, 0.0002)).toBeCloseTo(50_989.8, 9); // 51,000 × 0.9998
    expect(buyFillPrice(50_000, 0)).toBe(50_000);
    expect(tradingFee(5_001, 0.001)).toBeCloseTo(5.001, 12);
  });
});

describe('roundDownToLot', () => {
  it.each([
    [0.3, 0.1, 0.3], // 0.3 / 0.1 = 2.9999999999999996 in doubles: must still be 3 lots
    [0.29999, 0.1, 0.2],
    [0.123456789, 1e-8, 0.12345678],
    [1.99, 0.5, 1.5],
    [7, 2.5, 5],
    [5.5, 0, 5.5],
    [0.000000009, 1e-8, 0],
  ])('rounds %p down to a multiple of %p → %p', (q, lot, expected) => {
    expect(roundDownToLot(q, lot)).toBe(expected);
  });
});

describe('sizeEntry', () => {
  const ctx = (over: Partial<SizingContext> = {}): SizingContext => ({ fillPrice: 40_000, feeRate: 0.001, cash: 10_000_000, equity: 10_000_000, lotStep: 1e-8, ...over });

  it('fixed quantity', () => {
    // 0.5 × 40,000 = 20,000 notional; fee 20; cost 20,020
    expect(sizeEntry({ kind: 'quantity', quantity: 0.5 }, ctx())).toEqual({ ok: true, quantity: 0.5, notional: 20_000, fee: 20, cost: 20_020 });
  });

  it('fixed KRW notional: quantity = krw / fill, fee on top', () => {
    // 1,000,000 / 40,000 = 25 units; fee 1,000; cost 1,001,000
    expect(sizeEntry({ kind: 'notional', krw: 1_000_000 }, ctx())).toEqual({ ok: true, quantity: 25, notional: 1_000_000, fee: 1_000, cost: 1_001_000 });
  });

  it('fraction of equity includes the fee, so fraction 1 fits the cash', () => {
    // 1,000,000 / (100 × 1.001) = 9,990.00999… → lot 0.01 → 9,990.00
    const r = sizeEntry({ kind: 'equity-fraction', fraction: 1 }, ctx({ fillPrice: 100, cash: 1_000_000, equity: 1_000_000, lotStep: 0.01 }));
    expect(r).toMatchObject({ ok: true, quantity: 9_990 });
    if (r.ok) expect(r.cost).toBeLessThanOrEqual(1_000_000);
  });

  it('fraction of equity is capped at the cash on hand', () => {
    // 0.5 × 2,000,000 = 1,000,000 > cash 600,000 → budget 600,000
    // 600,000 / (100 × 1.001) = 5,994.005994… → lot 1 → 5,994
    const r = sizeEntry({ kind: 'equity-fraction', fraction: 0.5 }, ctx({ fillPrice: 100, cash: 600_000, equity: 2_000_000, lotStep: 1 }));
    expect(r).toMatchObject({ ok: true, quantity: 5_994 });
  });

  it('fixed sizes that cash cannot cover are refused with the numbers (no partial fill)', () => {
    // 1 unit at 1,000,000: cost 1,001,000 > 500,000
    const r = sizeEntry({ kind: 'quantity', quantity: 1 }, ctx({ fillPrice: 1_000_000, cash: 500_000 }));
    expect(r).toMatchObject({ ok: false, reason: 'insufficient-cash', required: 1_001_000, available: 500_000 });
  });

  it('no cash at all with fraction sizing → insufficient-cash', () => {
    expect(sizeEntry({ kind: 'equity-fraction', fraction: 1 }, ctx({ cash: 0, equity: 5_000_000 }))).toMatchObject({ ok: false, reason: 'insufficient-cash' });
  });

  it('an order smaller than one lot → below-lot-size', () => {
    // 100 KRW / 50,000 = 0.002 units < lot 0.01
    expect(sizeEntry({ kind: 'notional', krw: 100 }, ctx({ fillPrice: 50_000, lotStep: 0.01 }))).toMatchObject({ ok: false, reason: 'below-lot-size' });
  });

  it('malformed sizing throws InvalidOrderError', () => {
    expect(() => sizeEntry({ kind: 'quantity', quantity: -1 }, ctx())).toThrow(InvalidOrderError);
    expect(() => sizeEntry({ kind: 'equity-fraction', fraction: 1.5 }, ctx())).toThrow(/sizing.fraction/);
    expect(() => sizeEntry({ kind: 'notional', krw: Number.NaN }, ctx())).toThrow(/sizing.krw/);
  });
});
