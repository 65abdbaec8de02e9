import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creates `job_records`: a durable trace of queue jobs (the queue's own data lives in Redis and
 * expires). A job may point at the run it produced; deleting the run keeps the job record.
 */
export class CreateJobRecords1764200002000 implements MigrationInterface {
  /** Migration name recorded in the migrations table. */
  readonly name = 'CreateJobRecords1764200002000';

  /** Creates the table and its indexes. */
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE job_records (
        job_id varchar(200) PRIMARY KEY,
        queue varchar(100) NOT NULL,
        state varchar(16) NOT NULL CONSTRAINT job_records_state_check CHECK (state IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
        progress double precision NOT NULL DEFAULT 0 CONSTRAINT job_records_progress_check CHECK (progress >= 0 AND progress <= 1),
        stage varchar(100),
        attempts integer NOT NULL DEFAULT 0 CONSTRAINT job_records_attempts_check CHECK (attempts >= 0),
        error jsonb,
        run_id uuid CONSTRAINT job_records_run_fk REFERENCES backtest_runs (id) ON DELETE SET NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        started_at timestamptz(3),
        finished_at timestamptz(3)
      )`);
    await q.query(`CREATE INDEX job_records_queue_state_idx ON job_records (queue, state, created_at DESC)`);
    await q.query(`CREATE INDEX job_records_run_idx ON job_records (run_id) WHERE run_id IS NOT NULL`);
  }

  /** Drops the table. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE job_records`);
  }
}
