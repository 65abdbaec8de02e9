/**
 * Contract of the engine's CandleSource port, as a reusable suite: any implementation seeded with
 * some candles must return exactly those with `from <= open time <= to`, sorted ascending, and an
 * empty series when none match. (A candidate for `@coinhts/engine/testing` once such an entry
 * exists for adapters to share.)
 */
import fc from 'fast-check';
import type { CandleColumns, CandleSource, Timeframe } from '@coinhts/engine';

/** Builds a source holding `candles` for `symbol`/`timeframe` (a fresh one per call). */
export type SourceFactory = (symbol: string, timeframe: Timeframe, candles: CandleColumns) => Promise<CandleSource>;

const DAY = 86_400_000;

/** Registers the contract tests for one implementation. */
export function describeCandleSourceContract(name: string, make: SourceFactory): void {
  describe(`CandleSource contract: ${name}`, () => {
    it('returns exactly the stored candles in [from, to], sorted (property, across year boundaries)', async () => {
      const base = Date.UTC(2022, 11, 20);
      await fc.assert(fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 0, max: 800 }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: -5, max: 805 }), fc.integer({ min: 0, max: 400 }),
        async (days, fromDay, span) => {
          const ts = days.map((d) => base + d * DAY);
          const candles: CandleColumns = {
            timestamp: Float64Array.from(ts), open: Float64Array.from(days, (d) => d + 1), high: Float64Array.from(days, (d) => d + 2),
            low: Float64Array.from(days, (d) => d + 0.5), close: Float64Array.from(days, (d) => d + 1.5), volume: Float64Array.from(days, (d) => d),
          };
          const source = await make('KRW-BTC', '1d', candles);
          const from = base + fromDay * DAY, to = from + span * DAY;
          const got = await source.load({ symbol: 'KRW-BTC', timeframe: '1d', from, to });
          const want = [...days].sort((a, b) => a - b).filter((d) => base + d * DAY >= from && base + d * DAY <= to);
          expect(Array.from(got.timestamp)).toEqual(want.map((d) => base + d * DAY));
          expect(Array.from(got.close)).toEqual(want.map((d) => d + 1.5));
          for (const col of [got.timestamp, got.open, got.high, got.low, got.close, got.volume]) {
            expect(col).toBeInstanceOf(Float64Array);
            expect(col.length).toBe(want.length);
          }
          const all = await source.load({ symbol: 'KRW-BTC', timeframe: '1d' });
          expect(all.timestamp.length).toBe(days.length);
        },
      ), { numRuns: 20 });
    }, 30_000);

    it('returns an empty series for another symbol or timeframe', async () => {
      const source = await make('KRW-BTC', '1d', { timestamp: Float64Array.of(DAY), open: Float64Array.of(1), high: Float64Array.of(1), low: Float64Array.of(1), close: Float64Array.of(1), volume: Float64Array.of(1) });
      expect((await source.load({ symbol: 'KRW-ETH', timeframe: '1d' })).timestamp.length).toBe(0);
      expect((await source.load({ symbol: 'KRW-BTC', timeframe: '1h' })).timestamp.length).toBe(0);
    });
  });
}
