/**
 * Queue benchmark (`npm run bench -- jobs`): backtest jobs and a parameter sweep through real
 * worker processes (BullMQ sandboxed child processes, real engine on synthetic candles, runs
 * counted in Redis instead of written to PostgreSQL/S3, so the numbers are the queue's and the
 * engine's, not the database's).
 *
 * 1. Queue overhead when idle: 100 jobs one at a time, enqueue → start (BullMQ `processedOn` −
 *    job creation time), p50 / p95.
 * 2. Throughput: 1,000 backtest jobs of 1,000 daily candles each through 2 worker processes;
 *    jobs/s from the first enqueue to the last completion; every job checked: completed (none
 *    lost) and its run saved exactly once (none duplicated).
 * 3. A 200-combination sweep (20 chunks of 10, ~500k 15-minute candles per combination) on 2
 *    worker processes, then on 1 (twice each): wall time and speed-up.
 *
 * Needs REDIS_URL (prints a note and exits 0 without it). Uses a random key prefix and deletes
 * its keys at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { createRedisClient, ensureConnected, JobQueues, type JobStatus, type SweepJobResult } from '@coinhts/jobs';
import { RUN_REQUEST_PARSERS } from '@coinhts/runs';
import { report, saveResults, type CaseResult } from './harness';

const url = process.env.REDIS_URL;
if (!url) {
  console.log('REDIS_URL is not set: the jobs benchmark needs Redis (`source tools/services.sh`). Skipping.');
  process.exit(0);
}
const redisUrl: string = url;

const root = join(__dirname, '..', '..');
const workerScript = join(root, 'libs', 'jobs', 'src', 'testing', 'fixtures', 'worker-main.ts');
const loader = ['--conditions=@coinhts/source', '-r', require.resolve('@swc-node/register')];
const prefix = `bench-${randomBytes(4).toString('hex')}`;
const children: ChildProcess[] = [];

async function startWorker(): Promise<ChildProcess> {
  const args = JSON.stringify({ url: redisUrl, prefix, queues: ['backtest', 'sweep'], processor: 'bench.processor.cjs', concurrency: 1, shutdownTimeoutMs: 10_000 });
  const child = spawn(process.execPath, [...loader, workerScript, args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  for (let i = 0; i < 600 && !out.includes('ready'); i++) await sleep(50);
  if (!out.includes('ready')) throw new Error('a worker process did not start');
  return child;
}

async function stopWorker(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

// 2022-01-01 .. 2024-09-26 inclusive = 365 + 365 + 270 = 1,000 daily candles.
const backtest = (i: number) => ({
  strategy: 'volume_long_candle', params: { vol_multiplier: 1.5 + (i % 50) / 100 },
  symbols: ['KRW-BTC'], start_date: '2022-01-01', end_date: '2024-09-26', timeframe: '1d',
});

async function waitCompleted(jobs: JobQueues, kind: 'backtests' | 'sweeps', id: string, timeoutMs = 600_000): Promise<JobStatus> {
  const t0 = Date.now();
  for (;;) {
    const s = kind === 'backtests' ? await jobs.backtests.status(id) : await jobs.sweeps.status(id);
    if (s.state === 'completed' || s.state === 'failed' || s.state === 'cancelled') return s;
    if (Date.now() - t0 > timeoutMs) throw new Error(`job ${id} still ${s.state}`);
    await sleep(kind === 'backtests' ? 5 : 100);
  }
}

async function main(): Promise<void> {
  const redis = createRedisClient({ url: redisUrl });
  await ensureConnected(redis);
  // Keep every finished job for the run (default retention trims at 1,000).
  const jobs = await JobQueues.connect({ redis: { url: redisUrl }, prefix, requests: RUN_REQUEST_PARSERS, retention: { completedCount: 1_000_000, completedAgeSec: 86_400 } });
  const results: CaseResult[] = [];
  const data: Record<string, unknown> = {};
  try {
    const a = await startWorker();
    const b = await startWorker();

    // Warm-up: sandboxes forked, modules loaded, candles generated.
    await Promise.all(Array.from({ length: 8 }, async (_, i) => waitCompleted(jobs, 'backtests', (await jobs.backtests.submit(backtest(i))).jobId)));

    // 1. Overhead when idle.
    const overhead: number[] = [];
    for (let i = 0; i < 100; i++) {
      const { jobId } = await jobs.backtests.submit(backtest(i));
      const s = await waitCompleted(jobs, 'backtests', jobId);
      if (s.state !== 'completed' || s.startedAt === null || s.createdAt === null) throw new Error(`idle job ${jobId} ended ${s.state}`);
      overhead.push(s.startedAt - s.createdAt);
    }
    overhead.sort((x, y) => x - y);
    data.idleOverheadMs = { p50: pct(overhead, 50), p95: pct(overhead, 95), max: overhead[overhead.length - 1], samples: overhead.length };

    // 2. Throughput: 1,000 jobs, 2 worker processes.
    const N = 1_000;
    const ids: string[] = [];
    const tEnqueue0 = Date.now();
    for (let i = 0; i < N; i += 25) {
      const batch = await Promise.all(Array.from({ length: Math.min(25, N - i) }, (_, k) => jobs.backtests.submit(backtest(i + k))));
      ids.push(...batch.map((r) => r.jobId));
    }
    const enqueueMs = Date.now() - tEnqueue0;
    const baseline = 108;
    for (;;) {
      const c = await jobs.backtests.counts();
      if (c.completed + c.failed + c.cancelled >= baseline + N) break;
      await sleep(100);
    }
    const statuses = await Promise.all(ids.map((id) => jobs.backtests.status(id)));
    const completed = statuses.filter((s): s is Extract<JobStatus, { state: 'completed' }> => s.state === 'completed');
    const lost = N - completed.length;
    const saves = await Promise.all(ids.map(async (id) => Number((await redis.hGet(`fixture:run:${id}`, 'saves')) ?? 0)));
    const duplicated = saves.filter((n) => n > 1).length;
    const neverSaved = saves.filter((n) => n === 0).length;
    const first = Math.min(...completed.map((s) => s.createdAt ?? Infinity));
    const last = Math.max(...completed.map((s) => s.finishedAt ?? 0));
    const wallMs = last - first;
    results.push({ name: `1,000 backtests × 1,000 candles, 2 worker processes`, medianMs: wallMs, minMs: wallMs, runs: 1, perSecond: N / (wallMs / 1000) });
    data.throughput = { jobs: N, wallMs, jobsPerSecond: N / (wallMs / 1000), enqueueMs, enqueuePerSecond: N / (enqueueMs / 1000), lost, duplicated, neverSaved };
    await Promise.all(ids.map((id) => redis.del(`fixture:run:${id}`)));

    // 3. Sweep: 200 combinations in 20 chunks, on 2 workers then 1.
    const sweep = {
      strategy: 'volume_long_candle',
      grid: { vol_ma_window: [10, 15, 20, 25, 30, 35, 40, 45, 50, 55], vol_multiplier: [1.2, 1.4, 1.6, 1.8, 2.0], body_pct: [0.005, 0.01, 0.015, 0.02] },
      // 2010-01-01 .. 2024-04-05 in 15-minute candles ≈ 500k candles per combination.
      symbols: ['KRW-BTC'], start_date: '2010-01-01', end_date: '2024-04-05', timeframe: '15m', chunk_size: 10,
    };
    const runSweep = async (label: string, grid: typeof sweep.grid, chunkSize = sweep.chunk_size) => {
      const { jobId } = await jobs.sweeps.submit({ ...sweep, grid, chunk_size: chunkSize });
      const s = await waitCompleted(jobs, 'sweeps', jobId);
      if (s.state !== 'completed') throw new Error(`sweep ${label} ended ${s.state}`);
      const r = s.result as SweepJobResult;
      return { ms: (s.finishedAt ?? 0) - (s.createdAt ?? 0), evaluated: r.evaluated, best: r.top[0]?.params };
    };
    // Warm-up on both workers: 8 one-combination chunks, so both sweep sandboxes are forked, have
    // loaded their modules and generated the candles before anything is timed.
    await runSweep('warm-up', { vol_ma_window: [10, 15], vol_multiplier: [1.2, 1.4], body_pct: [0.005, 0.01] }, 1);
    const twoRuns = [await runSweep('2 workers', sweep.grid), await runSweep('2 workers', sweep.grid)];
    await stopWorker(b);
    const oneRuns = [await runSweep('1 worker', sweep.grid), await runSweep('1 worker', sweep.grid)];
    const best = (rs: { ms: number }[]) => Math.min(...rs.map((r) => r.ms));
    const mean = (rs: { ms: number }[]) => rs.reduce((x, r) => x + r.ms, 0) / rs.length;
    results.push({ name: 'sweep 200 combos, 2 worker processes', medianMs: mean(twoRuns), minMs: best(twoRuns), runs: 2, perSecond: 200 / (mean(twoRuns) / 1000) });
    results.push({ name: 'sweep 200 combos, 1 worker process', medianMs: mean(oneRuns), minMs: best(oneRuns), runs: 2, perSecond: 200 / (mean(oneRuns) / 1000) });
    data.sweep = {
      combinations: 200, chunks: 20, twoWorkersMs: twoRuns.map((r) => r.ms), oneWorkerMs: oneRuns.map((r) => r.ms),
      speedUpBest: best(oneRuns) / best(twoRuns), speedUpMean: mean(oneRuns) / mean(twoRuns),
      evaluated: [...twoRuns, ...oneRuns].map((r) => r.evaluated), sameBest: new Set([...twoRuns, ...oneRuns].map((r) => JSON.stringify(r.best))).size === 1,
    };
    await stopWorker(a);
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await jobs.close();
    for await (const keys of redis.scanIterator({ MATCH: `${prefix}:*`, COUNT: 1000 })) if (keys.length) await redis.del(keys);
    await redis.close();
  }

  report('jobs: queue throughput and sweep scaling (wall time of one run each)', results, 'sweep 200 combos, 2 worker processes');
  const o = data.idleOverheadMs as { p50: number; p95: number; max: number };
  const t = data.throughput as { jobsPerSecond: number; lost: number; duplicated: number; neverSaved: number; enqueuePerSecond: number };
  const s = data.sweep as { speedUpBest: number; speedUpMean: number; sameBest: boolean };
  console.log(`\nidle enqueue → start: p50 ${o.p50} ms, p95 ${o.p95} ms, max ${o.max} ms (100 jobs)`);
  console.log(`throughput: ${t.jobsPerSecond.toFixed(1)} jobs/s; enqueue ${t.enqueuePerSecond.toFixed(0)} jobs/s; lost ${t.lost}, duplicated ${t.duplicated}, never saved ${t.neverSaved}`);
  console.log(`sweep speed-up 2 vs 1 worker processes: ${s.speedUpBest.toFixed(2)}x best-of-2, ${s.speedUpMean.toFixed(2)}x mean (same best combination every run: ${s.sameBest})`);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model}, Node ${process.version}`);
  saveResults('jobs', data);
  if (t.lost !== 0 || t.duplicated !== 0 || t.neverSaved !== 0) process.exit(1);
}

main().catch((err: unknown) => {
  console.error(err);
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  process.exit(1);
});
