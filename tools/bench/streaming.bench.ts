/**
 * The streaming form of every registered strategy (what live paper trading and a replay of
 * recorded candles run): 1,000,000 one-minute synthetic candles fed one by one through
 * `createStream(params).onCandle(candle)`, after a snapshot → JSON → restore at bar 500,000 (so the
 * restored path is the one timed for the second half). Issue 12's goal: >= 5 M candles/s for each
 * built-in. Also the batch form of each, and for `sma_crossover` its per-bar rule against its
 * column rule (the defineStrategy overhead). Baseline in the same run: a plain loop that reads
 * every candle object and sums the closes (the floor of any per-candle API).
 * On a shared machine the median wall time counts other processes' time slices too, so each stream
 * is also timed by its best process CPU time over a few runs, and the GC events during one
 * 1,000,000-candle run are counted (an allocation-free per-candle path shows none or a few).
 * Run: `npm run bench -- streaming`.
 */
import { cpus, loadavg } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { candleAt, listStrategies, parseStrategyParams, smaCrossover, type Candle, type DefinedStrategy, type StrategyState } from '@coinhts/engine';
import { syntheticCandles } from '@coinhts/engine/testing';
import { measure, rate, report, saveResults, type CaseResult } from './harness';

const N = 1_000_000;
const GOAL = 5e6;
const candles = syntheticCandles({ n: N, seed: 42 });
const rows: Candle[] = Array.from({ length: N }, (_, i) => candleAt(candles, i));
const paramsOf: Record<string, Record<string, unknown>> = { volume_long_candle: { body_pct: 0.002 }, volume_zone_breakout: { volume_window: 20, num_bins: 20 } };

console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, Node ${process.version}; load average before ${loadavg().map((x) => x.toFixed(2)).join(' / ')}`);

let gcEvents = 0;
new PerformanceObserver((list) => { gcEvents += list.getEntries().length; }).observe({ entryTypes: ['gc'] });
/** Lets the GC observer deliver its entries. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 20));
/** Smallest process CPU time of `runs` calls, ms. */
function cpuBestMs(fn: () => unknown, runs: number): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const u0 = process.cpuUsage();
    fn();
    const u = process.cpuUsage(u0);
    best = Math.min(best, (u.user + u.system) / 1000);
  }
  return best;
}

async function main(): Promise<void> {
const floor = measure('baseline: read every candle object', () => { let s = 0; for (let i = 0; i < N; i++) s += rows[i].close; return s; }, { runs: 9, units: N });
const streams: CaseResult[] = [floor];
const batches: CaseResult[] = [];
const goals: Record<string, unknown>[] = [];
for (const def of listStrategies()) {
  const p = parseStrategyParams(def, paramsOf[def.name] ?? {});
  const half = N / 2;
  const first = def.createStream(p);
  for (let i = 0; i < half; i++) first.onCandle(rows[i]);
  const snap = JSON.parse(JSON.stringify(first.snapshot())) as StrategyState;
  const r = measure(`stream ${def.name}`, () => {
    const s = def.createStream(p);
    for (let i = 0; i < half; i++) s.onCandle(rows[i]);
    const t = def.createStream(p);
    t.restore(snap);
    let n = 0;
    for (let i = half; i < N; i++) if (t.onCandle(rows[i]) !== null) n++;
    return n;
  }, { runs: 5, warmup: 1, units: N });
  streams.push(r);
  const cpuMs = cpuBestMs(() => { const s = def.createStream(p); for (let i = 0; i < N; i++) s.onCandle(rows[i]); }, 3);
  await settle();
  gcEvents = 0;
  { const s = def.createStream(p); for (let i = 0; i < N; i++) s.onCandle(rows[i]); }
  await settle();
  const gcs = gcEvents;
  // every returned column built (a column rule's confidence and level are built on first read)
  batches.push(measure(`batch ${def.name}`, () => { const s = def.generate(candles, p); return [s.side, s.confidence, s.level]; }, { runs: 5, warmup: 1, units: N }));
  const cpuPerSecond = N / (cpuMs / 1000);
  goals.push({ strategy: def.name, streamPerSecond: r.perSecond, met: (r.perSecond ?? 0) >= GOAL, cpuBestMs: cpuMs, cpuPerSecond, cpuMet: cpuPerSecond >= GOAL, gcEventsPerMillion: gcs });
}
const smaP = parseStrategyParams(smaCrossover, {});
const sma = smaCrossover as unknown as DefinedStrategy<typeof smaP>;
const rule = [
  measure('sma_crossover column rule (generate)', () => { const s = sma.generate(candles, smaP); return [s.side, s.confidence, s.level]; }, { runs: 9, units: N }),
  measure('sma_crossover per-bar rule (generateReference)', () => sma.generateReference(candles, smaP), { runs: 9, units: N }),
];
report(`Streaming form, ${N.toLocaleString('en')} one-minute candles (snapshot -> JSON -> restore at the half)`, streams, floor.name);
report('Batch form of the same strategies', batches);
report('sma_crossover: defineStrategy per-bar rule vs its column rule', rule, rule[0].name);
const floorCpu = cpuBestMs(() => { let s = 0; for (let i = 0; i < N; i++) s += rows[i].close; return s; }, 5);
console.log(`\nbaseline best CPU: ${floorCpu.toFixed(1)} ms (${rate(N / (floorCpu / 1000))})`);
console.log('\n| strategy | stream rate (median wall) | goal >= 5 M/s (wall) | best CPU ms | rate by best CPU | goal (CPU) | GC events / 1 M candles |\n|---|---:|---|---:|---:|---|---:|');
for (const g of goals) {
  console.log(`| ${String(g.strategy)} | ${rate(g.streamPerSecond as number)} | ${g.met ? 'met' : 'MISSED'} | ${(g.cpuBestMs as number).toFixed(1)} | ${rate(g.cpuPerSecond as number)} | ${g.cpuMet ? 'met' : 'MISSED'} | ${String(g.gcEventsPerMillion)} |`);
}
console.log(`\nload average after: ${loadavg().map((x) => x.toFixed(2)).join(' / ')}`);
saveResults('streaming', { streams, batches, rule, goals, floorCpuMs: floorCpu });
}

void main();
