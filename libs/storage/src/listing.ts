/** Listing helpers shared by providers that page by "last key seen". */
import { InvalidKeyError } from './errors';

/** Default and maximum page size of `list` (the S3 maximum). */
export const MAX_LIST_LIMIT = 1000;

/**
 * Page size to use: `limit` if it is an integer in 1..{@link MAX_LIST_LIMIT}, else the maximum when
 * undefined; other values are a caller bug (RangeError).
 * @param limit - requested page size
 */
export function resolveLimit(limit: number | undefined): number {
  if (limit === undefined) return MAX_LIST_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw new RangeError(`list limit must be an integer from 1 to ${MAX_LIST_LIMIT}, got ${limit}`);
  }
  return limit;
}

const CURSOR_PREFIX = 'k1.';

/**
 * Opaque cursor for "continue after `key`".
 * @param key - last key of the page
 */
export function encodeCursor(key: string): string {
  return CURSOR_PREFIX + Buffer.from(key, 'utf8').toString('base64url');
}

/**
 * Key encoded in a cursor made by {@link encodeCursor}; anything else is an {@link InvalidKeyError}.
 * @param cursor - cursor from a previous page
 */
export function decodeCursor(cursor: string): string {
  if (typeof cursor !== 'string' || !cursor.startsWith(CURSOR_PREFIX)) {
    throw new InvalidKeyError(`invalid list cursor ${JSON.stringify(cursor)}`);
  }
  return Buffer.from(cursor.slice(CURSOR_PREFIX.length), 'base64url').toString('utf8');
}
