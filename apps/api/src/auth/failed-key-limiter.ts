/**
 * Limits presented-but-invalid API keys per client address, in memory (per API process, no
 * Redis needed): after `max` failures within `windowMs` a client is answered 429 until the window
 * ends, without another database lookup. Guessing keys is hopeless anyway (256 random bits); this
 * keeps a client from turning every guess into a query.
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

  constructor(options: FailedKeyLimiterOptions = {}) {
    this.max = options.max ?? 20;
    this.windowMs = options.windowMs ?? 60_000;
    this.maxClients = options.maxClients ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Seconds until `client` may try again (0 when it may try now). */
  blockedForS(client: string): number {
    const w = this.windows.get(client);
    const now = this.now();
    if (!w || w.resetAt <= now) return 0;
    return w.count >= this.max ? Math.max(1, Math.ceil((w.resetAt - now) / 1000)) : 0;
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
