// Test helper: one fresh PostgreSQL schema per test file, so files run in parallel and leave nothing behind.
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { createDataSource, runMigrations } from '../src';

/** DATABASE_URL, or a loud failure that says how to get one (integration tests never skip). */
export function requireDatabaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) {
    throw new Error('DATABASE_URL is not set: integration tests need PostgreSQL. Run `source tools/services.sh` (or export DATABASE_URL) and re-run.');
  }
  return url;
}

/** A fresh schema with a migrated DataSource and a plain pg client (for checking rows with our own SQL). */
export interface TestSchema {
  readonly url: string;
  readonly schema: string;
  /** The DataSource under test (search_path = schema). Valid inside tests. */
  ds: DataSource;
  /** Independent client with search_path = schema. Valid inside tests. */
  pg: Client;
}

/** Registers beforeAll/afterAll that create, migrate (unless `migrate: false`) and drop a random schema. */
export function useTestSchema(options: { migrate?: boolean } = {}): TestSchema {
  const url = requireDatabaseUrl();
  const schema = `results_t_${randomBytes(6).toString('hex')}`;
  const ctx = { url, schema } as TestSchema;
  beforeAll(async () => {
    ctx.pg = new Client({ connectionString: url, options: `-c search_path=${schema}` });
    await ctx.pg.connect();
    await ctx.pg.query(`CREATE SCHEMA ${schema}`);
    ctx.ds = createDataSource({ url, schema, poolSize: 3 });
    if (options.migrate !== false) await runMigrations(ctx.ds);
  });
  afterAll(async () => {
    if (ctx.ds?.isInitialized) await ctx.ds.destroy();
    if (ctx.pg) {
      await ctx.pg.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await ctx.pg.end();
    }
  });
  return ctx;
}
