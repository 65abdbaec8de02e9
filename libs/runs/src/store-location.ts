/**
 * Opening the store that `RESULTS_STORE` names (parsed by `@coinhts/config` into a
 * `ResultsStoreConfig`: a local folder or an S3 bucket + key prefix with its connection). Either
 * way the runs are under `backtests/{runId}/` inside it, in the one archive format.
 */
import type { ResultsStoreConfig } from '@coinhts/config';
import { LocalFsStorageProvider, S3StorageProvider, type StorageProvider } from '@coinhts/storage';

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
