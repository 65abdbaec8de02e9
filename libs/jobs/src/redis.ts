/**
 * node-redis clients for BullMQ and for the few keys this library keeps itself. The project uses
 * one Redis client library (`redis`, node-redis v5); BullMQ 6 adapts it natively.
 */
import { createClient } from 'redis';
import { QueueUnavailableError } from './errors';

/** A node-redis client as created by {@link createRedisClient}. */
export type RedisClient = ReturnType<typeof createClient>;

/** How to reach Redis. */
export interface RedisConnectionOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…` for TLS. */
  readonly url: string;
  /** Name shown by `CLIENT LIST` (helps operators tell workers from API processes). */
  readonly clientName?: string;
  /**
   * Called with connection errors. node-redis reconnects by itself; without a listener an
   * error event would crash the process, so one is always installed (default: ignore).
   */
  readonly onError?: (err: Error) => void;
  /**
   * Fail commands at once while disconnected instead of queueing them until Redis is back
   * (default false: workers wait out a restart). Request-serving processes (the API) set it, so
   * a Redis outage answers 503 `UNAVAILABLE` within milliseconds instead of hanging requests.
   */
  readonly failFast?: boolean;
}

/**
 * Creates (not connects) a node-redis client. Reconnects with a capped exponential delay
 * (50 ms … 2 s), so a Redis restart pauses the queues instead of killing the process.
 */
export function createRedisClient(options: RedisConnectionOptions): RedisClient {
  const client = createClient({
    url: options.url,
    name: options.clientName,
    socket: { reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2_000), connectTimeout: 5_000 },
    ...(options.failFast ? { disableOfflineQueue: true } : {}),
  });
  client.on('error', (err: Error) => options.onError?.(err));
  return client;
}

/** Connects `client` unless it is already open, mapping a failure to {@link QueueUnavailableError}. */
export async function ensureConnected(client: RedisClient, timeoutMs = 10_000): Promise<void> {
  if (client.isOpen) return;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    await closeQuietly(client);
    throw new QueueUnavailableError(`Cannot connect to Redis: ${(err as Error).message}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

/** Closes a client, ignoring errors (used on shutdown paths). */
export async function closeQuietly(client: RedisClient): Promise<void> {
  try {
    if (client.isOpen) await client.close();
  } catch {
    try {
      client.destroy();
    } catch {
      // already gone
    }
  }
}
