import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArchiveReader, ArchiveWriter, LocalFsStorageProvider, type ArchiveInput } from '@coinhts/storage';
import { storageArchiveStore } from './storage-archive-store';
import { describeRunArchiveStoreContract } from '../test/archive-store-contract';

/** A tiny hand-made storage archive input; `n` changes the summary and one price. */
function tinyArchiveInput(n: number): ArchiveInput {
  const t0 = Date.UTC(2024, 0, 5);
  return {
    summary: { n, strategy: 'volume_zone_breakout' },
    tables: {
      signals: { schema: { time: 'timestamp_ms', price: 'f64' }, columns: { time: new Float64Array([t0]), price: new Float64Array([100 * n]) } },
      trades: { schema: { symbol: 'utf8', pnl: 'f64' }, columns: { symbol: ['KRW-BTC'], pnl: new Float64Array([1.5]) } },
      equity: { schema: { time: 'timestamp_ms', equity: 'f64' }, columns: { time: new Float64Array([t0]), equity: new Float64Array([1]) } },
    },
  };
}

describeRunArchiveStoreContract('storageArchiveStore on @coinhts/storage LocalFsStorageProvider', async () => {
  const root = await mkdtemp(join(tmpdir(), 'results-storage-contract-'));
  const provider = new LocalFsStorageProvider({ rootDir: root, fsync: false });
  return {
    store: storageArchiveStore({ provider, writer: new ArchiveWriter(provider), reader: new ArchiveReader(provider), locationPrefix: `file://${root}/` }),
    payload: tinyArchiveInput,
    readManifestBytes: (runId) => provider.getBytes(`backtests/${runId}/manifest.json`),
    dispose: () => rm(root, { recursive: true, force: true }),
  };
});
