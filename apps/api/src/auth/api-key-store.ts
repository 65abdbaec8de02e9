/* API keys live in @coinhts/results (entity, repository and migration). */
export { ApiKeyRepository, ApiKeyNotFoundError, hashApiKey, API_KEY_PREFIX, API_KEY_SCOPES, type ApiKeyRecord, type CreatedApiKey, type ApiKeyScope } from '@coinhts/results';
