/**
 * The one description of `backtest_runs` and `backtest_symbol_results`: every column with its
 * PostgreSQL type, its declaration (what the migrations create, checked by the migrations test
 * through the TypeORM entities built from it in entities.ts), how an upsert treats it, how a
 * {@link RunInput} fills it and how it reads back into a {@link StoredRun}. Adding a result column
 * means one migration and one entry here; the INSERT … ON CONFLICT, the SELECT list, the row
 * mapping and the entity are all generated from {@link RUN_COLUMNS}.
 */
import type { EntitySchemaColumnOptions } from 'typeorm';
import type { RunInput, ArchiveRef, StoredRun, StoredSymbolResult } from './run-types';
import { toMs } from './validation';

/** PostgreSQL types the run table uses (the cast applied to each bound parameter). */
type PgType = 'uuid' | 'varchar' | 'jsonb' | 'text[]' | 'timestamptz' | 'float8' | 'int' | 'bigint' | 'text' | 'char';

/** One column of `backtest_runs`. */
export interface RunColumn {
  /** Column name. */
  readonly name: string;
  /** Cast of the bound parameter. */
  readonly type: PgType;
  /**
   * On upsert of an existing row: `replace` with the new value, `coalesce` (keep the old value
   * when the new one is null: the archive reference of a status-only update), or `keep` (never
   * change: `created_at`).
   */
  readonly onConflict: 'replace' | 'coalesce' | 'keep';
  /** The value to store for a run. */
  readonly write: (run: RunInput, archive: ArchiveRef | null, now: Date) => unknown;
  /** The column as the migrations declare it (TypeORM's options; the entity is built from these). */
  readonly ddl: EntitySchemaColumnOptions;
}

const json = (v: unknown): string => JSON.stringify(v);
const date = (v: number | Date | null | undefined): Date | null => {
  const m = toMs(v);
  return m === null ? null : new Date(m);
};

/** Column declarations shared by the run tables (and the other tables of entities.ts). */
export const DDL = {
  timestamp: { type: 'timestamptz', precision: 3, nullable: true },
  stamp: { type: 'timestamptz', precision: 3, default: () => 'now()' },
  double: { type: 'double precision', nullable: true },
  integer: { type: 'integer', nullable: true },
} as const satisfies Record<string, EntitySchemaColumnOptions>;

/** Every column of `backtest_runs`, in table order. */
export const RUN_COLUMNS: readonly RunColumn[] = [
  { name: 'id', type: 'uuid', onConflict: 'keep', write: (r) => r.id, ddl: { type: 'uuid', primary: true } },
  { name: 'kind', type: 'varchar', onConflict: 'replace', write: (r) => r.kind, ddl: { type: 'varchar', length: 16 } },
  { name: 'status', type: 'varchar', onConflict: 'replace', write: (r) => r.status, ddl: { type: 'varchar', length: 16 } },
  { name: 'strategy', type: 'varchar', onConflict: 'replace', write: (r) => r.strategy, ddl: { type: 'varchar', length: 100 } },
  { name: 'params', type: 'jsonb', onConflict: 'replace', write: (r) => json(r.params ?? {}), ddl: { type: 'jsonb' } },
  { name: 'symbols', type: 'text[]', onConflict: 'replace', write: (r) => [...r.symbols], ddl: { type: 'text', array: true } },
  { name: 'timeframe', type: 'varchar', onConflict: 'replace', write: (r) => r.timeframe ?? null, ddl: { type: 'varchar', length: 16, nullable: true } },
  { name: 'period_start', type: 'timestamptz', onConflict: 'replace', write: (r) => date(r.periodStart), ddl: DDL.timestamp },
  { name: 'period_end', type: 'timestamptz', onConflict: 'replace', write: (r) => date(r.periodEnd), ddl: DDL.timestamp },
  { name: 'metrics', type: 'jsonb', onConflict: 'replace', write: (r) => json(r.metrics ?? {}), ddl: { type: 'jsonb' } },
  { name: 'total_return_pct', type: 'float8', onConflict: 'replace', write: (r) => r.totalReturnPct ?? null, ddl: DDL.double },
  { name: 'sharpe', type: 'float8', onConflict: 'replace', write: (r) => r.sharpe ?? null, ddl: DDL.double },
  { name: 'max_drawdown_pct', type: 'float8', onConflict: 'replace', write: (r) => r.maxDrawdownPct ?? null, ddl: DDL.double },
  { name: 'trade_count', type: 'int', onConflict: 'replace', write: (r) => r.tradeCount ?? null, ddl: DDL.integer },
  { name: 'archive_location', type: 'text', onConflict: 'coalesce', write: (_r, a) => a?.location ?? null, ddl: { type: 'text', nullable: true } },
  { name: 'manifest_sha256', type: 'char', onConflict: 'coalesce', write: (_r, a) => a?.manifestSha256 ?? null, ddl: { type: 'char', length: 64, nullable: true } },
  { name: 'archive_bytes', type: 'bigint', onConflict: 'coalesce', write: (_r, a) => a?.totalBytes ?? null, ddl: { type: 'bigint', nullable: true } },
  { name: 'archive_files', type: 'int', onConflict: 'coalesce', write: (_r, a) => a?.fileCount ?? null, ddl: DDL.integer },
  { name: 'duration_ms', type: 'int', onConflict: 'replace', write: (r) => r.durationMs ?? null, ddl: DDL.integer },
  { name: 'started_at', type: 'timestamptz', onConflict: 'replace', write: (r) => date(r.startedAt), ddl: DDL.timestamp },
  { name: 'finished_at', type: 'timestamptz', onConflict: 'replace', write: (r) => date(r.finishedAt), ddl: DDL.timestamp },
  { name: 'error', type: 'jsonb', onConflict: 'replace', write: (r) => (r.error ? json(r.error) : null), ddl: { type: 'jsonb', nullable: true } },
  { name: 'idempotency_key', type: 'varchar', onConflict: 'replace', write: (r) => r.idempotencyKey ?? null, ddl: { type: 'varchar', length: 200, nullable: true, unique: true } },
  { name: 'created_at', type: 'timestamptz', onConflict: 'keep', write: (r, _a, now) => date(r.createdAt) ?? now, ddl: DDL.stamp },
  { name: 'updated_at', type: 'timestamptz', onConflict: 'replace', write: (_r, _a, now) => now, ddl: DDL.stamp },
];

/** `SELECT` list of a run row. */
export const RUN_SELECT = RUN_COLUMNS.map((c) => c.name).join(', ');

/** The upsert of one run row, with its parameters. */
export function runUpsert(run: RunInput, archive: ArchiveRef | null, now: Date): { readonly sql: string; readonly params: unknown[] } {
  const names = RUN_COLUMNS.map((c) => c.name);
  const values = RUN_COLUMNS.map((c, i) => `$${i + 1}::${c.type === 'char' ? 'char(64)' : c.type}`);
  const updates = RUN_COLUMNS.filter((c) => c.onConflict !== 'keep').map((c) =>
    c.onConflict === 'replace' ? `${c.name} = EXCLUDED.${c.name}` : `${c.name} = COALESCE(EXCLUDED.${c.name}, backtest_runs.${c.name})`);
  return {
    sql: `INSERT INTO backtest_runs (${names.join(', ')}) VALUES (${values.join(', ')}) ON CONFLICT (id) DO UPDATE SET ${updates.join(', ')}`,
    params: RUN_COLUMNS.map((c) => c.write(run, archive, now)),
  };
}

/** A row of `backtest_runs` as the pg driver returns it. */
export type RunRow = Readonly<Record<string, unknown>>;

const ms = (v: unknown): number | null => (v === null || v === undefined ? null : (v as Date).getTime());
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** A run row as a {@link StoredRun}. */
export function storedRunOf(r: RunRow, symbolResults?: readonly StoredSymbolResult[]): StoredRun {
  return {
    id: r.id as string,
    kind: r.kind as StoredRun['kind'],
    status: r.status as StoredRun['status'],
    strategy: r.strategy as string,
    params: r.params as StoredRun['params'],
    symbols: r.symbols as string[],
    timeframe: (r.timeframe as string | null) ?? null,
    periodStart: ms(r.period_start),
    periodEnd: ms(r.period_end),
    metrics: r.metrics as StoredRun['metrics'],
    totalReturnPct: num(r.total_return_pct),
    sharpe: num(r.sharpe),
    maxDrawdownPct: num(r.max_drawdown_pct),
    tradeCount: num(r.trade_count),
    archive: r.archive_location === null
      ? null
      : { location: r.archive_location as string, manifestSha256: String(r.manifest_sha256 ?? '').trim(), totalBytes: Number(r.archive_bytes ?? 0), fileCount: Number(r.archive_files ?? 0) },
    durationMs: num(r.duration_ms),
    startedAt: ms(r.started_at),
    finishedAt: ms(r.finished_at),
    error: (r.error as StoredRun['error']) ?? null,
    idempotencyKey: (r.idempotency_key as string | null) ?? null,
    createdAt: ms(r.created_at) as number,
    updatedAt: ms(r.updated_at) as number,
    ...(symbolResults ? { symbolResults } : {}),
  };
}

type SymbolInput = NonNullable<RunInput['symbolResults']>[number];

/** One column of `backtest_symbol_results` after `run_id`, with its array cast for `unnest`. */
export interface SymbolColumn {
  readonly name: string;
  readonly type: string;
  readonly write: (s: SymbolInput) => unknown;
  /** The column as the migrations declare it. */
  readonly ddl: EntitySchemaColumnOptions;
}

/** Every column of `backtest_symbol_results` after `run_id` (which is the foreign key to `backtest_runs`). */
export const SYMBOL_COLUMNS: readonly SymbolColumn[] = [
  { name: 'symbol', type: 'varchar[]', write: (s) => s.symbol, ddl: { type: 'varchar', length: 40, primary: true } },
  { name: 'metrics', type: 'jsonb[]', write: (s) => json(s.metrics ?? {}), ddl: { type: 'jsonb' } },
  { name: 'total_return_pct', type: 'float8[]', write: (s) => s.totalReturnPct ?? null, ddl: DDL.double },
  { name: 'win_rate', type: 'float8[]', write: (s) => s.winRate ?? null, ddl: DDL.double },
  { name: 'max_drawdown_pct', type: 'float8[]', write: (s) => s.maxDrawdownPct ?? null, ddl: DDL.double },
  { name: 'trade_count', type: 'int[]', write: (s) => s.tradeCount ?? null, ddl: DDL.integer },
];

/** `SELECT` list of a symbol row. */
export const SYMBOL_SELECT = SYMBOL_COLUMNS.map((c) => c.name).join(', ');

/** The insert of a run's symbol rows (one statement, `unnest` of one array per column). */
export function symbolInsert(run: RunInput): { readonly sql: string; readonly params: unknown[] } {
  const rows = run.symbolResults ?? [];
  return {
    sql: `INSERT INTO backtest_symbol_results (run_id, ${SYMBOL_SELECT}) SELECT $1, * FROM unnest(${SYMBOL_COLUMNS.map((c, i) => `$${i + 2}::${c.type}`).join(', ')})`,
    params: [run.id, ...SYMBOL_COLUMNS.map((c) => rows.map((r) => c.write(r)))],
  };
}

/** A symbol row as a {@link StoredSymbolResult}. */
export function storedSymbolOf(r: RunRow): StoredSymbolResult {
  return {
    symbol: r.symbol as string,
    metrics: r.metrics as StoredSymbolResult['metrics'],
    totalReturnPct: num(r.total_return_pct),
    winRate: num(r.win_rate),
    maxDrawdownPct: num(r.max_drawdown_pct),
    tradeCount: num(r.trade_count),
  };
}
