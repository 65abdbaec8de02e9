import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeStorageProviderContract } from '../testing/contract';
import { LocalFsStorageProvider } from './local-fs-storage-provider';

describeStorageProviderContract('LocalFsStorageProvider', async () => {
  const rootDir = await mkdtemp(join(tmpdir(), 'coinhts-localfs-'));
  const provider = new LocalFsStorageProvider({ rootDir });
  return {
    provider,
    // Flip one byte of the content file in place; the sidecar keeps the old checksum.
    async tamper(key) {
      const fh = await open(provider.pathOf(key), 'r+');
      try {
        const byte = Buffer.alloc(1);
        await fh.read(byte, 0, 1, 10);
        byte[0] ^= 0xff;
        await fh.write(byte, 0, 1, 10);
      } finally {
        await fh.close();
      }
    },
    dispose: () => rm(rootDir, { recursive: true, force: true }),
  };
});
