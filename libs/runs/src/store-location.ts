/**
 * Opening the store that `RESULTS_STORE` names (parsed by `@coinhts/config` into a
 * `ResultsStoreConfig`: a local folder or an S3 bucket + key prefix with its connection). Either
 * way the runs are under `backtests/{runId}/` inside it, in the one archive format.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResultsStoreConfig } from '@coinhts/config';
import { LocalFsStorageProvider, S3StorageProvider, type StorageProvider } from '@coinhts/storage';
import { StoreNotWritableError } from './errors';

/** Where runs are stored: the configuration module's parsed `RESULTS_STORE`. */
export type StoreLocation = ResultsStoreConfig;

/** The store's canonical URL ending in `/` (index rows record `{url}backtests/{runId}/`). */
export function storeUrlOf(location: StoreLocation): string {
  return location.url.endsWith('/') ? location.url : `${location.url}/`;
}

/** An opened store: its provider, its canonical URL, and how to release it. */
export interface OpenedStore {
  readonly provider: StorageProvider;
  /** See {@link storeUrlOf}. */
  readonly url: string;
  readonly location: StoreLocation;
  /** Releases sockets (S3); a no-op for local folders. */
  close(): void;
}

/** Builds the StorageProvider of a location (nothing is contacted yet). */
export function openStore(location: StoreLocation): OpenedStore {
  if (location.kind === 'local') {
    return { provider: new LocalFsStorageProvider({ rootDir: location.dir }), url: storeUrlOf(location), location, close: () => undefined };
  }
  const provider = new S3StorageProvider({
    bucket: location.bucket, endpoint: location.endpoint, region: location.region, credentials: location.credentials, keyPrefix: location.keyPrefix || undefined,
  });
  return { provider, url: storeUrlOf(location), location, close: () => provider.destroy() };
}

/**
 * Start-up check of a local store: creates the folder if needed and writes, syncs and removes a
 * one-byte probe file in it, so a folder this process may not write (permissions, a read-only
 * mount, a full disk) is refused before any job is taken instead of failing every job later.
 * S3 stores are not probed (their credentials are checked by the first write).
 * @throws StoreNotWritableError naming the folder, the system's reason and how to fix it
 */
export async function checkStoreWritable(location: StoreLocation): Promise<void> {
  if (location.kind !== 'local') return;
  const dir = location.dir;
  const probe = join(dir, `.coinhts-write-check-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(dir, { recursive: true });
    const fh = await open(probe, 'wx');
    try {
      await fh.write(Buffer.from('x'));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await unlink(probe);
  } catch (err) {
    await unlink(probe).catch(() => undefined);
    const uid = typeof process.getuid === 'function' ? ` (uid ${process.getuid()})` : '';
    throw new StoreNotWritableError(
      `the results folder ${dir} is not writable by this process${uid}: ${(err as Error).message}. Make it writable (owner, mode, a read-write mount with free space) or point RESULTS_STORE at a folder this process may write`,
      dir, { cause: err },
    );
  }
}
