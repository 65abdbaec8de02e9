/**
 * Limits presented-but-invalid API keys per client address, in memory (per API process, no
 * Redis needed): after `max` failures within `windowMs` a client is answered 429 until the window
 * ends, without another database lookup. Guessing keys is hopeless anyway (256 random bits); this
 * keeps a client from turning every guess into a query. Keys that verified recently (within
 * `windowMs`) are never held back, so a guesser behind the same address (a NAT, a proxy) does not
 * lock out the real clients there.
 */
export interface FailedKeyLimiterOptions {
  /** Failed attempts allowed per client and window. Default 20. */
  readonly max?: number;
  /** Window length, ms. Default 60 000. */
  readonly windowMs?: number;
  /** Clients tracked at most (oldest dropped first). Default 10 000. */
  readonly maxClients?: number;
  readonly now?: () => number;
}

/** Per-client counter of failed key attempts (fixed windows). */
export class FailedKeyLimiter {
  readonly max: number;
  readonly windowMs: number;
  private readonly maxClients: number;
  private readonly now: () => number;
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  /** SHA-256 (hex) of keys that verified, with when that stops counting (ms). */
  private readonly goodKeys = new Map<string, number>();

  constructor(options: FailedKeyLimiterOptions = {}) {
    this.max = options.max ?? 20;
    this.windowMs = options.windowMs ?? 60_000;
    this.maxClients = options.maxClients ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Seconds until `client` may try again with the key whose SHA-256 is `keyHash` (0 when it may try now). */
  blockedForS(client: string, keyHash: string): number {
    const w = this.windows.get(client);
    const now = this.now();
    if ((this.goodKeys.get(keyHash) ?? 0) > now) return 0;
    if (!w || w.resetAt <= now) return 0;
    return w.count >= this.max ? Math.max(1, Math.ceil((w.resetAt - now) / 1000)) : 0;
  }

  /** Notes that the key with SHA-256 `keyHash` verified (it is not held back for `windowMs`). */
  succeeded(keyHash: string): void {
    if (this.goodKeys.size >= this.maxClients) this.goodKeys.delete(this.goodKeys.keys().next().value as string);
    this.goodKeys.delete(keyHash);
    this.goodKeys.set(keyHash, this.now() + this.windowMs);
  }

  /** Counts one failed attempt of `client`. */
  fail(client: string): void {
    const now = this.now();
    const w = this.windows.get(client);
    if (w && w.resetAt > now) {
      w.count++;
      return;
    }
    if (this.windows.size >= this.maxClients) this.windows.delete(this.windows.keys().next().value as string);
    this.windows.set(client, { count: 1, resetAt: now + this.windowMs });
  }
}
