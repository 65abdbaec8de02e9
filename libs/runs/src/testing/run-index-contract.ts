/**
 * The contract every {@link RunIndex} implementation passes (PostgreSQL and embedded): the same
 * upsert, listing order, filters, pages and errors. Expected values are written out by hand.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { ArchiveRef, RunInput } from '@coinhts/results';
import type { RunIndex } from '../run-index';

/** A fresh, empty index per test, and how to dispose of it. */
export interface RunIndexFixture {
  readonly index: RunIndex;
  close?(): Promise<void>;
}

const T0 = Date.UTC(2025, 0, 1);
const id = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const ref = (n: number): ArchiveRef => ({ location: `file:///store/backtests/${id(n)}/`, manifestSha256: 'a'.repeat(64), totalBytes: 1000 + n, fileCount: 4 });

/** A run for the contract tests: `n` picks the id and creation time (T0 + n minutes). */
export function contractRun(n: number, over: Partial<RunInput> = {}): RunInput {
  return {
    id: id(n), kind: 'sync', status: 'completed', strategy: 'volume_zone_breakout', params: { volume_window: 20 },
    symbols: ['KRW-BTC'], timeframe: '1d', periodStart: Date.UTC(2024, 0, 1), periodEnd: Date.UTC(2024, 11, 31),
    metrics: { portfolio: { total_return_pct: n } }, totalReturnPct: n, sharpe: n / 10, maxDrawdownPct: 5, tradeCount: n,
    createdAt: T0 + n * 60_000,
    symbolResults: [{ symbol: 'KRW-BTC', metrics: { bars: 366 }, winRate: 0.5, tradeCount: n }],
    ...over,
  };
}

/** Registers the contract tests for one implementation. */
export function describeRunIndexContract(name: string, open: () => Promise<RunIndexFixture>): void {
  describe(`RunIndex contract: ${name}`, () => {
    let fx: RunIndexFixture;
    beforeEach(async () => {
      fx = await open();
    });
    afterEach(async () => {
      await fx.close?.();
    });

    it('stores a run and reads back every field, symbol rows included', async () => {
      const stored = await fx.index.put(contractRun(1), ref(1));
      const got = await fx.index.get(id(1));
      expect(got).toEqual(stored);
      expect(got).toMatchObject({
        id: id(1), kind: 'sync', status: 'completed', strategy: 'volume_zone_breakout', params: { volume_window: 20 },
        symbols: ['KRW-BTC'], timeframe: '1d', periodStart: Date.UTC(2024, 0, 1), periodEnd: Date.UTC(2024, 11, 31),
        totalReturnPct: 1, sharpe: 0.1, maxDrawdownPct: 5, tradeCount: 1, createdAt: T0 + 60_000,
        archive: { location: `file:///store/backtests/${id(1)}/`, manifestSha256: 'a'.repeat(64), totalBytes: 1001, fileCount: 4 },
        symbolResults: [{ symbol: 'KRW-BTC', metrics: { bars: 366 }, totalReturnPct: null, winRate: 0.5, maxDrawdownPct: null, tradeCount: 1 }],
      });
    });

    it('a second put of the same id replaces the row, keeps createdAt, and keeps the archive when none is given', async () => {
      await fx.index.put(contractRun(2), ref(2));
      await fx.index.put(contractRun(2, { status: 'failed', totalReturnPct: null, createdAt: T0 + 999_999_999 }), null);
      const got = await fx.index.get(id(2));
      expect(got.status).toBe('failed');
      expect(got.totalReturnPct).toBeNull();
      expect(got.createdAt).toBe(T0 + 2 * 60_000);
      expect(got.archive?.location).toBe(`file:///store/backtests/${id(2)}/`);
      expect((await fx.index.list()).items).toHaveLength(1);
    });

    it('lists newest first and pages without skips or repeats', async () => {
      for (const n of [3, 1, 5, 2, 4]) await fx.index.put(contractRun(n), ref(n));
      const first = await fx.index.list({}, { limit: 2 });
      expect(first.items.map((r) => r.id)).toEqual([id(5), id(4)]);
      expect(first.items[0].symbolResults).toBeUndefined();
      const second = await fx.index.list({}, { limit: 2, cursor: first.nextCursor });
      expect(second.items.map((r) => r.id)).toEqual([id(3), id(2)]);
      const third = await fx.index.list({}, { limit: 2, cursor: second.nextCursor });
      expect(third.items.map((r) => r.id)).toEqual([id(1)]);
      expect(third.nextCursor).toBeNull();
    });

    it('orders runs created in the same millisecond by id, descending', async () => {
      await fx.index.put(contractRun(7, { createdAt: T0 }), null);
      await fx.index.put(contractRun(8, { createdAt: T0 }), null);
      expect((await fx.index.list()).items.map((r) => r.id)).toEqual([id(8), id(7)]);
    });

    it('applies every filter, combined with AND', async () => {
      await fx.index.put(contractRun(1, { strategy: 'a', symbols: ['KRW-BTC', 'KRW-ETH'], kind: 'sync' }), null);
      await fx.index.put(contractRun(2, { strategy: 'a', symbols: ['KRW-ETH'], kind: 'async', symbolResults: [] }), null);
      await fx.index.put(contractRun(3, { strategy: 'b', symbols: ['KRW-BTC'], kind: 'sweep', status: 'failed' }), null);
      await fx.index.put(contractRun(4, { strategy: 'a', symbols: ['KRW-BTC'], sharpe: null }), null);
      const ids = async (f: Parameters<RunIndex['list']>[0]) => (await fx.index.list(f)).items.map((r) => r.id);
      expect(await ids({ strategy: 'a' })).toEqual([id(4), id(2), id(1)]);
      expect(await ids({ symbol: 'KRW-ETH' })).toEqual([id(2), id(1)]);
      expect(await ids({ symbol: ['KRW-BTC', 'KRW-ETH'] })).toEqual([id(1)]);
      expect(await ids({ kind: ['async', 'sweep'] })).toEqual([id(3), id(2)]);
      expect(await ids({ status: 'failed' })).toEqual([id(3)]);
      expect(await ids({ createdFrom: T0 + 2 * 60_000, createdTo: T0 + 3 * 60_000 })).toEqual([id(3), id(2)]);
      // totalReturnPct = n; sharpe = n / 10 except run 4 (null never matches a range)
      expect(await ids({ totalReturnPct: { min: 2, max: 3 } })).toEqual([id(3), id(2)]);
      expect(await ids({ sharpe: { min: 0 } })).toEqual([id(3), id(2), id(1)]);
      expect(await ids({ strategy: 'a', tradeCount: { max: 2 } })).toEqual([id(2), id(1)]);
    });

    it('refuses a bad filter, limit or cursor with INVALID_PARAMS', async () => {
      await expect(fx.index.list({ status: 'done' as never })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
      await expect(fx.index.list({}, { limit: 0 })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
      await expect(fx.index.list({}, { cursor: 'not-a-cursor' })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
      await expect(fx.index.list({ sharpe: { min: 2, max: 1 } })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    });

    it('refuses a malformed run with INVALID_PARAMS and stores nothing', async () => {
      await expect(fx.index.put(contractRun(1, { symbols: [] }), null)).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
      expect((await fx.index.list()).items).toEqual([]);
    });

    it('an idempotency key belongs to one run: CONFLICT for another, found by key', async () => {
      await fx.index.put(contractRun(1, { idempotencyKey: 'k-1' }), null);
      await expect(fx.index.put(contractRun(2, { idempotencyKey: 'k-1' }), null)).rejects.toMatchObject({ code: 'CONFLICT' });
      expect((await fx.index.findByIdempotencyKey('k-1'))?.id).toBe(id(1));
      expect(await fx.index.findByIdempotencyKey('k-2')).toBeNull();
    });

    it('deletes: true once, then false; get is NOT_FOUND', async () => {
      await fx.index.put(contractRun(1), ref(1));
      expect(await fx.index.delete(id(1))).toBe(true);
      expect(await fx.index.delete(id(1))).toBe(false);
      await expect(fx.index.get(id(1))).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(fx.index.get('not-a-uuid')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('lists every id with its archive location, oldest first', async () => {
      await fx.index.put(contractRun(2), ref(2));
      await fx.index.put(contractRun(1), null);
      expect(await fx.index.archiveRefs()).toEqual([
        { id: id(1), location: null, createdAt: T0 + 60_000 },
        { id: id(2), location: `file:///store/backtests/${id(2)}/`, createdAt: T0 + 120_000 },
      ]);
    });
  });
}
