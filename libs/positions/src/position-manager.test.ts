/**
 * Ports of the 20 tests of the original `tests/test_position_manager.py` (REFERENCE §3.4), with OUR
 * cost rule: 0.1 % fee on entry AND exit notional, 0.02 % slippage moving both fill prices against
 * us. Every expected number is worked out by hand in the comments.
 *
 * Common setup (the original's): 0.1 units per trade, BTC entered at 50,000 KRW.
 *   entry fill   = 50,000 × (1 + 0.0002)          = 50,010
 *   notional     = 0.1 × 50,010                   = 5,001
 *   entry fee    = 5,001 × 0.001                  = 5.001
 *   cost basis   = 5,001 + 5.001                  = 5,006.001
 *   cash after   = 10,000,000 − 5,006.001         = 9,994,993.999
 */
import { InvalidOrderError, InvalidPositionsConfigError, ListenerError } from './errors';
import { PositionManager, type PositionManagerOptions } from './position-manager';
import type { ClosedTrade, Position } from './position';

const BTC = 'KRW-BTC';
const ETH = 'KRW-ETH';
const VZB = 'volume_zone_breakout';
const VLC = 'volume_long_candle';
const T0 = Date.UTC(2024, 0, 5);
const HOUR = 3_600_000;

function book(options: PositionManagerOptions = {}): PositionManager {
  return new PositionManager({ defaultSizing: { kind: 'quantity', quantity: 0.1 }, ...options });
}

function enterOk(m: PositionManager, symbol: string, strategy: string, price: number, time = T0): Position {
  const r = m.enter({ symbol, strategy, price, time });
  if (!r.ok) throw new Error(`expected an entry, got ${r.reason}: ${r.message}`);
  return r.position;
}

function closeOk(m: PositionManager, symbol: string, strategy: string, price: number, time = T0 + HOUR, slippageRate?: number): ClosedTrade {
  const r = m.close({ symbol, strategy, price, time, slippageRate });
  if (!r.ok) throw new Error(`expected a close, got ${r.reason}`);
  return r.trade;
}

describe('Position (original tests 1-3)', () => {
  it('1. initialization: stores the fields; a new position shows minus (entry fee + entry slippage)', () => {
    const m = book();
    const p = enterOk(m, BTC, VZB, 50_000);
    expect(p).toMatchObject({ id: 1, symbol: BTC, strategy: VZB, status: 'open', entryTime: T0, entryPrice: 50_000, quantity: 0.1, markPrice: 50_000 });
    expect(p.entryFillPrice).toBeCloseTo(50_010, 9);
    expect(p.entryFee).toBeCloseTo(5.001, 12);
    expect(p.costBasis).toBeCloseTo(5_006.001, 9);
    // marked at the quoted 50,000: 0.1 × 50,000 − 5,006.001 = −6.001 (the original showed −fee only)
    expect(p.unrealizedPnl).toBeCloseTo(-6.001, 9);
    // −6.001 / 5,001 × 100 = −0.1199960008 %
    expect(p.unrealizedPnlPct).toBeCloseTo(-0.1199960008, 9);
  });

  it('2. update price: marking at 51,000 gives 0.1 × 51,000 − 5,006.001 = 93.999', () => {
    const m = book();
    const p = enterOk(m, BTC, VZB, 50_000);
    m.markToMarket(BTC, 51_000, T0 + HOUR);
    expect(p.markPrice).toBe(51_000);
    expect(p.markTime).toBe(T0 + HOUR);
    expect(p.marketValue).toBeCloseTo(5_100, 9);
    expect(p.unrealizedPnl).toBeCloseTo(93.999, 9);
    // 93.999 / 5,001 = 0.0188 − 0.0198 / 5,001 = 0.0187960408 → 1.8796040792 %
    expect(p.unrealizedPnlPct).toBeCloseTo(1.8796040792, 9);
  });

  it('3. a position is a plain JSON-serialisable snapshot (the original had to_dict)', () => {
    const m = book({ slippageRate: 0 });
    const p = enterOk(m, BTC, VZB, 50_000);
    const json = JSON.parse(JSON.stringify(p));
    // no slippage: fill 50,000, fee 0.1 × 50,000 × 0.001 = 5, unrealized −5
    expect(json).toMatchObject({ symbol: BTC, strategy: VZB, entryPrice: 50_000, entryFillPrice: 50_000, quantity: 0.1, entryFee: 5, unrealizedPnl: -5 });
  });
});

describe('PositionManager (original tests 4-20)', () => {
  it('4. init: default rates 0.1 % fee and 0.02 % slippage, 10,000,000 KRW cash, empty book', () => {
    const m = new PositionManager();
    expect(m.feeRate).toBe(0.001);
    expect(m.slippageRate).toBe(0.0002);
    expect(m.cash).toBe(10_000_000);
    expect(m.equity).toBe(10_000_000);
    expect(m.getOpenPositions()).toEqual([]);
    expect(m.getClosedTrades()).toEqual([]);
  });

  it('5. config is validated (the original had an async DB initialize; we have no DB)', () => {
    expect(() => new PositionManager({ feeRate: -0.001 })).toThrow(InvalidPositionsConfigError);
    expect(() => new PositionManager({ slippageRate: Number.NaN })).toThrow(/slippageRate/);
    expect(() => new PositionManager({ initialCash: -1 })).toThrow(/initialCash/);
    expect(() => new PositionManager({ lotStep: -1 })).toThrow(/lotStep/);
    expect(() => new PositionManager({ feeRate: 0, slippageRate: 0 })).not.toThrow();
  });

  it('6. enter success: stores the key, quantity 0.1, debits 5,006.001 KRW', () => {
    const m = book();
    const r = m.enter({ symbol: BTC, strategy: VZB, price: 50_000, time: T0 });
    expect(r.ok).toBe(true);
    expect(m.getPosition(BTC, VZB)?.quantity).toBe(0.1);
    expect(m.cash).toBeCloseTo(9_994_993.999, 6);
    expect(m.feesPaid).toBeCloseTo(5.001, 12);
  });

  it('7. enter when already open: a value result, nothing debited', () => {
    const m = book();
    const first = enterOk(m, BTC, VZB, 50_000);
    const cash = m.cash;
    const r = m.enter({ symbol: BTC, strategy: VZB, price: 52_000, time: T0 + HOUR });
    expect(r).toMatchObject({ ok: false, reason: 'already-open' });
    if (!r.ok && r.reason === 'already-open') expect(r.position).toBe(first);
    expect(m.cash).toBe(cash);
    expect(m.openCount).toBe(1);
  });

  it('8. different symbols coexist', () => {
    const m = book();
    enterOk(m, BTC, VZB, 50_000);
    enterOk(m, ETH, VZB, 3_000_000);
    expect(m.openCount).toBe(2);
    expect(m.getPosition(BTC, VZB)).toBeDefined();
    expect(m.getPosition(ETH, VZB)).toBeDefined();
  });

  it('9. close success without slippage: realized = 0.1 × 1,000 − 5 − 5.1 = 89.9', () => {
    // entry fee 0.1 × 50,000 × 0.001 = 5; exit fee 0.1 × 51,000 × 0.001 = 5.1
    const m = book({ slippageRate: 0 });
    enterOk(m, BTC, VZB, 50_000);
    const t = closeOk(m, BTC, VZB, 51_000);
    expect(t.realizedPnl).toBeCloseTo(89.9, 9);
    expect(t.realizedPnlPct).toBeCloseTo(1.798, 9); // 89.9 / 5,000 × 100
    expect(t.fees).toBeCloseTo(10.1, 12);
    expect(t).toMatchObject({ id: 1, positionId: 1, symbol: BTC, strategy: VZB, entryTime: T0, exitTime: T0 + HOUR, holdMs: HOUR, exitPrice: 51_000, exitFillPrice: 51_000 });
    expect(m.getPosition(BTC, VZB)).toBeUndefined();
    expect(m.cash).toBeCloseTo(10_000_089.9, 6);
  });

  it('10. close with nothing open: a value result, cash untouched', () => {
    const m = book();
    expect(m.close({ symbol: BTC, strategy: VZB, price: 51_000, time: T0 })).toMatchObject({ ok: false, reason: 'not-found' });
    expect(m.cash).toBe(10_000_000);
  });

  it('11. close with a loss: 0.1 × (49,000 − 50,000) − 5 − 4.9 = −109.9', () => {
    const m = book({ slippageRate: 0 });
    enterOk(m, BTC, VZB, 50_000);
    expect(closeOk(m, BTC, VZB, 49_000).realizedPnl).toBeCloseTo(-109.9, 9);
  });

  it('12. automatic slippage on both legs: realized 87.88002', () => {
    // exit fill = 51,000 × 0.9998 = 50,989.8; exit notional 5,098.98; exit fee 5.09898
    // realized = 5,098.98 − 5.09898 − 5,006.001 = 87.88002
    // slippage cost = 0.1 × 10 (entry) + 0.1 × 10.2 (exit) = 2.02
    const m = book();
    enterOk(m, BTC, VZB, 50_000);
    const t = closeOk(m, BTC, VZB, 51_000);
    expect(t.exitFillPrice).toBeCloseTo(50_989.8, 9);
    expect(t.exitFee).toBeCloseTo(5.09898, 12);
    expect(t.realizedPnl).toBeCloseTo(87.88002, 9);
    expect(t.slippageCost).toBeCloseTo(2.02, 9);
  });

  it('13. explicit slippage rate on the close overrides the default', () => {
    // exit fill = 51,000 × 0.999 = 50,949; notional 5,094.9; fee 5.0949
    // realized = 5,094.9 − 5.0949 − 5,006.001 = 83.8041
    const m = book();
    enterOk(m, BTC, VZB, 50_000);
    const t = closeOk(m, BTC, VZB, 51_000, T0 + HOUR, 0.001);
    expect(t.exitFillPrice).toBeCloseTo(50_949, 9);
    expect(t.realizedPnl).toBeCloseTo(83.8041, 9);
    expect(() => m.close({ symbol: BTC, strategy: VZB, price: 1, time: T0, slippageRate: -0.1 })).toThrow(InvalidOrderError);
  });

  it('14. mark-to-market updates the price and notifies once', () => {
    const m = book();
    const p = enterOk(m, BTC, VZB, 50_000);
    const updated = jest.fn();
    m.on('updated', updated);
    expect(m.markToMarket(BTC, 51_000, T0 + HOUR)).toBe(1);
    expect(p.unrealizedPnl).toBeGreaterThan(0);
    expect(updated).toHaveBeenCalledTimes(1);
    expect(updated).toHaveBeenCalledWith(p);
    expect(m.markToMarket(ETH, 1, T0)).toBe(0);
  });

  it('15. mark-to-market updates every position of the symbol (two strategies)', () => {
    const m = book();
    const a = enterOk(m, BTC, VZB, 50_000);
    const b = enterOk(m, BTC, VLC, 50_000);
    const e = enterOk(m, ETH, VZB, 3_000_000);
    const updated = jest.fn();
    m.on('updated', updated);
    expect(m.markToMarket(BTC, 51_000, T0 + HOUR)).toBe(2);
    expect(updated).toHaveBeenCalledTimes(2);
    expect(a.unrealizedPnl).toBeCloseTo(93.999, 9);
    expect(b.unrealizedPnl).toBeCloseTo(93.999, 9);
    expect(e.markPrice).toBe(3_000_000);
  });

  it('16-17. on-signal: buy opens at the candle close, sell closes at the candle close', () => {
    const m = book();
    const buy = m.onSignal({ side: 'buy', symbol: BTC, strategy: VZB, price: 1, time: 0, candle: { close: 50_000, timestamp: T0 } });
    expect(buy.side).toBe('buy');
    expect(buy.result.ok).toBe(true);
    expect(m.getPosition(BTC, VZB)?.entryPrice).toBe(50_000);
    const sell = m.onSignal({ side: 'sell', symbol: BTC, strategy: VZB, price: 51_000, time: T0 + HOUR });
    expect(sell.side).toBe('sell');
    if (sell.side !== 'sell' || !sell.result.ok) throw new Error('expected a close');
    // same numbers as test 12
    expect(sell.result.trade.realizedPnl).toBeCloseTo(87.88002, 9);
    expect(sell.result.trade.reason).toBe('sell-signal');
    expect(m.onSignal({ side: 'sell', symbol: BTC, strategy: VZB, price: 51_000, time: T0 }).result).toMatchObject({ ok: false, reason: 'not-found' });
  });

  describe('queries (tests 18-20)', () => {
    function threePositions(): PositionManager {
      const m = book();
      enterOk(m, BTC, VZB, 50_000, T0);
      enterOk(m, BTC, VLC, 50_000, T0 + HOUR);
      enterOk(m, ETH, VZB, 3_000_000, T0 + 2 * HOUR);
      return m;
    }

    it('18. open positions: all, newest entry first', () => {
      const m = threePositions();
      expect(m.getOpenPositions().map((p) => [p.symbol, p.strategy])).toEqual([[ETH, VZB], [BTC, VLC], [BTC, VZB]]);
    });

    it('19. open positions filtered by symbol and by strategy', () => {
      const m = threePositions();
      expect(m.getOpenPositions({ symbol: BTC }).map((p) => p.strategy)).toEqual([VLC, VZB]);
      expect(m.getOpenPositions({ strategy: VZB }).map((p) => p.symbol)).toEqual([ETH, BTC]);
      expect(m.getOpenPositions({ symbol: ETH, strategy: VLC })).toEqual([]);
    });

    it('20. summary: counts, unrealized P&L by symbol, cash and equity', () => {
      const m = threePositions();
      m.markToMarket(BTC, 51_000, T0 + 3 * HOUR);
      m.markToMarket(ETH, 3_100_000, T0 + 3 * HOUR);
      // BTC (each): 0.1 × 51,000 − 5,006.001 = 93.999
      // ETH: fill 3,000,600; notional 300,060; fee 300.06; cost 300,360.06
      //      0.1 × 3,100,000 − 300,360.06 = 9,639.94
      // cash = 10,000,000 − 2 × 5,006.001 − 300,360.06 = 9,689,627.938
      // equity = cash + 2 × 5,100 + 310,000 = 10,009,827.938
      const s = m.getSummary();
      expect(s.openCount).toBe(3);
      expect(s.closedCount).toBe(0);
      expect(s.winRate).toBeNull();
      expect(s.unrealizedPnl).toBeCloseTo(2 * 93.999 + 9_639.94, 6);
      expect(s.bySymbol[BTC]).toMatchObject({ openCount: 2, closedCount: 0 });
      expect(s.bySymbol[BTC].unrealizedPnl).toBeCloseTo(187.998, 6);
      expect(s.bySymbol[ETH].unrealizedPnl).toBeCloseTo(9_639.94, 6);
      expect(s.cash).toBeCloseTo(9_689_627.938, 6);
      expect(s.equity).toBeCloseTo(10_009_827.938, 6);
      // fees = 2 × 5.001 + 300.06
      expect(s.feesPaid).toBeCloseTo(310.062, 9);
    });
  });
});

describe('closed trades and the realized side of the summary', () => {
  it('lists trades newest exit first, filters by symbol/strategy, honours limit', () => {
    const m = book({ slippageRate: 0, feeRate: 0 });
    enterOk(m, BTC, VZB, 100, T0);
    closeOk(m, BTC, VZB, 110, T0 + 1); // +1
    enterOk(m, ETH, VZB, 100, T0 + 2);
    closeOk(m, ETH, VZB, 90, T0 + 3); // −1
    enterOk(m, BTC, VLC, 100, T0 + 4);
    closeOk(m, BTC, VLC, 100, T0 + 5); // 0: neither win nor loss
    expect(m.getClosedTrades().map((t) => t.id)).toEqual([3, 2, 1]);
    expect(m.getClosedTrades({ symbol: BTC }).map((t) => t.id)).toEqual([3, 1]);
    expect(m.getClosedTrades({ strategy: VZB, limit: 1 }).map((t) => t.id)).toEqual([2]);
    expect(() => m.getClosedTrades({ limit: -1 })).toThrow(InvalidOrderError);
    const s = m.getSummary();
    // P&L per trade with no costs and 0.1 units: 0.1 × 10 = 1, 0.1 × −10 = −1, 0
    expect(s).toMatchObject({ closedCount: 3, wins: 1, losses: 1 });
    expect(s.winRate).toBeCloseTo(1 / 3, 15);
    expect(s.realizedPnl).toBeCloseTo(0, 12);
    expect(s.bySymbol[BTC].realizedPnl).toBeCloseTo(1, 12);
    expect(s.bySymbol[ETH].realizedPnl).toBeCloseTo(-1, 12);
  });

  it('tradeHistoryLimit keeps only the newest trades for queries; the summary still covers all', () => {
    const m = book({ slippageRate: 0, feeRate: 0, tradeHistoryLimit: 2 });
    // P&L 0.1 × (price − 100): +1, +2, −1, +3, −2
    [110, 120, 90, 130, 80].forEach((exit, i) => {
      enterOk(m, BTC, VZB, 100, T0 + 2 * i);
      closeOk(m, BTC, VZB, exit, T0 + 2 * i + 1);
    });
    expect(m.getClosedTrades().map((t) => t.id)).toEqual([5, 4]);
    const s = m.getSummary();
    expect(s).toMatchObject({ closedCount: 5, wins: 3, losses: 2 });
    expect(s.realizedPnl).toBeCloseTo(3, 12);
    expect(new PositionManager({ tradeHistoryLimit: 0 }).getClosedTrades()).toEqual([]);
    expect(() => new PositionManager({ tradeHistoryLimit: -1 })).toThrow(InvalidPositionsConfigError);
  });

  it('a position can be re-opened after it was closed', () => {
    const m = book();
    enterOk(m, BTC, VZB, 50_000);
    closeOk(m, BTC, VZB, 50_000);
    expect(enterOk(m, BTC, VZB, 50_000).id).toBe(2);
  });

  it('rejects malformed orders by throwing (contract), not by a value', () => {
    const m = book();
    expect(() => m.enter({ symbol: BTC, strategy: VZB, price: 0, time: T0 })).toThrow(InvalidOrderError);
    expect(() => m.enter({ symbol: BTC, strategy: VZB, price: Number.NaN, time: T0 })).toThrow(/price/);
    expect(() => m.enter({ symbol: BTC, strategy: VZB, price: 1, time: Number.NaN })).toThrow(/time/);
    expect(() => m.markToMarket(BTC, -1, T0)).toThrow(InvalidOrderError);
  });
});

describe('allocation-free enterAt / closeAt', () => {
  it('do the same accounting as enter / close (the numbers of test 12)', () => {
    const m = book();
    expect(m.enterAt(BTC, VZB, 50_000, T0)).toBe(0.1);
    expect(m.cash).toBeCloseTo(9_994_993.999, 6);
    expect(m.enterAt(BTC, VZB, 50_000, T0)).toBe(0); // already open
    const seen: { pnl: number; fee: number; reason: string | null; pct: number }[] = [];
    expect(m.closeAt(BTC, VZB, 51_000, T0 + HOUR, 'take-profit', { record: (t) => seen.push({ pnl: t.realizedPnl, fee: t.exitFee, reason: t.reason, pct: t.realizedPnlPct }) })).toBe(true);
    expect(seen).toHaveLength(1);
    expect(seen[0].pnl).toBeCloseTo(87.88002, 9);
    expect(seen[0].fee).toBeCloseTo(5.09898, 12);
    expect(seen[0].reason).toBe('take-profit');
    // 87.88002 / 5,001 = 0.01757 + 0.01245 / 5,001 = 0.0175724895 → 1.75724895 %
    expect(seen[0].pct).toBeCloseTo(1.75724895, 8);
    expect(m.closeAt(BTC, VZB, 51_000, T0 + HOUR)).toBe(false);
    expect(m.getSummary()).toMatchObject({ closedCount: 1, wins: 1 });
  });

  it('refusals return 0 and change nothing; the position object appears only when asked for, and stays live', () => {
    const m = book();
    expect(m.enterAt(BTC, VZB, 150_000_000, T0)).toBe(0); // 0.1 BTC at 150 M is more than the cash
    expect(m.cash).toBe(10_000_000);
    m.enterAt(BTC, VZB, 50_000, T0);
    const p = m.getPosition(BTC, VZB)!;
    m.markToMarket(BTC, 51_000, T0 + HOUR);
    expect(p.unrealizedPnl).toBeCloseTo(93.999, 9);
    m.closeAt(BTC, VZB, 52_000, T0 + 2 * HOUR);
    expect(p.status).toBe('closed');
    expect(p.markPrice).toBe(52_000);
    expect(() => m.enterAt(BTC, VZB, Number.NaN, T0)).toThrow(InvalidOrderError);
  });
});

describe('cash and sizing inside the book', () => {
  it('insufficient cash is a value result that says why; nothing changes', () => {
    // 0.1 BTC at 150,000,000 KRW: notional 15,003,000 (with slippage) > 10,000,000
    const m = book();
    const r = m.enter({ symbol: BTC, strategy: VZB, price: 150_000_000, time: T0 });
    expect(r).toMatchObject({ ok: false, reason: 'insufficient-cash', available: 10_000_000 });
    if (!r.ok && r.reason === 'insufficient-cash') {
      // required = 0.1 × 150,030,000 × 1.001 = 15,018,003
      expect(r.required).toBeCloseTo(15_018_003, 4);
      expect(r.message).toMatch(/only 10000000 KRW is available/);
    }
    expect(m.cash).toBe(10_000_000);
    expect(m.openCount).toBe(0);
  });

  it('all-in entry leaves no negative cash and marks equity exactly', () => {
    // fraction 1 of 1,000,000 at fill 100 (no slippage), fee 0.1 %, lot 1:
    // qty = floor(1,000,000 / (100 × 1.001)) = floor(9,990.00999) = 9,990
    // notional 999,000; fee 999; cash left 1,000,000 − 999,999 = 1
    const m = new PositionManager({ initialCash: 1_000_000, slippageRate: 0, lotStep: 1 });
    const r = m.enter({ symbol: BTC, strategy: VZB, price: 100, time: T0, sizing: { kind: 'equity-fraction', fraction: 1 } });
    expect(r.ok && r.position.quantity).toBe(9_990);
    expect(m.cash).toBeCloseTo(1, 9);
    // equity at the entry price = 1 + 999,000 = 999,001 (−999 fee)
    expect(m.equity).toBeCloseTo(999_001, 9);
  });
});

describe('listeners', () => {
  it('fires opened/closed with the position and trade', () => {
    const m = book();
    const opened = jest.fn();
    const closed = jest.fn();
    m.on('opened', opened);
    m.on('closed', closed);
    const p = enterOk(m, BTC, VZB, 50_000);
    const t = closeOk(m, BTC, VZB, 51_000);
    expect(opened).toHaveBeenCalledWith(p);
    expect(closed).toHaveBeenCalledWith(t, p);
    expect(p.status).toBe('closed');
  });

  it('a throwing listener is isolated: the book is updated, other listeners run, the error is reported with its cause', () => {
    const reported: ListenerError[] = [];
    const viaOption: ListenerError[] = [];
    const m = book({ onListenerError: (e) => viaOption.push(e) });
    const boom = new Error('listener bug');
    const after = jest.fn();
    m.on('opened', () => { throw boom; });
    m.on('opened', after);
    m.on('error', (e) => reported.push(e));
    const r = m.enter({ symbol: BTC, strategy: VZB, price: 50_000, time: T0 });
    expect(r.ok).toBe(true);
    expect(m.openCount).toBe(1);
    expect(m.cash).toBeCloseTo(9_994_993.999, 6);
    expect(after).toHaveBeenCalledTimes(1);
    expect(reported).toHaveLength(1);
    expect(reported[0]).toBeInstanceOf(ListenerError);
    expect(reported[0]).toMatchObject({ code: 'LISTENER_FAILED', event: 'opened', cause: boom });
    expect(viaOption).toEqual(reported);
    expect(m.listenerErrorCount).toBe(1);
  });

  it('a throwing error reporter does not break the book either; unsubscribe works', () => {
    const m = book();
    const off = m.on('closed', () => { throw new Error('x'); });
    m.on('error', () => { throw new Error('reporter bug'); });
    enterOk(m, BTC, VZB, 50_000);
    expect(() => closeOk(m, BTC, VZB, 50_000)).not.toThrow();
    expect(m.listenerErrorCount).toBe(2);
    off();
    enterOk(m, BTC, VZB, 50_000);
    closeOk(m, BTC, VZB, 50_000);
    expect(m.listenerErrorCount).toBe(2);
  });
});
