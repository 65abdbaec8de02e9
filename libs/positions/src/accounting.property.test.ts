/**
 * The accounting identity on random scenarios:
 *   equity − initialCash = Σ realized P&L (net of all fees) + Σ unrealized P&L of open positions
 * and, per trade, realized = q × (exitFill − entryFill) − entryFee − exitFee recomputed here from the
 * rule (fill = price × (1 ± slippage), fee = rate × notional on each leg), not from the code.
 */
import fc from 'fast-check';
import { PositionManager } from './position-manager';
import type { ClosedTrade } from './position';
import type { Sizing } from './sizing';

const SYMBOLS = ['KRW-BTC', 'KRW-ETH', 'KRW-XRP'];
const STRATEGIES = ['a', 'b'];

const price = fc.double({ min: 1, max: 1e6, noNaN: true, noDefaultInfinity: true });
const sizing: fc.Arbitrary<Sizing> = fc.oneof(
  fc.double({ min: 1e-4, max: 50, noNaN: true }).map((quantity) => ({ kind: 'quantity' as const, quantity })),
  fc.double({ min: 1e3, max: 5e6, noNaN: true }).map((krw) => ({ kind: 'notional' as const, krw })),
  fc.double({ min: 1e-3, max: 1, noNaN: true }).map((fraction) => ({ kind: 'equity-fraction' as const, fraction })),
);
const op = fc.oneof(
  fc.record({ type: fc.constant('enter' as const), s: fc.nat(2), k: fc.nat(1), price, sizing }),
  fc.record({ type: fc.constant('close' as const), s: fc.nat(2), k: fc.nat(1), price: fc.oneof(price, fc.constant(0)) }),
  fc.record({ type: fc.constant('mark' as const), s: fc.nat(2), price }),
  // the allocation-free pair must keep the same books
  fc.record({ type: fc.constant('enterAt' as const), s: fc.nat(2), k: fc.nat(1), price, sizing }),
  fc.record({ type: fc.constant('closeAt' as const), s: fc.nat(2), k: fc.nat(1), price: fc.oneof(price, fc.constant(0)) }),
);

describe('accounting identity (fast-check)', () => {
  it('change in equity equals realized + unrealized P&L to 1e-9 relative; cash never goes negative', () => {
    fc.assert(
      fc.property(
        fc.record({
          initialCash: fc.double({ min: 1e4, max: 1e10, noNaN: true }),
          feeRate: fc.oneof(fc.constant(0), fc.constant(0.001), fc.double({ min: 0, max: 0.01, noNaN: true })),
          slippageRate: fc.oneof(fc.constant(0), fc.constant(0.0002), fc.double({ min: 0, max: 0.01, noNaN: true })),
          lotStep: fc.constantFrom(0, 1e-8, 0.001, 1),
        }),
        fc.array(op, { maxLength: 60 }),
        (cfg, ops) => {
          const m = new PositionManager(cfg);
          let time = 0;
          let realizedByRule = 0;
          let fees = 0;
          for (const o of ops) {
            time += 60_000;
            if (o.type === 'enter' || o.type === 'enterAt') {
              if (o.type === 'enter') {
                const r = m.enter({ symbol: SYMBOLS[o.s], strategy: STRATEGIES[o.k], price: o.price, time, sizing: o.sizing });
                if (r.ok) fees += r.position.entryFee;
              } else if (m.enterAt(SYMBOLS[o.s], STRATEGIES[o.k], o.price, time, o.sizing) > 0) {
                fees += m.getPosition(SYMBOLS[o.s], STRATEGIES[o.k])!.entryFee;
              }
            } else if (o.type === 'close' || o.type === 'closeAt') {
              let trade: ClosedTrade | undefined;
              if (o.type === 'close') {
                const r = m.close({ symbol: SYMBOLS[o.s], strategy: STRATEGIES[o.k], price: o.price, time });
                if (r.ok) trade = r.trade;
              } else {
                // the sink's object is reused by the book: copy what is needed during the call
                m.closeAt(SYMBOLS[o.s], STRATEGIES[o.k], o.price, time, null, { record: (t) => { trade = { quantity: t.quantity, entryPrice: t.entryPrice, realizedPnl: t.realizedPnl } as ClosedTrade; } });
              }
              if (trade) {
                const t = trade;
                const entryFill = t.entryPrice * (1 + cfg.slippageRate);
                const exitFill = o.price * (1 - cfg.slippageRate);
                const entryFee = t.quantity * entryFill * cfg.feeRate;
                const exitFee = t.quantity * exitFill * cfg.feeRate;
                const expected = t.quantity * (exitFill - entryFill) - entryFee - exitFee;
                expect(Math.abs(t.realizedPnl - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, t.quantity * entryFill));
                realizedByRule += expected;
                fees += exitFee;
              }
            } else {
              m.markToMarket(SYMBOLS[o.s], o.price, time);
            }
            expect(m.cash).toBeGreaterThanOrEqual(0);
          }
          const s = m.getSummary();
          const scale = cfg.initialCash;
          expect(Math.abs(m.equity - cfg.initialCash - (s.realizedPnl + s.unrealizedPnl))).toBeLessThanOrEqual(1e-9 * scale);
          expect(Math.abs(s.realizedPnl - realizedByRule)).toBeLessThanOrEqual(1e-9 * scale);
          expect(Math.abs(s.feesPaid - fees)).toBeLessThanOrEqual(1e-9 * scale);
          // equity is cash plus quantity × last mark, recomputed from the open positions
          const marked = m.getOpenPositions().reduce((sum, p) => sum + p.quantity * p.markPrice, m.cash);
          expect(Math.abs(m.equity - marked)).toBeLessThanOrEqual(1e-9 * scale);
        },
      ),
      { numRuns: 300 },
    );
  });
});
