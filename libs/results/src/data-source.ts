import { DataSource, type QueryRunner } from 'typeorm';
import { RESULTS_ENTITIES } from './entities';
import { ResultValidationError, toResultsError } from './errors';
import { RESULTS_MIGRATIONS } from './migrations';

/** How to reach the results database. */
export interface ResultsDataSourceOptions {
  /** PostgreSQL connection URL, e.g. `postgres://user@127.0.0.1:5432/coinhts`. */
  readonly url: string;
  /**
   * PostgreSQL schema holding the tables (default: the server's `search_path`, normally `public`).
   * Lower-case letters, digits and `_` only. Tests use a fresh random schema per file.
   */
  readonly schema?: string;
  /** Log every SQL statement through TypeORM's console logger (default false). */
  readonly logging?: boolean;
  /** Maximum pooled connections (default 10). */
  readonly poolSize?: number;
  /** Give up connecting after this many ms (default 5000); the failure is an `UNAVAILABLE` error. */
  readonly connectTimeoutMs?: number;
  /** Name reported to PostgreSQL as `application_name` (default `coinhts-results`). */
  readonly applicationName?: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Throws `INVALID_PARAMS` unless `schema` is a plain lower-case identifier (it is interpolated into SQL). */
export function assertSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema)) {
    throw new ResultValidationError([{ field: 'schema', message: `"${schema}" must match ${SCHEMA_NAME.source}` }], 'data source options');
  }
}

/**
 * Builds (but does not connect) a TypeORM DataSource for the results tables. Migrations are listed
 * explicitly and `synchronize` is off: the schema changes only through {@link runMigrations}.
 * When `schema` is given, it is both TypeORM's schema and the connection's `search_path`.
 */
export function createDataSource(options: ResultsDataSourceOptions): DataSource {
  if (options.schema !== undefined) assertSchemaName(options.schema);
  return new DataSource({
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    entities: [...RESULTS_ENTITIES],
    migrations: [...RESULTS_MIGRATIONS],
    migrationsTableName: 'results_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    // TypeORM would otherwise CREATE EXTENSION "uuid-ossp" on connect; gen_random_uuid() is built in since PostgreSQL 13.
    installExtensions: false,
    uuidExtension: 'pgcrypto',
    logging: options.logging ?? false,
    applicationName: options.applicationName ?? 'coinhts-results',
    connectTimeoutMS: options.connectTimeoutMs ?? 5000,
    poolSize: options.poolSize ?? 10,
    extra: options.schema ? { options: `-c search_path=${options.schema}` } : {},
  });
}

/** Connects `ds` if it is not connected yet; an unreachable server becomes an `UNAVAILABLE` error. */
export async function ensureInitialized(ds: DataSource): Promise<DataSource> {
  if (ds.isInitialized) return ds;
  try {
    return await ds.initialize();
  } catch (err) {
    throw toResultsError(err, 'connect to the results database');
  }
}

/** {@link createDataSource} then connect. */
export async function openDataSource(options: ResultsDataSourceOptions): Promise<DataSource> {
  return ensureInitialized(createDataSource(options));
}

/** Creates the DataSource's schema if it has one and it does not exist yet. */
async function ensureSchema(ds: DataSource): Promise<void> {
  const schema = (ds.options as { schema?: string }).schema;
  if (schema) await ds.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
}

/** One applied or reverted migration. */
export interface MigrationStep {
  /** Class name with its timestamp, e.g. `CreateBacktestRuns1764200000000`. */
  readonly name: string;
  /** Creation time encoded in the name (epoch ms). */
  readonly timestamp: number;
}

/**
 * Applies every pending migration (each in its own transaction), creating the schema first when the
 * DataSource has one. Returns what was applied, oldest first (empty when up to date).
 */
export async function runMigrations(ds: DataSource): Promise<readonly MigrationStep[]> {
  await ensureInitialized(ds);
  try {
    await ensureSchema(ds);
    const applied = await ds.runMigrations({ transaction: 'each' });
    return applied.map((m) => ({ name: m.name, timestamp: m.timestamp }));
  } catch (err) {
    throw toResultsError(err, 'apply migrations');
  }
}

/** Reverts the most recently applied migration; returns it, or null when none is applied. */
export async function revertLastMigration(ds: DataSource): Promise<MigrationStep | null> {
  await ensureInitialized(ds);
  try {
    const before = await appliedMigrations(ds);
    if (before.length === 0) return null;
    await ds.undoLastMigration({ transaction: 'each' });
    return before[before.length - 1];
  } catch (err) {
    throw toResultsError(err, 'revert the last migration');
  }
}

/** Migrations recorded as applied, oldest first (empty when the migrations table does not exist). */
export async function appliedMigrations(ds: DataSource): Promise<readonly MigrationStep[]> {
  await ensureInitialized(ds);
  try {
    const schema = (ds.options as { schema?: string }).schema;
    const [{ exists }] = (await ds.query(`SELECT to_regclass($1) IS NOT NULL AS exists`, [schema ? `"${schema}".results_migrations` : 'results_migrations'])) as { exists: boolean }[];
    if (!exists) return [];
    const rows = (await ds.query(`SELECT name, timestamp FROM results_migrations ORDER BY timestamp ASC, id ASC`)) as { name: string; timestamp: string | number }[];
    return rows.map((r) => ({ name: r.name, timestamp: Number(r.timestamp) }));
  } catch (err) {
    throw toResultsError(err, 'read applied migrations');
  }
}

/** Names of migrations this library ships that are not applied yet, oldest first. */
export async function pendingMigrations(ds: DataSource): Promise<readonly string[]> {
  const applied = new Set((await appliedMigrations(ds)).map((m) => m.name));
  return RESULTS_MIGRATIONS.map((m) => new m().name).filter((n) => !applied.has(n));
}

/**
 * Runs one SQL statement and returns its rows (also for `DELETE … RETURNING`, where TypeORM's
 * plain `query` would return `[rows, count]`). Driver errors become {@link ResultsError}s:
 * `UNAVAILABLE` when the database cannot be reached, `QUERY_FAILED` otherwise.
 */
export async function runQuery<T>(ds: DataSource, sql: string, params: readonly unknown[], doing: string): Promise<T[]> {
  await ensureInitialized(ds);
  let runner: QueryRunner | undefined;
  try {
    runner = ds.createQueryRunner();
    const result = await runner.query(sql, [...params], true);
    return result.records as T[];
  } catch (err) {
    throw toResultsError(err, doing);
  } finally {
    await runner?.release();
  }
}
