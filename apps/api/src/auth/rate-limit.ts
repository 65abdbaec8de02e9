import type { RequestHandler } from 'express';
import { ApiError, ApiErrorCode } from '../http/api-error';
import { principalOf } from '../http/request-context';

/** Outcome of counting one request. */
export interface RateLimitHit {
  /** Requests counted in the current window, this one included. */
  readonly count: number;
  /** Time until the window resets, ms. */
  readonly resetMs: number;
}

/** Counts requests per key in fixed windows. */
export interface RateLimitStore {
  hit(key: string, windowMs: number): Promise<RateLimitHit>;
}

/** What {@link RedisRateLimitStore} needs of a node-redis client. */
export interface EvalClient {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

const FIXED_WINDOW = `
local c = redis.call('INCR', KEYS[1])
if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {c, ttl}`;

/**
 * Fixed-window counters in Redis: one key per API key and window, INCR plus PEXPIRE in one
 * script (atomic), so every API process shares the same budget.
 */
export class RedisRateLimitStore implements RateLimitStore {
  constructor(
    private readonly client: EvalClient,
    private readonly prefix: string,
  ) {}

  async hit(key: string, windowMs: number): Promise<RateLimitHit> {
    const [count, ttl] = (await this.client.eval(FIXED_WINDOW, { keys: [`${this.prefix}:ratelimit:${key}`], arguments: [String(windowMs)] })) as [number, number];
    return { count: Number(count), resetMs: Number(ttl) };
  }
}

/** Options of {@link rateLimit}. */
export interface RateLimitOptions {
  /** Requests allowed per window and key. */
  readonly max: number;
  readonly windowMs: number;
  /** Called when the store fails; the request is then let through (fail open). */
  readonly onStoreError?: (err: unknown) => void;
}

/**
 * Per-key rate limit (after authentication). Sets `RateLimit-Limit`, `RateLimit-Remaining` and
 * `RateLimit-Reset` (seconds); over the limit answers 429 with `Retry-After` (seconds).
 */
export function rateLimit(store: RateLimitStore, options: RateLimitOptions): RequestHandler {
  return async (_req, res, next) => {
    const p = principalOf(res);
    if (!p) {
      next();
      return;
    }
    let hit: RateLimitHit;
    try {
      hit = await store.hit(p.keyId, options.windowMs);
    } catch (err) {
      options.onStoreError?.(err);
      next();
      return;
    }
    const resetS = Math.max(1, Math.ceil(hit.resetMs / 1000));
    res.setHeader('RateLimit-Limit', String(options.max));
    res.setHeader('RateLimit-Remaining', String(Math.max(0, options.max - hit.count)));
    res.setHeader('RateLimit-Reset', String(resetS));
    if (hit.count > options.max) {
      res.setHeader('Retry-After', String(resetS));
      throw new ApiError(ApiErrorCode.RateLimited, `Rate limit of ${options.max} requests per ${options.windowMs / 1000} s exceeded; retry in ${resetS} s`, { limit: options.max, window_ms: options.windowMs, retry_after_s: resetS });
    }
    next();
  };
}
