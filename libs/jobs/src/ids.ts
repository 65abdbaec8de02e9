/**
 * Job ids. Backtest job ids double as run ids, and `@coinhts/results` keys runs by UUID, so every
 * job id that can become a run id is a UUID.
 */
import { createHash, randomUUID } from 'node:crypto';

/** A fresh random job id (UUID v4). */
export function newJobId(): string {
  return randomUUID();
}

/**
 * The job id an idempotency key maps to: a UUID (version 8, RFC 9562 "custom") made from the
 * SHA-256 of queue and key, so the same key on the same queue always names the same job, on
 * every API process, without a lookup table.
 */
export function idempotentJobId(queue: string, idempotencyKey: string): string {
  const h = createHash('sha256').update(queue).update('\0').update(idempotencyKey).digest();
  h[6] = (h[6] & 0x0f) | 0x80;
  h[8] = (h[8] & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Id of chunk `i` of sweep `sweepId` (BullMQ job ids may not contain `:`). */
export function sweepChunkJobId(sweepId: string, i: number): string {
  return `${sweepId}-chunk-${i}`;
}

/** JSON with object keys sorted, so equal requests compare equal as text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}
