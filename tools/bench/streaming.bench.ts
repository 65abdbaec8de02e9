/**
 * The streaming form of every registered strategy (what live paper trading and a replay of
 * recorded candles run): 1,000,000 one-minute synthetic candles fed one by one through
 * `createStream(params).onCandle(candle)`, after a snapshot → JSON → restore at bar 500,000 (so the
 * restored path is the one timed for the second half). Issue 12's goal: >= 5 M candles/s for each
 * built-in. Also the batch form of each, and for `sma_crossover` its per-bar rule against its
 * column rule (the defineStrategy overhead). Baseline in the same run: a plain loop that reads
 * every candle object and sums the closes (the floor of any per-candle API).
 * Run: `npm run bench -- streaming`.
 */
import { cpus, loadavg } from 'node:os';
import { candleAt, listStrategies, parseStrategyParams, smaCrossover, type Candle, type DefinedStrategy, type StrategyState } from '@coinhts/engine';
import { syntheticCandles } from '@coinhts/engine/testing';
import { measure, rate, report, saveResults, type CaseResult } from './harness';

const N = 1_000_000;
const GOAL = 5e6;
const candles = syntheticCandles({ n: N, seed: 42 });
const rows: Candle[] = Array.from({ length: N }, (_, i) => candleAt(candles, i));
const paramsOf: Record<string, Record<string, unknown>> = { volume_long_candle: { body_pct: 0.002 }, volume_zone_breakout: { volume_window: 20, num_bins: 20 } };

console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, Node ${process.version}; load average before ${loadavg().map((x) => x.toFixed(2)).join(' / ')}`);

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
  batches.push(measure(`batch ${def.name}`, () => def.generate(candles, p), { runs: 5, warmup: 1, units: N }));
  goals.push({ strategy: def.name, streamPerSecond: r.perSecond, met: (r.perSecond ?? 0) >= GOAL });
}
const smaP = parseStrategyParams(smaCrossover, {});
const sma = smaCrossover as unknown as DefinedStrategy<typeof smaP>;
const rule = [
  measure('sma_crossover column rule (generate)', () => sma.generate(candles, smaP), { runs: 9, units: N }),
  measure('sma_crossover per-bar rule (generateReference)', () => sma.generateReference(candles, smaP), { runs: 9, units: N }),
];
report(`Streaming form, ${N.toLocaleString('en')} one-minute candles (snapshot -> JSON -> restore at the half)`, streams, floor.name);
report('Batch form of the same strategies', batches);
report('sma_crossover: defineStrategy per-bar rule vs its column rule', rule, rule[0].name);
console.log('\n| strategy | stream rate | goal >= 5 M/s |\n|---|---:|---|');
for (const g of goals) console.log(`| ${String(g.strategy)} | ${rate(g.streamPerSecond as number)} | ${g.met ? 'met' : 'MISSED'} |`);
console.log(`\nload average after: ${loadavg().map((x) => x.toFixed(2)).join(' / ')}`);
saveResults('streaming', { streams, batches, rule, goals });
