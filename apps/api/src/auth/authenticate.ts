import { createHash } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { ApiError, ApiErrorCode } from '../http/api-error';
import { setPrincipal } from '../http/request-context';
import type { FailedKeyLimiter } from './failed-key-limiter';
import type { KeyVerifier } from './key-verifier';
import { hasScope, type Scope } from './principal';

/**
 * The key a request presents: `Authorization: Bearer <key>`, `X-API-Key: <key>`, or HTTP Basic
 * with the key as password (so a browser can open the admin page).
 */
export function presentedKey(req: Request): string | undefined {
  const auth = req.get('authorization');
  if (auth) {
    const [scheme, value] = auth.split(/\s+/, 2);
    if (/^bearer$/i.test(scheme) && value) return value.trim();
    if (/^basic$/i.test(scheme) && value) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const password = colon >= 0 ? decoded.slice(colon + 1) : decoded;
      return password || undefined;
    }
  }
  const header = req.get('x-api-key');
  return header ? header.trim() : undefined;
}

/** Options of {@link requireScope}. */
export interface RequireScopeOptions {
  /** Ask browsers for HTTP Basic credentials on 401 (admin page). */
  readonly basicChallenge?: boolean;
  /** Limits unknown/revoked keys per client address (429 once over, without a database lookup). */
  readonly failedKeys?: FailedKeyLimiter;
}

/** Middleware: 401 without a valid key, 403 when the key lacks `scope`. */
export function requireScope(verifier: KeyVerifier, scope: Scope, options: RequireScopeOptions = {}): RequestHandler {
  return async (req, res, next) => {
    const key = presentedKey(req);
    const challenge = () => res.setHeader('WWW-Authenticate', options.basicChallenge ? 'Basic realm="coinhts admin", charset="UTF-8"' : 'Bearer realm="coinhts"');
    if (!key) {
      challenge();
      throw new ApiError(ApiErrorCode.Unauthenticated, 'An API key is required: send "Authorization: Bearer <key>" or "X-API-Key: <key>"');
    }
    const client = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const keyHash = options.failedKeys ? createHash('sha256').update(key).digest('hex') : '';
    const blocked = options.failedKeys?.blockedForS(client, keyHash) ?? 0;
    if (blocked > 0 && options.failedKeys) {
      res.setHeader('Retry-After', String(blocked));
      throw new ApiError(ApiErrorCode.RateLimited, `Too many unknown or revoked API keys from this client (${options.failedKeys.max} per ${options.failedKeys.windowMs / 1000} s); retry in ${blocked} s`, { limit: options.failedKeys.max, window_ms: options.failedKeys.windowMs, retry_after_s: blocked });
    }
    const principal = await verifier.verify(key);
    if (!principal) {
      options.failedKeys?.fail(client);
      challenge();
      throw new ApiError(ApiErrorCode.Unauthenticated, 'The API key is unknown or revoked');
    }
    options.failedKeys?.succeeded(keyHash);
    setPrincipal(res, principal);
    if (!hasScope(principal, scope)) {
      throw new ApiError(ApiErrorCode.Forbidden, `This route needs the "${scope}" scope; the key has ${principal.scopes.join(', ')}`, { required: scope, granted: principal.scopes });
    }
    next();
  };
}
