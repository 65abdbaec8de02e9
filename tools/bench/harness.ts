/**
 * Tiny benchmark harness shared by every script in tools/bench.
 * Each case is warmed up, then timed `runs` times; we report the median (and min) in ms.
 * Ratios are always against a baseline measured in the same process, in the same run, so
 * they survive a slower or busier machine better than absolute numbers.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, totalmem } from 'node:os';

export interface CaseResult {
  readonly name: string;
  readonly medianMs: number;
  readonly minMs: number;
  readonly runs: number;
  /** Work units per second at the median (e.g. candles/s), when `units` was given. */
  readonly perSecond?: number;
}

export interface MeasureOptions {
  readonly runs?: number;
  readonly warmup?: number;
  /** Work units processed by one call (candles, values, jobs...). */
  readonly units?: number;
}

/** Times `fn` and returns median/min wall time. `fn`'s return value is kept alive to defeat dead-code elimination. */
export function measure(name: string, fn: () => unknown, opts: MeasureOptions = {}): CaseResult {
  const runs = opts.runs ?? 7;
  const warmup = opts.warmup ?? 2;
  let sink: unknown;
  for (let i = 0; i < warmup; i++) sink = fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    sink = fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  keep(sink);
  times.sort((a, b) => a - b);
  const medianMs = times[Math.floor(times.length / 2)];
  return { name, medianMs, minMs: times[0], runs, perSecond: opts.units ? opts.units / (medianMs / 1000) : undefined };
}

/** Async variant of {@link measure}. */
export async function measureAsync(name: string, fn: () => Promise<unknown>, opts: MeasureOptions = {}): Promise<CaseResult> {
  const runs = opts.runs ?? 5;
  const warmup = opts.warmup ?? 1;
  for (let i = 0; i < warmup; i++) keep(await fn());
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    keep(await fn());
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const medianMs = times[Math.floor(times.length / 2)];
  return { name, medianMs, minMs: times[0], runs, perSecond: opts.units ? opts.units / (medianMs / 1000) : undefined };
}

let blackhole = 0;
function keep(x: unknown): void {
  if (x !== undefined && x !== null) blackhole ^= 1;
}

/** Formats a number of units/s as e.g. `12.3 M/s`. */
export function rate(perSecond: number | undefined): string {
  if (perSecond === undefined) return '';
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(1)} M/s`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k/s`;
  return `${perSecond.toFixed(1)} /s`;
}

/** Prints a markdown table of results with a ratio column against `baseline` (name of a case). */
export function report(title: string, results: readonly CaseResult[], baseline?: string): void {
  const base = baseline ? results.find((r) => r.name === baseline) : undefined;
  console.log(`\n### ${title}\n`);
  console.log(`| case | median ms | min ms | rate | ${base ? `time vs ${base.name}` : ''} |`);
  console.log('|---|---:|---:|---:|---:|');
  for (const r of results) {
    const ratio = base ? `${(r.medianMs / base.medianMs).toFixed(2)}x` : '';
    console.log(`| ${r.name} | ${r.medianMs.toFixed(2)} | ${r.minMs.toFixed(2)} | ${rate(r.perSecond)} | ${ratio} |`);
  }
}

/** Writes results (plus machine facts and date) to tools/bench/results/<name>.json. */
export function saveResults(name: string, data: unknown): void {
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
  writeFileSync(join(dir, `${name}.json`), JSON.stringify({ date: new Date().toISOString(), machine, data, blackhole }, null, 2) + '\n');
}
