import { randomBytes } from 'node:crypto';
import { parseResultsStoreUrl } from '@coinhts/config';
import { createDataSource, runMigrations } from '@coinhts/results';
import type { StoreLocation } from '../store-location';
import type { DataSource } from 'typeorm';

/** DATABASE_URL, or a loud failure that says how to get one (integration tests never skip). */
export function requireDatabaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: this test needs PostgreSQL. Run `source tools/services.sh` (or export DATABASE_URL) and re-run.');
  return url;
}

/** A fresh, migrated PostgreSQL schema; `drop()` removes it. */
export async function createTestSchema(label: string): Promise<{ readonly url: string; readonly schema: string; readonly ds: DataSource; drop(): Promise<void> }> {
  const url = requireDatabaseUrl();
  const schema = `runs_${label}_${randomBytes(5).toString('hex')}`;
  const admin = createDataSource({ url, poolSize: 1 });
  await admin.initialize();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const ds = createDataSource({ url, schema, poolSize: 3 });
  await runMigrations(ds);
  return {
    url, schema, ds,
    drop: async () => {
      if (ds.isInitialized) await ds.destroy();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.destroy();
    },
  };
}

/**
 * A store location from a store URL, as `@coinhts/config` parses RESULTS_STORE (tests: S3
 * connection given explicitly).
 */
export function storeAt(url: string, s3?: { readonly endpoint?: string; readonly region: string; readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string } }): StoreLocation {
  const r = parseResultsStoreUrl(url, process.cwd());
  if (!r.ok) throw new Error(`${url} ${r.problem}; ${r.fix}`);
  if (r.location.kind === 'local') return r.location;
  if (!s3) throw new Error(`${url} is an S3 store: pass its connection`);
  return { ...r.location, ...s3 };
}
