import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalDirArchiveStore } from './local-archive-store';
import { describeRunArchiveStoreContract } from '../test/archive-store-contract';

describeRunArchiveStoreContract('LocalDirArchiveStore', async () => {
  const root = await mkdtemp(join(tmpdir(), 'results-contract-'));
  return {
    store: new LocalDirArchiveStore({ root }),
    payload: (n) => ({ summary: { n }, files: [{ name: 'data.bin', bytes: Buffer.from(`payload ${n}`) }] }),
    readManifestBytes: (runId) => readFile(join(root, 'backtests', runId, 'manifest.json')),
    dispose: () => rm(root, { recursive: true, force: true }),
  };
});
