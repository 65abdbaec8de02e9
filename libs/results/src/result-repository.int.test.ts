import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArchiveWriteResult, RunArchivePayload, RunArchiveStore } from './archive-store';
import { LocalDirArchiveStore } from './local-archive-store';
import { ResultRepository } from './result-repository';
import type { RunInput } from './run-types';
import { useTestSchema } from '../test/pg-schema';

const db = useTestSchema();
let root: string;
let store: LocalDirArchiveStore;
let clock = Date.UTC(2025, 0, 10, 12);
const now = () => clock;
const DAY = 86_400_000;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'results-repo-'));
  store = new LocalDirArchiveStore({ root });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const repo = () => new ResultRepository(db.ds, store, { now });
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

describe('ResultRepository.save and get', () => {
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
  const payload: RunArchivePayload = { summary: { hello: 'world' }, files: [{ name: 'signals.bin', bytes: Buffer.from('abc') }] };

  it('writes the archive and the row with every field, as plain SQL sees it', async () => {
    const saved = await repo().save(run, payload);
    const { rows } = await db.pg.query(`SELECT *, extract(epoch from created_at) * 1000 AS created_ms FROM backtest_runs WHERE id = $1`, [run.id]);
    expect(rows).toHaveLength(1);
    const r = rows[0];
    expect(r).toMatchObject({
      kind: 'async', status: 'completed', strategy: 'volume_zone_breakout',
      params: { volume_window: 20, top_percentile: 0.2 }, symbols: ['KRW-BTC', 'KRW-ETH'], timeframe: '1d',
      metrics: { win_rate: 0.55, custom: { nested: [1, 2] } }, total_return_pct: 12.5, sharpe: 1.25,
      max_drawdown_pct: 8.75, trade_count: 42, duration_ms: 1234, idempotency_key: 'client-key-1', error: null, archive_files: 2,
    });
    expect(r.period_start.toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(r.period_end.toISOString()).toBe('2024-06-30T00:00:00.000Z');
    expect(r.finished_at.toISOString()).toBe('2025-01-10T12:00:01.234Z');
    expect(Number(r.created_ms)).toBe(clock);
    const folder = join(root, 'backtests', run.id);
    const manifest = await readFile(join(folder, 'manifest.json'));
    expect(r.manifest_sha256).toBe(createHash('sha256').update(manifest).digest('hex'));
    const summary = await readFile(join(folder, 'summary.json'));
    expect(Number(r.archive_bytes)).toBe(manifest.byteLength + summary.byteLength + 3);
    expect(r.archive_location).toBe(`file://${folder}/`);
    const sym = await db.pg.query(`SELECT symbol, metrics, total_return_pct, win_rate, trade_count FROM backtest_symbol_results WHERE run_id = $1 ORDER BY symbol`, [run.id]);
    expect(sym.rows).toEqual([
      { symbol: 'KRW-BTC', metrics: { a: 2 }, total_return_pct: 28.5, win_rate: 0.7, trade_count: 22 },
      { symbol: 'KRW-ETH', metrics: { a: 1 }, total_return_pct: -3.5, win_rate: 0.4, trade_count: 20 },
    ]);
    expect(saved.archive).toEqual({ location: `file://${folder}/`, manifestSha256: r.manifest_sha256, totalBytes: Number(r.archive_bytes), fileCount: 2 });
    expect(saved.symbolResults?.map((s) => s.symbol)).toEqual(['KRW-BTC', 'KRW-ETH']);
    expect(saved.createdAt).toBe(clock);
    expect(saved.finishedAt).toBe(Date.UTC(2025, 0, 10, 12, 0, 1, 234));
  });

  it('is idempotent by run id: a second save updates in place, keeps createdAt, replaces symbol rows', async () => {
    const firstCreated = clock;
    clock += 60_000;
    const again = await repo().save({ ...run, status: 'completed', tradeCount: 43, symbolResults: [{ symbol: 'KRW-BTC', tradeCount: 43 }] }, payload);
    expect(await count(`SELECT count(*) AS n FROM backtest_runs WHERE id = $1`, [run.id])).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM backtest_symbol_results WHERE run_id = $1`, [run.id])).toBe(1);
    expect(again.createdAt).toBe(firstCreated);
    expect(again.updatedAt).toBe(clock);
    expect(again.tradeCount).toBe(43);
  });

  it('keeps the archive reference when saved again without a payload (a status update)', async () => {
    const before = await repo().get(run.id);
    const after = await repo().save({ ...run, symbolResults: undefined });
    expect(after.archive).toEqual(before.archive);
    expect(after.symbolResults).toHaveLength(1);
  });

  it('finds a run by its idempotency key and refuses the key for another run before writing its archive', async () => {
    expect((await repo().findByIdempotencyKey('client-key-1'))?.id).toBe(run.id);
    expect(await repo().findByIdempotencyKey('nope')).toBeNull();
    const err = await repo().save(base(2, { idempotencyKey: 'client-key-1' }), { summary: 1 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CONFLICT', key: 'idempotency_key', existingId: run.id });
    expect(await store.exists(id(2))).toBe(false);
  });

  it('gives NOT_FOUND for an unknown or malformed id', async () => {
    await expect(repo().get(id(999))).rejects.toMatchObject({ code: 'NOT_FOUND', entity: 'run', key: id(999) });
    await expect(repo().get('not-a-uuid')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('rejects a malformed run with every problem listed and writes nothing', async () => {
    const err = await repo()
      .save({ ...base(3), symbols: ['A', 'A'], periodStart: 2, periodEnd: 1, totalReturnPct: Number.NaN, symbolResults: [{ symbol: 'B' }] }, { summary: 1 })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INVALID_PARAMS' });
    expect((err as { issues: { field: string }[] }).issues.map((i) => i.field).sort()).toEqual(['periodEnd', 'symbolResults.0.symbol', 'symbols', 'totalReturnPct']);
    expect(await store.exists(id(3))).toBe(false);
  });
});

describe('ResultRepository write order', () => {
  class FailingStore implements RunArchiveStore {
    write(): Promise<ArchiveWriteResult> {
      return Promise.reject(new Error('disk full'));
    }
    delete = () => Promise.resolve();
    exists = () => Promise.resolve(false);
    async *list() {
      yield* [];
    }
  }

  it('writes no row when the archive write fails (STORAGE_FAILED, cause kept)', async () => {
    const err = await new ResultRepository(db.ds, new FailingStore(), { now }).save(base(10), { summary: 1 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STORAGE_FAILED', runId: id(10) });
    expect(((err as Error).cause as Error).message).toBe('disk full');
    expect(await count(`SELECT count(*) AS n FROM backtest_runs WHERE id = $1`, [id(10)])).toBe(0);
  });

  it('leaves an orphan archive when the row write fails, which cleanupOrphans removes once old enough', async () => {
    await db.pg.query(`CREATE FUNCTION refuse_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'row refused'; END $$`);
    await db.pg.query(`CREATE TRIGGER refuse BEFORE INSERT ON backtest_runs FOR EACH ROW WHEN (NEW.strategy = 'explode') EXECUTE FUNCTION refuse_row()`);
    const err = await repo().save(base(11, { strategy: 'explode' }), { summary: 1 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'QUERY_FAILED' });
    expect(await count(`SELECT count(*) AS n FROM backtest_runs WHERE id = $1`, [id(11)])).toBe(0);
    expect(await store.exists(id(11))).toBe(true);

    // Archive ages come from file times, so this part runs on the real clock.
    const realClock = new ResultRepository(db.ds, store);
    const young = await realClock.cleanupOrphans();
    expect(young).toMatchObject({ orphans: [], young: [id(11)] });
    const dry = await realClock.cleanupOrphans({ dryRun: true, minAgeMs: 0 });
    expect(dry).toMatchObject({ dryRun: true, orphans: [id(11)], failures: [] });
    expect(await store.exists(id(11))).toBe(true);
    const real = await realClock.cleanupOrphans({ minAgeMs: 0 });
    expect(real.orphans).toEqual([id(11)]);
    expect(await store.exists(id(11))).toBe(false);
    expect(await store.exists(id(1))).toBe(true);
  });
});

describe('ResultRepository.list', () => {
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
    for (const r of runs) await repo().save(r);
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
    await repo().save(base(29, { strategy: 'vzb', createdAt: t0 + 10 * H }));
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

describe('ResultRepository.delete and retention', () => {
  beforeAll(() => {
    clock = Date.UTC(2025, 6, 1);
  });

  it('deletes the row, its symbol rows (cascade) and the archive; a second delete is NOT_FOUND', async () => {
    await repo().save(base(40, { symbolResults: [{ symbol: 'KRW-BTC' }] }), { summary: 1 });
    expect(await store.exists(id(40))).toBe(true);
    expect(await repo().delete(id(40))).toEqual({ runId: id(40), archiveDeleted: true });
    expect(await count(`SELECT count(*) AS n FROM backtest_runs WHERE id = $1`, [id(40)])).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM backtest_symbol_results WHERE run_id = $1`, [id(40)])).toBe(0);
    expect(await store.exists(id(40))).toBe(false);
    await expect(repo().delete(id(40))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('reports runs older than N days in a dry run without deleting, then deletes rows and archives', async () => {
    await repo().save(base(41, { createdAt: clock - 40 * DAY }), { summary: 41 });
    await repo().save(base(42, { createdAt: clock - 31 * DAY, status: 'failed' }), { summary: 42 });
    await repo().save(base(43, { createdAt: clock - 29 * DAY }), { summary: 43 });
    const older = await db.pg.query(`SELECT id FROM backtest_runs WHERE created_at < $1 ORDER BY created_at, id`, [new Date(clock - 30 * DAY)]);
    const expected = older.rows.map((r: { id: string }) => r.id);
    expect(expected.slice(-2)).toEqual([id(41), id(42)]);

    const dry = await repo().deleteOlderThan({ olderThanDays: 30, dryRun: true });
    expect(dry.runs.map((r) => r.id)).toEqual(expected);
    expect(dry.deletedRuns).toBe(0);
    expect(dry.cutoff).toBe(clock - 30 * DAY);
    expect(await count(`SELECT count(*) AS n FROM backtest_runs WHERE id = ANY($1)`, [expected])).toBe(expected.length);

    const onlyFailed = await repo().deleteOlderThan({ olderThanDays: 30, dryRun: true, statuses: ['failed'] });
    expect(onlyFailed.runs.map((r) => r.id)).toEqual([id(22), id(42)]); // 22 is the failed run of the list block

    const real = await repo().deleteOlderThan({ olderThanDays: 30, batchSize: 2 });
    expect(real.runs.map((r) => r.id)).toEqual(expected);
    expect(real.deletedRuns).toBe(expected.length);
    expect(real.archiveFailures).toEqual([]);
    expect(await count(`SELECT count(*) AS n FROM backtest_runs WHERE created_at < $1`, [new Date(clock - 30 * DAY)])).toBe(0);
    expect(await store.exists(id(41))).toBe(false);
    expect(await store.exists(id(43))).toBe(true);
    await expect(repo().deleteOlderThan({ olderThanDays: 0 })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
  });
});
