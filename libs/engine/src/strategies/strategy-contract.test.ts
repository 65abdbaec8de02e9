/**
 * One contract suite run against every registered strategy (STYLE §4): batch and streaming forms
 * agree, snapshots restore mid-series (also through JSON), outputs respect the SignalColumns
 * contract and the warm-up, inputs are not mutated.
 */
import fc from 'fast-check';
import { candleAt, candlesFromRows, type CandleColumns } from '../core/candles';
import type { SignalColumns } from '../core/signals';
import type { StrategyState } from '../core/strategy';
import { syntheticCandles } from '../testing';
import { loadFixtureCsv } from '../../test/coin-hts-fixtures';
import { parseStrategyParams } from './params';
import { listStrategies, type AnyStrategyDefinition } from './registry';
import { InvalidStrategyStateError } from './strategy-state-error';
import { checkNoLookahead } from '../define/check-no-lookahead';

/** Parameter sets per strategy (raw; parsed in the test). Every registered strategy must have some. */
const PARAM_SETS: Record<string, Record<string, unknown>[]> = {
  volume_long_candle: [{}, { vol_ma_window: 5, vol_multiplier: 1.1, body_pct: 0.005 }],
  volume_zone_breakout: [{}, { volume_window: 20, num_bins: 20 }, { volume_window: 7, num_bins: 50, top_percentile: 0.4, breakout_buffer: 0.001, include_wicks: false }],
  sma_crossover: [{}, { fast_period: 1, slow_period: 3 }],
  rsi_reversion: [{}, { period: 3, oversold: 40, overbought: 60 }],
  bollinger_breakout: [{}, { period: 5, std_devs: 1 }],
  macd_crossover: [{}, { fast_period: 3, slow_period: 7, signal_period: 2 }],
  donchian_breakout: [{}, { entry_period: 5, exit_period: 3 }],
};

const DATASETS: [string, () => CandleColumns][] = [
  ['fixture synthetic_seed42_300', () => loadFixtureCsv('synthetic_seed42_300.csv')],
  ['1-minute synthetic, 3 000 bars', () => syntheticCandles({ n: 3000, seed: 101 })],
  ['volatile daily-like synthetic, 1 500 bars', () => syntheticCandles({ n: 1500, seed: 102, volatility: 0.03, intervalMs: 86_400_000 })],
];

type Output = { side: number; confidence: number; level: number };
const batchAt = (s: SignalColumns, i: number): Output => ({ side: s.side[i], confidence: s.confidence[i], level: s.level ? s.level[i] : NaN });

function streamOutputs(def: AnyStrategyDefinition, p: Record<string, unknown>, c: CandleColumns, from: number, to: number, state?: StrategyState): Output[] {
  const stream = def.createStream(p);
  if (state) stream.restore(state);
  const out: Output[] = [];
  for (let i = from; i < to; i++) {
    const s = stream.onCandle(candleAt(c, i));
    out.push(s ? { side: s.side, confidence: s.confidence, level: s.level } : { side: 0, confidence: 0, level: NaN });
  }
  return out;
}

/** Bit-for-bit comparison (NaN equals NaN), naming the first differing bar. */
function expectSameOutputs(batch: SignalColumns, from: number, got: Output[], label: string): void {
  got.forEach((g, j) => {
    const want = batchAt(batch, from + j);
    if (g.side !== want.side || g.confidence !== want.confidence || !Object.is(g.level, want.level)) {
      throw new Error(`${label}: bar ${from + j}: stream ${JSON.stringify(g)} vs batch ${JSON.stringify(want)} (NaN shown as null)`);
    }
  });
}

function snapshotAt(def: AnyStrategyDefinition, p: Record<string, unknown>, c: CandleColumns, cut: number): StrategyState {
  const stream = def.createStream(p);
  for (let i = 0; i < cut; i++) stream.onCandle(candleAt(c, i));
  return stream.snapshot();
}

describe.each(listStrategies().map((d) => [d.name, d] as const))('strategy contract: %s', (name, def) => {
  const sets = PARAM_SETS[name] ?? [];
  const data = DATASETS.map(([label, make]) => [label, make()] as const);

  it('has parameter sets in this suite', () => {
    expect(sets.length).toBeGreaterThan(0);
  });

  it('produces signals on the contract data (so the checks below are not vacuous)', () => {
    for (const raw of sets) {
      const p = parseStrategyParams(def, raw);
      const total = data.reduce((acc, [, c]) => acc + def.generate(c, p).side.reduce((a, x) => a + (x !== 0 ? 1 : 0), 0), 0);
      expect([JSON.stringify(raw), total > 0]).toEqual([JSON.stringify(raw), true]);
    }
  });

  it.each(sets.map((raw) => [JSON.stringify(raw), raw] as const))('params %s: batch output respects the SignalColumns contract and the warm-up', (_l, raw) => {
    const p = parseStrategyParams(def, raw);
    for (const [label, c] of data) {
      const s = def.generate(c, p);
      const n = c.close.length;
      expect(s.side).toHaveLength(n);
      expect(s.confidence).toHaveLength(n);
      if (s.level) expect(s.level).toHaveLength(n);
      for (let i = 0; i < n; i++) {
        const ok = s.side[i] === 0
          ? s.confidence[i] === 0 && (!s.level || Number.isNaN(s.level[i]))
          : (s.side[i] === 1 || s.side[i] === -1) && s.confidence[i] > 0 && s.confidence[i] <= 1 && i >= def.warmupBars(p);
        if (!ok) throw new Error(`${label}: bar ${i}: side ${s.side[i]}, confidence ${s.confidence[i]}, level ${s.level?.[i]}, warm-up ${def.warmupBars(p)}`);
      }
      expect(def.holdPeriodBars(p)).toBe(p.hold_period_bars);
    }
  });

  it.each(sets.map((raw) => [JSON.stringify(raw), raw] as const))('params %s: streaming equals batch, and does not mutate the input', (_l, raw) => {
    const p = parseStrategyParams(def, raw);
    for (const [label, c] of data) {
      const before = JSON.stringify(Object.values(c).map((col) => Array.from(col as Float64Array)));
      const batch = def.generate(c, p);
      expect(JSON.stringify(Object.values(c).map((col) => Array.from(col as Float64Array)))).toBe(before);
      expectSameOutputs(batch, 0, streamOutputs(def, p, c, 0, c.close.length), label);
    }
  });

  it.each(sets.map((raw) => [JSON.stringify(raw), raw] as const))('params %s: snapshot -> JSON -> restore into a fresh instance continues identically', (_l, raw) => {
    const p = parseStrategyParams(def, raw);
    for (const [label, c] of data) {
      const n = c.close.length;
      const batch = def.generate(c, p);
      for (const cut of [0, 1, Math.max(0, def.warmupBars(p) - 1), def.warmupBars(p), Math.floor(n / 3), Math.floor((2 * n) / 3), n - 1]) {
        const snap = snapshotAt(def, p, c, cut);
        const json = JSON.parse(JSON.stringify(snap)) as StrategyState;
        expect(json).toEqual(snap); // plain JSON only: no NaN, Infinity, typed arrays or undefined
        expectSameOutputs(batch, cut, streamOutputs(def, p, c, cut, n, json), `${label} restored at bar ${cut}`);
      }
    }
  });

  it.each(sets.map((raw) => [JSON.stringify(raw), raw] as const))('params %s: checkNoLookahead finds no bar that depends on the future', (_l, raw) => {
    for (const [label, c] of data) {
      const report = checkNoLookahead(def, c, raw, { maxPrefixes: 60 });
      if (!report.ok) throw new Error(`${label}: ${report.message}`);
      expect(report.signals).toBeGreaterThanOrEqual(0);
    }
  });

  it('refuses a snapshot taken with other params, by another strategy or of another version', () => {
    const [first] = sets;
    const p = parseStrategyParams(def, first);
    const c = data[1][1];
    const snap = snapshotAt(def, p, c, 100);
    const otherParams = { ...(snap.params as object), hold_period_bars: 7 };
    expect(() => def.createStream(p).restore({ ...snap, params: otherParams })).toThrow(InvalidStrategyStateError);
    expect(() => def.createStream(p).restore({ ...snap, strategy: 'something_else' })).toThrow(/Cannot restore/);
    // a snapshot of another version: typed, naming the field
    const refused = (() => { try { def.createStream(p).restore({ ...snap, version: 99 }); } catch (e) { return e as InvalidStrategyStateError; } return null; })();
    expect([refused?.code, refused?.strategy, refused?.field]).toEqual(['INVALID_STRATEGY_STATE', def.name, 'version']);
  });

  it('streaming equals batch on random candles, with a snapshot at a random bar', () => {
    const row = fc.record({ low: fc.integer({ min: 1, max: 60 }), h: fc.integer({ min: 0, max: 8 }), a: fc.integer({ min: 0, max: 8 }), b: fc.integer({ min: 0, max: 8 }), v: fc.constantFrom(0, 0.5, 1, 2, 7, 40) });
    fc.assert(fc.property(fc.array(row, { minLength: 1, maxLength: 120 }), fc.constantFrom(...sets), fc.nat(), (rows, raw, cutSeed) => {
      const c = candlesFromRows(rows.map((r, i) => ({
        timestamp: i, low: r.low, high: r.low + r.h, open: r.low + Math.min(r.a, r.h), close: r.low + Math.min(r.b, r.h), volume: r.v,
      })));
      const p = parseStrategyParams(def, raw);
      const batch = def.generate(c, p);
      const cut = cutSeed % (rows.length + 1);
      const snap = JSON.parse(JSON.stringify(snapshotAt(def, p, c, cut))) as StrategyState;
      expectSameOutputs(batch, cut, streamOutputs(def, p, c, cut, rows.length, snap), `${JSON.stringify(raw)} cut ${cut}`);
    }), { numRuns: 150, seed: 42 });
  });
});
