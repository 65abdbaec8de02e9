import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArchiveReader, ArchiveWriter, LocalFsStorageProvider, type ArchiveInput } from '@coinhts/storage';
import { ResultRepository } from './result-repository';
import { storageArchiveStore } from './storage-archive-store';
import { useTestSchema } from '../test/pg-schema';

const db = useTestSchema();
const RUN = 'cccccccc-0000-4000-8000-000000000003';
const t0 = Date.UTC(2024, 0, 5);
const input: ArchiveInput = {
  summary: { strategy: 'volume_long_candle', metrics: { total_return_pct: 3.5 } },
  tables: {
    signals: { schema: { time: 'timestamp_ms', price: 'f64' }, columns: { time: new Float64Array([t0, t0 + 86_400_000]), price: new Float64Array([100, 101]) } },
    trades: { schema: { pnl: 'f64' }, columns: { pnl: new Float64Array([3.5]) } },
    equity: { schema: { time: 'timestamp_ms', equity: 'f64' }, columns: { time: new Float64Array([t0]), equity: new Float64Array([1.035]) } },
  },
};

describe('ResultRepository on @coinhts/storage archives (local FS provider)', () => {
  let root: string;
  let provider: LocalFsStorageProvider;
  let repo: ResultRepository<ArchiveInput>;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'results-storage-'));
    provider = new LocalFsStorageProvider({ rootDir: root, fsync: false });
    repo = new ResultRepository(db.ds, storageArchiveStore({ provider, writer: new ArchiveWriter(provider), reader: new ArchiveReader(provider), locationPrefix: 'file:///data/' }));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('records the Parquet archive in the row: location, manifest SHA-256 and bytes as the store holds them', async () => {
    const saved = await repo.save({ id: RUN, kind: 'sync', status: 'completed', strategy: 'volume_long_candle', symbols: ['KRW-BTC'], totalReturnPct: 3.5 }, input);
    const manifest = await provider.getBytes(`backtests/${RUN}/manifest.json`);
    const { rows } = await db.pg.query(`SELECT archive_location, manifest_sha256, archive_bytes::int AS bytes, archive_files FROM backtest_runs WHERE id = $1`, [RUN]);
    let stored = 0;
    for (const name of ['summary.json', 'signals.parquet', 'trades.parquet', 'equity.parquet', 'manifest.json']) stored += (await provider.head(`backtests/${RUN}/${name}`)).size;
    expect(rows).toEqual([{ archive_location: `file:///data/backtests/${RUN}/`, manifest_sha256: createHash('sha256').update(manifest).digest('hex'), bytes: stored, archive_files: 4 }]);
    expect(saved.archive?.fileCount).toBe(4);
    const summary = await new ArchiveReader(provider).readSummary(RUN);
    expect(summary).toEqual(input.summary);
  });

  it('deletes row and archive together, and cleans an orphan archive left by a failed row write', async () => {
    await repo.delete(RUN);
    await expect(provider.head(`backtests/${RUN}/manifest.json`)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await new ArchiveWriter(provider).write(RUN, input); // an archive without a row
    const report = await repo.cleanupOrphans({ minAgeMs: 0 });
    expect(report.orphans).toEqual([RUN]);
    expect(await new ArchiveReader(provider).listArchives()).toEqual([]);
  });
});
