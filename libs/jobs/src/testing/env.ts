/**
 * Test environment: the services the integration tests need, read from the environment.
 * Missing services fail the test run loudly — they are never skipped.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';

/** REDIS_URL, or an error that says how to start Redis. */
export function requireRedisUrl(): string {
  const url = process.env.REDIS_URL;
  if (!url) {
    throw new Error('REDIS_URL is not set. Integration tests need Redis: run `source tools/services.sh` (starts PostgreSQL, Redis and S3 and exports their URLs), then run the tests again.');
  }
  return url;
}

/** A random queue prefix, so test files can run in parallel on one Redis. */
export function testPrefix(label: string): string {
  return `t-${label}-${randomBytes(4).toString('hex')}`;
}

/** Node options that let a sandbox (child process or thread) load TypeScript sources. */
export function sourceExecArgv(): string[] {
  const req = createRequire(__filename);
  return ['--conditions=@coinhts/source', '-r', req.resolve('@swc-node/register')];
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes (then throws with `what`). */
export async function waitFor<T>(what: string, fn: () => Promise<T> | T, timeoutMs = 10_000, everyMs = 25): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await sleep(everyMs);
  }
}

/** Deletes every Redis key under `prefix:` (end of a test file). */
export async function deleteKeys(redis: { scanIterator(o: { MATCH: string; COUNT: number }): AsyncIterable<string[]>; del(keys: string[]): Promise<number> }, prefix: string): Promise<void> {
  for await (const keys of redis.scanIterator({ MATCH: `${prefix}:*`, COUNT: 500 })) {
    if (keys.length > 0) await redis.del(keys);
  }
}
