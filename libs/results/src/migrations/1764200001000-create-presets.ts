import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Creates `presets` (named strategy parameter sets; the name is unique). */
export class CreatePresets1764200001000 implements MigrationInterface {
  /** Migration name recorded in the migrations table. */
  readonly name = 'CreatePresets1764200001000';

  /** Creates the table and the index behind "newest first" listing. */
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE presets (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(100) NOT NULL CONSTRAINT presets_name_unique UNIQUE,
        strategy varchar(100) NOT NULL,
        params jsonb NOT NULL,
        description text NOT NULL DEFAULT '',
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT presets_name_check CHECK (length(name) BETWEEN 1 AND 100)
      )`);
    await q.query(`CREATE INDEX presets_created_idx ON presets (created_at DESC, id DESC)`);
  }

  /** Drops the table. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE presets`);
  }
}
