/**
 * Indicator speed: @coinhts/indicators (batch over Float64Array) against trading-signals,
 * @ixjb94/indicators and technicalindicators, all measured in the same process and run.
 *
 * Each library gets its own fastest documented batch entry point and its native input type:
 *  - ours: `sma(Float64Array, 14)` etc. (returns Float64Array)
 *  - @ixjb94/indicators: `new IndicatorsSync().sma(number[], 14)` (sync variant; the default export is async)
 *  - trading-signals: `new SMA(14).updates(number[])` (it has no static batch helpers; `updates` maps `update`)
 *  - technicalindicators: `SMA.calculate({ period, values })`
 * Inputs are built before timing. Libraries too slow for 1,000,000 values (projected > 2 s per
 * call) are measured on 100,000 values and scaled x10; their row says so.
 *
 * Run: `npm run bench -- indicators`
 */
import { measure, report, saveResults, type CaseResult } from './harness';
import { atr, bollingerBands, ema, macd, rsi, sma } from '@coinhts/indicators';
import { IndicatorsSync } from '@ixjb94/indicators';
import * as ts from 'trading-signals';
import * as ti from 'technicalindicators';

const N = 1_000_000;
const SMALL = 100_000;
const SLOW_CALL_MS = 2000;

/** Random walk around 100,000,000 KRW with consistent high/low (deterministic). */
function makeData(n: number) {
  let s = 12345;
  const rnd = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 4294967296;
  };
  const close = new Float64Array(n);
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  let p = 100_000_000;
  for (let i = 0; i < n; i++) {
    p *= 1 + (rnd() - 0.5) * 0.004;
    close[i] = p;
    high[i] = p * (1 + rnd() * 0.002);
    low[i] = p * (1 - rnd() * 0.002);
  }
  return { close, high, low, closeArr: Array.from(close), highArr: Array.from(high), lowArr: Array.from(low) };
}

const big = makeData(N);
const small = makeData(SMALL);
type Data = typeof big;
const ix = new IndicatorsSync();

interface Competitor {
  readonly name: string;
  readonly run: (d: Data) => unknown;
}
interface BenchCase {
  readonly title: string;
  readonly ours: (d: Data) => unknown;
  readonly others: readonly Competitor[];
}

const hlcObjects = (d: Data) => d.closeArr.map((close, i) => ({ high: d.highArr[i], low: d.lowArr[i], close }));
// trading-signals' ATR wants candle objects; build them once per data set, outside the timing.
const candleCache = new Map<Data, { high: number; low: number; close: number }[]>();
const candlesOf = (d: Data) => {
  let c = candleCache.get(d);
  if (!c) candleCache.set(d, (c = hlcObjects(d)));
  return c;
};

const CASES: readonly BenchCase[] = [
  {
    title: 'SMA(14)',
    ours: (d) => sma(d.close, 14),
    others: [
      { name: '@ixjb94/indicators', run: (d) => ix.sma(d.closeArr, 14) },
      { name: 'trading-signals', run: (d) => new ts.SMA(14).updates(d.closeArr) },
      { name: 'technicalindicators', run: (d) => ti.SMA.calculate({ period: 14, values: d.closeArr }) },
    ],
  },
  {
    title: 'EMA(14)',
    ours: (d) => ema(d.close, 14),
    others: [
      { name: '@ixjb94/indicators', run: (d) => ix.ema(d.closeArr, 14) },
      { name: 'trading-signals', run: (d) => new ts.EMA(14).updates(d.closeArr) },
      { name: 'technicalindicators', run: (d) => ti.EMA.calculate({ period: 14, values: d.closeArr }) },
    ],
  },
  {
    title: 'RSI(14)',
    ours: (d) => rsi(d.close, 14),
    others: [
      { name: '@ixjb94/indicators', run: (d) => ix.rsi(d.closeArr, 14) },
      { name: 'trading-signals', run: (d) => new ts.RSI(14).updates(d.closeArr) },
      { name: 'technicalindicators', run: (d) => ti.RSI.calculate({ period: 14, values: d.closeArr }) },
    ],
  },
  {
    title: 'ATR(14)',
    ours: (d) => atr(d, 14),
    others: [
      { name: '@ixjb94/indicators', run: (d) => ix.atr(d.highArr, d.lowArr, d.closeArr, 14) },
      { name: 'trading-signals', run: (d) => new ts.ATR(14).updates(candlesOf(d)) },
      { name: 'technicalindicators', run: (d) => ti.ATR.calculate({ period: 14, high: d.highArr, low: d.lowArr, close: d.closeArr }) },
    ],
  },
  {
    title: 'BBANDS(20, 2)',
    ours: (d) => bollingerBands(d.close, { period: 20, stdDevUp: 2, stdDevDown: 2 }),
    others: [
      { name: '@ixjb94/indicators', run: (d) => ix.bbands(d.closeArr, 20, 2) },
      { name: 'trading-signals', run: (d) => new ts.BollingerBands(20, 2).updates(d.closeArr) },
      { name: 'technicalindicators', run: (d) => ti.BollingerBands.calculate({ period: 20, stdDev: 2, values: d.closeArr }) },
    ],
  },
  {
    title: 'MACD(12, 26, 9)',
    ours: (d) => macd(d.close, { fastPeriod: 12, slowPeriod: 26, signalPeriod: 9 }),
    others: [
      { name: '@ixjb94/indicators', run: (d) => ix.macd(d.closeArr, 12, 26, 9) },
      { name: 'trading-signals', run: (d) => new ts.MACD(new ts.EMA(12), new ts.EMA(26), new ts.EMA(9)).updates(d.closeArr) },
      { name: 'technicalindicators', run: (d) => ti.MACD.calculate({ values: d.closeArr, fastPeriod: 12, slowPeriod: 26, signalPeriod: 9, SimpleMAOscillator: false, SimpleMASignal: false }) },
    ],
  },
];

/** Collects garbage left by the previous case so its GC pauses do not land in the next timing. */
const collect = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

function timeOnce(fn: () => unknown): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

interface Row {
  readonly indicator: string;
  readonly library: string;
  readonly medianMs: number;
  readonly minMs: number;
  readonly measuredOn: number;
  readonly scaled: boolean;
  readonly ratioVsOurs: number;
}

const rows: Row[] = [];
const summary: string[] = [];
for (const c of CASES) {
  const results: CaseResult[] = [];
  collect();
  const ours = measure('@coinhts/indicators', () => c.ours(big), { units: N, runs: 15, warmup: 3 });
  results.push(ours);
  rows.push({ indicator: c.title, library: ours.name, medianMs: ours.medianMs, minMs: ours.minMs, measuredOn: N, scaled: false, ratioVsOurs: 1 });
  let fastestOther = Infinity;
  for (const o of c.others) {
    collect();
    // Probe on 100k first so a slow library cannot stall the run.
    const probe = timeOnce(() => o.run(small)) * (N / SMALL);
    let r: CaseResult;
    let scaled = false;
    if (probe > SLOW_CALL_MS) {
      const m = measure(o.name, () => o.run(small), { units: SMALL, runs: 5, warmup: 1 });
      const f = N / SMALL;
      r = { ...m, name: `${o.name} (100k x10)`, medianMs: m.medianMs * f, minMs: m.minMs * f, perSecond: m.perSecond };
      scaled = true;
    } else {
      collect();
      r = measure(o.name, () => o.run(big), { units: N, runs: 5, warmup: 1 });
    }
    results.push(r);
    fastestOther = Math.min(fastestOther, r.medianMs);
    rows.push({ indicator: c.title, library: o.name, medianMs: r.medianMs, minMs: r.minMs, measuredOn: scaled ? SMALL : N, scaled, ratioVsOurs: r.medianMs / ours.medianMs });
  }
  report(`${c.title} over ${N.toLocaleString('en-US')} values (time ratio vs ours: >1 means slower than ours)`, results, '@coinhts/indicators');
  summary.push(`| ${c.title} | ${ours.medianMs.toFixed(2)} | ${fastestOther.toFixed(2)} | ${(fastestOther / ours.medianMs).toFixed(2)}x |`);
}

console.log('\n### Summary: ours vs the fastest other library (median ms, 1M values)\n');
console.log('| indicator | ours | fastest other | speed-up |');
console.log('|---|---:|---:|---:|');
for (const line of summary) console.log(line);
console.log('\nRows marked "(100k x10)" were measured on 100,000 values and scaled x10 (projected > 2 s per 1M call).');

saveResults('indicators', { values: N, rows });
