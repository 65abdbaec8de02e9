import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creates the live paper-trading tables. A session owns (symbol, strategy, params) pairs; each
 * pair keeps its strategy and portfolio state (restart resumes from it) and its open position.
 * Signals, orders (fills and refusals), trades, performance snapshots and the client event stream
 * are append-only; their natural keys make a re-run of the same candle a no-op. The lease columns
 * (`owner`, `lease_until`) let exactly one process run a session at a time.
 */
export class CreatePaperTables1764400000000 implements MigrationInterface {
  /** Migration name recorded in the migrations table. */
  readonly name = 'CreatePaperTables1764400000000';

  /** Creates the tables and their indexes. */
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE paper_sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(200) NOT NULL,
        status varchar(16) NOT NULL CONSTRAINT paper_sessions_status_check CHECK (status IN ('running', 'stopping', 'stopped', 'failed')),
        request jsonb NOT NULL,
        owner varchar(200),
        lease_until timestamptz(3),
        error jsonb,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        stopped_at timestamptz(3)
      )`);
    // One live session per name: "start" of a name that is running is refused.
    await q.query(`CREATE UNIQUE INDEX paper_sessions_live_name_idx ON paper_sessions (name) WHERE status IN ('running', 'stopping')`);
    await q.query(`CREATE INDEX paper_sessions_claim_idx ON paper_sessions (lease_until) WHERE status IN ('running', 'stopping')`);
    await q.query(`
      CREATE TABLE paper_pairs (
        session_id uuid NOT NULL REFERENCES paper_sessions (id) ON DELETE CASCADE,
        pair_index integer NOT NULL,
        symbol varchar(32) NOT NULL,
        strategy varchar(100) NOT NULL,
        params jsonb NOT NULL,
        last_candle_time timestamptz(3),
        bars bigint NOT NULL DEFAULT 0,
        strategy_state jsonb,
        portfolio_state jsonb,
        equity double precision NOT NULL,
        cash double precision NOT NULL,
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (session_id, pair_index)
      )`);
    await q.query(`
      CREATE TABLE paper_positions (
        session_id uuid NOT NULL REFERENCES paper_sessions (id) ON DELETE CASCADE,
        pair_index integer NOT NULL,
        symbol varchar(32) NOT NULL,
        strategy varchar(100) NOT NULL,
        entry_time timestamptz(3) NOT NULL,
        entry_price double precision NOT NULL,
        entry_fill_price double precision NOT NULL,
        quantity double precision NOT NULL,
        entry_fee double precision NOT NULL,
        mark_price double precision NOT NULL,
        mark_time timestamptz(3) NOT NULL,
        unrealized_pnl double precision NOT NULL,
        PRIMARY KEY (session_id, pair_index)
      )`);
    await q.query(`
      CREATE TABLE paper_signals (
        session_id uuid NOT NULL REFERENCES paper_sessions (id) ON DELETE CASCADE,
        pair_index integer NOT NULL,
        bar_time timestamptz(3) NOT NULL,
        side smallint NOT NULL CONSTRAINT paper_signals_side_check CHECK (side IN (-1, 1)),
        confidence double precision NOT NULL,
        level double precision,
        PRIMARY KEY (session_id, pair_index, bar_time)
      )`);
    await q.query(`
      CREATE TABLE paper_orders (
        session_id uuid NOT NULL REFERENCES paper_sessions (id) ON DELETE CASCADE,
        pair_index integer NOT NULL,
        order_time timestamptz(3) NOT NULL,
        side varchar(4) NOT NULL CONSTRAINT paper_orders_side_check CHECK (side IN ('buy', 'sell')),
        status varchar(8) NOT NULL CONSTRAINT paper_orders_status_check CHECK (status IN ('filled', 'refused')),
        price double precision,
        fill_price double precision,
        quantity double precision,
        fee double precision,
        reason varchar(40),
        message text,
        position_time timestamptz(3) NOT NULL,
        idempotency_key varchar(200) PRIMARY KEY,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX paper_orders_session_idx ON paper_orders (session_id, order_time)`);
    await q.query(`
      CREATE TABLE paper_trades (
        session_id uuid NOT NULL REFERENCES paper_sessions (id) ON DELETE CASCADE,
        pair_index integer NOT NULL,
        symbol varchar(32) NOT NULL,
        entry_time timestamptz(3) NOT NULL,
        exit_time timestamptz(3) NOT NULL,
        entry_price double precision NOT NULL,
        exit_price double precision NOT NULL,
        quantity double precision NOT NULL,
        fees double precision NOT NULL,
        pnl double precision NOT NULL,
        pnl_pct double precision NOT NULL,
        bars_held integer NOT NULL,
        exit_reason varchar(32) NOT NULL,
        PRIMARY KEY (session_id, pair_index, entry_time)
      )`);
    await q.query(`
      CREATE TABLE paper_snapshots (
        session_id uuid NOT NULL REFERENCES paper_sessions (id) ON DELETE CASCADE,
        bar_time timestamptz(3) NOT NULL,
        equity double precision NOT NULL,
        cash double precision NOT NULL,
        realized_pnl double precision NOT NULL,
        unrealized_pnl double precision NOT NULL,
        fees double precision NOT NULL,
        trades integer NOT NULL,
        open_positions integer NOT NULL,
        PRIMARY KEY (session_id, bar_time)
      )`);
    await q.query(`
      CREATE TABLE paper_events (
        id bigserial PRIMARY KEY,
        session_id uuid NOT NULL REFERENCES paper_sessions (id) ON DELETE CASCADE,
        type varchar(32) NOT NULL,
        data jsonb NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX paper_events_session_idx ON paper_events (session_id, id)`);
  }

  /** Drops the tables. */
  async down(q: QueryRunner): Promise<void> {
    for (const t of ['paper_events', 'paper_snapshots', 'paper_trades', 'paper_orders', 'paper_signals', 'paper_positions', 'paper_pairs', 'paper_sessions']) {
      await q.query(`DROP TABLE ${t}`);
    }
  }
}
