import type { DataSource, EntityManager } from 'typeorm';
import type { ArchiveWriteResult, RunArchivePayload, RunArchiveStore } from './archive-store';
import { decodeCursor, encodeCursor } from './cursor';
import { ensureInitialized, runQuery } from './data-source';
import { RUN_KINDS, RUN_STATUSES, type RunKind, type RunStatus, type StoredError } from './entities';
import { ArchiveStorageError, ResultConflictError, ResultNotFoundError, ResultsError, ResultValidationError, sqlStateOf, toResultsError } from './errors';
import { validateRunInput, type RunInput, type StoredRun, type StoredSymbolResult } from './run-types';
import { IssueList, isUuid, toMs } from './validation';

/** Options of {@link ResultRepository}. */
export interface ResultRepositoryOptions {
  /** Clock (epoch ms) for created/updated times, retention cut-offs and orphan ages (default `Date.now`). */
  readonly now?: () => number;
}

/** An inclusive numeric range; either bound may be omitted. */
export interface NumberRange {
  /** Lower bound (inclusive). */
  readonly min?: number;
  /** Upper bound (inclusive). */
  readonly max?: number;
}

/** Filters of {@link ResultRepository.list}; all given filters must hold. */
export interface RunListFilter {
  /** Exact strategy name. */
  readonly strategy?: string;
  /** The run's symbols must include this symbol (or all of these symbols). */
  readonly symbol?: string | readonly string[];
  /** One status or any of several. */
  readonly status?: RunStatus | readonly RunStatus[];
  /** One kind or any of several. */
  readonly kind?: RunKind | readonly RunKind[];
  /** Created at or after (epoch ms or Date). */
  readonly createdFrom?: number | Date;
  /** Created at or before (epoch ms or Date, inclusive). */
  readonly createdTo?: number | Date;
  /** Range of `total_return_pct` (percent); runs without the value never match. */
  readonly totalReturnPct?: NumberRange;
  /** Range of `sharpe`. */
  readonly sharpe?: NumberRange;
  /** Range of `max_drawdown_pct` (percent, positive). */
  readonly maxDrawdownPct?: NumberRange;
  /** Range of `trade_count`. */
  readonly tradeCount?: NumberRange;
}

/** Which page of {@link ResultRepository.list} to read. */
export interface PageRequest {
  /** Rows per page, 1..500 (default 50). */
  readonly limit?: number;
  /** `nextCursor` of the previous page (used with the same filter); omitted = first page. */
  readonly cursor?: string | null;
}

/** One page of runs, newest first (created_at DESC, id DESC). */
export interface RunPage {
  /** Runs of this page, without `symbolResults`. */
  readonly items: readonly StoredRun[];
  /** Cursor of the next page, or null when this is the last page. */
  readonly nextCursor: string | null;
}

/** Result of {@link ResultRepository.delete}. */
export interface DeleteRunResult {
  /** The deleted run. */
  readonly runId: string;
  /** False when the archive could not be deleted (it is then an orphan that `cleanupOrphans` removes). */
  readonly archiveDeleted: boolean;
  /** Why the archive could not be deleted. */
  readonly archiveError?: string;
}

/** Options of {@link ResultRepository.deleteOlderThan}. */
export interface RetentionOptions {
  /** Runs created more than this many days (of 24 h) before now are deleted. Must be > 0. */
  readonly olderThanDays: number;
  /** Only report what would be deleted (default false). */
  readonly dryRun?: boolean;
  /** Only runs in these states (default: any state). */
  readonly statuses?: readonly RunStatus[];
  /** Runs deleted per statement (default 500). */
  readonly batchSize?: number;
}

/** A run selected by the retention policy. */
export interface RetentionCandidate {
  /** Run id. */
  readonly id: string;
  /** Creation time, epoch ms. */
  readonly createdAt: number;
  /** Archive bytes recorded for it (0 if none). */
  readonly archiveBytes: number;
}

/** Result of {@link ResultRepository.deleteOlderThan}. */
export interface RetentionReport {
  /** True when nothing was deleted. */
  readonly dryRun: boolean;
  /** Runs created before this instant (epoch ms) were selected. */
  readonly cutoff: number;
  /** The selected runs, oldest first. */
  readonly runs: readonly RetentionCandidate[];
  /** Rows deleted (0 in a dry run). */
  readonly deletedRuns: number;
  /** Archive bytes of the selected runs. */
  readonly archiveBytes: number;
  /** Archives that could not be deleted (they remain as orphans). */
  readonly archiveFailures: readonly { readonly runId: string; readonly message: string }[];
}

/** Options of {@link ResultRepository.cleanupOrphans}. */
export interface OrphanCleanupOptions {
  /** Only report (default false). */
  readonly dryRun?: boolean;
  /**
   * Leave archives younger than this alone (default 1 hour), so that an archive whose row is
   * being written right now is not mistaken for an orphan.
   */
  readonly minAgeMs?: number;
}

/** Result of {@link ResultRepository.cleanupOrphans}. */
export interface OrphanCleanupReport {
  /** True when nothing was deleted. */
  readonly dryRun: boolean;
  /** Archives looked at. */
  readonly scanned: number;
  /** Archives without a row and old enough (deleted unless dry run). */
  readonly orphans: readonly string[];
  /** Archives without a row that were too young to touch. */
  readonly young: readonly string[];
  /** Orphans whose deletion failed. */
  readonly failures: readonly { readonly runId: string; readonly message: string }[];
}

const DAY_MS = 86_400_000;
const RUN_COLUMNS = `id, kind, status, strategy, params, symbols, timeframe, period_start, period_end, metrics,
  total_return_pct, sharpe, max_drawdown_pct, trade_count, archive_location, manifest_sha256, archive_bytes,
  archive_files, duration_ms, started_at, finished_at, error, idempotency_key, created_at, updated_at`;

interface RunDbRow {
  id: string;
  kind: RunKind;
  status: RunStatus;
  strategy: string;
  params: Record<string, unknown>;
  symbols: string[];
  timeframe: string | null;
  period_start: Date | null;
  period_end: Date | null;
  metrics: Record<string, unknown>;
  total_return_pct: number | null;
  sharpe: number | null;
  max_drawdown_pct: number | null;
  trade_count: number | null;
  archive_location: string | null;
  manifest_sha256: string | null;
  archive_bytes: string | null;
  archive_files: number | null;
  duration_ms: number | null;
  started_at: Date | null;
  finished_at: Date | null;
  error: StoredError | null;
  idempotency_key: string | null;
  created_at: Date;
  updated_at: Date;
}

interface SymbolDbRow {
  symbol: string;
  metrics: Record<string, unknown>;
  total_return_pct: number | null;
  win_rate: number | null;
  max_drawdown_pct: number | null;
  trade_count: number | null;
}

const ms = (d: Date | null): number | null => (d === null ? null : d.getTime());

function toStoredRun(r: RunDbRow, symbolResults?: readonly StoredSymbolResult[]): StoredRun {
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    strategy: r.strategy,
    params: r.params,
    symbols: r.symbols,
    timeframe: r.timeframe,
    periodStart: ms(r.period_start),
    periodEnd: ms(r.period_end),
    metrics: r.metrics,
    totalReturnPct: r.total_return_pct,
    sharpe: r.sharpe,
    maxDrawdownPct: r.max_drawdown_pct,
    tradeCount: r.trade_count,
    archive:
      r.archive_location === null
        ? null
        : { location: r.archive_location, manifestSha256: (r.manifest_sha256 ?? '').trim(), totalBytes: Number(r.archive_bytes ?? 0), fileCount: r.archive_files ?? 0 },
    durationMs: r.duration_ms,
    startedAt: ms(r.started_at),
    finishedAt: ms(r.finished_at),
    error: r.error,
    idempotencyKey: r.idempotency_key,
    createdAt: r.created_at.getTime(),
    updatedAt: r.updated_at.getTime(),
    ...(symbolResults ? { symbolResults } : {}),
  };
}

function toSymbolResult(r: SymbolDbRow): StoredSymbolResult {
  return { symbol: r.symbol, metrics: r.metrics, totalReturnPct: r.total_return_pct, winRate: r.win_rate, maxDrawdownPct: r.max_drawdown_pct, tradeCount: r.trade_count };
}

const asDate = (v: number | Date | null | undefined): Date | null => {
  const m = toMs(v);
  return m === null ? null : new Date(m);
};
const asList = <T>(v: T | readonly T[] | undefined): readonly T[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? (v as readonly T[]) : [v as T]);

/**
 * Index of backtest runs in PostgreSQL, with each run's full result in an archive.
 *
 * Order of writes in {@link ResultRepository.save}: the archive first (through the injected
 * {@link RunArchiveStore}), then the run row and its symbol rows in one transaction. So a failed
 * archive write leaves no row, and a failed row write leaves at worst an orphan archive, which
 * {@link ResultRepository.cleanupOrphans} removes. A row never points at a missing archive.
 */
export class ResultRepository<P = RunArchivePayload> {
  private readonly now: () => number;

  constructor(
    private readonly ds: DataSource,
    private readonly archives: RunArchiveStore<P>,
    options: ResultRepositoryOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Saves a run: writes `payload` to the archive store (when given), then upserts the row by id.
   * Saving the same run again replaces its row (keeping `createdAt`) and archive: no duplicate,
   * no error. Without a payload an existing archive reference is kept (e.g. a status update).
   * Throws `INVALID_PARAMS` for a malformed run, `CONFLICT` when the idempotency key belongs to
   * another run, `STORAGE_FAILED` when the archive cannot be written (no row is written then),
   * `UNAVAILABLE` when the database is down.
   */
  async save(run: RunInput, payload?: P): Promise<StoredRun> {
    validateRunInput(run);
    await ensureInitialized(this.ds);
    if (run.idempotencyKey) {
      const holder = await this.idOfIdempotencyKey(run.idempotencyKey);
      if (holder !== null && holder !== run.id) throw this.idempotencyConflict(run.idempotencyKey, holder);
    }
    let archive: ArchiveWriteResult | null = null;
    if (payload !== undefined) {
      try {
        archive = await this.archives.write(run.id, payload);
      } catch (err) {
        if (err instanceof ResultsError) throw err;
        throw new ArchiveStorageError(`Could not write the archive of run ${run.id}: ${(err as Error).message}`, run.id, { cause: err });
      }
    }
    const now = new Date(this.now());
    try {
      await this.ds.transaction(async (m) => {
        await this.upsertRow(m, run, archive, now);
        if (run.symbolResults !== undefined) await this.replaceSymbolRows(m, run);
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
    const rows = await this.query<{ id: string }>(`SELECT id FROM backtest_runs WHERE idempotency_key = $1`, [key], 'look up an idempotency key');
    return rows[0]?.id ?? null;
  }

  private async upsertRow(m: EntityManager, run: RunInput, archive: ArchiveWriteResult | null, now: Date): Promise<void> {
    const json = (v: unknown) => JSON.stringify(v);
    await m.query(
      `INSERT INTO backtest_runs (id, kind, status, strategy, params, symbols, timeframe, period_start, period_end, metrics,
         total_return_pct, sharpe, max_drawdown_pct, trade_count, archive_location, manifest_sha256, archive_bytes, archive_files,
         duration_ms, started_at, finished_at, error, idempotency_key, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6::text[], $7, $8, $9, $10::jsonb, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22::jsonb, $23, $24, $25)
       ON CONFLICT (id) DO UPDATE SET
         kind = EXCLUDED.kind, status = EXCLUDED.status, strategy = EXCLUDED.strategy, params = EXCLUDED.params,
         symbols = EXCLUDED.symbols, timeframe = EXCLUDED.timeframe, period_start = EXCLUDED.period_start,
         period_end = EXCLUDED.period_end, metrics = EXCLUDED.metrics, total_return_pct = EXCLUDED.total_return_pct,
         sharpe = EXCLUDED.sharpe, max_drawdown_pct = EXCLUDED.max_drawdown_pct, trade_count = EXCLUDED.trade_count,
         archive_location = COALESCE(EXCLUDED.archive_location, backtest_runs.archive_location),
         manifest_sha256 = COALESCE(EXCLUDED.manifest_sha256, backtest_runs.manifest_sha256),
         archive_bytes = COALESCE(EXCLUDED.archive_bytes, backtest_runs.archive_bytes),
         archive_files = COALESCE(EXCLUDED.archive_files, backtest_runs.archive_files),
         duration_ms = EXCLUDED.duration_ms, started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at,
         error = EXCLUDED.error, idempotency_key = EXCLUDED.idempotency_key, updated_at = EXCLUDED.updated_at`,
      [
        run.id,
        run.kind,
        run.status,
        run.strategy,
        json(run.params ?? {}),
        [...run.symbols],
        run.timeframe ?? null,
        asDate(run.periodStart),
        asDate(run.periodEnd),
        json(run.metrics ?? {}),
        run.totalReturnPct ?? null,
        run.sharpe ?? null,
        run.maxDrawdownPct ?? null,
        run.tradeCount ?? null,
        archive?.location ?? null,
        archive?.manifestSha256 ?? null,
        archive?.totalBytes ?? null,
        archive?.files.length ?? null,
        run.durationMs ?? null,
        asDate(run.startedAt),
        asDate(run.finishedAt),
        run.error ? json(run.error) : null,
        run.idempotencyKey ?? null,
        asDate(run.createdAt) ?? now,
        now,
      ],
    );
  }

  private async replaceSymbolRows(m: EntityManager, run: RunInput): Promise<void> {
    await m.query(`DELETE FROM backtest_symbol_results WHERE run_id = $1`, [run.id]);
    const rows = run.symbolResults ?? [];
    if (rows.length === 0) return;
    await m.query(
      `INSERT INTO backtest_symbol_results (run_id, symbol, metrics, total_return_pct, win_rate, max_drawdown_pct, trade_count)
       SELECT $1, * FROM unnest($2::varchar[], $3::jsonb[], $4::float8[], $5::float8[], $6::float8[], $7::int[])`,
      [
        run.id,
        rows.map((r) => r.symbol),
        rows.map((r) => JSON.stringify(r.metrics ?? {})),
        rows.map((r) => r.totalReturnPct ?? null),
        rows.map((r) => r.winRate ?? null),
        rows.map((r) => r.maxDrawdownPct ?? null),
        rows.map((r) => r.tradeCount ?? null),
      ],
    );
  }

  /** The run with its symbol rows; `NOT_FOUND` when there is no such run (or `id` is not a UUID). */
  async get(id: string): Promise<StoredRun> {
    if (!isUuid(id)) throw new ResultNotFoundError('run', id);
    const rows = await this.query<RunDbRow>(`SELECT ${RUN_COLUMNS} FROM backtest_runs WHERE id = $1`, [id], `read run ${id}`);
    if (rows.length === 0) throw new ResultNotFoundError('run', id);
    const symbols = await this.query<SymbolDbRow>(
      `SELECT symbol, metrics, total_return_pct, win_rate, max_drawdown_pct, trade_count FROM backtest_symbol_results WHERE run_id = $1 ORDER BY symbol`,
      [id],
      `read symbol results of run ${id}`,
    );
    return toStoredRun(rows[0], symbols.map(toSymbolResult));
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
    const rows = await this.query<{ id: string }>(`SELECT id FROM backtest_runs WHERE id = ANY($1::uuid[])`, [valid], 'look up run ids');
    return new Set(rows.map((r) => r.id));
  }

  /**
   * Runs matching `filter`, newest first, by keyset pagination on (created_at DESC, id DESC):
   * pass the returned `nextCursor` to read the next page. Rows inserted while paging never cause
   * skips or repeats. Throws `INVALID_PARAMS` for a bad filter, limit or cursor.
   */
  async list(filter: RunListFilter = {}, page: PageRequest = {}): Promise<RunPage> {
    const { sql, params, limit } = buildListQuery(filter, page);
    const rows = await this.query<RunDbRow>(sql, [...params], 'list runs');
    const items = rows.slice(0, limit).map((r) => toStoredRun(r));
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null };
  }

  /**
   * Deletes the row (symbol rows follow by cascade), then the archive. `NOT_FOUND` when there is
   * no row (a leftover archive of that id is still removed). An archive that cannot be deleted is
   * reported, not thrown: the row is gone, so it is an orphan for {@link cleanupOrphans}.
   */
  async delete(id: string): Promise<DeleteRunResult> {
    const rows = isUuid(id) ? await this.query<{ id: string }>(`DELETE FROM backtest_runs WHERE id = $1 RETURNING id`, [id], `delete run ${id}`) : [];
    if (rows.length === 0) {
      if (isUuid(id)) await this.archives.delete(id).catch(() => undefined);
      throw new ResultNotFoundError('run', id);
    }
    try {
      await this.archives.delete(id);
      return { runId: id, archiveDeleted: true };
    } catch (err) {
      return { runId: id, archiveDeleted: false, archiveError: (err as Error).message };
    }
  }

  /**
   * Retention: deletes runs created more than `olderThanDays` days ago (rows first, then their
   * archives), or with `dryRun` only reports them. Imported legacy runs keep their original
   * creation time and so age like any other run.
   */
  async deleteOlderThan(options: RetentionOptions): Promise<RetentionReport> {
    const v = new IssueList();
    if (typeof options.olderThanDays !== 'number' || !(options.olderThanDays > 0) || !Number.isFinite(options.olderThanDays)) v.add('olderThanDays', 'must be a positive number of days');
    v.integer('batchSize', options.batchSize, 1, 10_000);
    (options.statuses ?? []).forEach((s, i) => v.oneOf(`statuses.${i}`, s, RUN_STATUSES));
    if (v.issues.length) throw new ResultValidationError(v.issues, 'retention options');
    const cutoff = this.now() - options.olderThanDays * DAY_MS;
    const dryRun = options.dryRun ?? false;
    const statuses = options.statuses && options.statuses.length ? [...options.statuses] : null;
    const cond = `created_at < $1 AND ($2::text[] IS NULL OR status = ANY($2::text[]))`;
    type Row = { id: string; created_at: Date; archive_bytes: string | null };
    const toCandidate = (r: Row): RetentionCandidate => ({ id: r.id, createdAt: r.created_at.getTime(), archiveBytes: Number(r.archive_bytes ?? 0) });
    if (dryRun) {
      const rows = await this.query<Row>(
        `SELECT id, created_at, archive_bytes FROM backtest_runs WHERE ${cond} ORDER BY created_at ASC, id ASC`,
        [new Date(cutoff), statuses],
        'select runs for retention',
      );
      const runs = rows.map(toCandidate);
      return { dryRun, cutoff, runs, deletedRuns: 0, archiveBytes: runs.reduce((s, r) => s + r.archiveBytes, 0), archiveFailures: [] };
    }
    const batch = options.batchSize ?? 500;
    const runs: RetentionCandidate[] = [];
    const archiveFailures: { runId: string; message: string }[] = [];
    for (;;) {
      const rows = await this.query<Row>(
        `DELETE FROM backtest_runs WHERE id IN (SELECT id FROM backtest_runs WHERE ${cond} ORDER BY created_at ASC, id ASC LIMIT $3)
         RETURNING id, created_at, archive_bytes`,
        [new Date(cutoff), statuses, batch],
        'delete runs for retention',
      );
      for (const r of rows.sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || a.id.localeCompare(b.id))) {
        runs.push(toCandidate(r));
        try {
          await this.archives.delete(r.id);
        } catch (err) {
          archiveFailures.push({ runId: r.id, message: (err as Error).message });
        }
      }
      if (rows.length < batch) break;
    }
    return { dryRun, cutoff, runs, deletedRuns: runs.length, archiveBytes: runs.reduce((s, r) => s + r.archiveBytes, 0), archiveFailures };
  }

  /**
   * Removes archives that have no row (left behind when a row write failed after its archive was
   * written, or when an archive deletion failed). Archives younger than `minAgeMs` are skipped.
   */
  async cleanupOrphans(options: OrphanCleanupOptions = {}): Promise<OrphanCleanupReport> {
    const dryRun = options.dryRun ?? false;
    const minAgeMs = options.minAgeMs ?? 3_600_000;
    const now = this.now();
    const entries: { runId: string; writtenAt: number }[] = [];
    try {
      for await (const e of this.archives.list()) entries.push(e);
    } catch (err) {
      if (err instanceof ResultsError) throw err;
      throw new ArchiveStorageError(`Could not list archives: ${(err as Error).message}`, undefined, { cause: err });
    }
    const orphans: string[] = [];
    const young: string[] = [];
    for (let i = 0; i < entries.length; i += 1000) {
      const chunk = entries.slice(i, i + 1000);
      const existing = await this.existingIds(chunk.map((e) => e.runId));
      for (const e of chunk) {
        if (existing.has(e.runId)) continue;
        (now - e.writtenAt >= minAgeMs ? orphans : young).push(e.runId);
      }
    }
    const failures: { runId: string; message: string }[] = [];
    if (!dryRun) {
      for (const id of orphans) {
        try {
          await this.archives.delete(id);
        } catch (err) {
          failures.push({ runId: id, message: (err as Error).message });
        }
      }
    }
    return { dryRun, scanned: entries.length, orphans: orphans.sort(), young: young.sort(), failures };
  }

  private async query<T>(sql: string, params: unknown[], doing: string): Promise<T[]> {
    return runQuery<T>(this.ds, sql, params, doing);
  }
}

/**
 * The SQL that {@link ResultRepository.list} runs for a filter and page (it fetches `limit + 1`
 * rows to know whether a next page exists). Exposed for EXPLAIN in benchmarks and diagnostics.
 * Throws `INVALID_PARAMS` for a bad filter, limit or cursor.
 */
export function buildListQuery(filter: RunListFilter = {}, page: PageRequest = {}): { readonly sql: string; readonly params: readonly unknown[]; readonly limit: number } {
  const { where, params } = buildWhere(filter);
  const limit = page.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new ResultValidationError([{ field: 'limit', message: 'must be an integer in [1, 500]' }], 'page request');
  if (page.cursor) {
    const pos = decodeCursor(page.cursor);
    params.push(new Date(pos.createdAt), pos.id);
    where.push(`(created_at, id) < ($${params.length - 1}, $${params.length}::uuid)`);
  }
  params.push(limit + 1);
  const sql = `SELECT ${RUN_COLUMNS} FROM backtest_runs ${where.length ? `WHERE ${where.join(' AND ')} ` : ''}ORDER BY created_at DESC, id DESC LIMIT $${params.length}`;
  return { sql, params, limit };
}

function buildWhere(filter: RunListFilter): { where: string[]; params: unknown[] } {
  const v = new IssueList();
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(clause(`$${params.length}`));
  };
  if (filter.strategy !== undefined) {
    v.text('strategy', filter.strategy, 100);
    add((p) => `strategy = ${p}`, filter.strategy);
  }
  const symbols = asList(filter.symbol);
  if (symbols !== undefined) {
    if (symbols.length === 0) v.add('symbol', 'must name at least one symbol');
    symbols.forEach((s, i) => v.text(`symbol.${i}`, s, 40));
    add((p) => `symbols @> ${p}::text[]`, [...symbols]);
  }
  const statuses = asList(filter.status);
  if (statuses !== undefined) {
    if (statuses.length === 0) v.add('status', 'must name at least one status');
    statuses.forEach((s, i) => v.oneOf(`status.${i}`, s, RUN_STATUSES));
    add((p) => (statuses.length === 1 ? `status = ${p}` : `status = ANY(${p}::text[])`), statuses.length === 1 ? statuses[0] : [...statuses]);
  }
  const kinds = asList(filter.kind);
  if (kinds !== undefined) {
    if (kinds.length === 0) v.add('kind', 'must name at least one kind');
    kinds.forEach((k, i) => v.oneOf(`kind.${i}`, k, RUN_KINDS));
    add((p) => `kind = ANY(${p}::text[])`, [...kinds]);
  }
  v.time('createdFrom', filter.createdFrom);
  v.time('createdTo', filter.createdTo);
  const from = toMs(filter.createdFrom);
  const to = toMs(filter.createdTo);
  if (from !== null && to !== null && from > to) v.add('createdTo', 'must not be before createdFrom');
  if (from !== null) add((p) => `created_at >= ${p}`, new Date(from));
  if (to !== null) add((p) => `created_at <= ${p}`, new Date(to));
  const ranges: [keyof RunListFilter, string][] = [
    ['totalReturnPct', 'total_return_pct'],
    ['sharpe', 'sharpe'],
    ['maxDrawdownPct', 'max_drawdown_pct'],
    ['tradeCount', 'trade_count'],
  ];
  for (const [key, column] of ranges) {
    const range = filter[key] as NumberRange | undefined;
    if (range === undefined) continue;
    v.finite(`${key}.min`, range.min);
    v.finite(`${key}.max`, range.max);
    if (typeof range.min === 'number' && typeof range.max === 'number' && range.min > range.max) v.add(key, 'min must not exceed max');
    if (typeof range.min === 'number') add((p) => `${column} >= ${p}`, range.min);
    if (typeof range.max === 'number') add((p) => `${column} <= ${p}`, range.max);
  }
  if (v.issues.length) throw new ResultValidationError(v.issues, 'list filter');
  return { where, params };
}
