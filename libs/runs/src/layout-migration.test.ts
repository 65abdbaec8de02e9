import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BacktestResult } from '@coinhts/engine';
import { LocalFsStorageProvider } from '@coinhts/storage';
import { EmbeddedRunIndex } from './embedded-run-index';
import { migrateLayout, migratedRunId, type LayoutMigrationEvent } from './layout-migration';
import { resultTables } from './result-tables';
import { RunArchive } from './run-archive';
import type { RunDocument } from './run-record';
import { RunService } from './run-service';
import { fixtureBacktest, writeCliStoreRun, writeResultsDirBacktest, writeResultsDirRun } from './testing';

const A1 = '11111111-1111-4111-8111-111111111111';
const A2 = '22222222-2222-4222-8222-222222222222';
const SWEEP = '33333333-3333-4333-8333-333333333333';
const B1 = '20261201T101500Z-sma_crossover-a1b2c3';
const B2 = '20261202T090000Z-sma_crossover-d4e5f6';

describe('migrateLayout', () => {
  let dir: string;
  let results: BacktestResult[];
  const serviceOf = () => new RunService(
    new RunArchive(new LocalFsStorageProvider({ rootDir: dir, fsync: false }), `file://${dir}/`),
    new EmbeddedRunIndex({ file: join(dir, 'runs-index.jsonl'), fsync: false }),
  );
  const migrate = async () => {
    const events: LayoutMigrationEvent[] = [];
    const report = await migrateLayout({ dir, service: serviceOf(), onEvent: (e) => events.push(e) });
    return { report, events };
  };

  beforeAll(() => {
    results = [fixtureBacktest(1), fixtureBacktest(2), fixtureBacktest(3), fixtureBacktest(4)];
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runs-migrate-'));
    await writeResultsDirBacktest(dir, A1, results[0], new Date('2026-11-01T10:00:00Z'));
    await writeResultsDirBacktest(dir, A2, results[1], new Date('2026-11-02T10:00:00Z'));
    const ranking = {
      sweepId: SWEEP, rankBy: 'sharpe', direction: 'max', total: 2, evaluated: 2, failed: 0,
      rows: [
        { index: 1, params: { fast: 5, slow: 20 }, metrics: { sharpe: 1.5, total_return_pct: 12, max_drawdown_pct: 4, trade_count: 7 }, score: 1.5 },
        { index: 0, params: { fast: 3, slow: 20 }, metrics: { sharpe: 0.5, total_return_pct: 3, max_drawdown_pct: 9, trade_count: 11 }, score: 0.5 },
      ],
    };
    const request = { strategy: 'sma_crossover', params: {}, grid: { fast: [3, 5] }, symbols: ['KRW-ETH'], timeframe: '1d', start_date: '2024-01-01', end_date: '2024-12-31' };
    await writeResultsDirRun(dir, SWEEP, { request, ranking }, [], new Date('2026-11-03T10:00:00Z'));
    await writeCliStoreRun(dir, B1, results[2], new Date('2026-12-01T10:15:00Z'));
    await writeCliStoreRun(dir, B2, results[3], new Date('2026-12-02T09:00:00Z'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('moves runs of both old layouts into the one format and index, then removes the old ones', async () => {
    const { report, events } = await migrate();
    expect(report).toEqual({ migrated: 5, finished: 0, skipped: [], removedOldIndex: true });
    expect(events.map((e) => `${e.type} ${e.layout} ${e.oldId}`)).toEqual([
      `migrated results-dir ${A1}`, `migrated results-dir ${A2}`, `migrated results-dir ${SWEEP}`, `migrated cli-store ${B1}`, `migrated cli-store ${B2}`,
    ]);
    const service = serviceOf();
    const listed = (await service.list({}, { limit: 50 })).items;
    const b1 = migratedRunId(B1);
    const b2 = migratedRunId(B2);
    // Newest first by the old archives' times.
    expect(listed.map((r) => r.id)).toEqual([b2, b1, SWEEP, A2, A1]);
    expect(b1).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(listed.find((r) => r.id === A1)?.createdAt).toBe(Date.parse('2026-11-01T10:00:00Z'));
    expect(listed.find((r) => r.id === b1)?.createdAt).toBe(Date.parse('2026-12-01T10:15:00Z'));

    // Backtests: headline numbers are the engine's, tables identical to the engine's result.
    for (const [id, r] of [[A1, results[0]], [A2, results[1]], [b1, results[2]], [b2, results[3]]] as const) {
      const { run, contents } = await service.read(id);
      expect(run.tradeCount).toBe(r.summary.portfolio.trade_count);
      expect(run.strategy).toBe('sma_crossover');
      expect(run.symbols).toEqual(['KRW-BTC']);
      const want = resultTables(r);
      for (const t of ['signals', 'trades', 'equity'] as const) {
        for (const [col, values] of Object.entries(want[t].columns)) expect(Array.from(contents.tables[t].columns[col] as ArrayLike<unknown>)).toEqual(Array.from(values as ArrayLike<unknown>));
      }
    }
    // The sweep: headline = the best row (sharpe 1.5, 12 %, 7 trades), ranking kept.
    const sweep = await service.read(SWEEP);
    expect(sweep.run).toMatchObject({ kind: 'sweep', sharpe: 1.5, totalReturnPct: 12, tradeCount: 7, symbols: ['KRW-ETH'] });
    expect(((sweep.contents.summary as unknown as RunDocument).ranking as { rows: unknown[] }).rows).toHaveLength(2);
    // Where each came from is in its document (the old CLI's `source` too).
    const doc = (await service.archive.readSummary(b1)) as unknown as RunDocument;
    expect(doc.migratedFrom).toEqual({ layout: 'cli-store', id: B1, createdAt: '2026-12-01T10:15:00.000Z', source: 'csv:/data/btc.csv' });

    // Nothing old is left, and the store is consistent.
    expect(existsSync(join(dir, 'backtests'))).toBe(false);
    expect(existsSync(join(dir, 'runs.jsonl'))).toBe(false);
    expect((await readdir(join(dir, 'objects', 'backtests'))).sort()).toEqual([A1, A2, SWEEP, b1, b2].sort());
    const check = await service.check({ minAgeMs: 0 });
    expect(check).toMatchObject({ archives: 5, rows: 5, archivesWithoutRow: [], rowsWithoutArchive: [], incomplete: [], damaged: [] });
  });

  it('a second run finds nothing to do and changes nothing', async () => {
    await migrate();
    const indexBefore = await readFile(join(dir, 'runs-index.jsonl'));
    const manifestBefore = await readFile(join(dir, 'objects', 'backtests', A1, 'manifest.json'));
    const { report, events } = await migrate();
    expect(report).toEqual({ migrated: 0, finished: 0, skipped: [], removedOldIndex: false });
    expect(events).toEqual([]);
    expect(await readFile(join(dir, 'runs-index.jsonl'))).toEqual(indexBefore);
    expect(await readFile(join(dir, 'objects', 'backtests', A1, 'manifest.json'))).toEqual(manifestBefore);
  });

  it('a damaged old manifest or file is reported with its id and left alone; the other runs move', async () => {
    // A1: trades.parquet changed after the manifest was written. A2: manifest not JSON. B1: manifest torn.
    await writeFile(join(dir, 'backtests', A1, 'trades.parquet'), Buffer.from('not the file the manifest lists'));
    await writeFile(join(dir, 'backtests', A2, 'manifest.json'), '{"schemaVersion": 1, "runId": "');
    const b1Manifest = new LocalFsStorageProvider({ rootDir: dir }).pathOf(`backtests/${B1}/manifest.json`);
    await writeFile(b1Manifest, '{"format":');
    const { report } = await migrate();
    expect(report.migrated).toBe(2);
    expect(report.skipped.map((s) => [s.layout, s.oldId])).toEqual([['results-dir', A1], ['results-dir', A2], ['cli-store', B1]]);
    expect(report.skipped[0].problem).toMatch(/trades\.parquet does not match manifest\.json/);
    expect(report.skipped[1].problem).toMatch(/manifest\.json is not JSON/);
    expect(report.skipped[2].problem).toMatch(/manifest/);
    expect(report.removedOldIndex).toBe(false); // B1 is still in the old layout
    expect((await serviceOf().list()).items.map((r) => r.id).sort()).toEqual([SWEEP, migratedRunId(B2)].sort());
    // Left alone: the damaged folders are still there, byte for byte.
    expect(await readFile(join(dir, 'backtests', A2, 'manifest.json'), 'utf8')).toBe('{"schemaVersion": 1, "runId": "');
    expect(existsSync(join(dir, 'backtests', A1, 'summary.json'))).toBe(true);
    expect(existsSync(join(dir, 'runs.jsonl'))).toBe(true);
  });

  it('an old results-dir run whose index row exists keeps the row fields (kind, idempotency key); its archive location moves', async () => {
    const service = serviceOf();
    const old = await service.index.put({
      id: A1, kind: 'async', status: 'completed', strategy: 'sma_crossover', symbols: ['KRW-BTC'], idempotencyKey: 'client-key-1',
      totalReturnPct: 1.25, createdAt: Date.parse('2026-11-01T09:59:00Z'),
    }, { location: `file://${dir}/backtests/${A1}/`, manifestSha256: 'b'.repeat(64), totalBytes: 1, fileCount: 4 });
    await migrate();
    const row = await serviceOf().get(A1);
    expect(row).toMatchObject({ kind: 'async', idempotencyKey: 'client-key-1', totalReturnPct: 1.25, createdAt: old.createdAt });
    // The old store's location URL and the one format's are the same (`{store}/backtests/{id}/`); the reference is the new manifest's.
    expect(row.archive?.location).toBe(`file://${dir}/backtests/${A1}/`);
    expect(row.archive?.manifestSha256).not.toBe('b'.repeat(64));
    expect(row.archive?.fileCount).toBe(4);
  });

  it('resumes a migration killed after the new archive was indexed and the old manifest removed', async () => {
    await migrate();
    // Put the state a kill in the middle of the old folders' removal leaves: an old folder without its manifest.
    await writeResultsDirBacktest(dir, A1, results[0], new Date('2026-11-01T10:00:00Z'));
    await unlink(join(dir, 'backtests', A1, 'manifest.json'));
    await writeCliStoreRun(dir, B1, results[2], new Date('2026-12-01T10:15:00Z'));
    await new LocalFsStorageProvider({ rootDir: dir }).delete(`backtests/${B1}/manifest.json`);
    const { report, events } = await migrate();
    expect(report).toMatchObject({ migrated: 0, finished: 2, skipped: [], removedOldIndex: true });
    expect(events.map((e) => `${e.type} ${e.oldId}`)).toEqual([`finished ${A1}`, `finished ${B1}`]);
    expect(existsSync(join(dir, 'backtests'))).toBe(false);
    expect((await serviceOf().list()).items).toHaveLength(5);
  });

  it('an unfinished old write (no manifest, nothing migrated from it) is reported and left alone', async () => {
    await unlink(join(dir, 'backtests', A2, 'manifest.json'));
    const { report } = await migrate();
    expect(report.skipped).toEqual([{ layout: 'results-dir', oldId: A2, problem: expect.stringMatching(/no manifest\.json/) as unknown as string }]);
    expect(existsSync(join(dir, 'backtests', A2, 'summary.json'))).toBe(true);
  });
});
