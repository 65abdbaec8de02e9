import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creates `backtest_runs` and `backtest_symbol_results`. Structured columns are `jsonb` and the
 * symbol list a `text[]`, because GIN needs one of those (the original's GIN over `json` failed,
 * REFERENCE §12.8). Timestamps are `timestamptz(3)` so they round-trip exactly through JS `Date`
 * (keyset cursors compare them).
 */
export class CreateBacktestRuns1764200000000 implements MigrationInterface {
  /** Migration name recorded in the migrations table. */
  readonly name = 'CreateBacktestRuns1764200000000';

  /** Creates both tables, their checks, the FK and the base indexes. */
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE backtest_runs (
        id uuid PRIMARY KEY,
        kind varchar(16) NOT NULL CONSTRAINT backtest_runs_kind_check CHECK (kind IN ('sync', 'async', 'sweep')),
        status varchar(16) NOT NULL CONSTRAINT backtest_runs_status_check CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
        strategy varchar(100) NOT NULL,
        params jsonb NOT NULL,
        symbols text[] NOT NULL,
        timeframe varchar(16),
        period_start timestamptz(3),
        period_end timestamptz(3),
        metrics jsonb NOT NULL,
        total_return_pct double precision,
        sharpe double precision,
        max_drawdown_pct double precision,
        trade_count integer,
        archive_location text,
        manifest_sha256 char(64),
        archive_bytes bigint,
        archive_files integer,
        duration_ms integer,
        started_at timestamptz(3),
        finished_at timestamptz(3),
        error jsonb,
        idempotency_key varchar(200) CONSTRAINT backtest_runs_idempotency_key_unique UNIQUE,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT backtest_runs_period_check CHECK (period_start IS NULL OR period_end IS NULL OR period_start <= period_end)
      )`);
    await q.query(`CREATE INDEX backtest_runs_created_idx ON backtest_runs (created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX backtest_runs_symbols_gin ON backtest_runs USING GIN (symbols)`);
    await q.query(`
      CREATE TABLE backtest_symbol_results (
        run_id uuid NOT NULL CONSTRAINT backtest_symbol_results_run_fk REFERENCES backtest_runs (id) ON DELETE CASCADE,
        symbol varchar(40) NOT NULL,
        metrics jsonb NOT NULL,
        total_return_pct double precision,
        win_rate double precision,
        max_drawdown_pct double precision,
        trade_count integer,
        CONSTRAINT backtest_symbol_results_pk PRIMARY KEY (run_id, symbol)
      )`);
  }

  /** Drops both tables (symbol results first: they reference runs). */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE backtest_symbol_results`);
    await q.query(`DROP TABLE backtest_runs`);
  }
}
