/**
 * PgRunIndex against PostgreSQL: every column as plain SQL sees it (the statements are generated
 * from the one table description), upserts, filters and keyset pages. The RunIndex contract
 * suite in @coinhts/runs runs against it too.
 */
import type { ArchiveRef, RunInput } from './run-types';
import { PgRunIndex } from './pg-run-index';
import { useTestSchema } from '../test/pg-schema';

const db = useTestSchema();
let clock = Date.UTC(2025, 0, 10, 12);
const now = () => clock;
const REF = (n: number): ArchiveRef => ({ location: `file:///store/backtests/${id(n)}/`, manifestSha256: 'd'.repeat(64), totalBytes: 1234, fileCount: 4 });

const repo = () => new PgRunIndex(db.ds, { now });
const id = (n: number) => `00000000-0000-4000-8000-${n.toString().padStart(12, '0')}`;
const base = (n: number, over: Partial<RunInput> = {}): RunInput => ({
  id: id(n),
  kind: 'sync',
  status: 'completed',
  strategy: 'volume_long_candle',
  symbols: ['KRW-BTC'],
  ...over,
});
async function count(sql: string, params: unknown[] = []): Promise<number> {
  return Number((await db.pg.query(sql, params)).rows[0].n);
}

describe('PgRunIndex.put and get', () => {
  const run: RunInput = {
    id: id(1),
    kind: 'async',
    status: 'completed',
    strategy: 'volume_zone_breakout',
    params: { volume_window: 20, top_percentile: 0.2 },
    symbols: ['KRW-BTC', 'KRW-ETH'],
    timeframe: '1d',
    periodStart: Date.UTC(2024, 0, 1),
    periodEnd: Date.UTC(2024, 5, 30),
    metrics: { win_rate: 0.55, custom: { nested: [1, 2] } },
    totalReturnPct: 12.5,
    sharpe: 1.25,
    maxDrawdownPct: 8.75,
    tradeCount: 42,
    symbolResults: [
      { symbol: 'KRW-ETH', metrics: { a: 1 }, totalReturnPct: -3.5, winRate: 0.4, maxDrawdownPct: 10, tradeCount: 20 },
      { symbol: 'KRW-BTC', metrics: { a: 2 }, totalReturnPct: 28.5, winRate: 0.7, maxDrawdownPct: 7.5, tradeCount: 22 },
    ],
    durationMs: 1234,
    startedAt: Date.UTC(2025, 0, 10, 11, 59),
    finishedAt: Date.UTC(2025, 0, 10, 12, 0, 1, 234),
    idempotencyKey: 'client-key-1',
  };

  it('writes the row with every field, as plain SQL sees it', async () => {
    const saved = await repo().put(run, REF(1));
    const { rows } = await db.pg.query(`SELECT *, extract(epoch from created_at) * 1000 AS created_ms FROM backtest_runs WHERE id = $1`, [run.id]);
    expect(rows).toHaveLength(1);
    const r = rows[0];
    expect(r).toMatchObject({
      kind: 'async', status: 'completed', strategy: 'volume_zone_breakout',
      params: { volume_window: 20, top_percentile: 0.2 }, symbols: ['KRW-BTC', 'KRW-ETH'], timeframe: '1d',
      metrics: { win_rate: 0.55, custom: { nested: [1, 2] } }, total_return_pct: 12.5, sharpe: 1.25,
      max_drawdown_pct: 8.75, trade_count: 42, duration_ms: 1234, idempotency_key: 'client-key-1', error: null, archive_files: 4,
    });
    expect(r.period_start.toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(r.period_end.toISOString()).toBe('2024-06-30T00:00:00.000Z');
    expect(r.finished_at.toISOString()).toBe('2025-01-10T12:00:01.234Z');
    expect(Number(r.created_ms)).toBe(clock);
    expect(r.manifest_sha256).toBe('d'.repeat(64));
    expect(Number(r.archive_bytes)).toBe(1234);
    expect(r.archive_location).toBe(`file:///store/backtests/${id(1)}/`);
    const sym = await db.pg.query(`SELECT symbol, metrics, total_return_pct, win_rate, trade_count FROM backtest_symbol_results WHERE run_id = $1 ORDER BY symbol`, [run.id]);
    expect(sym.rows).toEqual([
      { symbol: 'KRW-BTC', metrics: { a: 2 }, total_return_pct: 28.5, win_rate: 0.7, trade_count: 22 },
      { symbol: 'KRW-ETH', metrics: { a: 1 }, total_return_pct: -3.5, win_rate: 0.4, trade_count: 20 },
    ]);
    expect(saved.archive).toEqual(REF(1));
    expect(saved.symbolResults?.map((s) => s.symbol)).toEqual(['KRW-BTC', 'KRW-ETH']);
    expect(saved.createdAt).toBe(clock);
    expect(saved.finishedAt).toBe(Date.UTC(2025, 0, 10, 12, 0, 1, 234));
  });

  it('is idempotent by run id: a second put updates in place, keeps createdAt, replaces symbol rows', async () => {
    const firstCreated = clock;
    clock += 60_000;
    const again = await repo().put({ ...run, status: 'completed', tradeCount: 43, symbolResults: [{ symbol: 'KRW-BTC', tradeCount: 43 }] }, REF(1));
    expect(await count(`SELECT count(*) AS n FROM backtest_runs WHERE id = $1`, [run.id])).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM backtest_symbol_results WHERE run_id = $1`, [run.id])).toBe(1);
    expect(again.createdAt).toBe(firstCreated);
    expect(again.updatedAt).toBe(clock);
    expect(again.tradeCount).toBe(43);
  });

  it('keeps the archive reference when put again without one (a status update)', async () => {
    const before = await repo().get(run.id);
    const after = await repo().put({ ...run, symbolResults: undefined }, null);
    expect(after.archive).toEqual(before.archive);
    expect(after.symbolResults).toHaveLength(1);
  });

  it('finds a run by its idempotency key and refuses the key for another run', async () => {
    expect((await repo().findByIdempotencyKey('client-key-1'))?.id).toBe(run.id);
    expect(await repo().findByIdempotencyKey('nope')).toBeNull();
    const err = await repo().put(base(2, { idempotencyKey: 'client-key-1' }), null).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CONFLICT', key: 'idempotency_key', existingId: run.id });
    expect(await count(`SELECT count(*) AS n FROM backtest_runs WHERE id = $1`, [id(2)])).toBe(0);
  });

  it('gives NOT_FOUND for an unknown or malformed id', async () => {
    await expect(repo().get(id(999))).rejects.toMatchObject({ code: 'NOT_FOUND', entity: 'run', key: id(999) });
    await expect(repo().get('not-a-uuid')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('rejects a malformed run with every problem listed and writes nothing', async () => {
    const err = await repo()
      .put({ ...base(3), symbols: ['A', 'A'], periodStart: 2, periodEnd: 1, totalReturnPct: Number.NaN, symbolResults: [{ symbol: 'B' }] }, null)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INVALID_PARAMS' });
    expect((err as { issues: { field: string }[] }).issues.map((i) => i.field).sort()).toEqual(['periodEnd', 'symbolResults.0.symbol', 'symbols', 'totalReturnPct']);
    expect(await count(`SELECT count(*) AS n FROM backtest_runs WHERE id = $1`, [id(3)])).toBe(0);
  });
});

describe('PgRunIndex.list', () => {
  // Hand-made runs: created one hour apart (run 20 newest), except 26 and 27 which share a created_at.
  const t0 = Date.UTC(2025, 1, 1);
  const H = 3_600_000;
  const runs: RunInput[] = [
    base(20, { strategy: 'vzb', symbols: ['KRW-BTC', 'KRW-ETH'], totalReturnPct: 5, tradeCount: 10, createdAt: t0 + 9 * H }),
    base(21, { strategy: 'vlc', symbols: ['KRW-BTC'], totalReturnPct: -2, tradeCount: 3, createdAt: t0 + 8 * H, kind: 'sweep' }),
    base(22, { strategy: 'vzb', symbols: ['KRW-XRP'], totalReturnPct: 15, tradeCount: 50, createdAt: t0 + 7 * H, status: 'failed' }),
    base(23, { strategy: 'vzb', symbols: ['KRW-BTC'], totalReturnPct: 0, sharpe: 2, createdAt: t0 + 6 * H }),
    base(24, { strategy: 'vlc', symbols: ['KRW-ETH', 'KRW-XRP'], totalReturnPct: 30, maxDrawdownPct: 4, createdAt: t0 + 5 * H }),
    base(25, { strategy: 'vzb', symbols: ['KRW-BTC', 'KRW-XRP'], totalReturnPct: null, createdAt: t0 + 4 * H }),
    base(26, { strategy: 'vzb', symbols: ['KRW-ETH'], totalReturnPct: 7, createdAt: t0 + 3 * H }),
    base(27, { strategy: 'vzb', symbols: ['KRW-BTC'], totalReturnPct: 8, createdAt: t0 + 3 * H }),
    base(28, { strategy: 'vlc', symbols: ['KRW-BTC', 'KRW-ETH', 'KRW-XRP'], totalReturnPct: 1, createdAt: t0 + 2 * H, status: 'running' }),
  ];
  const ids = (page: { items: readonly { id: string }[] }) => page.items.map((r) => Number(r.id.slice(-3)));
  const scope = { createdFrom: t0 } as const; // ignore runs saved by the other blocks

  beforeAll(async () => {
    for (const r of runs) await repo().put(r, null);
  });

  it('orders newest first, ties broken by id descending', async () => {
    expect(ids(await repo().list(scope))).toEqual([20, 21, 22, 23, 24, 25, 27, 26, 28]);
  });

  it.each([
    ['strategy + symbol', { strategy: 'vzb', symbol: 'KRW-BTC' }, [20, 23, 25, 27]],
    ['all of several symbols', { symbol: ['KRW-BTC', 'KRW-XRP'] }, [25, 28]],
    ['strategy + min total return', { strategy: 'vzb', totalReturnPct: { min: 5 } }, [20, 22, 27, 26]],
    ['return range (null never matches)', { totalReturnPct: { min: 0, max: 7 } }, [20, 23, 26, 28]],
    ['status list', { status: ['failed', 'running'] }, [22, 28]],
    ['kind', { kind: 'sweep' }, [21]],
    ['sharpe', { sharpe: { min: 1.5 } }, [23]],
    ['max drawdown', { maxDrawdownPct: { max: 5 } }, [24]],
    ['trade count', { tradeCount: { min: 10 } }, [20, 22]],
    ['created range, both ends inclusive', { createdFrom: t0 + 3 * H, createdTo: t0 + 5 * H }, [24, 25, 27, 26]],
  ] as const)('filters by %s', async (_name, filter, expected) => {
    expect(ids(await repo().list({ ...scope, ...filter }))).toEqual(expected);
  });

  it('pages with an opaque cursor without skipping or repeating, even when newer runs arrive meanwhile', async () => {
    const p1 = await repo().list(scope, { limit: 4 });
    expect(ids(p1)).toEqual([20, 21, 22, 23]);
    await repo().put(base(29, { strategy: 'vzb', createdAt: t0 + 10 * H }), null);
    const p2 = await repo().list(scope, { limit: 4, cursor: p1.nextCursor });
    expect(ids(p2)).toEqual([24, 25, 27, 26]);
    const p3 = await repo().list(scope, { limit: 4, cursor: p2.nextCursor });
    expect(ids(p3)).toEqual([28]);
    expect(p3.nextCursor).toBeNull();
    const exact = await repo().list({ ...scope, createdTo: t0 + 9 * H }, { limit: 9 });
    expect(exact.nextCursor).toBeNull();
  });

  it('splits a page between two runs with the same created_at', async () => {
    const p = await repo().list({ ...scope, createdTo: t0 + 3 * H }, { limit: 1 });
    expect(ids(p)).toEqual([27]);
    expect(ids(await repo().list({ ...scope, createdTo: t0 + 3 * H }, { limit: 1, cursor: p.nextCursor }))).toEqual([26]);
  });

  it('rejects a forged cursor, a bad limit and contradictory filters with INVALID_PARAMS', async () => {
    await expect(repo().list({}, { cursor: 'bm90LWEtY3Vyc29y' })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    await expect(repo().list({}, { limit: 0 })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    await expect(repo().list({ totalReturnPct: { min: 2, max: 1 } })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    await expect(repo().list({ status: 'done' as never })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    await expect(repo().list({ symbol: [] })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
  });
});

describe('PgRunIndex.delete', () => {
  it('deletes the row and its symbol rows (cascade); a second delete finds nothing', async () => {
    await repo().put(base(40, { symbolResults: [{ symbol: 'KRW-BTC', tradeCount: 1 }] }), REF(40));
    expect(await repo().delete(id(40))).toBe(true);
    expect(await count(`SELECT count(*) AS n FROM backtest_symbol_results WHERE run_id = $1`, [id(40)])).toBe(0);
    expect(await repo().delete(id(40))).toBe(false);
    expect(await repo().delete('not-a-uuid')).toBe(false);
  });
});
