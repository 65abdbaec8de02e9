import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** METRICS_PORT's default (the worker's and the paper process's well-known /healthz + /metrics port). */
export const DEFAULT_METRICS_PORT = 9464;

/** What `/healthz` reports. */
export interface HealthReport {
  readonly ok: boolean;
  readonly [key: string]: unknown;
}

/**
 * A process's small HTTP port (the worker's and the paper process's): `GET /healthz` (200 when healthy, 503 otherwise, JSON body) and
 * `GET /metrics` (Prometheus text format). Nothing else.
 */
export async function startHealthServer(options: {
  readonly host: string;
  readonly port: number;
  readonly registry: Registry;
  readonly health: () => Promise<HealthReport>;
  readonly onError?: (err: unknown) => void;
  /** When `port` is in use (EADDRINUSE), listen on a free port chosen by the OS instead of failing. */
  readonly fallbackToFreePort?: boolean;
}): Promise<{ readonly port: number; readonly fellBack: boolean; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'application/json', JSON.stringify({ error: 'method not allowed' }));
    if (path === '/healthz') {
      options.health().then(
        (h) => send(h.ok ? 200 : 503, 'application/json', JSON.stringify(h)),
        (err: unknown) => send(503, 'application/json', JSON.stringify({ ok: false, error: String((err as Error)?.message ?? err) })),
      );
      return;
    }
    if (path === '/metrics') {
      options.registry.metrics().then(
        (text) => send(200, options.registry.contentType, text),
        (err: unknown) => {
          options.onError?.(err);
          send(500, 'text/plain', 'metrics unavailable');
        },
      );
      return;
    }
    send(404, 'application/json', JSON.stringify({ error: 'not found; try /healthz or /metrics' }));
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      server.once('error', onError);
      server.listen(port, options.host, () => {
        server.off('error', onError);
        resolve();
      });
    });
  let fellBack = false;
  try {
    await listen(options.port);
  } catch (err) {
    if (!options.fallbackToFreePort || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    fellBack = true;
    await listen(0);
  }
  server.keepAliveTimeout = 5_000;
  return {
    port: (server.address() as AddressInfo).port,
    fellBack,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
