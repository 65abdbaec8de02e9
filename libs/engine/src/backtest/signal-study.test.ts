/**
 * The signal study against the original system's own outputs (test/fixtures/coin_hts, produced
 * by running the original Python code): the signal bars are taken from the fixture, and entry,
 * exit, return and the three aggregates must match what the original reported.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CandleColumns } from '../core/candles';
import { emptySignals, SignalSide } from '../core/signals';
import { buyIndices, collectBuys, countBuys, signalStudy, signalStudyStats } from './signal-study';

function buys(side: Int8Array): Int32Array {
  const out = buyIndices(side);
  if (out === null) throw new Error('bad side');
  return out;
}

const FIXTURES = join(__dirname, '..', '..', 'test', 'fixtures', 'coin_hts');

function loadCsv(name: string): CandleColumns {
  const lines = readFileSync(join(FIXTURES, name), 'utf8').trim().split('\n').slice(1);
  const n = lines.length;
  const c = { timestamp: new Float64Array(n), open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n) };
  lines.forEach((line, i) => {
    const [ts, o, h, l, cl, v] = line.split(',');
    c.timestamp[i] = Date.parse(ts.replace(' ', 'T'));
    c.open[i] = Number(o); c.high[i] = Number(h); c.low[i] = Number(l); c.close[i] = Number(cl); c.volume[i] = Number(v);
  });
  return c;
}

interface Expectation {
  params: { hold_period_bars: number };
  n_rows: number;
  signals: { index: number; timestamp: string; price: number; entry: number; exit: number; return_pct: number; confidence: number }[];
  win_rate: number;
  avg_return: number;
  max_drawdown: number;
}

describe.each([
  ['vlc_100.json', 'synthetic_seed42_100.csv'],
  ['vlc_300.json', 'synthetic_seed42_300.csv'],
  ['vzb_window_100.json', 'synthetic_seed42_100.csv'],
  ['vzb_window_300.json', 'synthetic_seed42_300.csv'],
])('signal study vs the original (%s)', (expectationFile, csv) => {
  const expected = JSON.parse(readFileSync(join(FIXTURES, expectationFile), 'utf8')) as Expectation;
  const candles = loadCsv(csv);
  const signals = emptySignals(candles.timestamp.length);
  for (const s of expected.signals) {
    signals.side[s.index] = SignalSide.Buy;
    signals.confidence[s.index] = s.confidence;
  }
  const hold = expected.params.hold_period_bars;
  const { columns, stats } = signalStudy(candles, signals, hold, buys(signals.side));

  it('has one row per signal with the original entry, exit and return (bit for bit)', () => {
    expect(candles.timestamp.length).toBe(expected.n_rows);
    expect(Array.from(columns.index)).toEqual(expected.signals.map((s) => s.index));
    expect(Array.from(columns.timestamp)).toEqual(expected.signals.map((s) => Date.parse(s.timestamp)));
    expect(Array.from(columns.price)).toEqual(expected.signals.map((s) => s.price));
    expect(Array.from(columns.entry)).toEqual(expected.signals.map((s) => s.entry));
    expect(Array.from(columns.exit)).toEqual(expected.signals.map((s) => s.exit));
    expect(Array.from(columns.return_pct)).toEqual(expected.signals.map((s) => s.return_pct));
    expect(Array.from(columns.confidence)).toEqual(expected.signals.map((s) => s.confidence));
    expect(columns.level.every((x) => Number.isNaN(x))).toBe(true);
  });

  it('reports the original win rate (fraction), average return (%) and additive max drawdown (%)', () => {
    expect(stats.signals).toBe(expected.signals.length);
    expect(stats.hold_period_bars).toBe(hold);
    expect(stats.win_rate).toBeCloseTo(expected.win_rate, 12);
    expect(stats.avg_return_pct).toBeCloseTo(expected.avg_return, 12);
    expect(stats.legacy_max_drawdown_pct).toBeCloseTo(expected.max_drawdown, 12);
  });
});

describe('signal study rules', () => {
  const closes = [100, 110, 99, 120];
  const candles: CandleColumns = {
    timestamp: Float64Array.from([1, 2, 3, 4]), open: Float64Array.from(closes), high: Float64Array.from(closes),
    low: Float64Array.from(closes), close: Float64Array.from(closes), volume: Float64Array.from([1, 1, 1, 1]),
  };

  it('clamps the exit to the last bar: a signal on the last bar returns 0 and is not a win', () => {
    const s = emptySignals(4);
    s.side[1] = SignalSide.Buy; // 110 → close[3] = 120: (120 − 110) / 110 × 100 = 9.0909…
    s.side[3] = SignalSide.Buy; // last bar: exit = entry → 0
    const { columns, stats } = signalStudy(candles, s, 2, buys(s.side));
    expect(Array.from(columns.exit)).toEqual([120, 120]);
    expect(columns.return_pct[0]).toBeCloseTo(100 / 11, 12);
    expect(columns.return_pct[1]).toBe(0);
    expect(stats.win_rate).toBe(0.5);
  });

  it('ignores Sell signals and reports null aggregates when there is no Buy', () => {
    const s = emptySignals(4);
    s.side[0] = SignalSide.Sell;
    expect(countBuys(s.side)).toBe(0);
    expect(signalStudy(candles, s, 1, buys(s.side)).stats).toEqual({ signals: 0, hold_period_bars: 1, win_rate: null, avg_return_pct: null, legacy_max_drawdown_pct: null });
  });

  it('countBuys / collectBuys count Buys, list their bars and flag a side value other than -1/0/1', () => {
    expect(countBuys(Int8Array.from([1, 0, -1, 1]))).toBe(2);
    expect(countBuys(Int8Array.from([1, 2]))).toBe(-1);
    expect(countBuys(Int8Array.from([0, -2]))).toBe(-1);
    expect(Array.from(buys(Int8Array.from([0, 1, -1, 0, 1])))).toEqual([1, 4]);
    expect(buyIndices(Int8Array.from([1, 5]))).toBeNull();
    expect(collectBuys(Int8Array.from([1, 5]), new Int32Array(2))).toBe(-1);
    // growth past the first 4,096 indices keeps every index in order
    const many = new Int8Array(20_000);
    for (let i = 0; i < many.length; i += 3) many[i] = 1;
    const got = buys(many);
    expect(got.length).toBe(Math.ceil(20_000 / 3));
    expect(got[got.length - 1]).toBe(19_998);
    expect(got.every((x, k) => x === 3 * k)).toBe(true);
  });

  it('buyIndices agrees with a plain scan on random sparse sides, at every offset and length', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const buffer = new Int8Array(2_000);
    for (let i = 0; i < buffer.length; i++) { const r = rnd(); buffer[i] = r < 0.05 ? 1 : r < 0.1 ? -1 : 0; }
    for (const offset of [0, 1, 2, 3, 4, 5]) {
      for (const length of [0, 1, 3, 4, 5, 7, 8, 999, 1_990]) {
        const side = buffer.subarray(offset, offset + length);
        const want = [...side].flatMap((x, i) => (x === 1 ? [i] : []));
        expect(Array.from(buyIndices(side)!)).toEqual(want);
      }
    }
    // a bad value is caught wherever it sits in a word, and in the tail past the last whole word
    for (const at of [0, 1, 2, 3, 4, 8, 9, 10]) {
      const side = new Int8Array(11);
      side[at] = 2;
      expect(buyIndices(side)).toBeNull();
      side[at] = -128;
      expect(buyIndices(side)).toBeNull();
    }
  });

  it('aggregates skip a non-finite return (zero entry price) instead of turning into NaN', () => {
    const stats = signalStudyStats([2, Number.NaN, -1], 1);
    // 2 finite returns: one win; mean (2 − 1) / 2 = 0.5; additive curve 2, 1 → drawdown 1
    expect(stats).toEqual({ signals: 3, hold_period_bars: 1, win_rate: 0.5, avg_return_pct: 0.5, legacy_max_drawdown_pct: 1 });
  });
});
