/**
 * A backtest executor and run store for tests, shared through Redis so that sandboxed child
 * processes and the test see the same state. The executor's behaviour is driven by the request's
 * `params` (the strategy name is `fixture`):
 *
 * - `test_key` (required): namespace of the test's Redis keys;
 * - `busy_ms`: spin the CPU synchronously for this long (like a long engine call);
 * - `sleep_ms`: wait asynchronously this long, in 20 ms steps that honour the signal;
 * - `first_sleep_ms`: the same, for the first run of this `test_key` only (instead of `sleep_ms`);
 * - `fail_times` / `fail_code`: the first `fail_times` runs throw an error with `fail_code`
 *   (default `UNAVAILABLE`); `fail_times: -1` fails every time;
 * - `x`, `y` (sweeps): the run's `total_return_pct` is `2·x − y`; `x: 13` is rejected (INVALID_PARAMS).
 */
import type { BacktestExecution, BacktestExecutor, ProgressFn, RunRecord, RunStore } from '../backtest-processor';
import type { RedisClient } from '../redis';
import type { FixtureRequest } from './fixture-requests';

/** Parameters the fixture executor understands. */
export interface FixtureParams {
  readonly test_key: string;
  readonly busy_ms?: number;
  readonly sleep_ms?: number;
  readonly first_sleep_ms?: number;
  readonly fail_times?: number;
  readonly fail_code?: string;
}

/** Redis keys of a fixture test (by `test_key`). */
export const fixtureKeys = (testKey: string) => ({
  /** Counter of executor runs (attempts that reached the executor). */
  runs: `${testKey}:runs`,
  /** List of PIDs of the processes that ran the executor. */
  pids: `${testKey}:pids`,
});

/** Redis hash of one run in the fixture store: fields `saves`, `deletes`, `saved` (JSON, absent once deleted). */
export const fixtureRunKey = (runId: string) => `fixture:run:${runId}`;

/** The test executor (see the module comment). */
export class FixtureExecutor implements BacktestExecutor<FixtureRequest> {
  constructor(private readonly redis: RedisClient) {}

  async run(request: FixtureRequest, ctx: { readonly signal: AbortSignal; readonly progress: ProgressFn }): Promise<BacktestExecution> {
    const p = request.params as unknown as FixtureParams;
    const keys = fixtureKeys(p.test_key);
    const n = await this.redis.incr(keys.runs);
    await this.redis.rPush(keys.pids, String(process.pid));
    const failTimes = p.fail_times ?? 0;
    if (failTimes === -1 || n <= failTimes) {
      throw Object.assign(new Error(`fixture failure ${n}`), { code: p.fail_code ?? 'UNAVAILABLE' });
    }
    ctx.progress(0.1, 'fixture: working');
    if (p.busy_ms) {
      const end = Date.now() + p.busy_ms;
      let x = 0;
      while (Date.now() < end) x += Math.sqrt(x + 1);
      if (x < 0) throw new Error('unreachable');
    }
    const sleepMs = n === 1 && p.first_sleep_ms !== undefined ? p.first_sleep_ms : p.sleep_ms;
    if (sleepMs) {
      const end = Date.now() + sleepMs;
      while (Date.now() < end) {
        if (ctx.signal.aborted) throw Object.assign(new Error('aborted'), { code: 'ABORTED' });
        await new Promise((r) => setTimeout(r, 20));
        ctx.progress(1 - (end - Date.now()) / sleepMs, 'fixture: sleeping');
      }
    }
    if (ctx.signal.aborted) throw Object.assign(new Error('aborted'), { code: 'ABORTED' });
    const { x, y } = request.params as { x?: number; y?: number };
    if (x === 13) throw Object.assign(new Error('x must not be 13'), { code: 'INVALID_PARAMS' });
    const score = 2 * Number(x ?? 0) - Number(y ?? 0);
    return { headline: { runs: n, symbols: request.symbols.length }, metrics: { total_return_pct: score, trade_count: 1 }, result: { ok: true } };
  }
}

/** A run store in Redis, counting saves and deletes per run id (keys expire after an hour). */
export class RedisFixtureRunStore implements RunStore {
  constructor(private readonly redis: RedisClient) {}

  async save(record: RunRecord): Promise<void> {
    const key = fixtureRunKey(record.runId);
    await this.redis.hIncrBy(key, 'saves', 1);
    await this.redis.hSet(key, 'saved', JSON.stringify({ runId: record.runId, headline: record.execution.headline }));
    await this.redis.expire(key, 3600);
  }

  async delete(runId: string): Promise<void> {
    const key = fixtureRunKey(runId);
    await this.redis.hIncrBy(key, 'deletes', 1);
    await this.redis.hDel(key, 'saved');
    await this.redis.expire(key, 3600);
  }
}

/** What the fixture store recorded for a run. */
export async function fixtureRun(redis: RedisClient, runId: string): Promise<{ saves: number; deletes: number; saved: boolean }> {
  const h = await redis.hGetAll(fixtureRunKey(runId));
  return { saves: Number(h.saves ?? 0), deletes: Number(h.deletes ?? 0), saved: h.saved !== undefined };
}
