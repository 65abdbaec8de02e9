/**
 * Where a sweep's status `result` comes from: the job's return value while BullMQ keeps the job,
 * the stored sweep run when the job record was trimmed, nothing when neither is left. Inputs are
 * written by hand in the shapes `@coinhts/jobs` produces (`SweepJobResult`, `sweepRunInputOf`).
 */
import type { JobStatus } from '@coinhts/jobs';
import type { StoredRun } from '@coinhts/results';
import { parseSweepSummary, rankingView, sweepResultOf, sweepStatusView } from './sweep-views';

const row = (index: number, score: number | null, error?: { code: string; message: string }) => ({
  index, params: { fast_period: index + 1, slow_period: 30 }, metrics: score === null ? null : { sharpe: score, trade_count: 3 }, score, ...(error ? { error } : {}),
});
// Twelve combinations, best first; the last could not run.
const ranked = [...Array.from({ length: 11 }, (_, i) => row(i, 2 - i / 10)), row(11, null, { code: 'INVALID_PARAMS', message: 'slow_period: must be greater than fast_period' })];
const jobResult = { runId: 'r', rankBy: 'sharpe', total: 12, evaluated: 11, failed: 1, top: ranked.slice(0, 10) };
const storedRun = { id: '7d8c5b1e-2d7e-4a36-9d1b-3c1f1d1e2a10', kind: 'sweep', metrics: { rank_by: 'sharpe', direction: 'max', total: 12, evaluated: 11, failed: 1, best: ranked[0], top: ranked } } as unknown as StoredRun;

describe('sweepResultOf', () => {
  it('takes the rows from the job and the direction from the stored run', () => {
    const r = sweepResultOf(jobResult, storedRun);
    expect(r).toMatchObject({ rank_by: 'sharpe', direction: 'max', total: 12, evaluated: 11, failed: 1 });
    expect(r?.top).toHaveLength(10);
    expect(r?.top[0]).toEqual({ rank: 1, index: 0, params: { fast_period: 1, slow_period: 30 }, score: 2, metrics: { sharpe: 2, trade_count: 3 }, error: null });
    expect(r?.top.map((x) => x.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('falls back to the stored run when the job record is gone (at most 10 rows, failed ones with their error)', () => {
    const r = sweepResultOf(null, { ...storedRun, metrics: { ...storedRun.metrics, top: ranked.slice(8) } } as StoredRun);
    expect(r).toMatchObject({ rank_by: 'sharpe', direction: 'max', total: 12 });
    expect(r?.top.map((x) => [x.rank, x.index, x.score])).toEqual([[1, 8, 2 - 8 / 10], [2, 9, 2 - 9 / 10], [3, 10, 1], [4, 11, null]]);
    expect(r?.top[3].error).toEqual({ code: 'INVALID_PARAMS', message: 'slow_period: must be greater than fast_period' });
  });

  it('has no direction without the stored run, and no result without either source', () => {
    expect(sweepResultOf(jobResult, null)?.direction).toBeNull();
    expect(sweepResultOf(null, null)).toBeNull();
    expect(sweepResultOf({ something: 'else' }, { ...storedRun, metrics: {} } as StoredRun)).toBeNull();
  });
});

describe('sweepStatusView', () => {
  const completed = { id: storedRun.id, queue: 'sweep', createdAt: 0, attemptsMade: 1, maxAttempts: 3, state: 'completed', runId: storedRun.id, result: jobResult, startedAt: 1, finishedAt: 2 } as JobStatus;
  const base = `/api/v1/sweeps/${storedRun.id}`;

  it('links a completed sweep to its full ranking and its run', () => {
    const v = sweepStatusView(completed, base, storedRun);
    expect(v.links).toEqual({ self: `${base}/status`, cancel: base, events: `${base}/events`, result: base, run: `/api/v1/backtests/${storedRun.id}` });
    expect(v).toMatchObject({ state: 'completed', run_id: storedRun.id, progress: 1 });
  });

  it('leaves other states as every task shows them', () => {
    const running = { id: 'x', queue: 'sweep', createdAt: 0, attemptsMade: 0, maxAttempts: 3, state: 'running', progress: 0.5, stage: 'chunks 1/2 done', startedAt: null } as JobStatus;
    expect(sweepStatusView(running, base, null)).toMatchObject({ state: 'running', progress: 0.5, stage: 'chunks 1/2 done', run_id: null });
    expect('result' in sweepStatusView(running, base, null)).toBe(false);
  });
});

describe('stored ranking', () => {
  const summary = { request: { strategy: 'sma_crossover', grid: { fast_period: [1] } }, ranking: { sweepId: storedRun.id, rankBy: 'sharpe', direction: 'max', total: 12, evaluated: 11, failed: 1, rows: ranked } };

  it('windows the rows with their overall rank', () => {
    const v = rankingView(parseSweepSummary(storedRun.id, summary), 10, 5);
    expect(v).toMatchObject({ rank_by: 'sharpe', direction: 'max', total: 12, offset: 10, limit: 5 });
    expect(v.rows.map((r) => [r.rank, r.index])).toEqual([[11, 10], [12, 11]]);
  });

  it('a summary that is not a sweep ranking is a corrupt archive', () => {
    expect(() => parseSweepSummary(storedRun.id, { request: {}, summary: {} })).toThrow(expect.objectContaining({ code: 'CORRUPT_ARCHIVE' }));
    expect(() => parseSweepSummary(storedRun.id, 'not an object')).toThrow(expect.objectContaining({ code: 'CORRUPT_ARCHIVE' }));
  });
});
