import type { DataSource } from 'typeorm';
import { ensureInitialized, runQuery } from './data-source';
import { ResultConflictError, ResultNotFoundError, sqlStateOf, toResultsError } from './errors';
import { cursorAfter, normalizeRunQuery, type NormalizedRunQuery, type PageRequest, type RunListFilter, type RunPage } from './run-list-filter';
import { RUN_SELECT, runUpsert, storedRunOf, storedSymbolOf, SYMBOL_SELECT, symbolInsert, type RunRow } from './run-table';
import { validateRunInput, type ArchiveRef, type RunInput, type StoredRun } from './run-types';
import { isUuid } from './validation';

/** Options of {@link PgRunIndex}. */
export interface PgRunIndexOptions {
  /** Clock (epoch ms) for created/updated times (default `Date.now`). */
  readonly now?: () => number;
}

const COLUMN_OF = { totalReturnPct: 'total_return_pct', sharpe: 'sharpe', maxDrawdownPct: 'max_drawdown_pct', tradeCount: 'trade_count' } as const;

/**
 * The SQL of a listing (it fetches `limit + 1` rows to know whether a next page exists). Exposed
 * for EXPLAIN in benchmarks and diagnostics. Throws `INVALID_PARAMS` for a bad filter, limit or cursor.
 */
export function buildListQuery(filter: RunListFilter = {}, page: PageRequest = {}): { readonly sql: string; readonly params: readonly unknown[]; readonly limit: number } {
  return compileListQuery(normalizeRunQuery(filter, page));
}

function compileListQuery(q: NormalizedRunQuery): { sql: string; params: unknown[]; limit: number } {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(clause(`$${params.length}`));
  };
  if (q.strategy !== undefined) add((p) => `strategy = ${p}`, q.strategy);
  if (q.symbols) add((p) => `symbols @> ${p}::text[]`, q.symbols);
  if (q.statuses) add((p) => (q.statuses?.length === 1 ? `status = ${p}` : `status = ANY(${p}::text[])`), q.statuses.length === 1 ? q.statuses[0] : q.statuses);
  if (q.kinds) add((p) => `kind = ANY(${p}::text[])`, q.kinds);
  if (q.createdFrom !== undefined) add((p) => `created_at >= ${p}`, new Date(q.createdFrom));
  if (q.createdTo !== undefined) add((p) => `created_at <= ${p}`, new Date(q.createdTo));
  for (const r of q.ranges) {
    if (r.min !== undefined) add((p) => `${COLUMN_OF[r.field]} >= ${p}`, r.min);
    if (r.max !== undefined) add((p) => `${COLUMN_OF[r.field]} <= ${p}`, r.max);
  }
  if (q.after) {
    params.push(new Date(q.after.createdAt), q.after.id);
    where.push(`(created_at, id) < ($${params.length - 1}, $${params.length}::uuid)`);
  }
  params.push(q.limit + 1);
  const sql = `SELECT ${RUN_SELECT} FROM backtest_runs ${where.length ? `WHERE ${where.join(' AND ')} ` : ''}ORDER BY created_at DESC, id DESC LIMIT $${params.length}`;
  return { sql, params, limit: q.limit };
}

/**
 * The run index on PostgreSQL: rows of `backtest_runs` (+ `backtest_symbol_results`) only; the
 * archives are written elsewhere (`@coinhts/runs` writes the archive first and then calls
 * {@link PgRunIndex.put} with its reference). Every statement comes from the one table
 * description in `run-table.ts`. Errors: `INVALID_PARAMS`, `CONFLICT` (idempotency key of
 * another run), `NOT_FOUND`, `UNAVAILABLE` (database down), `QUERY_FAILED`.
 */
export class PgRunIndex {
  private readonly now: () => number;

  /**
   * @param ds - a DataSource on a migrated schema (initialised on first use)
   * @param options - clock
   */
  constructor(private readonly ds: DataSource, options: PgRunIndexOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Inserts or replaces the row of `run.id` (keeping `createdAt`; a null `archive` keeps the
   * recorded archive reference) and, when `run.symbolResults` is given, its symbol rows, in one
   * transaction.
   * @param run - the run's index fields
   * @param archive - where its archive is, or null
   */
  async put(run: RunInput, archive: ArchiveRef | null): Promise<StoredRun> {
    validateRunInput(run);
    await ensureInitialized(this.ds);
    if (run.idempotencyKey) {
      const holder = await this.idOfIdempotencyKey(run.idempotencyKey);
      if (holder !== null && holder !== run.id) throw this.idempotencyConflict(run.idempotencyKey, holder);
    }
    const now = new Date(this.now());
    try {
      await this.ds.transaction(async (m) => {
        const upsert = runUpsert(run, archive, now);
        await m.query(upsert.sql, upsert.params);
        if (run.symbolResults !== undefined) {
          await m.query(`DELETE FROM backtest_symbol_results WHERE run_id = $1`, [run.id]);
          if (run.symbolResults.length > 0) {
            const insert = symbolInsert(run);
            await m.query(insert.sql, insert.params);
          }
        }
      });
    } catch (err) {
      if (sqlStateOf(err) === '23505' && /idempotency/.test(String((err as { driverError?: { constraint?: string } }).driverError?.constraint ?? (err as Error).message))) {
        throw this.idempotencyConflict(run.idempotencyKey ?? '', undefined, err);
      }
      throw toResultsError(err, `save run ${run.id}`);
    }
    return this.get(run.id);
  }

  private idempotencyConflict(key: string, holder: string | undefined, cause?: unknown): ResultConflictError {
    return new ResultConflictError(`Idempotency key "${key}" already belongs to run ${holder ?? '(another run)'}`, 'idempotency_key', holder, { cause });
  }

  private async idOfIdempotencyKey(key: string): Promise<string | null> {
    const rows = await runQuery<{ id: string }>(this.ds, `SELECT id FROM backtest_runs WHERE idempotency_key = $1`, [key], 'look up an idempotency key');
    return rows[0]?.id ?? null;
  }

  /** The run with its symbol rows; `NOT_FOUND` when there is none (or `id` is not a UUID). */
  async get(id: string): Promise<StoredRun> {
    if (!isUuid(id)) throw new ResultNotFoundError('run', id);
    const rows = await runQuery<RunRow>(this.ds, `SELECT ${RUN_SELECT} FROM backtest_runs WHERE id = $1`, [id], `read run ${id}`);
    if (rows.length === 0) throw new ResultNotFoundError('run', id);
    const symbols = await runQuery<RunRow>(this.ds, `SELECT ${SYMBOL_SELECT} FROM backtest_symbol_results WHERE run_id = $1 ORDER BY symbol`, [id], `read symbol results of run ${id}`);
    return storedRunOf(rows[0], symbols.map(storedSymbolOf));
  }

  /** The run carrying `key` as idempotency key, or null. */
  async findByIdempotencyKey(key: string): Promise<StoredRun | null> {
    const id = await this.idOfIdempotencyKey(key);
    return id === null ? null : this.get(id);
  }

  /** Which of `ids` have a row (ids that are not UUIDs never do). */
  async existingIds(ids: readonly string[]): Promise<ReadonlySet<string>> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return new Set();
    const rows = await runQuery<{ id: string }>(this.ds, `SELECT id FROM backtest_runs WHERE id = ANY($1::uuid[])`, [valid], 'look up run ids');
    return new Set(rows.map((r) => r.id));
  }

  /** Every run id with the location of its archive (null for runs stored without one), oldest first. */
  async archiveRefs(): Promise<readonly { readonly id: string; readonly location: string | null; readonly createdAt: number }[]> {
    const rows = await runQuery<{ id: string; archive_location: string | null; created_at: Date }>(
      this.ds, `SELECT id, archive_location, created_at FROM backtest_runs ORDER BY created_at, id`, [], 'list run ids');
    return rows.map((r) => ({ id: r.id, location: r.archive_location, createdAt: r.created_at.getTime() }));
  }

  /**
   * Runs matching `filter`, newest first, by keyset pagination on (created_at DESC, id DESC).
   * Rows inserted while paging never cause skips or repeats.
   */
  async list(filter: RunListFilter = {}, page: PageRequest = {}): Promise<RunPage> {
    const { sql, params, limit } = buildListQuery(filter, page);
    const rows = await runQuery<RunRow>(this.ds, sql, [...params], 'list runs');
    const items = rows.slice(0, limit).map((r) => storedRunOf(r));
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && last ? cursorAfter(last) : null };
  }

  /**
   * Deletes the row (symbol rows follow by cascade; a sweep's chunk rows go with it); resolves to
   * false when there was none.
   */
  async delete(id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    const rows = await runQuery<{ id: string }>(this.ds, `WITH chunks AS (DELETE FROM sweep_chunks WHERE sweep_id = $1) DELETE FROM backtest_runs WHERE id = $1 RETURNING id`, [id], `delete run ${id}`);
    return rows.length > 0;
  }
}
