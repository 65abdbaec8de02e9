import fc from 'fast-check';
import { candlesFromRows, type Candle, type CandleColumns } from '../core/candles';
import { SignalSide } from '../core/signals';
import { seededRandom, syntheticCandles } from '../testing';
import { loadFixtureCsv, loadFixtureExpectation } from '../../test/coin-hts-fixtures';
import { parseStrategyParams } from './params';
import { volumeLongCandle, type VolumeLongCandleConfig } from './volume-long-candle';

const params = (raw: Record<string, unknown>): VolumeLongCandleConfig => parseStrategyParams(volumeLongCandle, raw);
const signalBars = (side: Int8Array): number[] => [...side].flatMap((s, i) => (s !== 0 ? [i] : []));

/**
 * REFERENCE §1.3 written out: the volume MA is a fresh left-to-right sum of the last W volumes
 * (current included, fewer at the start) divided by their count, at every bar. Zero-volume
 * windows give no signal (our documented change; the original produced NaN).
 */
function referenceVlc(c: CandleColumns, p: VolumeLongCandleConfig): { side: Int8Array; confidence: Float64Array } {
  const n = c.close.length;
  const side = new Int8Array(n);
  const confidence = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    const from = Math.max(0, i - p.vol_ma_window + 1);
    for (let j = from; j <= i; j++) sum += c.volume[j];
    const ma = sum / (i - from + 1);
    const o = c.open[i];
    const cl = c.close[i];
    const body = (cl - o) / o;
    const upper = Math.max(c.high[i] - cl, 0) / o;
    const lower = Math.max(o - c.low[i], 0) / o;
    const longCandle = body >= p.body_pct && upper < 2 * p.body_pct && lower < 2 * p.body_pct && cl > o;
    if (longCandle && ma > 0 && c.volume[i] >= ma * p.vol_multiplier) {
      side[i] = SignalSide.Buy;
      confidence[i] = Math.min(c.volume[i] / ma / p.vol_multiplier, 1);
    }
  }
  return { side, confidence };
}

function expectSame(got: { side: Int8Array; confidence: Float64Array }, want: { side: Int8Array; confidence: Float64Array }, label: string): void {
  for (let i = 0; i < want.side.length; i++) {
    if (got.side[i] !== want.side[i] || Math.abs(got.confidence[i] - want.confidence[i]) > 1e-12) {
      throw new Error(`${label}: bar ${i}: got ${got.side[i]}/${got.confidence[i]}, reference ${want.side[i]}/${want.confidence[i]}`);
    }
  }
}

describe('volume_long_candle against the original system', () => {
  it.each([100, 300])('reproduces vlc_%i.json signal for signal', (n) => {
    const candles = loadFixtureCsv(`synthetic_seed42_${n}.csv`);
    const expected = loadFixtureExpectation(`vlc_${n}.json`);
    const got = volumeLongCandle.generate(candles, params(expected.params));
    expect(signalBars(got.side)).toEqual(expected.signals.map((s) => s.index));
    for (const s of expected.signals) {
      expect(candles.close[s.index]).toBe(s.price);
      expect(candles.timestamp[s.index]).toBe(Date.parse(s.timestamp));
      expect(got.confidence[s.index]).toBe(s.confidence);
    }
  });

  it('uses the original code defaults 20 / 1.5 / 0.02 / 1', () => {
    expect(params({})).toEqual({ vol_ma_window: 20, vol_multiplier: 1.5, body_pct: 0.02, hold_period_bars: 1 });
  });
});

describe('volume_long_candle hand-calculated bars', () => {
  const bar = (t: number, o: number, h: number, l: number, c: number, v: number): Candle => ({ timestamp: t, open: o, high: h, low: l, close: c, volume: v });
  const p = params({ vol_ma_window: 3, vol_multiplier: 1.5, body_pct: 0.02 });

  it('signals on a volume surge with a long bullish body and short wicks', () => {
    // bar 2: MA = (10 + 10 + 40) / 3 = 20, 40 >= 1.5 x 20; body (103 - 100) / 100 = 3 %;
    // upper wick (104 - 103) / 100 = 1 % < 4 %, lower (100 - 99) / 100 = 1 % < 4 %.
    // confidence = min(40 / 20 / 1.5, 1) = 1
    const s = volumeLongCandle.generate(candlesFromRows([bar(1, 100, 101, 99, 100, 10), bar(2, 100, 101, 99, 100, 10), bar(3, 100, 104, 99, 103, 40)]), p);
    expect(signalBars(s.side)).toEqual([2]);
    expect(s.confidence[2]).toBe(1);
  });

  it.each([
    ['volume below 1.5 x MA (19 < 1.5 x 13 = 19.5)', bar(3, 100, 104, 99, 103, 19)],
    ['body 1.9 % < 2 %', bar(3, 100, 102, 99, 101.9, 40)],
    ['upper wick 4 % not < 4 %', bar(3, 100, 107, 99, 103, 40)],
    ['lower wick 4 % not < 4 %', bar(3, 100, 104, 96, 103, 40)],
    ['bearish candle', bar(3, 103, 104, 99, 100, 40)],
  ])('no signal when %s', (_label, third) => {
    const s = volumeLongCandle.generate(candlesFromRows([bar(1, 100, 101, 99, 100, 10), bar(2, 100, 101, 99, 100, 10), third]), p);
    expect(signalBars(s.side)).toEqual([]);
  });

  it('the MA includes the current bar and averages what exists at the start (min_periods 1)', () => {
    // bar 1: MA = (2 + 4) / 2 = 3. Multiplier 1.34: 4 < 4.02, no signal; 1.33: 4 >= 3.99, signal.
    // (Without the current bar the MA would be 2 and both would signal.)
    const rows = [bar(1, 100, 101, 99, 100, 2), bar(2, 100, 104, 99, 103, 4)];
    expect(signalBars(volumeLongCandle.generate(candlesFromRows(rows), params({ vol_multiplier: 1.34 })).side)).toEqual([]);
    expect(signalBars(volumeLongCandle.generate(candlesFromRows(rows), params({ vol_multiplier: 1.33 })).side)).toEqual([1]);
  });

  it('a window of zero volumes gives no signal (the original failed with a NaN confidence)', () => {
    const s = volumeLongCandle.generate(candlesFromRows([bar(1, 100, 101, 99, 100, 0), bar(2, 100, 104, 99, 103, 0)]), params({ vol_multiplier: 1 }));
    expect(signalBars(s.side)).toEqual([]);
    expect(s.confidence.every((x) => x === 0)).toBe(true);
  });

  it('computes the body as (close - open) / open, like the original: open 10, close 10.2 is NOT a 2 % body', () => {
    // (10.2 - 10) / 10 = 0.019999999999999928 < 0.02, while 10.2 / 10 - 1 = 0.020000000000000018 (fixture README).
    const s = volumeLongCandle.generate(candlesFromRows([bar(1, 10, 10, 10, 10, 1), bar(2, 10, 10.2, 10, 10.2, 10)]), params({ vol_multiplier: 1 }));
    expect(signalBars(s.side)).toEqual([]);
    const t = volumeLongCandle.generate(candlesFromRows([bar(1, 10, 10, 10, 10, 1), bar(2, 10, 10.21, 10, 10.21, 10)]), params({ vol_multiplier: 1 }));
    expect(signalBars(t.side)).toEqual([1]);
  });
});

describe('volume_long_candle running sum against fresh sums', () => {
  it.each([
    ['daily-like volatility, window 20', { vol_ma_window: 20 }, { n: 20_000, seed: 21, volatility: 0.02 }],
    ['window 1', { vol_ma_window: 1, vol_multiplier: 1 }, { n: 5000, seed: 22, volatility: 0.02 }],
    ['window 500, multiplier 2.5', { vol_ma_window: 500, vol_multiplier: 2.5, body_pct: 0.01 }, { n: 20_000, seed: 23, volatility: 0.02, spikeProbability: 0.05, spikeMultiplier: 40 }],
  ] as const)('identical signals: %s', (label, raw, gen) => {
    const c = syntheticCandles(gen);
    const p = params(raw);
    const ref = referenceVlc(c, p);
    expect(signalBars(ref.side).length).toBeGreaterThan(20);
    expectSame(volumeLongCandle.generate(c, p), ref, label);
  });

  it('does not drift on a long series with rare 1e15 volume spikes among volumes of 1 to 2', () => {
    // A plain running sum keeps a residue of ~1e15 x 2^-53 (about 0.1) after each spike leaves the
    // window, comparable to the ordinary volumes, and flips surge decisions from then on.
    const rnd = seededRandom(99);
    const n = 100_000;
    const c = syntheticCandles({ n, seed: 24, volatility: 0.02 });
    const volume = new Float64Array(n);
    for (let i = 0; i < n; i++) volume[i] = i % 500 === 250 ? 1e15 * (1 + rnd.next()) : 1 + rnd.next();
    const cc = { ...c, volume };
    const p = params({ vol_ma_window: 20, vol_multiplier: 1.2, body_pct: 0.01 });
    const ref = referenceVlc(cc, p);
    expect(signalBars(ref.side).length).toBeGreaterThan(100);
    expectSame(volumeLongCandle.generate(cc, p), ref, 'spiky volumes');
  });

  it('identical signals on short decimal volumes, where volume == MA x multiplier (near-)ties are common', () => {
    // 0.1 + 0.2 != 0.3: a running sum and a fresh sum disagree in the last bit right at the ties.
    const row = fc.record({ v: fc.constantFrom(0, 0.1, 0.2, 0.3, 0.6, 0.7, 1.1, 3), up: fc.boolean() });
    fc.assert(fc.property(fc.array(row, { maxLength: 60 }), fc.integer({ min: 1, max: 6 }), fc.constantFrom(1, 1.5, 2, 3), (rows, w, mult) => {
      const c = candlesFromRows(rows.map((r, i) => ({ timestamp: i, open: 100, high: r.up ? 103 : 100, low: 100, close: r.up ? 103 : 100, volume: r.v })));
      const p = params({ vol_ma_window: w, vol_multiplier: mult, body_pct: 0.02 });
      expectSame(volumeLongCandle.generate(c, p), referenceVlc(c, p), `w ${w} mult ${mult}`);
    }), { numRuns: 1000, seed: 7 });
  });
});
