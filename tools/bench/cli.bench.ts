/**
 * The CLI as a process (issue 15). Run: `npm run bench -- cli` (wrap it in `flock /work/wt/bench.lock`
 * on a shared machine). Every case is a whole `node tools/scripts/run-cli.cjs …` process, as a user
 * times it, measured best-of-N and median: wall time, the child's own CPU time (user + system) and
 * peak RSS (reported by the child at exit through a preloaded probe). Baselines in the same run:
 * `node -e ''` (the floor of any Node process) and the engine in this process (runBacktest / runSweep
 * on the same candles, warm): the gap between them and the CLI is start-up, loading and parsing.
 *
 * Data: one-minute candles written as CSV like an exchange export (epoch ms, KRW prices as whole
 * won, volumes with 8 decimals), 100,000 and 1,000,000 rows; plus the 100,000 rows with full
 * 17-digit doubles (the worst case for the number parser).
 * Goals: `--help` <= 150 ms; 100 k backtest <= 400 ms; 1 M <= 1.5 s with peak RSS <= 300 MB; the
 * sweep (90 sets over 100 k) never slower than its own one-thread path (`--workers 1`).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { getStrategy, runBacktest, runSweep, type CandleColumns } from '@coinhts/engine';
import { syntheticCandles } from '@coinhts/engine/testing';
import { saveResults } from './harness';

const ROOT = resolve(__dirname, '..', '..');
const RUN_CLI = join(ROOT, 'tools/scripts/run-cli.cjs');
const tmp = mkdtempSync(join(tmpdir(), 'coinhts-cli-bench-'));
const PROBE = join(tmp, 'probe.cjs');
writeFileSync(PROBE, "process.on('exit', () => { const c = process.cpuUsage(); require('node:fs').writeFileSync(process.env.BENCH_PROBE, JSON.stringify({ cpuMs: (c.user + c.system) / 1000, rssMB: process.resourceUsage().maxRSS / 1024 })); });\n");

interface Sample { readonly wallMs: number; readonly cpuMs: number; readonly rssMB: number }
interface Case { readonly name: string; readonly best: Sample; readonly median: Sample; readonly runs: number }

/** Runs `argv` under node `runs` times (after one warm-up run that also builds the bundle if stale). */
function processCase(name: string, argv: readonly string[], runs: number, env: Record<string, string> = {}): Case {
  const out = join(tmp, 'probe.json');
  const samples: Sample[] = [];
  for (let i = -1; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ['-r', PROBE, ...argv], { cwd: tmp, env: { ...process.env, BENCH_PROBE: out, RESULTS_STORE: `file:${join(tmp, 'store')}`, ...env }, encoding: 'utf8', maxBuffer: 64 << 20 });
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${name}: exit ${r.status}\n${r.stderr}`);
    const p = JSON.parse(readFileSync(out, 'utf8')) as { cpuMs: number; rssMB: number };
    if (i >= 0) samples.push({ wallMs, cpuMs: p.cpuMs, rssMB: p.rssMB });
  }
  const by = (k: keyof Sample): number[] => samples.map((s) => s[k]).sort((a, b) => a - b);
  const pick = (f: (v: number[]) => number): Sample => ({ wallMs: f(by('wallMs')), cpuMs: f(by('cpuMs')), rssMB: f(by('rssMB')) });
  return { name, runs, best: pick((v) => v[0]), median: pick((v) => v[Math.floor(v.length / 2)]) };
}

/** CSV of `candles` as an exchange would write it (or with full doubles when `exact`). */
function writeCsv(file: string, c: CandleColumns, exact: boolean): void {
  const krw = (x: number): string => (exact ? String(x) : String(Math.round(x * 560_000)));
  const parts = ['timestamp,open,high,low,close,volume\n'];
  for (let i = 0; i < c.timestamp.length; i++) parts.push(`${c.timestamp[i]},${krw(c.open[i])},${krw(c.high[i])},${krw(c.low[i])},${krw(c.close[i])},${exact ? c.volume[i] : c.volume[i].toFixed(8)}\n`);
  writeFileSync(file, parts.join(''));
}

/** Best-of-N CPU time of `fn` in this process (after a warm-up call). */
function inProcess(fn: () => unknown, runs: number): number {
  fn();
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    fn();
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / 1000);
  }
  return best;
}

function main(): void {
  const load = loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`\n### The CLI as a process — ${new Date().toISOString()}, ${cpus()[0]?.model} x${cpus().length}, load ${load} (a shared machine: compare the ratios)\n`);
  const c100k = syntheticCandles({ n: 100_000, seed: 7, intervalMs: 60_000 });
  const c1m = syntheticCandles({ n: 1_000_000, seed: 7, intervalMs: 60_000 });
  const f100k = join(tmp, 'c100k.csv'), f1m = join(tmp, 'c1m.csv'), f100kExact = join(tmp, 'c100k-exact.csv');
  writeCsv(f100k, c100k, false);
  writeCsv(f1m, c1m, false);
  writeCsv(f100kExact, c100k, true);

  // the build a fresh clone pays once (and after every source change) before the first command
  const bundle = require(join(ROOT, 'tools/scripts/cli-bundle.cjs')) as { build(): number };
  const buildMs = Math.min(bundle.build(), bundle.build(), bundle.build());

  const bt = (file: string): string[] => [RUN_CLI, 'backtest', '--csv', file, '--strategy', 'sma_crossover', '--param', 'fast_period=10', '--param', 'slow_period=50', '--no-save'];
  const sweepArgs = (workers: number): string[] => [RUN_CLI, 'sweep', '--csv', f100k, '--strategy', 'sma_crossover', '--space', 'fast_period=5:50:5', '--space', 'slow_period=60:240:20', '--rank-by', 'sharpe', '--top', '3', '--workers', String(workers)];
  const cases: Case[] = [
    processCase("node -e ''", ['-e', ''], 7),
    processCase('coinhts --help', [RUN_CLI, '--help'], 7),
    processCase('coinhts --help (from source, COINHTS_FROM_SOURCE=1)', [RUN_CLI, '--help'], 3, { COINHTS_FROM_SOURCE: '1' }),
    processCase('backtest --csv 100 k', bt(f100k), 5),
    processCase('backtest --csv 100 k, 17-digit numbers', bt(f100kExact), 5),
    processCase('backtest --csv 1 M', bt(f1m), 3),
    processCase('sweep 90 sets over 100 k, --workers 1', sweepArgs(1), 3),
    processCase('sweep 90 sets over 100 k, --workers 2', sweepArgs(2), 3),
  ];

  // same run, in this process, warm: the engine's share of the CLI's time
  const sma = getStrategy('sma_crossover');
  const req = (candles: CandleColumns) => ({ strategy: sma, params: { fast_period: 10, slow_period: 50 }, series: [{ symbol: 'KRW-BTC', timeframe: '1m' as const, candles }] });
  const engine100k = inProcess(() => runBacktest(req(c100k)), 5);
  const engine1m = inProcess(() => runBacktest(req(c1m)), 3);
  const space = { fast_period: { min: 5, max: 50, step: 5 }, slow_period: { min: 60, max: 240, step: 20 } };
  const sweep1 = inProcess(() => runSweep({ strategy: sma, space, series: [{ symbol: 'KRW-BTC', timeframe: '1m', candles: c100k }], rankBy: 'sharpe', top: 3 }), 3);

  const node = cases[0].best;
  console.log('| case | best wall ms | median wall ms | best CPU ms | peak RSS MB | wall vs `node -e \'\'` |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const c of cases) console.log(`| ${c.name} | ${c.best.wallMs.toFixed(0)} | ${c.median.wallMs.toFixed(0)} | ${c.best.cpuMs.toFixed(0)} | ${c.median.rssMB.toFixed(0)} | ${(c.best.wallMs / node.wallMs).toFixed(1)}x |`);
  console.log(`\nIn this process (warm, best CPU ms): runBacktest 100 k ${engine100k.toFixed(0)}, 1 M ${engine1m.toFixed(0)}; runSweep 90 sets over 100 k, one thread ${sweep1.toFixed(0)} (${(90 / (sweep1 / 1000)).toFixed(0)} sets/s).`);
  const s1 = cases[6].best.wallMs, s2 = cases[7].best.wallMs;
  console.log(`CLI sweep: --workers 2 takes ${(s2 / s1).toFixed(2)}x the time of --workers 1 (best wall). Bundle build (fresh clone / after a change): ${buildMs} ms.`);

  saveResults('cli', { load, buildMs, cases, inProcess: { engine100kMs: engine100k, engine1mMs: engine1m, sweep90SetsOneThreadMs: sweep1 } });
  rmSync(tmp, { recursive: true, force: true });
}

main();
