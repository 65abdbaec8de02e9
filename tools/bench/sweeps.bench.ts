/**
 * Sweeps at scale (issue 15). Run: `npm run bench -- sweeps` (several minutes; the 100,000-set part
 * runs in a child process so its peak RSS is its own).
 *
 * (a) 1,000 SMA-crossover sets (fast 2..41 x slow 50..290 step 10) over 100,000 one-minute candles,
 *     the same grid six ways in one process: a plain loop of runBacktest calls (what a user writes
 *     first: the baseline), runSweep on the main thread without and with the shared indicator columns,
 *     a warm SweepPool of 1 and of 2 workers (started once, reused by every run), and the one-shot
 *     runSweepParallel (2 workers, start-up included). All must give the same best set.
 *     Goals: >= 2,000 sets/s; 2 workers >= 1.6x 1 worker.
 * (b) 100,000 sets (fast 1..1000 x slow 1001..1100) over the same candles on a pool of 2 workers,
 *     top 10 kept, verdict on: wall time, sets/s against (a)'s pool of 2, peak RSS of the whole process
 *     (workers are threads of it). Goals: completes, peak RSS <= 1 GiB, throughput within 10 % of (a).
 * (c) The signal pass alone with and without shared indicator columns, per set, best of 3 in process
 *     CPU time (less sensitive to other jobs on a shared machine than wall time): SMA crossover over
 *     (a)'s grid, RSI reversion over 20 periods x 10 oversold levels.
 * (d) runSweep per set in process CPU time, best of 3: a full runBacktest per set (evaluation 'full')
 *     against the fused summary pass (the default), over (a)'s grid.
 * Timings are medians of wall time; the machine is shared, so compare the ratios (same run).
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { getStrategy, LruColumnCache, parseStrategyParams, runBacktest, runSweep, type ParamSpace } from '@coinhts/engine';
import { runSweepParallel, SweepPool } from '@coinhts/engine/parallel';
import { syntheticCandles } from '@coinhts/engine/testing';
import { measure, measureAsync, report, saveResults } from './harness';

const OPTIONS = {
  initial_capital: 1e9, sizing: { kind: 'notional', krw: 1_000_000 }, fee_rate: 0.001, slippage_rate: 0.0002, lot_step: 1e-8, stop_loss_pct: 2, fill: 'next-open', hold_bars: null,
} as const;
const candles = syntheticCandles({ n: 100_000, seed: 7 });
const series = [{ symbol: 'KRW-BTC', timeframe: '1m' as const, candles }];
const SMALL: ParamSpace = { fast_period: { min: 2, max: 41, step: 1 }, slow_period: { min: 50, max: 290, step: 10 } };
const BIG: ParamSpace = { fast_period: { min: 1, max: 1000, step: 1 }, slow_period: { min: 1001, max: 1100, step: 1 } };

async function small(): Promise<Record<string, unknown>> {
  const sets = 1000;
  const strategy = getStrategy('sma_crossover');
  const common = { space: SMALL, series, options: OPTIONS, rankBy: 'sharpe' as const, top: 10 };
  const loop = (): { best: number; params: unknown } => {
    let best = -Infinity, params: unknown = null;
    for (let f = 2; f <= 41; f++) {
      for (let s = 50; s <= 290; s += 10) {
        const sharpe = runBacktest({ strategy, params: { fast_period: f, slow_period: s }, series, options: OPTIONS }).summary.portfolio.sharpe ?? -Infinity;
        if (sharpe > best) { best = sharpe; params = { fast_period: f, slow_period: s }; }
      }
    }
    return { best, params };
  };
  const one = new SweepPool({ workers: 1 });
  const two = new SweepPool({ workers: 2 });
  await Promise.all([one.ready(), two.ready()]);
  const byLoop = loop();
  const bySweep = runSweep({ ...common, strategy: strategy as never });
  const byPool = await two.run({ ...common, strategy: 'sma_crossover' });
  const byFull = runSweep({ ...common, strategy: strategy as never, evaluation: 'full' });
  const same = JSON.stringify(bySweep.best?.params) === JSON.stringify(byLoop.params) && JSON.stringify(byPool.rows) === JSON.stringify(bySweep.rows)
    && JSON.stringify(byFull.rows) === JSON.stringify(bySweep.rows);
  const results = [
    measure('plain loop of runBacktest', loop, { runs: 3, warmup: 0, units: sets }),
    measure('runSweep, full runBacktest per set', () => runSweep({ ...common, strategy: strategy as never, evaluation: 'full' }), { runs: 3, warmup: 0, units: sets }),
    measure('runSweep, no shared columns', () => runSweep({ ...common, strategy: strategy as never, columns: null }), { runs: 3, warmup: 0, units: sets }),
    measure('runSweep (shared columns)', () => runSweep({ ...common, strategy: strategy as never }), { runs: 3, warmup: 0, units: sets }),
    await measureAsync('SweepPool, 1 worker (warm)', () => one.run({ ...common, strategy: 'sma_crossover' }), { runs: 3, warmup: 1, units: sets }),
    await measureAsync('SweepPool, 2 workers (warm)', () => two.run({ ...common, strategy: 'sma_crossover' }), { runs: 3, warmup: 1, units: sets }),
    await measureAsync('runSweepParallel (one-shot, 2 workers)', () => runSweepParallel({ ...common, strategy: 'sma_crossover', workers: 2 }), { runs: 3, warmup: 0, units: sets }),
  ];
  await Promise.all([one.close(), two.close()]);
  report(`(a) ${sets} SMA-crossover sets over 100,000 one-minute candles (sets/s)`, results, 'plain loop of runBacktest');
  const twoVsOne = results[4].medianMs / results[5].medianMs;
  const best = results[5].perSecond ?? 0;
  console.log(`\nsame best set as the plain loop, same rows on the pool, on one thread and with full runs per set: ${same ? 'yes' : 'NO'}`);
  console.log(`2 workers vs 1: ${twoVsOne.toFixed(2)}x (goal >= 1.6x: ${twoVsOne >= 1.6 ? 'met' : 'MISSED'}); pool of 2: ${best.toFixed(0)} sets/s (goal >= 2,000: ${best >= 2000 ? 'met' : 'MISSED'}); ${(results[0].medianMs / results[5].medianMs).toFixed(2)}x the plain loop`);
  console.log(`verdict of the best set: ${JSON.stringify(bySweep.verdict)}`);
  return { sets, same, results, twoVsOne, poolOfTwoPerSecond: best };
}

/** (d) CPU ms per set of runSweep with full runs vs the fused summary pass (best of 3; process CPU time, less sensitive to a shared machine). */
function perSetCpu(): Record<string, unknown> {
  const cpu = (fn: () => void): number => { const u = process.cpuUsage(); fn(); const d = process.cpuUsage(u); return (d.user + d.system) / 1000; };
  const strategy = getStrategy('sma_crossover');
  const common = { space: SMALL, series, options: OPTIONS, rankBy: 'sharpe' as const, top: 10, strategy: strategy as never };
  let full = Infinity, summary = Infinity;
  for (let rep = 0; rep < 3; rep++) {
    full = Math.min(full, cpu(() => runSweep({ ...common, evaluation: 'full' })) / 1000);
    summary = Math.min(summary, cpu(() => runSweep({ ...common, evaluation: 'summary' })) / 1000);
  }
  console.log('\n### (d) runSweep CPU ms per set, 1000 SMA-crossover sets, one thread (best of 3)\n');
  console.log(`| full runBacktest per set | fused summary pass | ratio |\n|---:|---:|---:|\n| ${full.toFixed(3)} | ${summary.toFixed(3)} | ${(full / summary).toFixed(2)}x |`);
  return { fullMs: full, summaryMs: summary };
}

function signalPass(): Record<string, unknown> {
  const cpu = (fn: () => void): number => { const u = process.cpuUsage(); fn(); const d = process.cpuUsage(u); return (d.user + d.system) / 1000; };
  const out: Record<string, unknown> = {};
  const cases: [string, object[]][] = [
    ['sma_crossover', Array.from({ length: 40 }, (_, f) => Array.from({ length: 25 }, (__, k) => ({ fast_period: f + 2, slow_period: 50 + 10 * k }))).flat()],
    ['rsi_reversion', Array.from({ length: 20 }, (_, p) => Array.from({ length: 10 }, (__, k) => ({ period: p + 5, oversold: 20 + 2 * k, overbought: 80 - 2 * k }))).flat()],
  ];
  console.log('\n### (c) signal pass per set, with and without shared columns (best of 3, CPU ms per set)\n');
  console.log('| strategy | sets | without | with shared columns | ratio |\n|---|---:|---:|---:|---:|');
  for (const [name, raw] of cases) {
    const strategy = getStrategy(name);
    const sets = raw.map((p) => parseStrategyParams(strategy, p));
    let without = Infinity, withCache = Infinity;
    for (let rep = 0; rep < 3; rep++) {
      without = Math.min(without, cpu(() => { for (const p of sets) strategy.generate(candles, p); }) / sets.length);
      const cache = new LruColumnCache(); // a fresh cache per repetition: its misses are part of the cost
      withCache = Math.min(withCache, cpu(() => { for (const p of sets) strategy.generate(candles, p, { columns: cache }); }) / sets.length);
    }
    console.log(`| ${name} | ${sets.length} | ${without.toFixed(3)} | ${withCache.toFixed(3)} | ${(without / withCache).toFixed(2)}x |`);
    out[name] = { sets: sets.length, withoutMs: without, withMs: withCache };
  }
  return out;
}

async function big(): Promise<void> {
  const pool = new SweepPool({ workers: 2 });
  await pool.ready();
  const t0 = process.hrtime.bigint();
  let lastPct = 0;
  const r = await pool.run({
    strategy: 'sma_crossover', space: BIG, series, options: OPTIONS, rankBy: 'sharpe', top: 10,
    onProgress: (p) => { const pct = Math.floor((p.done * 10) / p.total); if (pct > lastPct) { lastPct = pct; process.stderr.write(`  ${p.done}/${p.total}\n`); } },
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  await pool.close();
  const rssMiB = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ sets: r.total, evaluated: r.evaluated, ms, perSecond: r.total / (ms / 1000), peakRssMiB: rssMiB, rows: r.rows.length, best: r.best?.params, verdict: r.verdict }));
}

async function main(): Promise<void> {
  if (process.env.SWEEPS_BENCH_PART === 'big') { await big(); return; }
  if (process.env.SWEEPS_BENCH_PART === 'signals') { signalPass(); return; } // (c) alone: SWEEPS_BENCH_PART=signals npm run bench -- sweeps
  if (process.env.SWEEPS_BENCH_PART === 'small') { await small(); return; } // (a) alone
  if (process.env.SWEEPS_BENCH_PART === 'cpu') { perSetCpu(); return; } // (d) alone
  const loadBefore = loadavg();
  console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, Node ${process.version}; load average before ${loadBefore.map((x) => x.toFixed(2)).join(' / ')}`);
  const c = signalPass();
  const d = perSetCpu();
  const a = await small();
  console.log('\n### (b) 100,000 sets over 100,000 candles, pool of 2 workers, top 10 (child process)\n');
  const child = spawnSync(process.execPath, [...process.execArgv, __filename], { env: { ...process.env, SWEEPS_BENCH_PART: 'big' }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  const b = JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as { perSecond: number; peakRssMiB: number; ms: number; sets: number };
  const ratio = b.perSecond / (a.poolOfTwoPerSecond as number);
  console.log(`100,000 sets in ${(b.ms / 1000).toFixed(1)} s = ${b.perSecond.toFixed(0)} sets/s (${(ratio * 100).toFixed(0)} % of the 1,000-set case; goal >= 90 %: ${ratio >= 0.9 ? 'met' : 'MISSED'}); peak RSS ${b.peakRssMiB.toFixed(0)} MiB (goal <= 1024: ${b.peakRssMiB <= 1024 ? 'met' : 'MISSED'})`);
  const loadAfter = loadavg();
  console.log(`\nload average after: ${loadAfter.map((x) => x.toFixed(2)).join(' / ')}`);
  saveResults('sweeps', { loadBefore, loadAfter, signalPass: c, perSetCpu: d, small: a, big: b, bigVsSmall: ratio });
  if (!a.same || child.status !== 0) process.exitCode = 1;
}

void main();
