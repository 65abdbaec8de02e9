/**
 * Sweeps end to end: `POST /api/v1/sweeps` → a real BullMQ worker in this process (the jobs
 * library's `startQueueWorker` + `sweepHandler`, dependencies from `openProcessorRuntime` with the
 * app's configuration, as apps/worker opens them) → `GET /api/v1/sweeps/{id}/status` completed
 * with the ranking, checked against synchronous backtests of every combination; then the stored
 * sweep run (`GET /api/v1/sweeps/{id}`, `GET /api/v1/backtests/{id}`) and the queue gauge.
 */
import { randomUUID } from 'node:crypto';
import { QUEUE_NAMES } from '@coinhts/jobs';
import request from 'supertest';
import { expectErrorShape, startTestApp, startTestWorker, waitFor, type TestApp, type TestWorker } from './testing/test-app';

let t: TestApp;
let worker: TestWorker | undefined;
const auth = (key: string) => ({ Authorization: `Bearer ${key}` });

beforeAll(async () => {
  t = await startTestApp('sweeps');
  worker = await startTestWorker(t, QUEUE_NAMES.sweep);
}, 60_000);
afterAll(async () => {
  await worker?.close();
  await t?.close();
}, 30_000);

const FAST = [5, 10, 20];
const SLOW = [15, 30, 60];
const SWEEP = {
  strategy: 'sma_crossover',
  params: {},
  grid: { fast_period: FAST, slow_period: SLOW },
  symbols: ['KRW-BTC'],
  start_date: '2022-01-01',
  end_date: '2024-12-31',
  timeframe: '1d',
  rank_by: 'sharpe',
  chunk_size: 4,
};
// Grid order: the last key varies fastest, so combination i is (FAST[⌊i/3⌋], SLOW[i mod 3]).
const GRID = FAST.flatMap((fast_period) => SLOW.map((slow_period) => ({ fast_period, slow_period })));
// sma_crossover needs slow_period > fast_period: only (20, 15), grid index 2·3 + 0 = 6, cannot run.
const INVALID_INDEX = 6;
// 9 combinations in chunks of 4: ⌈9/4⌉ = 3 chunk jobs plus the aggregating parent.
const SWEEP_JOBS = 4;

type Row = { rank: number; index: number; params: { fast_period: number; slow_period: number }; score: number | null; metrics: Record<string, number | null> | null; error: { code: string; message: string } | null };
let sweepId: string;
let status: { state: string; run_id: string; result: { rank_by: string; direction: string | null; total: number; evaluated: number; failed: number; top: Row[] }; links: Record<string, string> };

describe('a sweep on a real worker', () => {
  it('completes with every combination ranked by the requested metric, as the synchronous backtests of the same params rank them', async () => {
    const s = await request(t.app).post('/api/v1/sweeps').set(auth(t.keys.run)).send(SWEEP).expect(202);
    sweepId = s.body.task_id;
    const seen = new Set<string>();
    status = await waitFor('sweep completion', async () => {
      const st = await request(t.app).get(`/api/v1/sweeps/${sweepId}/status`).set(auth(t.keys.read)).expect(200);
      seen.add(st.body.state);
      return st.body.state === 'completed' || st.body.state === 'failed' || st.body.state === 'cancelled' ? st.body : null;
    }, 60_000);
    expect([...seen].every((x) => ['queued', 'running', 'completed'].includes(x))).toBe(true);
    expect(status).toMatchObject({ state: 'completed', progress: 1, run_id: sweepId, error: null });
    expect(status.links).toEqual({ self: `/api/v1/sweeps/${sweepId}/status`, cancel: `/api/v1/sweeps/${sweepId}`, events: `/api/v1/sweeps/${sweepId}/events`, result: `/api/v1/sweeps/${sweepId}`, run: `/api/v1/backtests/${sweepId}` });
    expect(status.result).toMatchObject({ rank_by: 'sharpe', direction: 'max', total: 9, evaluated: 8, failed: 1 });

    // Each combination run on its own through the synchronous route (the same candles and engine, another code path).
    const sharpe = new Map<number, number>();
    for (const [index, params] of GRID.entries()) {
      const r = await request(t.app).post('/api/v1/backtests').set(auth(t.keys.run)).send({ ...SWEEP, params, grid: undefined, rank_by: undefined, chunk_size: undefined });
      if (index === INVALID_INDEX) {
        expect(r.status).toBe(422);
        expectErrorShape(r.body, 'INVALID_PARAMS');
        continue;
      }
      expect(r.status).toBe(201);
      expect(typeof r.body.portfolio.sharpe).toBe('number');
      sharpe.set(index, r.body.portfolio.sharpe);
    }
    // Expected order: larger Sharpe first (ties by grid order), the combination that cannot run last.
    const expected = [...sharpe.entries()].sort(([ia, a], [ib, b]) => (b === a ? ia - ib : b - a)).map(([i]) => i).concat(INVALID_INDEX);
    // The fixture has teeth only if the ranking differs from grid order.
    expect(expected).not.toEqual(GRID.map((_, i) => i));

    const top = status.result.top;
    expect(top.map((r) => r.index)).toEqual(expected);
    expect(top.map((r) => r.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const r of top) {
      expect(r.params).toEqual(GRID[r.index]);
      if (r.index === INVALID_INDEX) continue;
      expect(r.score).toBe(sharpe.get(r.index));
      expect(r.metrics?.sharpe).toBe(r.score);
      expect(r.error).toBeNull();
    }
    const invalid = top[8];
    expect(invalid).toMatchObject({ index: INVALID_INDEX, score: null, metrics: null, error: { code: 'INVALID_PARAMS' } });
    expect(invalid.error?.message).toMatch(/slow_period/);
  }, 120_000);

  it('stores the sweep as a run: GET /api/v1/sweeps/{id} serves the full ranking, GET /api/v1/backtests/{id} the row', async () => {
    const full = await request(t.app).get(`/api/v1/sweeps/${sweepId}`).set(auth(t.keys.read)).expect(200);
    expect(full.body).toMatchObject({ run_id: sweepId, kind: 'sweep', status: 'completed', strategy: 'sma_crossover', symbols: ['KRW-BTC'], timeframe: '1d' });
    expect(full.body.request).toMatchObject({ grid: SWEEP.grid, rank_by: 'sharpe', chunk_size: 4, start_date: '2022-01-01', end_date: '2024-12-31' });
    expect(full.body.ranking).toMatchObject({ rank_by: 'sharpe', direction: 'max', total: 9, evaluated: 8, failed: 1, offset: 0, limit: 100 });
    expect(full.body.ranking.rows).toEqual(status.result.top);
    const window = await request(t.app).get(`/api/v1/sweeps/${sweepId}?offset=2&limit=3`).set(auth(t.keys.read)).expect(200);
    expect(window.body.ranking.rows).toEqual(status.result.top.slice(2, 5));
    expect(window.body.ranking.rows.map((r: Row) => r.rank)).toEqual([3, 4, 5]);

    const run = await request(t.app).get(`/api/v1/backtests/${sweepId}`).set(auth(t.keys.read)).expect(200);
    expect(run.body).toMatchObject({ run_id: sweepId, kind: 'sweep', status: 'completed' });
    expect(run.body.sharpe).toBe(status.result.top[0].score);
    expect(run.body.links).toEqual({ self: `/api/v1/backtests/${sweepId}`, ranking: `/api/v1/sweeps/${sweepId}`, status: `/api/v1/sweeps/${sweepId}/status` });
    const listed = await request(t.app).get('/api/v1/backtests?kind=sweep').set(auth(t.keys.read)).expect(200);
    expect(listed.body.items.map((r: { run_id: string }) => r.run_id)).toEqual([sweepId]);

    // A sweep has no trade/equity/signal tables: 404 pointing at the ranking, not a 5xx.
    const trades = await request(t.app).get(`/api/v1/backtests/${sweepId}/trades`).set(auth(t.keys.read)).expect(404);
    expect(expectErrorShape(trades.body, 'NOT_FOUND').details).toMatchObject({ ranking: `/api/v1/sweeps/${sweepId}` });
    // Finished: cancelling is a conflict.
    expectErrorShape((await request(t.app).delete(`/api/v1/sweeps/${sweepId}`).set(auth(t.keys.run)).expect(409)).body, 'ALREADY_FINISHED');
  });

  it('GET /api/v1/sweeps/{id} is 404 for unknown ids and for runs that are not sweeps; 422 for a bad window', async () => {
    expectErrorShape((await request(t.app).get(`/api/v1/sweeps/${randomUUID()}`).set(auth(t.keys.read)).expect(404)).body, 'NOT_FOUND');
    const sync = await request(t.app).post('/api/v1/backtests').set(auth(t.keys.run)).send({ ...SWEEP, params: GRID[0], grid: undefined, rank_by: undefined, chunk_size: undefined }).expect(201);
    const notSweep = await request(t.app).get(`/api/v1/sweeps/${sync.body.run_id}`).set(auth(t.keys.read)).expect(404);
    expect(expectErrorShape(notSweep.body, 'NOT_FOUND').details).toEqual({ kind: 'sync' });
    const bad = await request(t.app).get(`/api/v1/sweeps/${sweepId}?limit=0`).set(auth(t.keys.read)).expect(422);
    expect((expectErrorShape(bad.body, 'VALIDATION_FAILED').details as { issues: { field: string }[] }).issues[0].field).toBe('query.limit');
  });

  it('the queue gauge counts sweep jobs (the parent and its chunks)', async () => {
    const m = await request(t.app).get('/metrics').set(auth(t.keys.read)).expect(200);
    expect(m.text).toContain(`coinhts_queue_jobs{queue="sweep",state="completed"} ${SWEEP_JOBS}`);
    expect(m.text).toContain('coinhts_queue_jobs{queue="sweep",state="queued"} 0');
    expect(m.text).toContain('coinhts_queue_jobs{queue="sweep",state="failed"} 0');
  });

  it('once the stored run is deleted the status still answers from the job, without links to the run', async () => {
    await request(t.app).delete(`/api/v1/backtests/${sweepId}`).set(auth(t.keys.run)).expect(204);
    const st = await request(t.app).get(`/api/v1/sweeps/${sweepId}/status`).set(auth(t.keys.read)).expect(200);
    expect(st.body).toMatchObject({ state: 'completed', run_id: sweepId });
    // The job returns no direction; it was read from the run, which is gone.
    expect(st.body.result).toEqual({ ...status.result, direction: null });
    expect(st.body.links).toEqual({ self: `/api/v1/sweeps/${sweepId}/status`, cancel: `/api/v1/sweeps/${sweepId}`, events: `/api/v1/sweeps/${sweepId}/events` });
    expectErrorShape((await request(t.app).get(`/api/v1/sweeps/${sweepId}`).set(auth(t.keys.read)).expect(404)).body, 'NOT_FOUND');
  });
});
