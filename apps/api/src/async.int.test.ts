/**
 * Queued backtests end to end: the API submits through @coinhts/jobs, a real BullMQ worker
 * (started in-process with the jobs library's `startQueueWorker` and `backtestHandler`, its
 * dependencies opened by `openProcessorRuntime` from the app's configuration as apps/worker does)
 * runs it, and the API reports progress and serves the stored run. Plus cancellation (409 once
 * finished) and sweeps' submit/status/cancel (sweeps run end to end in sweeps.int.test.ts).
 */
import { QUEUE_NAMES } from '@coinhts/jobs';
import request from 'supertest';
import { expectErrorShape, startTestApp, startTestWorker, waitFor, type TestApp, type TestWorker } from './testing/test-app';

let t: TestApp;
let worker: TestWorker | undefined;
const auth = (key: string) => ({ Authorization: `Bearer ${key}` });
const BODY = { strategy: 'volume_long_candle', params: {}, symbols: ['KRW-BTC', 'KRW-ETH'], start_date: '2023-01-01', end_date: '2023-12-31', timeframe: '1d', options: { fee_rate: 0.001 } };

beforeAll(async () => {
  t = await startTestApp('async');
}, 60_000);
afterAll(async () => {
  await worker?.close();
  await t?.close();
}, 30_000);

describe('async backtests', () => {
  it('validates before queueing: 422 for a bad body, an unknown strategy or bad params', async () => {
    const post = (b: object) => request(t.app).post('/api/v1/backtests/async').set(auth(t.keys.run)).send(b);
    const r = await post({ ...BODY, symbols: 'KRW-BTC' }).expect(422);
    expect((expectErrorShape(r.body, 'VALIDATION_FAILED').details as { issues: { field: string }[] }).issues[0].field).toBe('body.symbols');
    expectErrorShape((await post({ ...BODY, strategy: 'nope' }).expect(422)).body, 'UNKNOWN_STRATEGY');
    expectErrorShape((await post({ ...BODY, params: { volume_window: 0 } }).expect(422)).body, 'INVALID_PARAMS');
    await request(t.app).post('/api/v1/backtests/async').set(auth(t.keys.read)).send(BODY).expect(403);
  });

  it('cancels a queued task (200, twice), reports it cancelled; unknown ids are 404', async () => {
    const s = await request(t.app).post('/api/v1/backtests/async').set(auth(t.keys.run)).send(BODY).expect(202);
    const id = s.body.task_id as string;
    expect(s.headers.location).toBe(`/api/v1/backtests/async/${id}/status`);
    expect(s.body).toMatchObject({ state: 'queued', deduplicated: false, links: { status: `/api/v1/backtests/async/${id}/status`, cancel: `/api/v1/backtests/async/${id}` } });
    const c = await request(t.app).delete(`/api/v1/backtests/async/${id}`).set(auth(t.keys.run)).expect(200);
    expect(c.body).toEqual({ task_id: id, state: 'cancelled', was_running: false, already_cancelled: false });
    const again = await request(t.app).delete(`/api/v1/backtests/async/${id}`).set(auth(t.keys.run)).expect(200);
    expect(again.body.already_cancelled).toBe(true);
    const st = await request(t.app).get(`/api/v1/backtests/async/${id}/status`).set(auth(t.keys.read)).expect(200);
    expect(st.body).toMatchObject({ task_id: id, state: 'cancelled', error: { code: 'CANCELLED' } });
    expectErrorShape((await request(t.app).get('/api/v1/backtests/async/nope/status').set(auth(t.keys.read)).expect(404)).body, 'JOB_NOT_FOUND');
    await request(t.app).delete('/api/v1/backtests/async/nope').set(auth(t.keys.run)).expect(404);
  });

  it('Idempotency-Key: the same key returns the same task; another request with it is 409', async () => {
    const h = { ...auth(t.keys.run), 'Idempotency-Key': 'idem-1' };
    const a = await request(t.app).post('/api/v1/backtests/async').set(h).send(BODY).expect(202);
    const b = await request(t.app).post('/api/v1/backtests/async').set(h).send(BODY).expect(202);
    expect(b.body).toMatchObject({ task_id: a.body.task_id, deduplicated: true });
    expectErrorShape((await request(t.app).post('/api/v1/backtests/async').set(h).send({ ...BODY, end_date: '2023-06-30' }).expect(409)).body, 'IDEMPOTENCY_CONFLICT');
    await request(t.app).delete(`/api/v1/backtests/async/${a.body.task_id}`).set(auth(t.keys.run)).expect(200);
  });

  it('runs end to end on a real worker: progress, completion, the stored run and its tables', async () => {
    worker = await startTestWorker(t, QUEUE_NAMES.backtest);
    const s = await request(t.app).post('/api/v1/backtests/async').set(auth(t.keys.run)).send(BODY).expect(202);
    const id = s.body.task_id as string;
    const seen = new Set<string>();
    const done = await waitFor('task completion', async () => {
      const st = await request(t.app).get(`/api/v1/backtests/async/${id}/status`).set(auth(t.keys.read)).expect(200);
      seen.add(st.body.state);
      return st.body.state === 'completed' || st.body.state === 'failed' ? st.body : null;
    }, 30_000);
    expect(done).toMatchObject({ state: 'completed', progress: 1, run_id: id, error: null, links: { result: `/api/v1/backtests/${id}` } });
    expect([...seen].every((x) => ['queued', 'running', 'completed'].includes(x))).toBe(true);
    const run = await request(t.app).get(`/api/v1/backtests/${id}`).set(auth(t.keys.read)).expect(200);
    expect(run.body).toMatchObject({ run_id: id, kind: 'async', status: 'completed', symbols: ['KRW-BTC', 'KRW-ETH'] });
    // The same request run synchronously gives the same portfolio numbers.
    const sync = await request(t.app).post('/api/v1/backtests').set(auth(t.keys.run)).send(BODY).expect(201);
    expect(run.body.total_return_pct).toBe(sync.body.portfolio.total_return_pct);
    expect(run.body.trade_count).toBe(sync.body.portfolio.trade_count);
    const eq = await request(t.app).get(`/api/v1/backtests/${id}/equity`).set(auth(t.keys.read)).expect(200);
    expect(eq.body.count).toBe(sync.body.period.bars);
    // Finished: cancelling is a conflict.
    const c = await request(t.app).delete(`/api/v1/backtests/async/${id}`).set(auth(t.keys.run)).expect(409);
    expect(expectErrorShape(c.body, 'ALREADY_FINISHED').details).toEqual({ state: 'completed' });
  }, 60_000);

  it('a run that fails in the worker reports failed with the library error code', async () => {
    const s = await request(t.app).post('/api/v1/backtests/async').set(auth(t.keys.run)).send({ ...BODY, symbols: ['KRW-DOGE'] }).expect(202);
    const done = await waitFor('task failure', async () => {
      const st = await request(t.app).get(`/api/v1/backtests/async/${s.body.task_id}/status`).set(auth(t.keys.read));
      return st.body.state === 'failed' ? st.body : null;
    }, 30_000);
    expect(done.error).toMatchObject({ code: 'NO_DATA', retryable: false });
  }, 60_000);
});

describe('sweeps', () => {
  const SWEEP = { strategy: 'volume_zone_breakout', params: { breakout_buffer: 0 }, grid: { volume_window: [10, 20], top_percentile: [0.1, 0.2] }, symbols: ['KRW-BTC'], start_date: '2023-01-01', end_date: '2023-12-31', timeframe: '1d', rank_by: 'sharpe' };

  it('submit 202 → status → cancel 200; bad grids 422', async () => {
    const s = await request(t.app).post('/api/v1/sweeps').set(auth(t.keys.run)).send(SWEEP).expect(202);
    const id = s.body.task_id as string;
    expect(s.headers.location).toBe(`/api/v1/sweeps/${id}/status`);
    const st = await request(t.app).get(`/api/v1/sweeps/${id}/status`).set(auth(t.keys.read)).expect(200);
    expect(st.body).toMatchObject({ task_id: id, state: 'queued' });
    const c = await request(t.app).delete(`/api/v1/sweeps/${id}`).set(auth(t.keys.run)).expect(200);
    expect(c.body.state).toBe('cancelled');
    expect((await request(t.app).get(`/api/v1/sweeps/${id}/status`).set(auth(t.keys.read)).expect(200)).body.state).toBe('cancelled');
    const bad = await request(t.app).post('/api/v1/sweeps').set(auth(t.keys.run)).send({ ...SWEEP, grid: {} }).expect(422);
    expect((expectErrorShape(bad.body, 'VALIDATION_FAILED').details as { issues: { field: string }[] }).issues[0].field).toBe('body.grid');
    expectErrorShape((await request(t.app).post('/api/v1/sweeps').set(auth(t.keys.run)).send({ ...SWEEP, grid: { volume_window: [0, 5] } }).expect(422)).body, 'INVALID_PARAMS');
    await request(t.app).get('/api/v1/sweeps/nope/status').set(auth(t.keys.read)).expect(404);
  });
});
