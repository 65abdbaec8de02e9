import { createHash, randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { runQuery } from '../data-source';
import { ResultsError, ResultValidationError } from '../errors';
import { IssueList, isUuid } from '../validation';
import { API_KEY_SCOPES, type ApiKeyScope } from './api-key-entity';

/** Every key starts with this, so leaked keys are easy to recognise (and to scan for). */
export const API_KEY_PREFIX = 'chts_';
/** Characters of the key kept in clear as its display prefix (`chts_` + 8). */
const DISPLAY_PREFIX_LENGTH = API_KEY_PREFIX.length + 8;
/** Random bytes per key: 256 bits, so one unsalted SHA-256 is enough to store it safely. */
const KEY_BYTES = 32;

/** A stored API key (without its secret). Times are epoch ms. */
export interface ApiKeyRecord {
  /** Key id (UUID). */
  readonly id: string;
  /** Human name, e.g. `grafana` or `ci`. */
  readonly name: string;
  /** Display prefix of the key, e.g. `chts_Ab3dE9xQ`. */
  readonly prefix: string;
  readonly scopes: readonly ApiKeyScope[];
  readonly createdAt: number;
  /** Last time the key was seen (updated at most about once a minute), or null. */
  readonly lastUsedAt: number | null;
  /** When it was revoked, or null while it is valid. */
  readonly revokedAt: number | null;
}

/** What {@link ApiKeyRepository.create} returns: the only time the full key is available. */
export interface CreatedApiKey {
  /** The secret key; show it once, it is not stored. */
  readonly key: string;
  readonly record: ApiKeyRecord;
}

/** Options of {@link ApiKeyRepository}. */
export interface ApiKeyRepositoryOptions {
  /** Clock (epoch ms; default `Date.now`). */
  readonly now?: () => number;
  /** Source of random bytes (default `crypto.randomBytes`). */
  readonly randomBytes?: (n: number) => Uint8Array;
}

/** No API key has this id or prefix. HTTP 404. */
export class ApiKeyNotFoundError extends ResultsError {
  readonly code = 'NOT_FOUND' as const;
  constructor(
    /** The id or prefix looked up. */
    readonly key: string,
  ) {
    super(`API key not found: ${key}`);
  }
}

/** SHA-256 of a key, lower-case hex: what is stored and looked up. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

interface ApiKeyDbRow {
  id: string;
  name: string;
  prefix: string;
  scopes: ApiKeyScope[];
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const COLUMNS = 'id, name, prefix, scopes, created_at, last_used_at, revoked_at';
const toRecord = (r: ApiKeyDbRow): ApiKeyRecord => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  scopes: r.scopes,
  createdAt: r.created_at.getTime(),
  lastUsedAt: r.last_used_at?.getTime() ?? null,
  revokedAt: r.revoked_at?.getTime() ?? null,
});

/**
 * API keys of the HTTP API in PostgreSQL (`api_keys`). A key is `chts_` + 43 base64url
 * characters (256 random bits); only its SHA-256 is stored, so a database leak reveals no key.
 */
export class ApiKeyRepository {
  private readonly now: () => number;
  private readonly random: (n: number) => Uint8Array;

  constructor(
    private readonly ds: DataSource,
    options: ApiKeyRepositoryOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.random = options.randomBytes ?? ((n) => randomBytes(n));
  }

  /** Creates a key with `scopes` (a non-empty subset of read, run, admin). `INVALID_PARAMS` for a bad name or scope. */
  async create(input: { readonly name: string; readonly scopes: readonly string[] }): Promise<CreatedApiKey> {
    const v = new IssueList();
    v.text('name', input.name, 100);
    if (!Array.isArray(input.scopes) || input.scopes.length === 0) v.add('scopes', `must name at least one of ${API_KEY_SCOPES.join(', ')}`);
    else input.scopes.forEach((s, i) => v.oneOf(`scopes.${i}`, s, API_KEY_SCOPES));
    if (v.issues.length > 0) throw new ResultValidationError(v.issues, 'API key');
    const scopes = [...new Set(input.scopes as ApiKeyScope[])].sort((a, b) => API_KEY_SCOPES.indexOf(a) - API_KEY_SCOPES.indexOf(b));
    const key = API_KEY_PREFIX + Buffer.from(this.random(KEY_BYTES)).toString('base64url');
    const rows = await runQuery<ApiKeyDbRow>(
      this.ds,
      `INSERT INTO api_keys (name, prefix, key_hash, scopes, created_at) VALUES ($1, $2, $3, $4::text[], $5) RETURNING ${COLUMNS}`,
      [input.name, key.slice(0, DISPLAY_PREFIX_LENGTH), hashApiKey(key), scopes, new Date(this.now())],
      'create an API key',
    );
    return { key, record: toRecord(rows[0]) };
  }

  /** The key whose secret is `key` (revoked ones too: check `revokedAt`), or null. */
  async findByKey(key: string): Promise<ApiKeyRecord | null> {
    if (typeof key !== 'string' || !key.startsWith(API_KEY_PREFIX) || key.length > 200) return null;
    const rows = await runQuery<ApiKeyDbRow>(this.ds, `SELECT ${COLUMNS} FROM api_keys WHERE key_hash = $1`, [hashApiKey(key)], 'look up an API key');
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** Every key, newest first. */
  async list(): Promise<readonly ApiKeyRecord[]> {
    const rows = await runQuery<ApiKeyDbRow>(this.ds, `SELECT ${COLUMNS} FROM api_keys ORDER BY created_at DESC, id DESC`, [], 'list API keys');
    return rows.map(toRecord);
  }

  /**
   * Revokes the key with this id or display prefix (revoking twice keeps the first time).
   * `NOT_FOUND` when no key matches; `INVALID_PARAMS` when a prefix matches several keys.
   */
  async revoke(idOrPrefix: string): Promise<ApiKeyRecord> {
    const byId = isUuid(idOrPrefix);
    const matches = await runQuery<{ id: string }>(
      this.ds,
      byId ? `SELECT id FROM api_keys WHERE id = $1` : `SELECT id FROM api_keys WHERE prefix = $1`,
      [idOrPrefix],
      'find an API key',
    );
    if (matches.length === 0) throw new ApiKeyNotFoundError(idOrPrefix);
    if (matches.length > 1) throw new ResultValidationError([{ field: 'key', message: `prefix ${idOrPrefix} matches ${matches.length} keys; revoke by id` }], 'API key');
    const rows = await runQuery<ApiKeyDbRow>(
      this.ds,
      `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1 RETURNING ${COLUMNS}`,
      [matches[0].id, new Date(this.now())],
      'revoke an API key',
    );
    return toRecord(rows[0]);
  }

  /** Records that the key was used now. */
  async touch(id: string): Promise<void> {
    await runQuery(this.ds, `UPDATE api_keys SET last_used_at = $2 WHERE id = $1`, [id, new Date(this.now())], 'record API key use');
  }
}
