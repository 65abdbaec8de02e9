/**
 * The status streams of queued tasks (`GET /api/v1/backtests/async/{id}/events`,
 * `GET /api/v1/sweeps/{id}/events`) against real PostgreSQL and Redis and a real BullMQ worker:
 * a status event per change, the end of the stream with the task, resuming with Last-Event-ID,
 * and the errors answered before a stream starts.
 */
import { request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { QUEUE_NAMES } from '@coinhts/jobs';
import request from 'supertest';
import { onSseFrames } from './testing/sse';
import { expectErrorShape, startTestApp, startTestWorker, type TestApp, type TestWorker } from './testing/test-app';

let t: TestApp;
let worker: TestWorker | undefined;
let server: Server;
let port: number;
const auth = (key: string) => ({ Authorization: `Bearer ${key}` });
const BODY = { strategy: 'volume_long_candle', params: {}, symbols: ['KRW-BTC', 'KRW-ETH'], start_date: '2023-01-01', end_date: '2023-12-31', timeframe: '1d' };

beforeAll(async () => {
  t = await startTestApp('jobevents');
  server = t.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  port = (server.address() as AddressInfo).port;
}, 60_000);
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await worker?.close();
  await t?.close();
}, 30_000);

interface Ev { id: string; event: string; data: { state: string; progress: number; run_id: string | null; stage: string | null } }

/** A live stream: the events so far, a wait for the n-th, and a promise of the end of the response. */
function open(path: string, headers: Record<string, string> = {}): Promise<{ res: IncomingMessage; events: Ev[]; nth(n: number): Promise<Ev>; ended: Promise<Ev[]> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { ...auth(t.keys.read), ...headers } }, (res) => {
      const events: Ev[] = [];
      const waiters: { n: number; resolve: (e: Ev) => void }[] = [];
      onSseFrames(res, (f) => {
        if (!f.event) return;
        events.push({ id: f.id ?? '', event: f.event, data: JSON.parse(f.data ?? 'null') as Ev['data'] });
        for (const w of waiters.filter((x) => x.n <= events.length)) w.resolve(events[w.n - 1]);
      });
      const ended = new Promise<Ev[]>((r, j) => { res.on('end', () => r(events)); res.on('error', j); });
      resolve({ res, events, ended, nth: (n) => (events.length >= n ? Promise.resolve(events[n - 1]) : new Promise((r) => waiters.push({ n, resolve: r }))) });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('task status streams', () => {
  it('a queued task: its status at once, the cancellation pushed, then the stream ends', async () => {
    const id = (await request(t.app).post('/api/v1/backtests/async').set(auth(t.keys.run)).send(BODY).expect(202)).body.task_id as string;
    const s = await open(`/api/v1/backtests/async/${id}/events`);
    expect(s.res.statusCode).toBe(200);
    expect(s.res.headers['content-type']).toMatch(/^text\/event-stream/);
    const first = await s.nth(1);
    expect(first).toMatchObject({ event: 'status', data: { task_id: id, state: 'queued', progress: 0 } });
    // The same body the status route answers.
    const status = (await request(t.app).get(`/api/v1/backtests/async/${id}/status`).set(auth(t.keys.read)).expect(200)).body;
    expect(first.data).toEqual(status);
    await request(t.app).delete(`/api/v1/backtests/async/${id}`).set(auth(t.keys.run)).expect(200);
    const all = await s.ended;
    expect(all.map((e) => e.data.state)).toEqual(['queued', 'cancelled']);

    // Resuming after the last event: nothing new, the stream ends at once.
    const after = await open(`/api/v1/backtests/async/${id}/events`, { 'Last-Event-ID': all[1].id });
    expect(await after.ended).toEqual([]);
    // Resuming after the first: only the status it missed.
    const missed = await open(`/api/v1/backtests/async/${id}/events`, { 'Last-Event-ID': all[0].id });
    expect((await missed.ended).map((e) => [e.id, e.data.state])).toEqual([[all[1].id, 'cancelled']]);
  });

  it('a task run by a worker: progress never goes back, the last event is the completed status with the run id', async () => {
    worker = await startTestWorker(t, QUEUE_NAMES.backtest);
    const id = (await request(t.app).post('/api/v1/backtests/async').set(auth(t.keys.run)).send(BODY).expect(202)).body.task_id as string;
    const s = await open(`/api/v1/backtests/async/${id}/events`);
    const all = await s.ended;
    const states = all.map((e) => e.data.state);
    expect(states[states.length - 1]).toBe('completed');
    expect(states.every((x) => ['queued', 'running', 'completed'].includes(x))).toBe(true);
    expect(all[all.length - 1].data).toMatchObject({ progress: 1, run_id: id });
    for (let i = 1; i < all.length; i++) {
      expect(all[i].data.progress).toBeGreaterThanOrEqual(all[i - 1].data.progress);
      expect(all[i].id).not.toBe(all[i - 1].id); // an event is sent only when the status changed
    }
  });

  it('errors come before a stream starts: 404 for an unknown task, 401 without a key; sweeps have the same stream', async () => {
    expectErrorShape((await request(t.app).get('/api/v1/backtests/async/nope/events').set(auth(t.keys.read)).expect(404)).body, 'JOB_NOT_FOUND');
    expectErrorShape((await request(t.app).get('/api/v1/sweeps/nope/events').set(auth(t.keys.read)).expect(404)).body, 'JOB_NOT_FOUND');
    await request(t.app).get('/api/v1/backtests/async/nope/events').expect(401);
    const sweep = (await request(t.app).post('/api/v1/sweeps').set(auth(t.keys.run)).send({ ...BODY, strategy: 'volume_zone_breakout', grid: { volume_window: [10, 20] } }).expect(202)).body;
    expect(sweep.links.events).toBe(`/api/v1/sweeps/${sweep.task_id}/events`);
    const s = await open(sweep.links.events);
    expect((await s.nth(1)).data).toMatchObject({ task_id: sweep.task_id });
    await request(t.app).delete(`/api/v1/sweeps/${sweep.task_id}`).set(auth(t.keys.run)).expect(200);
    expect((await s.ended).map((e) => e.data.state).pop()).toBe('cancelled');
  });
});
