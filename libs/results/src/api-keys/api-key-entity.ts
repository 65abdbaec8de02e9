import { EntitySchema } from 'typeorm';

/** Scopes an API key may hold: `read` (GET routes), `run` (start and cancel runs, write presets), `admin` (everything, queues, data). */
export const API_KEY_SCOPES = ['read', 'run', 'admin'] as const;
/** One of {@link API_KEY_SCOPES}. */
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** Row of `api_keys`, as TypeORM maps it. Only the SHA-256 of a key is stored, never the key. */
export interface ApiKeyRow {
  id: string;
  name: string;
  /** First characters of the key (e.g. `chts_Ab3dE9xQ`), to recognise it in listings and logs. */
  prefix: string;
  /** SHA-256 of the whole key, lower-case hex. */
  keyHash: string;
  scopes: ApiKeyScope[];
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** Entity schema of `api_keys` (the table is created by `CreateApiKeys1764300000000`). */
export const ApiKeyEntity = new EntitySchema<ApiKeyRow>({
  name: 'ApiKey',
  tableName: 'api_keys',
  columns: {
    id: { type: 'uuid', primary: true, generated: 'uuid' },
    name: { type: 'varchar', length: 100 },
    prefix: { type: 'varchar', length: 32 },
    keyHash: { name: 'key_hash', type: 'char', length: 64, unique: true },
    scopes: { type: 'text', array: true },
    createdAt: { name: 'created_at', type: 'timestamptz', precision: 3 },
    lastUsedAt: { name: 'last_used_at', type: 'timestamptz', precision: 3, nullable: true },
    revokedAt: { name: 'revoked_at', type: 'timestamptz', precision: 3, nullable: true },
  },
});
