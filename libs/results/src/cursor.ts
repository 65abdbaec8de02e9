import { ResultValidationError } from './errors';
import { isUuid } from './validation';

/** Position after the last row of a page in the order (created_at DESC, id DESC). */
export interface KeysetPosition {
  /** `created_at` of the last row, epoch ms (the column has millisecond precision). */
  readonly createdAt: number;
  /** `id` of the last row. */
  readonly id: string;
}

/** Encodes a keyset position as an opaque URL-safe string. */
export function encodeCursor(pos: KeysetPosition): string {
  return Buffer.from(JSON.stringify([1, pos.createdAt, pos.id]), 'utf8').toString('base64url');
}

/** Decodes a cursor made by {@link encodeCursor}; anything else is an `INVALID_PARAMS` error. */
export function decodeCursor(cursor: string): KeysetPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (Array.isArray(parsed) && parsed.length === 3 && parsed[0] === 1 && Number.isSafeInteger(parsed[1]) && isUuid(parsed[2])) {
    return { createdAt: parsed[1] as number, id: parsed[2] as string };
  }
  throw new ResultValidationError([{ field: 'cursor', message: 'is not a cursor returned by a previous page' }], 'page request');
}
