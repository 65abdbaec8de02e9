/**
 * The one description of `backtest_runs` and `backtest_symbol_results` as queries use them:
 * every column with its PostgreSQL type, how an upsert treats it, how a {@link RunInput} fills it
 * and how it reads back into a {@link StoredRun}. Adding a result column means one migration
 * and one entry here; the INSERT … ON CONFLICT, the SELECT list and the row mapping are all
 * generated from {@link RUN_COLUMNS}.
 */
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
}

const json = (v: unknown): string => JSON.stringify(v);
const date = (v: number | Date | null | undefined): Date | null => {
  const m = toMs(v);
  return m === null ? null : new Date(m);
};

/** Every column of `backtest_runs`, in table order. */
export const RUN_COLUMNS: readonly RunColumn[] = [
  { name: 'id', type: 'uuid', onConflict: 'keep', write: (r) => r.id },
  { name: 'kind', type: 'varchar', onConflict: 'replace', write: (r) => r.kind },
  { name: 'status', type: 'varchar', onConflict: 'replace', write: (r) => r.status },
  { name: 'strategy', type: 'varchar', onConflict: 'replace', write: (r) => r.strategy },
  { name: 'params', type: 'jsonb', onConflict: 'replace', write: (r) => json(r.params ?? {}) },
  { name: 'symbols', type: 'text[]', onConflict: 'replace', write: (r) => [...r.symbols] },
  { name: 'timeframe', type: 'varchar', onConflict: 'replace', write: (r) => r.timeframe ?? null },
  { name: 'period_start', type: 'timestamptz', onConflict: 'replace', write: (r) => date(r.periodStart) },
  { name: 'period_end', type: 'timestamptz', onConflict: 'replace', write: (r) => date(r.periodEnd) },
  { name: 'metrics', type: 'jsonb', onConflict: 'replace', write: (r) => json(r.metrics ?? {}) },
  { name: 'total_return_pct', type: 'float8', onConflict: 'replace', write: (r) => r.totalReturnPct ?? null },
  { name: 'sharpe', type: 'float8', onConflict: 'replace', write: (r) => r.sharpe ?? null },
  { name: 'max_drawdown_pct', type: 'float8', onConflict: 'replace', write: (r) => r.maxDrawdownPct ?? null },
  { name: 'trade_count', type: 'int', onConflict: 'replace', write: (r) => r.tradeCount ?? null },
  { name: 'archive_location', type: 'text', onConflict: 'coalesce', write: (_r, a) => a?.location ?? null },
  { name: 'manifest_sha256', type: 'char', onConflict: 'coalesce', write: (_r, a) => a?.manifestSha256 ?? null },
  { name: 'archive_bytes', type: 'bigint', onConflict: 'coalesce', write: (_r, a) => a?.totalBytes ?? null },
  { name: 'archive_files', type: 'int', onConflict: 'coalesce', write: (_r, a) => a?.fileCount ?? null },
  { name: 'duration_ms', type: 'int', onConflict: 'replace', write: (r) => r.durationMs ?? null },
  { name: 'started_at', type: 'timestamptz', onConflict: 'replace', write: (r) => date(r.startedAt) },
  { name: 'finished_at', type: 'timestamptz', onConflict: 'replace', write: (r) => date(r.finishedAt) },
  { name: 'error', type: 'jsonb', onConflict: 'replace', write: (r) => (r.error ? json(r.error) : null) },
  { name: 'idempotency_key', type: 'varchar', onConflict: 'replace', write: (r) => r.idempotencyKey ?? null },
  { name: 'created_at', type: 'timestamptz', onConflict: 'keep', write: (r, _a, now) => date(r.createdAt) ?? now },
  { name: 'updated_at', type: 'timestamptz', onConflict: 'replace', write: (_r, _a, now) => now },
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

/** Columns of `backtest_symbol_results` after `run_id`, with their array casts for `unnest`. */
const SYMBOL_COLUMNS = [
  { name: 'symbol', type: 'varchar[]', write: (s: NonNullable<RunInput['symbolResults']>[number]) => s.symbol },
  { name: 'metrics', type: 'jsonb[]', write: (s: NonNullable<RunInput['symbolResults']>[number]) => json(s.metrics ?? {}) },
  { name: 'total_return_pct', type: 'float8[]', write: (s: NonNullable<RunInput['symbolResults']>[number]) => s.totalReturnPct ?? null },
  { name: 'win_rate', type: 'float8[]', write: (s: NonNullable<RunInput['symbolResults']>[number]) => s.winRate ?? null },
  { name: 'max_drawdown_pct', type: 'float8[]', write: (s: NonNullable<RunInput['symbolResults']>[number]) => s.maxDrawdownPct ?? null },
  { name: 'trade_count', type: 'int[]', write: (s: NonNullable<RunInput['symbolResults']>[number]) => s.tradeCount ?? null },
] as const;

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
