/**
 * Shared indicator columns must not change a single signal: rsi_reversion's batch form with a
 * column cache (one cache shared by many parameter sets, as in a sweep) against the form without one.
 */
import fc from 'fast-check';
import type { CandleColumns } from '../core/candles';
import type { SignalColumns } from '../core/signals';
import { rsiReversion } from '../strategies';
import { syntheticCandles } from '../testing';
import { LruColumnCache } from './column-cache';
import { runSweep } from './run-sweep';

function same(a: SignalColumns, b: SignalColumns): boolean {
  const eq = (x: ArrayLike<number> | undefined, y: ArrayLike<number> | undefined): boolean =>
    x === undefined || y === undefined ? x === y : x.length === y.length && Array.from(x).every((v, i) => Object.is(v, y[i]));
  return eq(a.side, b.side) && eq(a.confidence, b.confidence) && eq(a.level, b.level);
}

/** Candles whose closes repeat values (ties and exact crossings happen) or drift smoothly. */
const candlesArb = fc.record({
  n: fc.integer({ min: 1, max: 1_500 }),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  flat: fc.boolean(),
  price: fc.constantFrom(0.001, 1, 100, 98_000_000),
}).map(({ n, seed, flat, price }): CandleColumns => {
  const c = syntheticCandles({ n, seed, startPrice: price });
  // flat: closes from a handful of levels, so fast − slow is often exactly 0 and the fresh fallback runs
  if (flat) for (let i = 0; i < n; i++) c.close[i] = price * (1 + (Math.floor(c.close[i] * 7 / price) % 3) / 100);
  return c;
});

describe('indicator columns shared through a cache', () => {
  it('rsi_reversion: the same signals with and without the cache', () => {
    fc.assert(fc.property(candlesArb, fc.array(fc.tuple(fc.integer({ min: 2, max: 50 }), fc.integer({ min: 1, max: 49 })), { minLength: 1, maxLength: 6 }), (candles, sets) => {
      const cache = new LruColumnCache();
      for (const [period, lo] of sets) {
        const params = { period, oversold: lo, overbought: 100 - lo / 2, hold_period_bars: 1 };
        if (!same(rsiReversion.generate(candles, params, { columns: cache }), rsiReversion.generate(candles, params))) return false;
      }
      return true;
    }), { numRuns: 150 });
  });

  it('a sweep gives the same rows with the shared cache as without, and computes each RSI period once', () => {
    const candles = syntheticCandles({ n: 4_000, seed: 9 });
    const series = [{ symbol: 'KRW-BTC', timeframe: '1m' as const, candles }];
    const space = { period: { min: 5, max: 50, step: 5 }, oversold: { min: 20, max: 38, step: 2 } };
    const cache = new LruColumnCache();
    const shared = runSweep({ strategy: rsiReversion as never, space, series, columns: cache });
    const fresh = runSweep({ strategy: rsiReversion as never, space, series, columns: null });
    expect(JSON.stringify(shared.rows)).toBe(JSON.stringify(fresh.rows));
    // 10 periods x 10 oversold levels: 100 RSI lookups, 10 distinct periods computed once each
    expect(cache.stats()).toMatchObject({ misses: 10, hits: 90, evictions: 0 });
  });
});

describe('LruColumnCache', () => {
  const input = new Float64Array(10);
  const col = (v: number) => (): [Float64Array] => [new Float64Array(8).fill(v)]; // 64 bytes each

  it('keeps the most recently used entries within the budget', () => {
    const cache = new LruColumnCache(128); // room for two 64-byte columns
    cache.get('x', 'a', input, col(1));
    cache.get('x', 'b', input, col(2));
    cache.get('x', 'a', input, col(9)); // hit: a is now the most recent
    cache.get('x', 'c', input, col(3)); // evicts b, the least recently used
    expect(cache.get('x', 'a', input, col(9))[0][0]).toBe(1);
    expect(cache.get('x', 'b', input, col(7))[0][0]).toBe(7); // recomputed
    expect(cache.stats()).toMatchObject({ hits: 2, misses: 4, entries: 2, bytes: 128 });
  });

  it('tells inputs apart by identity, not by value', () => {
    const cache = new LruColumnCache();
    const other = new Float64Array(10);
    cache.get('x', 'a', input, col(1));
    expect(cache.get('x', 'a', other, col(2))[0][0]).toBe(2);
  });

  it('returns but does not keep columns larger than the budget; refuses a negative budget', () => {
    const cache = new LruColumnCache(32);
    expect(cache.get('x', 'a', input, col(1))[0][0]).toBe(1);
    expect(cache.stats()).toMatchObject({ entries: 0, bytes: 0 });
    expect(() => new LruColumnCache(-1)).toThrow(/columnBudgetBytes: must be a number of bytes >= 0, got -1/);
  });
});
