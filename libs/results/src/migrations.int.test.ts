import { appliedMigrations, pendingMigrations, revertLastMigration, runMigrations } from './data-source';
import { useTestSchema } from '../test/pg-schema';

const db = useTestSchema({ migrate: false });

const ALL = ['CreateBacktestRuns1764200000000', 'CreatePresets1764200001000', 'CreateJobRecords1764200002000', 'AddRunListIndexes1764200003000', 'CreateApiKeys1764300000000', 'CreatePaperTables1764400000000', 'CreateSweepChunks1764500000000'];

async function tables(): Promise<string[]> {
  const r = await db.pg.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`, [db.schema]);
  return r.rows.map((x: { table_name: string }) => x.table_name);
}
async function indexDefs(table: string): Promise<Record<string, string>> {
  const r = await db.pg.query(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = $2`, [db.schema, table]);
  return Object.fromEntries(r.rows.map((x: { indexname: string; indexdef: string }) => [x.indexname, x.indexdef]));
}

describe('migrations on an empty schema', () => {
  it('apply every migration in order, then nothing on a second run', async () => {
    expect(await pendingMigrations(db.ds)).toEqual(ALL);
    const applied = await runMigrations(db.ds);
    expect(applied.map((m) => m.name)).toEqual(ALL);
    expect(await runMigrations(db.ds)).toEqual([]);
    expect((await appliedMigrations(db.ds)).map((m) => m.name)).toEqual(ALL);
    expect(await tables()).toEqual(['api_keys', 'backtest_runs', 'backtest_symbol_results', 'job_records', 'paper_events', 'paper_orders', 'paper_pairs', 'paper_positions',
      'paper_sessions', 'paper_signals', 'paper_snapshots', 'paper_trades', 'presets', 'results_migrations', 'sweep_chunks']);
    const ext = await db.pg.query(`SELECT extname FROM pg_extension WHERE extnamespace = $1::regnamespace`, [db.schema]);
    expect(ext.rows).toEqual([]); // connecting must not install extensions as a side effect
  });

  it('create backtest_runs with the column types the issue asks for (jsonb, text[], timestamptz)', async () => {
    const r = await db.pg.query(
      `SELECT column_name, udt_name, is_nullable FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'backtest_runs' ORDER BY ordinal_position`,
      [db.schema],
    );
    const cols = Object.fromEntries(r.rows.map((x: { column_name: string; udt_name: string; is_nullable: string }) => [x.column_name, `${x.udt_name}${x.is_nullable === 'NO' ? ' not null' : ''}`]));
    expect(cols).toEqual({
      id: 'uuid not null', kind: 'varchar not null', status: 'varchar not null', strategy: 'varchar not null',
      params: 'jsonb not null', symbols: '_text not null', timeframe: 'varchar',
      period_start: 'timestamptz', period_end: 'timestamptz', metrics: 'jsonb not null',
      total_return_pct: 'float8', sharpe: 'float8', max_drawdown_pct: 'float8', trade_count: 'int4',
      archive_location: 'text', manifest_sha256: 'bpchar', archive_bytes: 'int8', archive_files: 'int4',
      duration_ms: 'int4', started_at: 'timestamptz', finished_at: 'timestamptz', error: 'jsonb',
      idempotency_key: 'varchar', created_at: 'timestamptz not null', updated_at: 'timestamptz not null',
    });
  });

  it('index symbols with GIN (the original failed here with json) and cascade symbol rows from runs', async () => {
    const idx = await indexDefs('backtest_runs');
    expect(idx['backtest_runs_symbols_gin']).toMatch(/USING gin \(symbols\)/);
    expect(idx['backtest_runs_strategy_created_idx']).toMatch(/\(strategy, created_at DESC, id DESC\)/);
    expect(idx['backtest_runs_idempotency_key_unique']).toMatch(/UNIQUE INDEX/);
    const fk = await db.pg.query(`SELECT confdeltype FROM pg_constraint WHERE conname = 'backtest_symbol_results_run_fk' AND connamespace = $1::regnamespace`, [db.schema]);
    expect(fk.rows).toEqual([{ confdeltype: 'c' }]);
    const jobFk = await db.pg.query(`SELECT confdeltype FROM pg_constraint WHERE conname = 'job_records_run_fk' AND connamespace = $1::regnamespace`, [db.schema]);
    expect(jobFk.rows).toEqual([{ confdeltype: 'n' }]);
  });

  it('reject a status outside the lifecycle at the database level too', async () => {
    await expect(
      db.pg.query(`INSERT INTO backtest_runs (id, kind, status, strategy, params, symbols, metrics) VALUES (gen_random_uuid(), 'sync', 'done', 's', '{}', '{A}', '{}')`),
    ).rejects.toThrow(/backtest_runs_status_check/);
  });

  it('agree with the entity definitions: TypeORM would change nothing if asked to synchronize', async () => {
    const pending = await db.ds.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('revert one at a time, newest first, down to nothing, and apply again', async () => {
    expect((await revertLastMigration(db.ds))?.name).toBe('CreateSweepChunks1764500000000');
    expect(await tables()).not.toContain('sweep_chunks');
    expect((await revertLastMigration(db.ds))?.name).toBe('CreatePaperTables1764400000000');
    expect((await tables()).filter((t) => t.startsWith('paper_'))).toEqual([]);
    expect((await revertLastMigration(db.ds))?.name).toBe('CreateApiKeys1764300000000');
    expect(await tables()).not.toContain('api_keys');
    expect((await revertLastMigration(db.ds))?.name).toBe('AddRunListIndexes1764200003000');
    expect(Object.keys(await indexDefs('backtest_runs'))).not.toContain('backtest_runs_strategy_created_idx');
    expect((await revertLastMigration(db.ds))?.name).toBe('CreateJobRecords1764200002000');
    expect(await tables()).not.toContain('job_records');
    expect((await revertLastMigration(db.ds))?.name).toBe('CreatePresets1764200001000');
    expect((await revertLastMigration(db.ds))?.name).toBe('CreateBacktestRuns1764200000000');
    expect(await tables()).toEqual(['results_migrations']);
    expect(await revertLastMigration(db.ds)).toBeNull();
    expect((await runMigrations(db.ds)).map((m) => m.name)).toEqual(ALL);
  });
});
