import { EntitySchema } from 'typeorm';
import { DDL, RUN_COLUMNS, SYMBOL_COLUMNS } from './run-table';

/*
 * Entities are declared with TypeORM's EntitySchema rather than decorators: the same sources are
 * compiled by the CLI, the API and tools/bench, whose tsconfigs do not (and need not) enable
 * `experimentalDecorators`, and no `reflect-metadata` import is needed. The tables themselves are
 * created only by the migration classes in ./migrations; these schemas describe them (the migrations
 * test checks that they agree).
 */

export { RunKind, RUN_KINDS, RunStatus, RUN_STATUSES, JOB_STATES, type JobState, type StoredError } from './run-vocabulary';
import type { JobState, StoredError } from './run-vocabulary';

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

const createdAt = { ...DDL.stamp, name: 'created_at' } as const;
const updatedAt = { ...DDL.stamp, name: 'updated_at' } as const;

/**
 * `backtest_runs`: one row per run; the full result lives in the run's archive. Built from
 * {@link RUN_COLUMNS}, the one description queries use (properties are the column names).
 */
export const BacktestRunEntity = new EntitySchema<Record<string, unknown>>({
  name: 'BacktestRun',
  tableName: 'backtest_runs',
  columns: Object.fromEntries(RUN_COLUMNS.map((c) => [c.name, c.ddl])),
  checks: [
    { name: 'backtest_runs_kind_check', expression: `kind IN ('sync', 'async', 'sweep')` },
    { name: 'backtest_runs_status_check', expression: `status IN ('queued', 'running', 'completed', 'failed', 'cancelled')` },
    { name: 'backtest_runs_period_check', expression: 'period_start IS NULL OR period_end IS NULL OR period_start <= period_end' },
  ],
  indices: [
    { name: 'backtest_runs_created_idx', columns: ['created_at', 'id'], synchronize: false },
    { name: 'backtest_runs_symbols_gin', columns: ['symbols'], synchronize: false },
    { name: 'backtest_runs_strategy_created_idx', columns: ['strategy', 'created_at', 'id'], synchronize: false },
    { name: 'backtest_runs_status_created_idx', columns: ['status', 'created_at', 'id'], synchronize: false },
    { name: 'backtest_runs_total_return_idx', columns: ['total_return_pct'], synchronize: false },
    { name: 'backtest_runs_sharpe_idx', columns: ['sharpe'], synchronize: false },
  ],
});

/** `backtest_symbol_results`: per-symbol summary of a run; deleted with the run (FK cascade). Built from {@link SYMBOL_COLUMNS}. */
export const BacktestSymbolResultEntity = new EntitySchema<Record<string, unknown>>({
  name: 'BacktestSymbolResult',
  tableName: 'backtest_symbol_results',
  columns: { run_id: { type: 'uuid', primary: true }, ...Object.fromEntries(SYMBOL_COLUMNS.map((c) => [c.name, c.ddl])) },
  foreignKeys: [
    { name: 'backtest_symbol_results_run_fk', target: 'BacktestRun', columnNames: ['run_id'], referencedColumnNames: ['id'], onDelete: 'CASCADE' },
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
    startedAt: { ...DDL.timestamp, name: 'started_at' },
    finishedAt: { ...DDL.timestamp, name: 'finished_at' },
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
