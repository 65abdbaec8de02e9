import { createHash } from 'node:crypto';
import type { Principal, Scope } from './principal';

/** Looks up a presented key. */
export interface ApiKeyLookup {
  findByKey(key: string): Promise<{ id: string; name: string; scopes: readonly string[]; revokedAt: number | null } | null>;
  touch(id: string): Promise<void>;
}

/** Turns a presented key into a principal, or null when it is unknown or revoked. */
export interface KeyVerifier {
  verify(key: string): Promise<Principal | null>;
}

/** Options of {@link CachedKeyVerifier}. */
export interface CachedKeyVerifierOptions {
  /** How long a lookup result is reused, ms (0 = always ask the database). */
  readonly ttlMs: number;
  /** Entries kept at most (oldest dropped first). Default 10 000. */
  readonly maxEntries?: number;
  /** Minimum time between two `last_used_at` updates of one key, ms. Default 60 000. */
  readonly touchEveryMs?: number;
  readonly now?: () => number;
  /** Called when recording a key's use fails (the request is not affected). */
  readonly onTouchError?: (err: unknown) => void;
}

/**
 * Verifies keys against the repository, caching answers (by SHA-256 of the key, never the key)
 * for `ttlMs`, so the database is not on every request's path. A revoked key stops working
 * within `ttlMs`.
 */
export class CachedKeyVerifier implements KeyVerifier {
  private readonly cache = new Map<string, { principal: Principal | null; until: number }>();
  private readonly touched = new Map<string, number>();
  private readonly now: () => number;

  constructor(
    private readonly lookup: ApiKeyLookup,
    private readonly options: CachedKeyVerifierOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async verify(key: string): Promise<Principal | null> {
    const h = createHash('sha256').update(key).digest('hex');
    const now = this.now();
    const hit = this.cache.get(h);
    let principal: Principal | null;
    if (hit && hit.until > now) principal = hit.principal;
    else {
      const rec = await this.lookup.findByKey(key);
      principal = rec && rec.revokedAt === null ? { keyId: rec.id, name: rec.name, scopes: rec.scopes as Scope[] } : null;
      if (this.options.ttlMs > 0) {
        if (this.cache.size >= (this.options.maxEntries ?? 10_000)) this.cache.delete(this.cache.keys().next().value as string);
        this.cache.set(h, { principal, until: now + this.options.ttlMs });
      }
    }
    if (principal) this.noteUse(principal.keyId, now);
    return principal;
  }

  /** Forgets every cached answer (e.g. right after revoking a key in the same process). */
  clear(): void {
    this.cache.clear();
  }

  private noteUse(id: string, now: number): void {
    const last = this.touched.get(id) ?? -Infinity;
    if (now - last < (this.options.touchEveryMs ?? 60_000)) return;
    this.touched.set(id, now);
    this.lookup.touch(id).catch((err: unknown) => this.options.onTouchError?.(err));
  }
}
