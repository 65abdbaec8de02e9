/**
 * The backtest handler's exactly-once rules, in memory: outcome claims against cancellations,
 * clean-up of partial outputs, and what a retried or duplicate attempt does.
 */
import { backtestHandler, throttledProgress, type BacktestExecutor, type RunRecord, type RunStore } from './backtest-processor';
import { OutcomeStore } from './outcome-store';
import type { JobContext } from './sandbox';
import { memoryOutcomeRedis } from './testing/memory-outcomes';
import { FIXTURE_REQUESTS } from './testing/fixture-requests';

const parseRequest = FIXTURE_REQUESTS.backtest;

const QUEUE = 'test:backtest';
const JOB = '11111111-1111-4111-8111-111111111111';
const data = { v: 1, request: { strategy: 's', params: {}, symbols: ['KRW-BTC'], start_date: '2024-01-01', end_date: '2024-01-02', timeframe: '1d', options: {} }, submitted_at: '2024-01-03T00:00:00.000Z' };

function ctx(signal = new AbortController().signal): JobContext & { progressLog: [number, string][] } {
  const progressLog: [number, string][] = [];
  return {
    id: JOB, name: 'backtest', data, queue: QUEUE, attemptsMade: 0, maxAttempts: 3, signal,
    progress: async (f, s) => { progressLog.push([f, s]); },
    log: async () => undefined,
    childrenValues: async () => ({}),
    progressLog,
  };
}

class MemoryRuns implements RunStore {
  saved = new Map<string, RunRecord>();
  saves = 0;
  deletes = 0;
  onSave?: () => Promise<void>;
  async save(r: RunRecord) { this.saves++; this.saved.set(r.runId, r); await this.onSave?.(); }
  async delete(id: string) { this.deletes++; this.saved.delete(id); }
}

const executor: BacktestExecutor = { run: async (_r, c) => { c.progress(0.5, 'simulate'); return { headline: { total_return_pct: 12.5 }, result: {} }; } };

it('completes: saves the run under the job id, claims the outcome, reports progress to 1', async () => {
  const redis = memoryOutcomeRedis();
  const runs = new MemoryRuns();
  const c = ctx();
  await expect(backtestHandler(c, { parseRequest, executor, runs, outcomes: redis, progressIntervalMs: 0 })).resolves.toEqual({ runId: JOB, headline: { total_return_pct: 12.5 } });
  expect(runs.saves).toBe(1);
  expect(await new OutcomeStore(redis, QUEUE).get(JOB)).toMatchObject({ state: 'completed', runId: JOB });
  expect(c.progressLog.at(-1)).toEqual([1, 'done']);
  expect(c.progressLog.map(([f]) => f)).toEqual([...c.progressLog.map(([f]) => f)].sort((a, b) => a - b));
});

it('a cancellation that lands while the run is being saved wins: the saved run is deleted and the job ends CANCELLED', async () => {
  const redis = memoryOutcomeRedis();
  const runs = new MemoryRuns();
  runs.onSave = async () => { await new OutcomeStore(redis, QUEUE).claim(JOB, { state: 'cancelled', reason: 'user', at: 1 }); };
  await expect(backtestHandler(ctx(), { parseRequest, executor, runs, outcomes: redis })).rejects.toMatchObject({ code: 'CANCELLED', reason: 'user' });
  expect(runs.saved.size).toBe(0);
  expect(runs.deletes).toBe(1);
  expect(await new OutcomeStore(redis, QUEUE).get(JOB)).toMatchObject({ state: 'cancelled' });
});

it('an attempt of an already cancelled job deletes leftovers and never runs the engine', async () => {
  const redis = memoryOutcomeRedis();
  await new OutcomeStore(redis, QUEUE).claim(JOB, { state: 'cancelled', reason: 'user', at: 1 });
  const runs = new MemoryRuns();
  const run = jest.fn(executor.run);
  await expect(backtestHandler(ctx(), { parseRequest, executor: { run }, runs, outcomes: redis })).rejects.toMatchObject({ code: 'CANCELLED' });
  expect(run).not.toHaveBeenCalled();
  expect(runs.deletes).toBe(1);
});

it('an attempt of an already completed job (e.g. taken over after a crash past the claim) does nothing', async () => {
  const redis = memoryOutcomeRedis();
  await new OutcomeStore(redis, QUEUE).claim(JOB, { state: 'completed', runId: JOB, at: 1 });
  const runs = new MemoryRuns();
  const run = jest.fn(executor.run);
  await expect(backtestHandler(ctx(), { parseRequest, executor: { run }, runs, outcomes: redis })).resolves.toMatchObject({ runId: JOB });
  expect(run).not.toHaveBeenCalled();
  expect(runs.saves).toBe(0);
});

it('a retried attempt after a failed claim saves the same run again (an upsert), not a second run', async () => {
  const redis = memoryOutcomeRedis();
  const runs = new MemoryRuns();
  let failClaim = true;
  const flaky = { ...redis, setIfAbsent: async (k: string, v: string, t: number) => { if (failClaim) { failClaim = false; throw Object.assign(new Error('redis down'), { code: 'ECONNRESET' }); } return redis.setIfAbsent(k, v, t); } };
  await expect(backtestHandler(ctx(), { parseRequest, executor, runs, outcomes: flaky })).rejects.toMatchObject({ code: 'ECONNRESET' });
  await expect(backtestHandler(ctx(), { parseRequest, executor, runs, outcomes: flaky })).resolves.toMatchObject({ runId: JOB });
  expect(runs.saves).toBe(2);
  expect([...runs.saved.keys()]).toEqual([JOB]);
});

it('polls the outcome: a cancellation whose message was missed still aborts the run', async () => {
  const redis = memoryOutcomeRedis();
  const runs = new MemoryRuns();
  const slow: BacktestExecutor = {
    run: (_r, c) => new Promise((_res, rej) => {
      void new OutcomeStore(redis, QUEUE).claim(JOB, { state: 'cancelled', reason: 'user', at: 1 });
      c.signal.addEventListener('abort', () => rej(Object.assign(new Error('aborted'), { code: 'ABORTED' })));
    }),
  };
  await expect(backtestHandler(ctx(), { parseRequest, executor: slow, runs, outcomes: redis, cancelPollMs: 10 })).rejects.toMatchObject({ code: 'CANCELLED' });
  expect(runs.saves).toBe(0);
});

it('refuses a payload whose request the injected parser refuses, without touching anything', async () => {
  const redis = memoryOutcomeRedis();
  const runs = new MemoryRuns();
  const c = { ...ctx(), data: { v: 1, request: { strategy: 's' } } };
  await expect(backtestHandler(c, { parseRequest, executor, runs, outcomes: redis })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
  expect(redis.data.size).toBe(0);
});

describe('throttledProgress', () => {
  it('sends each accepted write at once (a synchronous engine run cannot hold it back) and never drops a change of stage', async () => {
    let now = 0;
    const sent: [number, string][] = [];
    const p = throttledProgress({ progress: async (f: number, s: string) => { sent.push([f, s]); } }, 200, () => now);
    p(0.01, 'starting', true);
    now = 10;
    p(0.02, 'loading candles'); // new stage inside the interval: written
    now = 20;
    p(0.1, 'loading candles'); // same stage inside the interval: dropped
    now = 300;
    p(0.5, 'loading candles'); // interval passed: written
    // No await yet: the writes were started synchronously, in order.
    expect(sent).toEqual([[0.01, 'starting'], [0.02, 'loading candles'], [0.5, 'loading candles']]);
    await p.flush();
  });

  it('a failing write neither throws nor blocks the next one', async () => {
    const sent: number[] = [];
    const p = throttledProgress({ progress: async (f: number) => { sent.push(f); if (f === 0.1) throw new Error('redis down'); } }, 0, () => 0);
    p(0.1, 'a', true);
    p(0.2, 'b', true);
    await expect(p.flush()).resolves.toBeUndefined();
    expect(sent).toEqual([0.1, 0.2]);
  });
});
