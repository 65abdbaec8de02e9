/**
 * One way to name where runs are stored, the same in every app:
 *
 * | URL                           | store                                                        |
 * |-------------------------------|--------------------------------------------------------------|
 * | `file:./coinhts-results`      | a local folder (relative to the working directory)           |
 * | `file:///var/lib/coinhts`     | a local folder (absolute)                                    |
 * | `/var/lib/coinhts`, `./dir`   | the same as `file:` (a plain path)                           |
 * | `s3://bucket` `s3://bucket/p` | an S3 bucket, keys under the optional prefix `p/`            |
 *
 * Either way the runs are under `backtests/{runId}/` inside it, in the one archive format.
 */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { LocalFsStorageProvider, S3StorageProvider, type S3Credentials, type StorageProvider } from '@coinhts/storage';
import { InvalidStoreUrlError } from './errors';

/** Where runs are stored, parsed. */
export type StoreLocation =
  | {
      /** A local folder. */
      readonly kind: 'local';
      /** Absolute path of the folder. */
      readonly dir: string;
    }
  | {
      /** An S3 bucket. */
      readonly kind: 's3';
      readonly bucket: string;
      /** Key prefix inside the bucket: `''` or ending in `/`. */
      readonly keyPrefix?: string;
      /** Endpoint of an S3-compatible server (default AWS). */
      readonly endpoint?: string;
      readonly region?: string;
      readonly credentials?: S3Credentials;
    };

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const EXAMPLES = 'file:./coinhts-results, file:///var/lib/coinhts or s3://bucket/prefix';

/**
 * Parses a store URL (see the module comment). Relative `file:` paths are resolved against `cwd`.
 * S3 connection details (endpoint, region, credentials) are not part of the URL; pass them in `s3`.
 * @throws InvalidStoreUrlError saying what is wrong and what a valid URL looks like
 */
export function parseStoreUrl(url: string, options: { readonly cwd?: string; readonly s3?: Omit<Extract<StoreLocation, { kind: 's3' }>, 'kind' | 'bucket' | 'keyPrefix'> } = {}): StoreLocation {
  const cwd = options.cwd ?? process.cwd();
  const text = url.trim();
  if (text === '') throw new InvalidStoreUrlError(`the store URL is empty; use ${EXAMPLES}`, url);
  if (text.startsWith('s3://')) {
    const rest = text.slice(5);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    let prefix = slash < 0 ? '' : rest.slice(slash + 1);
    if (!BUCKET.test(bucket)) throw new InvalidStoreUrlError(`"${url}": "${bucket}" is not an S3 bucket name (3-63 characters of a-z, 0-9, . and -); use e.g. s3://coinhts-results/prod`, url);
    if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
    if (prefix.includes('//') || prefix.startsWith('/')) throw new InvalidStoreUrlError(`"${url}": the key prefix "${prefix}" has an empty segment; use e.g. s3://${bucket}/prod`, url);
    return { kind: 's3', bucket, ...(prefix ? { keyPrefix: prefix } : {}), ...options.s3 };
  }
  if (text.startsWith('file://')) {
    try {
      return { kind: 'local', dir: fileURLToPath(text) };
    } catch (cause) {
      throw new InvalidStoreUrlError(`"${url}" is not a file URL (${(cause as Error).message}); use ${EXAMPLES}`, url);
    }
  }
  if (text.startsWith('file:')) return { kind: 'local', dir: resolve(cwd, text.slice(5)) };
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(text);
  if (scheme) throw new InvalidStoreUrlError(`"${url}": unknown store scheme "${scheme[1]}:"; use ${EXAMPLES}`, url);
  return { kind: 'local', dir: isAbsolute(text) ? text : resolve(cwd, text) };
}

/** The canonical URL of a location (`file:///abs/dir/` or `s3://bucket/prefix/`), ending in `/`. */
export function storeUrlOf(location: StoreLocation): string {
  if (location.kind === 'local') return pathToFileURL(`${location.dir}/`).href;
  return `s3://${location.bucket}/${location.keyPrefix ?? ''}`;
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
    bucket: location.bucket, endpoint: location.endpoint, region: location.region, credentials: location.credentials, keyPrefix: location.keyPrefix,
  });
  return { provider, url: storeUrlOf(location), location, close: () => provider.destroy() };
}
