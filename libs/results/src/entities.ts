import { EntitySchema } from 'typeorm';

/*
 * Entities are declared with TypeORM's EntitySchema rather than decorators: the same sources are
 * compiled by the CLI, the API and tools/bench, whose tsconfigs do not (and need not) enable
 * `experimentalDecorators`, and no `reflect-metadata` import is needed. The tables themselves are
 * created only by the migration classes in ./migrations; these schemas describe them for queries.
 */

export { RunKind, RUN_KINDS, RunStatus, RUN_STATUSES, JOB_STATES, type JobState, type StoredError } from './run-vocabulary';
import type { JobState, RunKind, RunStatus, StoredError } from './run-vocabulary';

/** Row of `backtest_runs`, as TypeORM maps it (property names are camelCase, columns snake_case). */
export interface BacktestRunRow {
  id: string;
  kind: RunKind;
  status: RunStatus;
  strategy: string;
  params: Record<string, unknown>;
  symbols: string[];
  timeframe: string | null;
  periodStart: Date | null;
  periodEnd: Date | null;
  metrics: Record<string, unknown>;
  totalReturnPct: number | null;
  sharpe: number | null;
  maxDrawdownPct: number | null;
  tradeCount: number | null;
  archiveLocation: string | null;
  manifestSha256: string | null;
  archiveBytes: string | null;
  archiveFiles: number | null;
  durationMs: number | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  error: StoredError | null;
  idempotencyKey: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Row of `backtest_symbol_results`. */
export interface BacktestSymbolResultRow {
  runId: string;
  symbol: string;
  metrics: Record<string, unknown>;
  totalReturnPct: number | null;
  winRate: number | null;
  maxDrawdownPct: number | null;
  tradeCount: number | null;
}

/** Row of `presets`. */
export interface PresetRow {
  id: string;
  name: string;
  strategy: string;
  params: Record<string, unknown>;
  description: string;
  createdAt: Date;
  updatedAt: Date;
}

/** Row of `job_records`. */
export interface JobRecordRow {
  jobId: string;
  queue: string;
  state: JobState;
  progress: number;
  stage: string | null;
  attempts: number;
  error: StoredError | null;
  runId: string | null;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

const createdAt = { type: 'timestamptz', precision: 3, name: 'created_at', default: () => 'now()' } as const;
const updatedAt = { type: 'timestamptz', precision: 3, name: 'updated_at', default: () => 'now()' } as const;
const double = (name: string) => ({ type: 'double precision', name, nullable: true }) as const;

/** `backtest_runs`: one row per run; the full result lives in the run's archive. */
export const BacktestRunEntity = new EntitySchema<BacktestRunRow>({
  name: 'BacktestRun',
  tableName: 'backtest_runs',
  columns: {
    id: { type: 'uuid', primary: true },
    kind: { type: 'varchar', length: 16 },
    status: { type: 'varchar', length: 16 },
    strategy: { type: 'varchar', length: 100 },
    params: { type: 'jsonb' },
    symbols: { type: 'text', array: true },
    timeframe: { type: 'varchar', length: 16, nullable: true },
    periodStart: { type: 'timestamptz', precision: 3, name: 'period_start', nullable: true },
    periodEnd: { type: 'timestamptz', precision: 3, name: 'period_end', nullable: true },
    metrics: { type: 'jsonb' },
    totalReturnPct: double('total_return_pct'),
    sharpe: double('sharpe'),
    maxDrawdownPct: double('max_drawdown_pct'),
    tradeCount: { type: 'integer', name: 'trade_count', nullable: true },
    archiveLocation: { type: 'text', name: 'archive_location', nullable: true },
    manifestSha256: { type: 'char', length: 64, name: 'manifest_sha256', nullable: true },
    archiveBytes: { type: 'bigint', name: 'archive_bytes', nullable: true },
    archiveFiles: { type: 'integer', name: 'archive_files', nullable: true },
    durationMs: { type: 'integer', name: 'duration_ms', nullable: true },
    startedAt: { type: 'timestamptz', precision: 3, name: 'started_at', nullable: true },
    finishedAt: { type: 'timestamptz', precision: 3, name: 'finished_at', nullable: true },
    error: { type: 'jsonb', nullable: true },
    idempotencyKey: { type: 'varchar', length: 200, name: 'idempotency_key', nullable: true, unique: true },
    createdAt,
    updatedAt,
  },
  checks: [
    { name: 'backtest_runs_kind_check', expression: `kind IN ('sync', 'async', 'sweep')` },
    { name: 'backtest_runs_status_check', expression: `status IN ('queued', 'running', 'completed', 'failed', 'cancelled')` },
    { name: 'backtest_runs_period_check', expression: 'period_start IS NULL OR period_end IS NULL OR period_start <= period_end' },
  ],
  indices: [
    { name: 'backtest_runs_created_idx', columns: ['createdAt', 'id'], synchronize: false },
    { name: 'backtest_runs_symbols_gin', columns: ['symbols'], synchronize: false },
    { name: 'backtest_runs_strategy_created_idx', columns: ['strategy', 'createdAt', 'id'], synchronize: false },
    { name: 'backtest_runs_status_created_idx', columns: ['status', 'createdAt', 'id'], synchronize: false },
    { name: 'backtest_runs_total_return_idx', columns: ['totalReturnPct'], synchronize: false },
    { name: 'backtest_runs_sharpe_idx', columns: ['sharpe'], synchronize: false },
  ],
});

/** `backtest_symbol_results`: per-symbol summary of a run; deleted with the run (FK cascade). */
export const BacktestSymbolResultEntity = new EntitySchema<BacktestSymbolResultRow>({
  name: 'BacktestSymbolResult',
  tableName: 'backtest_symbol_results',
  columns: {
    runId: { type: 'uuid', primary: true, name: 'run_id' },
    symbol: { type: 'varchar', length: 40, primary: true },
    metrics: { type: 'jsonb' },
    totalReturnPct: double('total_return_pct'),
    winRate: double('win_rate'),
    maxDrawdownPct: double('max_drawdown_pct'),
    tradeCount: { type: 'integer', name: 'trade_count', nullable: true },
  },
  foreignKeys: [
    { name: 'backtest_symbol_results_run_fk', target: 'BacktestRun', columnNames: ['runId'], referencedColumnNames: ['id'], onDelete: 'CASCADE' },
  ],
});

/** `presets`: named strategy parameter sets. */
export const PresetEntity = new EntitySchema<PresetRow>({
  name: 'Preset',
  tableName: 'presets',
  columns: {
    id: { type: 'uuid', primary: true, generated: 'uuid' },
    name: { type: 'varchar', length: 100, unique: true },
    strategy: { type: 'varchar', length: 100 },
    params: { type: 'jsonb' },
    description: { type: 'text', default: '' },
    createdAt,
    updatedAt,
  },
  checks: [{ name: 'presets_name_check', expression: 'length(name) BETWEEN 1 AND 100' }],
  indices: [{ name: 'presets_created_idx', columns: ['createdAt', 'id'], synchronize: false }],
});

/** `job_records`: durable trace of queue jobs (the queue itself lives in Redis and expires). */
export const JobRecordEntity = new EntitySchema<JobRecordRow>({
  name: 'JobRecord',
  tableName: 'job_records',
  columns: {
    jobId: { type: 'varchar', length: 200, primary: true, name: 'job_id' },
    queue: { type: 'varchar', length: 100 },
    state: { type: 'varchar', length: 16 },
    progress: { type: 'double precision', default: 0 },
    stage: { type: 'varchar', length: 100, nullable: true },
    attempts: { type: 'integer', default: 0 },
    error: { type: 'jsonb', nullable: true },
    runId: { type: 'uuid', name: 'run_id', nullable: true },
    createdAt,
    updatedAt,
    startedAt: { type: 'timestamptz', precision: 3, name: 'started_at', nullable: true },
    finishedAt: { type: 'timestamptz', precision: 3, name: 'finished_at', nullable: true },
  },
  checks: [
    { name: 'job_records_state_check', expression: `state IN ('queued', 'running', 'completed', 'failed', 'cancelled')` },
    { name: 'job_records_progress_check', expression: 'progress >= 0 AND progress <= 1' },
    { name: 'job_records_attempts_check', expression: 'attempts >= 0' },
  ],
  indices: [
    { name: 'job_records_queue_state_idx', columns: ['queue', 'state', 'createdAt'], synchronize: false },
    { name: 'job_records_run_idx', columns: ['runId'], synchronize: false },
  ],
  foreignKeys: [{ name: 'job_records_run_fk', target: 'BacktestRun', columnNames: ['runId'], referencedColumnNames: ['id'], onDelete: 'SET NULL' }],
});

/** Every entity of this library, for a DataSource's `entities` option. */
export const RESULTS_ENTITIES = [BacktestRunEntity, BacktestSymbolResultEntity, PresetEntity, JobRecordEntity] as const;
