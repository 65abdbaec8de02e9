import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creates `sweep_chunks`: one row per chunk of a queued parameter sweep, holding how many
 * attempts started on it and, once one finished, its per-set summary rows. Finished chunks are
 * what a crashed, failed or cancelled sweep resumes from (queue return values live in Redis and
 * may be evicted or trimmed; these rows stay).
 */
export class CreateSweepChunks1764500000000 implements MigrationInterface {
  /** Migration name recorded in the migrations table. */
  readonly name = 'CreateSweepChunks1764500000000';

  /** Creates the table. */
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sweep_chunks (
        sweep_id uuid NOT NULL,
        chunk integer NOT NULL CONSTRAINT sweep_chunks_chunk_check CHECK (chunk >= 0),
        first_index integer NOT NULL CONSTRAINT sweep_chunks_first_index_check CHECK (first_index >= 0),
        sets integer NOT NULL CONSTRAINT sweep_chunks_sets_check CHECK (sets >= 1),
        attempts integer NOT NULL CONSTRAINT sweep_chunks_attempts_check CHECK (attempts >= 0),
        rows jsonb,
        started_at timestamptz(3) NOT NULL,
        finished_at timestamptz(3),
        PRIMARY KEY (sweep_id, chunk),
        CONSTRAINT sweep_chunks_finished_check CHECK ((rows IS NULL) = (finished_at IS NULL))
      )`);
  }

  /** Drops the table. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE sweep_chunks`);
  }
}
