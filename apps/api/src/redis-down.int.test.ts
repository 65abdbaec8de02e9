/**
 * Redis down (issue 16): requests that need no Redis still succeed, queue routes answer 503
 * UNAVAILABLE with Retry-After at once, the rate limiter lets requests through (docs/api.md), and
 * everything works again once Redis is back. Before the fix every keyed request hung for the
 * whole outage (node-redis queued the rate limiter's command until Redis came back).
 *
 * The test runs its own redis-server (it stops and restarts it), never the shared one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { expectErrorShape, startTestApp, waitFor, type TestApp } from './testing/test-app';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

let port: number;
let dir: string;
let redis: ChildProcess | undefined;
let t: TestApp;

function startRedis(): ChildProcess {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  child.once('error', (err) => {
    throw new Error(`redis-server could not start (${err.message}); install redis-server (tools/services.sh does)`);
  });
  return child;
}
async function stopRedis(): Promise<void> {
  const r = redis;
  redis = undefined;
  if (!r || r.exitCode !== null) return;
  const exited = new Promise((resolve) => r.once('exit', resolve));
  r.kill('SIGKILL');
  await exited;
}

/** supertest request that fails (instead of hanging) when no answer comes within `ms`. */
const within = <T extends request.Test>(req: T, ms = 5_000): T => req.timeout({ response: ms, deadline: ms }) as T;

beforeAll(async () => {
  port = await freePort();
  dir = mkdtempSync(join(tmpdir(), 'coinhts-redis-down-'));
  redis = startRedis();
  const url = `redis://127.0.0.1:${port}`;
  t = await waitFor('the app to connect to its own Redis', async () => {
    try {
      return await startTestApp('redisdown', { env: { REDIS_URL: url } });
    } catch {
      return undefined;
    }
  }, 20_000);
}, 60_000);

afterAll(async () => {
  await t?.close();
  await stopRedis();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

const BODY = { strategy: 'volume_zone_breakout', symbols: ['KRW-BTC'], start_date: '2024-01-01', end_date: '2024-01-31', timeframe: '1d' };

it('answers at once while Redis is down, and recovers when it is back', async () => {
  const auth = `Bearer ${t.keys.admin}`;
  await within(request(t.app).post('/api/v1/backtests/async').set('Authorization', auth).send(BODY)).expect(202);

  await stopRedis();
  await waitFor('/readyz to report Redis down', async () => (await within(request(t.app).get('/readyz'))).status === 503 || undefined, 15_000);

  // Reads that need no Redis: served (the rate limiter fails open, as documented).
  await within(request(t.app).get('/api/v1/strategies').set('Authorization', auth)).expect(200);
  await within(request(t.app).get('/api/v1/backtests').set('Authorization', auth)).expect(200);
  await within(request(t.app).get('/api/v1/presets').set('Authorization', auth)).expect(200);
  await within(request(t.app).get('/metrics').set('Authorization', auth)).expect(200);
  // Queue routes: 503 UNAVAILABLE with Retry-After, nothing internal in the message.
  for (const r of [
    await within(request(t.app).post('/api/v1/backtests/async').set('Authorization', auth).send(BODY)),
    await within(request(t.app).post('/api/v1/sweeps').set('Authorization', auth).send({ ...BODY, grid: { volume_window: [10, 20] } })),
    await within(request(t.app).get('/api/v1/backtests/async/some-id/status').set('Authorization', auth)),
  ]) {
    expect(r.status).toBe(503);
    expectErrorShape(r.body, 'UNAVAILABLE');
    expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(r.body.error.message).not.toMatch(/ECONN|127\.0\.0\.1|offline|closed/);
  }

  redis = startRedis();
  await waitFor('/readyz to report ready again', async () => (await within(request(t.app).get('/readyz'))).status === 200 || undefined, 30_000);
  await within(request(t.app).post('/api/v1/backtests/async').set('Authorization', auth).send(BODY)).expect(202);
}, 90_000);
