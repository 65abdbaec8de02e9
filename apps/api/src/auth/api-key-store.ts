/*
 * Bridge to the API-key repository in @coinhts/results. The files live in
 * libs/results/src/api-keys/ but are not exported from the library's index yet (that file belongs
 * to another engineer). Once `export * from './api-keys/…'` is in libs/results/src/index.ts and the
 * migration is in RESULTS_MIGRATIONS, replace the three relative imports below with
 * `from '@coinhts/results'` and drop `applyApiKeysMigration`'s fallback.
 */
import type { DataSource } from 'typeorm';
import { RESULTS_MIGRATIONS } from '@coinhts/results';
/* eslint-disable @nx/enforce-module-boundaries -- temporary bridge, see the comment above */
import { CreateApiKeys1764300000000 } from '../../../../libs/results/src/api-keys/1764300000000-create-api-keys';
export { ApiKeyRepository, ApiKeyNotFoundError, hashApiKey, API_KEY_PREFIX, type ApiKeyRecord, type CreatedApiKey } from '../../../../libs/results/src/api-keys/api-key-repository';
export { API_KEY_SCOPES, type ApiKeyScope } from '../../../../libs/results/src/api-keys/api-key-entity';
/* eslint-enable @nx/enforce-module-boundaries */

/**
 * Creates the `api_keys` table when the results migrations do not include it yet (idempotent).
 * Call after `runMigrations`.
 */
export async function applyApiKeysMigration(ds: DataSource): Promise<void> {
  const registered = RESULTS_MIGRATIONS.some((m) => (m as { name: string }).name === CreateApiKeys1764300000000.name);
  if (registered) return;
  const runner = ds.createQueryRunner();
  try {
    await new CreateApiKeys1764300000000().up(runner);
  } finally {
    await runner.release();
  }
}
