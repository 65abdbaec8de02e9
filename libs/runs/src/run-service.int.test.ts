/**
 * RunService on both providers (local folder, S3) with the PostgreSQL index: the one archive
 * format, write order and compensation with PostgreSQL or S3 failing between the steps, check
 * and repair of orphans on both sides, and damaged archives listed with their id.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDataSource, PgRunIndex } from '@coinhts/results';
import { createS3TestBucket, type S3TestBucket } from '@coinhts/storage/testing';
import { EmbeddedRunIndex } from './embedded-run-index';
import { RunArchive } from './run-archive';
import { runDocument } from './run-record';
import { RunService } from './run-service';
import { openStore, type OpenedStore } from './store-location';
import { contractRun, createTestSchema, storeAt } from './testing';
import type { ResultTables } from './result-tables';

jest.setTimeout(60_000);

/** Two trades and three equity rows, written out by hand. */
const TABLES: ResultTables = {
  signals: { schema: { symbol: 'utf8', timestamp: 'timestamp_ms' }, columns: { symbol: ['KRW-BTC'], timestamp: new Float64Array([Date.UTC(2024, 0, 2)]) } },
  trades: {
    schema: { symbol: 'utf8', pnl: 'f64' },
    columns: { symbol: ['KRW-BTC', 'KRW-BTC'], pnl: new Float64Array([1500, -250.5]) },
  },
  equity: {
    schema: { timestamp: 'timestamp_ms', equity: 'f64' },
    columns: { timestamp: new Float64Array([Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 2), Date.UTC(2024, 0, 3)]), equity: new Float64Array([1e7, 1.00015e7, 1.00012495e7]) },
  },
};

function content(n: number) {
  const run = contractRun(n);
  return { run, content: { summary: runDocument(run, { request: { strategy: run.strategy } }), tables: TABLES } };
}

let s3: S3TestBucket;
let db: Awaited<ReturnType<typeof createTestSchema>>;
beforeAll(async () => {
  s3 = await createS3TestBucket(process.env);
  db = await createTestSchema('service');
});
afterAll(async () => {
  await s3?.dispose();
  await db?.drop();
});

const providers: [string, () => Promise<{ store: OpenedStore; dispose(): Promise<void> }>][] = [
  ['local folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'runs-store-'));
    return { store: openStore(storeAt(`file:${dir}`)), dispose: () => rm(dir, { recursive: true, force: true }) };
  }],
  ['S3', async () => {
    const prefix = `p${Math.random().toString(36).slice(2, 8)}`;
    const store = openStore(storeAt(`s3://${s3.bucket}/${prefix}`, { endpoint: s3.connection.endpoint, region: s3.connection.region, credentials: s3.connection.credentials }));
    return { store, dispose: async () => store.close() };
  }],
];

describe.each(providers)('RunService on the %s with the PostgreSQL index', (_name, openProvider) => {
  let store: OpenedStore;
  let dispose: () => Promise<void>;
  let service: RunService;
  beforeEach(async () => {
    ({ store, dispose } = await openProvider());
    await db.ds.query('DELETE FROM backtest_runs');
    service = new RunService(new RunArchive(store.provider, store.url), new PgRunIndex(db.ds));
  });
  afterEach(() => dispose());

  it('saves archive + row and reads the same summary and tables back, verified', async () => {
    const { run, content: c } = content(1);
    const stored = await service.save(run, c);
    expect(stored.archive).toMatchObject({ location: `${store.url}backtests/${run.id}/`, fileCount: 4 });
    const { contents } = await service.read(run.id);
    expect(contents.manifest.files.map((f) => f.name)).toEqual(['summary.json', 'signals.parquet', 'trades.parquet', 'equity.parquet']);
    expect(contents.manifest.files.every((f) => /^[0-9a-f]{64}$/.test(f.sha256))).toBe(true);
    expect(Array.from(contents.tables.trades.columns.pnl as Float64Array)).toEqual([1500, -250.5]);
    expect((contents.summary as { run: { id: string } }).run.id).toBe(run.id);
    expect((await service.list()).items.map((r) => r.id)).toEqual([run.id]);
  });

  it('PostgreSQL failing after the archive was written: the archive is removed again (no orphan)', async () => {
    const down = createDataSource({ url: 'postgres://nobody:nothing@127.0.0.1:9/none', poolSize: 1 });
    const broken = new RunService(new RunArchive(store.provider, store.url), new PgRunIndex(down));
    const { run, content: c } = content(2);
    await expect(broken.save(run, c)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(await new RunArchive(store.provider, store.url).scan()).toEqual([]);
    expect((await service.list()).items).toEqual([]);
  });

  it('check finds a complete archive without a row (crash between the steps) and repair indexes it', async () => {
    const { run, content: c } = content(3);
    await service.archive.write(run.id, c);
    const report = await service.check({ minAgeMs: 0 });
    expect(report).toMatchObject({ archivesWithoutRow: [run.id], rowsWithoutArchive: [], damaged: [], repaired: false });
    await service.check({ minAgeMs: 0, repair: true });
    expect((await service.get(run.id)).totalReturnPct).toBe(3);
    expect(await service.check({ minAgeMs: 0 })).toMatchObject({ archivesWithoutRow: [], rowsWithoutArchive: [] });
  });

  it('check finds a row whose archive is gone and repair deletes the row; rows of other stores are left alone', async () => {
    const { run, content: c } = content(4);
    await service.save(run, c);
    await service.archive.delete(run.id);
    await service.index.put(contractRun(5), { location: 's3://elsewhere/backtests/x/', manifestSha256: 'b'.repeat(64), totalBytes: 1, fileCount: 4 });
    expect(await service.check({ minAgeMs: 0 })).toMatchObject({ rowsWithoutArchive: [run.id], rows: 1 });
    await expect(service.read(run.id)).rejects.toMatchObject({ code: 'ARCHIVE_MISSING' });
    await expect(service.read(contractRun(5).id)).rejects.toMatchObject({ code: 'ARCHIVE_UNREACHABLE' });
    await service.check({ minAgeMs: 0, repair: true });
    await expect(service.get(run.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await service.get(contractRun(5).id)).id).toBe(contractRun(5).id);
  });

  it('a damaged manifest is listed as damaged with its id; the other runs still list and read', async () => {
    const a = content(6);
    const b = content(7);
    await service.save(a.run, a.content);
    await service.save(b.run, b.content);
    await store.provider.put(`backtests/${a.run.id}/manifest.json`, Buffer.from('{"format": "nonsense"'));
    const report = await service.check({ minAgeMs: 0, repair: true });
    expect(report.damaged).toEqual([{ runId: a.run.id, problem: expect.stringMatching(/manifest/) as unknown as string }]);
    expect(report.rowsWithoutArchive).toEqual([]);
    expect((await service.list()).items.map((r) => r.id)).toEqual([b.run.id, a.run.id]);
    await expect(service.read(a.run.id)).rejects.toMatchObject({ code: 'CORRUPT_ARCHIVE' });
    expect((await service.read(b.run.id)).contents.manifest.runId).toBe(b.run.id);
  });

  it('check with verify re-hashes every file: a changed table file is listed as damaged, the intact run counts as verified', async () => {
    const a = content(10);
    const b = content(11);
    await service.save(a.run, a.content);
    await service.save(b.run, b.content);
    expect(await service.check({ minAgeMs: 0, verify: true })).toMatchObject({ damaged: [], verified: 2, archivesWithoutRow: [], rowsWithoutArchive: [], incomplete: [] });
    // Same size, other bytes: only a hash can tell.
    const key = `backtests/${a.run.id}/trades.parquet`;
    const bytes = Buffer.from(await store.provider.getBytes(key));
    bytes[bytes.length - 9] ^= 0xff;
    await store.provider.put(key, bytes);
    const report = await service.check({ minAgeMs: 0, verify: true });
    expect(report).toMatchObject({ verified: 1, damaged: [{ runId: a.run.id, problem: expect.stringMatching(/trades\.parquet/) as unknown as string }] });
    // Without verify, the manifest and summary still read: nothing is reported.
    expect((await service.check({ minAgeMs: 0 })).damaged).toEqual([]);
  });

  it('a row write whose answer is lost after it committed: the save succeeds and keeps the archive (no row without archive)', async () => {
    // Fault injection on the real PostgreSQL index: the row is written, then the "connection" fails.
    const real = new PgRunIndex(db.ds);
    const lossy = Object.assign(Object.create(real) as PgRunIndex, {
      put: async (...args: Parameters<PgRunIndex['put']>) => {
        await real.put(...args);
        throw Object.assign(new Error('Connection terminated unexpectedly'), { code: 'UNAVAILABLE' });
      },
    });
    const flaky = new RunService(new RunArchive(store.provider, store.url), lossy);
    const { run, content: c } = content(12);
    expect((await flaky.save(run, c)).archive?.location).toBe(`${store.url}backtests/${run.id}/`);
    expect(await service.check({ minAgeMs: 0, verify: true })).toMatchObject({ verified: 1, damaged: [], archivesWithoutRow: [], rowsWithoutArchive: [] });
  });

  it('delete removes archive and row', async () => {
    const { run, content: c } = content(8);
    await service.save(run, c);
    await service.delete(run.id);
    expect(await service.archive.scan()).toEqual([]);
    await expect(service.get(run.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('S3 failing between the steps', () => {
  it('an unreachable store fails the save before any row is written, and a delete before the row is removed', async () => {
    await db.ds.query('DELETE FROM backtest_runs');
    const down = openStore(storeAt(`s3://${s3.bucket}/x`, { endpoint: 'http://127.0.0.1:9', region: 'us-east-1', credentials: s3.connection.credentials }));
    const broken = new RunService(new RunArchive(down.provider, down.url), new PgRunIndex(db.ds));
    const { run, content: c } = content(9);
    await expect(broken.save(run, c)).rejects.toMatchObject({ code: expect.stringMatching(/UNAVAILABLE|STORAGE|NETWORK|TIMEOUT/) as unknown as string });
    expect((await broken.list()).items).toEqual([]);
    // A row in that store (written while it was up): deleting it while the store is down keeps the row.
    await broken.index.put(run, { location: `${down.url}backtests/${run.id}/`, manifestSha256: 'c'.repeat(64), totalBytes: 1, fileCount: 4 });
    await expect(broken.delete(run.id)).rejects.toBeDefined();
    expect((await broken.get(run.id)).id).toBe(run.id);
    down.close();
  });
});

describe('RunService with the embedded index on a local folder', () => {
  it('saves, lists and rebuilds a lost index from the archives', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'runs-embedded-store-'));
    try {
      const store = openStore(storeAt(`file:${dir}`));
      const service = new RunService(new RunArchive(store.provider, store.url), new EmbeddedRunIndex({ file: join(dir, 'runs-index.jsonl') }));
      for (const n of [1, 2]) {
        const { run, content: c } = content(n);
        await service.save(run, c);
      }
      await writeFile(join(dir, 'runs-index.jsonl'), ''); // the index is lost
      const fresh = new RunService(new RunArchive(store.provider, store.url), new EmbeddedRunIndex({ file: join(dir, 'runs-index.jsonl') }));
      expect((await fresh.list()).items).toEqual([]);
      await fresh.check({ minAgeMs: 0, repair: true });
      expect((await fresh.list()).items.map((r) => [r.id, r.totalReturnPct])).toEqual([[contractRun(2).id, 2], [contractRun(1).id, 1]]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
