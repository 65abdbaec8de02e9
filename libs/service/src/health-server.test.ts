/**
 * A second worker started exactly like the first (README) used to fail with EADDRINUSE on the
 * default metrics port: with the port left at its default, it now takes a free one; an explicitly
 * chosen port that is taken still fails loudly.
 */
import { createServer, type Server } from 'node:net';
import { Registry } from 'prom-client';
import { startHealthServer } from './health-server';

let blocker: Server;
let taken: number;
beforeAll(async () => {
  blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
  taken = (blocker.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((resolve) => blocker.close(resolve));
});

const health = async () => ({ ok: true });

it('falls back to a free port when the default one is in use', async () => {
  const s = await startHealthServer({ host: '127.0.0.1', port: taken, registry: new Registry(), health, fallbackToFreePort: true });
  try {
    expect(s.fellBack).toBe(true);
    expect(s.port).not.toBe(taken);
    const r = await fetch(`http://127.0.0.1:${s.port}/healthz`);
    expect(r.status).toBe(200);
  } finally {
    await s.close();
  }
});

it('fails with EADDRINUSE when an explicitly chosen port is in use', async () => {
  await expect(startHealthServer({ host: '127.0.0.1', port: taken, registry: new Registry(), health })).rejects.toMatchObject({ code: 'EADDRINUSE' });
});
