/** Per-key rate limit in Redis: headers, 429 with Retry-After, separate budgets per key, shared across app instances. */
import request from 'supertest';
import { createApp } from '../app';
import { expectErrorShape, startTestApp, type TestApp } from '../testing/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp('ratelimit', { env: { RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000' }, sampleData: false });
}, 60_000);
afterAll(async () => {
  await t?.close();
}, 30_000);

describe('rate limit', () => {
  it('allows max requests per window, then 429 with Retry-After; other keys keep their budget', async () => {
    const get = (key: string) => request(t.app).get('/api/v1/strategies').set('Authorization', `Bearer ${key}`);
    const first = await get(t.keys.read).expect(200);
    expect(first.headers['ratelimit-limit']).toBe('3');
    expect(first.headers['ratelimit-remaining']).toBe('2');
    await get(t.keys.read).expect(200);
    await get(t.keys.read).expect(200);
    const r = await get(t.keys.read).expect(429);
    const e = expectErrorShape(r.body, 'RATE_LIMITED');
    const retry = Number(r.headers['retry-after']);
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    expect(e.details).toMatchObject({ limit: 3, window_ms: 60_000 });
    await get(t.keys.admin).expect(200);
    // A second app instance on the same Redis shares the counter.
    const { app: other } = createApp(t.services.deps);
    await request(other).get('/api/v1/strategies').set('Authorization', `Bearer ${t.keys.read}`).expect(429);
    // Public routes are not limited.
    for (let i = 0; i < 5; i++) await request(t.app).get('/healthz').expect(200);
  });
});

describe('failed key attempts', () => {
  it('are limited per client: 20 unknown keys a minute, then 429 with Retry-After without asking the database', async () => {
    const bad = (i: number) => request(t.app).get('/api/v1/strategies').set('Authorization', `Bearer chts_not-a-key-${i}`);
    for (let i = 0; i < 20; i++) expectErrorShape((await bad(i).expect(401)).body, 'UNAUTHENTICATED');
    const r = await bad(20).expect(429);
    const e = expectErrorShape(r.body, 'RATE_LIMITED');
    expect(e.message).toMatch(/unknown or revoked API keys/);
    expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(r.headers['retry-after'])).toBeLessThanOrEqual(60);
    // A request without any key is not a guess: still a plain 401.
    await request(t.app).get('/api/v1/strategies').expect(401);
    // A key that verified recently is not held back by guesses from the same address, even
    // with more guesses after the block (the resilience suite submits jobs right after them).
    for (let i = 21; i < 40; i++) await bad(i).expect(429);
    await request(t.app).get('/api/v1/strategies').set('Authorization', `Bearer ${t.keys.admin}`).expect(200);
    await request(t.app).post('/api/v1/backtests/async').set('Authorization', `Bearer ${t.keys.admin}`).send({}).expect(422);
    // A key this API never verified waits for the window like a guess: the block exists so that
    // a blocked client cannot make a database lookup, and only a lookup tells a new key from a guess.
    const fresh = await request(t.app).get('/api/v1/strategies').set('Authorization', `Bearer ${t.keys.readRun}`).expect(429);
    expect(expectErrorShape(fresh.body, 'RATE_LIMITED').message).toMatch(/unknown or revoked API keys/);
  });
});

