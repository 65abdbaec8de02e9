import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DatabaseUnavailableError, importLegacyResults, PgRunIndex, type LegacyImportTarget } from '@coinhts/results';
import { legacyImportTarget } from './legacy-target';
import { RunArchive } from './run-archive';
import { RunService } from './run-service';
import { openStore } from './store-location';
import { createTestSchema, storeAt } from './testing';

/**
 * The legacy import (`@coinhts/results`) writing through the run service: archives in the one
 * format on a local folder, rows in PostgreSQL.
 */
const FIX = join(__dirname, '..', '..', 'results', 'test', 'fixtures', 'legacy');
let db: Awaited<ReturnType<typeof createTestSchema>>;
let root: string;
let runs: RunService;
let repo: LegacyImportTarget;
const pg = { query: async (sql: string, params: unknown[] = []) => ({ rows: (await db.ds.query(sql, params)) as Record<string, unknown>[] }) };

const SYNC_OK = '6f1c2d3e-4a5b-4c6d-8e7f-901a2b3c4d5e';
const SYNC_EMPTY = '0b7e3c1a-2d4f-4e5a-9b6c-7d8e9f0a1b2c';
const TASK_OK = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const TASK_FAILED = '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f';
const IMPORTED = [SYNC_EMPTY, TASK_FAILED, SYNC_OK, TASK_OK]; // sorted by id
const size = async (rel: string) => (await stat(join(FIX, rel))).size;

beforeAll(async () => {
  db = await createTestSchema('legacy');
  root = await mkdtemp(join(tmpdir(), 'results-legacy-'));
  const store = openStore(storeAt(`file:${root}`));
  runs = new RunService(new RunArchive(store.provider, store.url), new PgRunIndex(db.ds));
  repo = legacyImportTarget(runs);
});
afterAll(async () => {
  await db?.drop();
  await rm(root, { recursive: true, force: true });
});

describe('importLegacyResults', () => {
  it('dry run: checks and measures everything, writes nothing, reports the bad files', async () => {
    const noWrites: LegacyImportTarget = {
      save: () => Promise.reject(new Error('a dry run must not save')),
      existingIds: () => Promise.reject(new Error('a dry run without resume must not query')),
    };
    const report = await importLegacyResults({ dir: FIX, target: noWrites, dryRun: true });
    expect(report.dryRun).toBe(true);
    expect(report.imported.map((r) => r.runId).sort()).toEqual(IMPORTED);
    expect(report.failed).toHaveLength(3);
    expect(report.archiveBytes).toBeGreaterThan(0);
  });

  it('imports the good runs, names each bad file with the reason, and keeps going', async () => {
    const progress: number[] = [];
    const report = await importLegacyResults({ dir: FIX, target: repo, batchSize: 2, onProgress: (p) => progress.push(p.done) });
    expect(report.scanned).toBe(7);
    expect(progress).toEqual([2, 4, 6, 7]);
    expect(report.imported.map((r) => r.runId)).toEqual([SYNC_EMPTY, SYNC_OK, TASK_FAILED, TASK_OK]);
    expect(report.failed.map((f) => [f.file.slice(FIX.length + 1), f.code])).toEqual([
      ['results/11111111-2222-4333-8444-555555555555.json', 'INVALID_FILE'],
      ['results/22222222-3333-4444-8555-666666666666.json', 'INVALID_FILE'],
      ['tasks/4d5e6f70-8192-4a3b-9c4d-5e6f70819200/result.json', 'INVALID_FILE'],
    ]);
    expect(report.failed[0].message).toMatch(/not valid JSON/);
    expect(report.failed[1].message).toMatch(/strategy \(missing\)/);
    expect(report.failed[2].message).toMatch(/does not match manifest\.json .*MD5 7cef59ee228fc0b8d0160867d4aacd72 vs f3c892a29666f3e6c29047c4e1ed5ef8/);

    const jsonBytes =
      (await size(`results/${SYNC_OK}.json`)) + (await size(`results/${SYNC_EMPTY}.json`)) +
      (await size(`tasks/${TASK_OK}/result.json`)) + (await size(`tasks/${TASK_OK}/manifest.json`)) + (await size(`tasks/${TASK_FAILED}/manifest.json`));
    expect(report.jsonBytes).toBe(jsonBytes);
    const { rows: sums } = await pg.query(`SELECT sum(archive_bytes)::int AS bytes, count(*)::int AS n FROM backtest_runs`);
    expect(sums[0]).toEqual({ bytes: report.archiveBytes, n: 4 });
    expect(report.sizeRatio).toBeCloseTo(report.archiveBytes / jsonBytes, 12);
  });

  it('stores what plain SQL can check: statuses, kinds, trade counts, the failed task error, symbol rows', async () => {
    const { rows } = await pg.query(
      `SELECT id, kind, status, strategy, timeframe, trade_count, error->>'message' AS error, (SELECT count(*)::int FROM backtest_symbol_results s WHERE s.run_id = r.id) AS symbol_rows
       FROM backtest_runs r ORDER BY id`,
    );
    expect(rows).toEqual([
      { id: SYNC_EMPTY, kind: 'sync', status: 'completed', strategy: 'volume_zone_breakout', timeframe: '1h', trade_count: 0, error: null, symbol_rows: 1 },
      { id: TASK_FAILED, kind: 'async', status: 'failed', strategy: 'volume_long_candle', timeframe: '1d', trade_count: null, error: "Backtest failed: No data found for symbols ['KRW-SOL'] in range 2024-01-01 ~ 2024-12-31", symbol_rows: 0 },
      { id: SYNC_OK, kind: 'sync', status: 'completed', strategy: 'volume_long_candle', timeframe: '1d', trade_count: 5, error: null, symbol_rows: 2 },
      { id: TASK_OK, kind: 'async', status: 'completed', strategy: 'volume_zone_breakout', timeframe: '1d', trade_count: 2, error: null, symbol_rows: 1 },
    ]);
    const xrp = await pg.query(`SELECT total_return_pct, win_rate FROM backtest_symbol_results WHERE run_id = $1`, [TASK_OK]);
    expect(xrp.rows[0].total_return_pct).toBeCloseTo((1.01 * 1.015 - 1) * 100, 10);
    expect(xrp.rows[0].win_rate).toBe(1);
  });

  it('keeps the original files byte for byte in the archive', async () => {
    const original = await readFile(join(FIX, 'tasks', TASK_OK, 'result.json'));
    const doc = (await runs.readSummary(await runs.get(TASK_OK))) as unknown as { legacy: { files: { name: string; base64: string }[] } };
    const file = (name: string) => gunzipSync(Buffer.from(doc.legacy.files.find((f) => f.name === name)?.base64 ?? '', 'base64'));
    expect(file('legacy/result.json.gz').equals(original)).toBe(true);
    const manifest = await readFile(join(FIX, 'tasks', TASK_OK, 'manifest.json'));
    expect(file('legacy/manifest.json.gz').equals(manifest)).toBe(true);
    expect((await runs.archive.readVerifiedFiles(TASK_OK)).manifest.runId).toBe(TASK_OK);
  });

  it('resume skips runs already imported; a plain rerun upserts without duplicating', async () => {
    const before = await pg.query(`SELECT id, updated_at FROM backtest_runs ORDER BY id`);
    const resumed = await importLegacyResults({ dir: FIX, target: repo, resume: true });
    expect(resumed.skipped.slice().sort()).toEqual(IMPORTED);
    expect(resumed.imported).toEqual([]);
    expect(resumed.failed).toHaveLength(3);
    expect((await pg.query(`SELECT id, updated_at FROM backtest_runs ORDER BY id`)).rows).toEqual(before.rows);

    const again = await importLegacyResults({ dir: FIX, target: repo });
    expect(again.imported).toHaveLength(4);
    expect((await pg.query(`SELECT count(*)::int AS n FROM backtest_runs`)).rows[0].n).toBe(4);
  });

  it('stops at the first database failure instead of failing every file, so a resume can continue', async () => {
    let saves = 0;
    const down: LegacyImportTarget = {
      save: () => {
        saves++;
        return Promise.reject(new DatabaseUnavailableError('connection refused'));
      },
      existingIds: () => Promise.resolve(new Set()),
    };
    const report = await importLegacyResults({ dir: FIX, target: down, batchSize: 2 });
    expect(saves).toBe(1);
    expect(report.aborted).toEqual({ code: 'UNAVAILABLE', message: 'connection refused' });
    expect(report.imported).toEqual([]);
  });

  it('refuses a folder that is not an original DATA_ROOT, and a bad batch size', async () => {
    await expect(importLegacyResults({ dir: join(FIX, 'results'), target: repo })).rejects.toMatchObject({ code: 'INVALID_FILE' });
    await expect(importLegacyResults({ dir: FIX, target: repo, batchSize: 0 })).rejects.toMatchObject({ code: 'INVALID_FILE' });
  });
});
