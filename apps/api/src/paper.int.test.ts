/**
 * Paper-trading routes against real PostgreSQL and Redis and a fake Upbit REST server (market
 * check): start/stop with the key scopes, bad input, the views, and the SSE event stream
 * (resumable with Last-Event-ID).
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFakeUpbit } from '@coinhts/market-data/testing';
import { PaperSessionRepository } from '@coinhts/results';
import request from 'supertest';
import { onSseFrames } from './testing/sse';
import { startTestApp, type TestApp } from './testing/test-app';

let t: TestApp;
let rest: Awaited<ReturnType<typeof startFakeUpbit>>;
const auth = (key: string) => ({ Authorization: `Bearer ${key}` });
const BODY = { name: 'api-btc', pairs: [{ symbol: 'KRW-BTC', strategy: 'sma_crossover', params: { fast_period: 5, slow_period: 20 } }], options: { initial_capital: 1_000_000 } };

beforeAll(async () => {
  rest = await startFakeUpbit({ data: { 'KRW-BTC': { 'minutes/1': [{ t: Date.parse('2025-11-11T00:00:00Z'), o: 1e8, h: 1e8, l: 1e8, c: 1e8, v: 1, q: 1e8 }] } } });
  t = await startTestApp('paper', { env: { UPBIT_BASE_URL: rest.baseUrl }, sampleData: false });
}, 60_000);
afterAll(async () => {
  await t?.close();
  await rest?.close();
}, 30_000);

/** Reads SSE events from a live response until `n` arrived. */
function readEvents(res: IncomingMessage, n: number): Promise<{ id: number; event: string; data: Record<string, unknown> }[]> {
  return new Promise((resolve, reject) => {
    const out: { id: number; event: string; data: Record<string, unknown> }[] = [];
    let done = false;
    onSseFrames(res, (f) => {
      if (done) return;
      if (f.id) out.push({ id: Number(f.id), event: f.event ?? '', data: JSON.parse(f.data ?? 'null') as Record<string, unknown> });
      if (out.length >= n) { done = true; res.destroy(); resolve(out); }
    });
    res.on('error', reject);
  });
}

describe('paper session routes', () => {
  let id: string;

  it('POST starts a session with the run scope (201 + Location); the read scope is refused', async () => {
    await request(t.app).post('/api/v1/paper/sessions').set(auth(t.keys.read)).send(BODY).expect(403);
    const r = await request(t.app).post('/api/v1/paper/sessions').set(auth(t.keys.run)).send(BODY).expect(201);
    id = r.body.id;
    expect(r.headers.location).toBe(`/api/v1/paper/sessions/${id}`);
    expect(r.body).toMatchObject({ name: 'api-btc', status: 'running', owner: null });
    expect(r.body.request.options).toMatchObject({ fee_rate: 0.0005, order_rules: 'upbit-krw', initial_capital: 1_000_000 });
  });

  it('starting the same name again is 409; an unknown market and bad params are 422 naming the field', async () => {
    const dup = await request(t.app).post('/api/v1/paper/sessions').set(auth(t.keys.run)).send(BODY).expect(409);
    expect(dup.body.error.code).toBe('CONFLICT');
    const unknown = await request(t.app).post('/api/v1/paper/sessions').set(auth(t.keys.run)).send({ ...BODY, name: 'x', pairs: [{ ...BODY.pairs[0], symbol: 'KRW-NOPE' }] }).expect(422);
    expect(unknown.body.error.message).toMatch(/Upbit does not list the market KRW-NOPE/);
    const bad = await request(t.app).post('/api/v1/paper/sessions').set(auth(t.keys.run)).send({ ...BODY, name: 'y', pairs: [{ ...BODY.pairs[0], params: { fast_period: 0 } }] }).expect(422);
    expect(JSON.stringify(bad.body.error)).toMatch(/pairs\.0\.params\.fast_period/);
    const list = await request(t.app).get('/api/v1/paper/sessions').set(auth(t.keys.read)).expect(200);
    expect(list.body.sessions.map((s: { name: string }) => s.name)).toEqual(['api-btc']); // nothing half-started
  });

  it('GET status, positions, trades, orders, performance with the read scope; 404 for an unknown id', async () => {
    const s = await request(t.app).get(`/api/v1/paper/sessions/${id}`).set(auth(t.keys.read)).expect(200);
    expect(s.body).toMatchObject({ session: { id, status: 'running' }, equity: 1_000_000, positions: [], trades: 0 });
    for (const v of ['positions', 'trades', 'orders', 'performance']) await request(t.app).get(`/api/v1/paper/sessions/${id}/${v}`).set(auth(t.keys.read)).expect(200);
    await request(t.app).get('/api/v1/paper/sessions/00000000-0000-4000-8000-000000000000').set(auth(t.keys.read)).expect(404);
    await request(t.app).get(`/api/v1/paper/sessions/${id}`).expect(401);
  });

  it('the event stream delivers new events live and resumes after Last-Event-ID without repeats', async () => {
    const repo = new PaperSessionRepository(t.services.dataSource);
    const server = t.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as AddressInfo).port;
    const open = (headers: Record<string, string>) => new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: `/api/v1/paper/sessions/${id}/events`, headers: { ...auth(t.keys.read), ...headers } }, resolve);
      req.on('error', reject);
      req.end();
    });
    try {
      const live = await open({});
      expect(live.headers['content-type']).toMatch(/^text\/event-stream/);
      const got = readEvents(live, 3);
      // A runner writes a checkpoint with two events (as the owner of the session).
      await repo.claim('api-test-owner', 60_000);
      await repo.checkpoint(id, 'api-test-owner', { pairs: [], signals: [], orders: [], trades: [], snapshots: [], events: [{ type: 'signal', data: { n: 1 } }, { type: 'performance', data: { n: 2 } }] });
      const first = await got;
      expect(first.map((e) => e.event)).toEqual(['session', 'signal', 'performance']);
      expect(first[1].data).toMatchObject({ n: 1 });
      // Reconnect from the first event: exactly the two after it, then a new one.
      const again = await open({ 'Last-Event-ID': String(first[0].id) });
      const resumed = readEvents(again, 3);
      await repo.checkpoint(id, 'api-test-owner', { pairs: [], signals: [], orders: [], trades: [], snapshots: [], events: [{ type: 'session', data: { status: 'stopping' } }] });
      const r = await resumed;
      expect(r.map((e) => e.id)).toEqual([first[1].id, first[2].id, first[2].id + 1]);
      const backlog = await request(t.app).get(`/api/v1/paper/sessions/${id}/events?follow=false&after=${first[1].id}`).set(auth(t.keys.read)).expect(200);
      expect(backlog.text.match(/^id: /gm)).toHaveLength(2);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('POST stop with the run scope (202), then stopping again is 409', async () => {
    await request(t.app).post(`/api/v1/paper/sessions/${id}/stop`).set(auth(t.keys.read)).expect(403);
    const r = await request(t.app).post(`/api/v1/paper/sessions/${id}/stop`).set(auth(t.keys.run)).expect(202);
    expect(r.body.status).toBe('stopping');
    const again = await request(t.app).post(`/api/v1/paper/sessions/${id}/stop`).set(auth(t.keys.run)).expect(409);
    expect(again.body.error.message).toMatch(/not running/);
  });
});
