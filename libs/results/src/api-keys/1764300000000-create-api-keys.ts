import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creates `api_keys`: API keys of the HTTP API, stored as SHA-256 hashes with their scopes.
 * `IF NOT EXISTS` so that running it on a database where the table was created before it was
 * registered in `RESULTS_MIGRATIONS` is harmless.
 */
export class CreateApiKeys1764300000000 implements MigrationInterface {
  /** Migration name recorded in the migrations table. */
  readonly name = 'CreateApiKeys1764300000000';

  /** Creates the table; the unique hash index serves the per-request lookup. */
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE IF NOT EXISTS api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(100) NOT NULL CONSTRAINT api_keys_name_check CHECK (length(name) BETWEEN 1 AND 100),
        prefix varchar(32) NOT NULL,
        key_hash char(64) NOT NULL CONSTRAINT api_keys_hash_unique UNIQUE,
        scopes text[] NOT NULL CONSTRAINT api_keys_scopes_check CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['read', 'run', 'admin']::text[]),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        last_used_at timestamptz(3),
        revoked_at timestamptz(3)
      )`);
    await q.query(`CREATE INDEX IF NOT EXISTS api_keys_created_idx ON api_keys (created_at DESC, id DESC)`);
  }

  /** Drops the table. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS api_keys`);
  }
}
