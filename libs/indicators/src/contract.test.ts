// The shared contract every indicator honours, run against each one through one table:
//  1. batch and streaming give bit-identical numbers (NaN <-> null during warm-up),
//  2. warm-up length equals the documented lookback (TA-Lib's begIndex, written out by hand below),
//  3. NaN/±Infinity input throws NonFiniteInputError naming field and index, and a failed streaming
//     add() leaves the state untouched,
//  4. invalid parameters throw InvalidIndicatorParamError naming the parameter and its range,
//  5. output length = input length, inputs are not mutated, number[] and Float64Array agree.
import fc from 'fast-check';
import { loadFixture300, type Columns } from '../test/support/fixtures';
import {
  Atr, atr, BollingerBands, bollingerBands, Ema, ema, InvalidIndicatorParamError, Macd, macd, MAX_PERIOD,
  NonFiniteInputError, Obv, obv, Roc, roc, RollingMax, rollingMax, RollingMin, rollingMin, Rsi, rsi, Sma, sma,
  StdDev, stdDev, Stochastic, stochastic, VolumeSma, volumeSma, Wma, wma,
  type BollingerBandsOptions, type MacdOptions, type StochasticOptions, type StreamingIndicator,
} from './index';

/** One bar of test input; single-series indicators read `close` and call it `value`. */
interface Bar {
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}
type Field = 'value' | 'high' | 'low' | 'close' | 'volume';
type Outputs = Readonly<Record<string, number>>;

/** A streaming indicator seen through bars and named outputs, so one suite drives all of them. */
interface StreamAdapter {
  add(bar: Bar): Outputs | null;
  getResult(): Outputs | null;
  readonly isStable: boolean;
  readonly lookback: number;
  readonly count: number;
}

interface InvalidParam {
  readonly param: string;
  readonly bad: readonly unknown[];
  /** Calls the batch function with the bad value in place of this parameter. */
  readonly batch: (bad: never) => unknown;
  /** Constructs the streaming class with the bad value. */
  readonly stream: (bad: never) => unknown;
}

interface ContractCase {
  readonly label: string;
  /** Indicator name expected in errors. */
  readonly indicator: string;
  /** Expected warm-up length: TA-Lib's lookback for these parameters, computed by hand. */
  readonly lookback: number;
  /** Input fields the indicator reads (validation is checked for each). */
  readonly fields: readonly Field[];
  readonly batch: (c: Columns) => Readonly<Record<string, Float64Array>>;
  readonly stream: () => StreamAdapter;
  /**
   * The allocation-free path, where the indicator has one: a fresh instance fed by `update(input)`,
   * returning its output fields read after each input (NaN during the warm-up).
   */
  readonly update?: () => (bar: Bar) => Outputs;
  readonly invalid: readonly InvalidParam[];
}

function adapt<I, R>(ind: StreamingIndicator<I, R>, input: (b: Bar) => I, output: (r: R) => Outputs): StreamAdapter {
  return {
    add: (b) => {
      const r = ind.add(input(b));
      return r === null ? null : output(r);
    },
    getResult: () => {
      const r = ind.getResult();
      return r === null ? null : output(r);
    },
    get isStable() {
      return ind.isStable;
    },
    get lookback() {
      return ind.lookback;
    },
    get count() {
      return ind.count;
    },
  };
}
const valueIn = (b: Bar): number => b.close;
const hlcIn = (b: Bar) => ({ high: b.high, low: b.low, close: b.close });
const single = (r: number): Outputs => ({ value: r });
const asOutputs = (r: object): Outputs => ({ ...(r as Outputs) });

const PERIOD_BAD: readonly unknown[] = [0, -1, 2.5, NaN, Infinity, MAX_PERIOD + 1, '14', null];

/** A single-series indicator with one `period` parameter. */
function periodCase(
  name: string,
  period: number,
  lookback: number,
  batchFn: (v: ArrayLike<number>, p: number) => Float64Array,
  Ctor: new (p: number) => StreamingIndicator<number, number>,
): ContractCase {
  return {
    label: `${name}(${period})`,
    indicator: name,
    lookback,
    fields: ['value'],
    batch: (c) => ({ value: batchFn(c.close, period) }),
    stream: () => adapt(new Ctor(period), valueIn, single),
    update: 'update' in Ctor.prototype ? () => {
      const s = new Ctor(period) as unknown as { update(v: number): void; readonly value: number };
      return (b) => { s.update(b.close); return { value: s.value }; };
    } : undefined,
    invalid: [{ param: 'period', bad: PERIOD_BAD, batch: (bad: number) => batchFn([1, 2, 3], bad), stream: (bad: number) => new Ctor(bad) }],
  };
}

function bbandsCase(o: BollingerBandsOptions, lookback: number): ContractCase {
  const bad = (param: keyof BollingerBandsOptions, values: readonly unknown[]): InvalidParam => ({
    param,
    bad: values,
    batch: (v: number) => bollingerBands([1, 2, 3], { ...o, [param]: v }),
    stream: (v: number) => new BollingerBands({ ...o, [param]: v }),
  });
  return {
    label: `BollingerBands(${JSON.stringify(o)})`,
    indicator: 'BollingerBands',
    lookback,
    fields: ['value'],
    batch: (c) => ({ ...bollingerBands(c.close, o) }),
    stream: () => adapt(new BollingerBands(o), valueIn, asOutputs),
    update: () => {
      const s = new BollingerBands(o);
      return (b) => { s.update(b.close); return { upper: s.upper, middle: s.middle, lower: s.lower }; };
    },
    invalid: [bad('period', PERIOD_BAD), bad('stdDevUp', [-0.5, NaN, Infinity, 1001, '2', null]), bad('stdDevDown', [-1, NaN, -Infinity, 1e9, null])],
  };
}

function macdCase(o: MacdOptions, lookback: number): ContractCase {
  const bad = (param: keyof MacdOptions, values: readonly unknown[]): InvalidParam => ({
    param,
    bad: values,
    batch: (v: number) => macd([1, 2, 3], { ...o, [param]: v }),
    stream: (v: number) => new Macd({ ...o, [param]: v }),
  });
  const slow = o.slowPeriod ?? 26;
  return {
    label: `Macd(${JSON.stringify(o)})`,
    indicator: 'Macd',
    lookback,
    fields: ['value'],
    batch: (c) => ({ ...macd(c.close, o) }),
    stream: () => adapt(new Macd(o), valueIn, asOutputs),
    update: () => {
      const s = new Macd(o);
      return (b) => { s.update(b.close); return { macd: s.macd, signal: s.signal, histogram: s.histogram }; };
    },
    invalid: [
      // fast must be strictly below slow (TA-Lib would silently swap them).
      bad('fastPeriod', [...PERIOD_BAD, slow, slow + 1]),
      bad('slowPeriod', [...PERIOD_BAD, 1]),
      bad('signalPeriod', PERIOD_BAD),
    ],
  };
}

function stochCase(o: StochasticOptions, lookback: number): ContractCase {
  const bad = (param: keyof StochasticOptions): InvalidParam => ({
    param,
    bad: PERIOD_BAD,
    batch: (v: number) => stochastic({ high: [1], low: [1], close: [1] }, { ...o, [param]: v }),
    stream: (v: number) => new Stochastic({ ...o, [param]: v }),
  });
  return {
    label: `Stochastic(${JSON.stringify(o)})`,
    indicator: 'Stochastic',
    lookback,
    fields: ['high', 'low', 'close'],
    batch: (c) => ({ ...stochastic(c, o) }),
    stream: () => adapt(new Stochastic(o), hlcIn, asOutputs),
    invalid: [bad('fastKPeriod'), bad('slowKPeriod'), bad('slowDPeriod')],
  };
}

function atrCase(period: number): ContractCase {
  return {
    label: `Atr(${period})`,
    indicator: 'Atr',
    lookback: period, // TR needs a previous close, so the first ATR is at index `period`
    fields: ['high', 'low', 'close'],
    batch: (c) => ({ value: atr(c, period) }),
    stream: () => adapt(new Atr(period), hlcIn, single),
    update: () => {
      const s = new Atr(period);
      return (b) => { s.update(b); return { value: s.value }; };
    },
    invalid: [{ param: 'period', bad: PERIOD_BAD, batch: (bad: number) => atr({ high: [1], low: [1], close: [1] }, bad), stream: (bad: number) => new Atr(bad) }],
  };
}

function volumeSmaCase(period: number): ContractCase {
  return {
    label: `VolumeSma(${period})`,
    indicator: 'VolumeSma',
    lookback: period - 1,
    fields: ['volume'],
    batch: (c) => ({ value: volumeSma(c, period) }),
    stream: () => adapt(new VolumeSma(period), (b) => ({ volume: b.volume }), single),
    invalid: [{ param: 'period', bad: PERIOD_BAD, batch: (bad: number) => volumeSma({ volume: [1] }, bad), stream: (bad: number) => new VolumeSma(bad) }],
  };
}

const obvCase: ContractCase = {
  label: 'Obv',
  indicator: 'Obv',
  lookback: 0, // TA-Lib's OBV has a value at index 0 (the first volume)
  fields: ['close', 'volume'],
  batch: (c) => ({ value: obv(c) }),
  stream: () => adapt(new Obv(), (b) => ({ close: b.close, volume: b.volume }), single),
  invalid: [],
};

// Expected lookbacks are TA-Lib's begIndex for the same parameters (see the parity suite):
// period-1 for windows, period for RSI/ATR/ROC, (slow-1)+(signal-1) for MACD,
// (fastK-1)+(slowK-1)+(slowD-1) for the stochastic.
const CASES: readonly ContractCase[] = [
  periodCase('Sma', 1, 0, sma, Sma),
  periodCase('Sma', 14, 13, sma, Sma),
  periodCase('Ema', 1, 0, ema, Ema),
  periodCase('Ema', 10, 9, ema, Ema),
  periodCase('Wma', 1, 0, wma, Wma),
  periodCase('Wma', 9, 8, wma, Wma),
  periodCase('Rsi', 1, 1, rsi, Rsi),
  periodCase('Rsi', 14, 14, rsi, Rsi),
  atrCase(1),
  atrCase(14),
  periodCase('StdDev', 1, 0, stdDev, StdDev),
  periodCase('StdDev', 20, 19, stdDev, StdDev),
  bbandsCase({}, 19),
  bbandsCase({ period: 5, stdDevUp: 1, stdDevDown: 2.5 }, 4),
  macdCase({}, 33),
  macdCase({ fastPeriod: 3, slowPeriod: 5, signalPeriod: 1 }, 4),
  stochCase({}, 17),
  stochCase({ fastKPeriod: 5, slowKPeriod: 3, slowDPeriod: 3 }, 8),
  stochCase({ fastKPeriod: 1, slowKPeriod: 1, slowDPeriod: 1 }, 0),
  obvCase,
  periodCase('Roc', 1, 1, roc, Roc),
  periodCase('Roc', 10, 10, roc, Roc),
  periodCase('RollingMax', 1, 0, rollingMax, RollingMax),
  periodCase('RollingMax', 30, 29, rollingMax, RollingMax),
  periodCase('RollingMin', 30, 29, rollingMin, RollingMin),
  volumeSmaCase(20),
];

const fixture = loadFixture300();

function columnsOf(bars: readonly Bar[]): Columns {
  const n = bars.length;
  const c = { open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n) };
  bars.forEach((b, i) => {
    c.open[i] = b.close;
    c.high[i] = b.high;
    c.low[i] = b.low;
    c.close[i] = b.close;
    c.volume[i] = b.volume;
  });
  return c;
}

function barsOf(c: Columns): Bar[] {
  return Array.from(c.close, (close, i) => ({ high: c.high[i], low: c.low[i], close, volume: c.volume[i] }));
}

/** Streams every bar and returns the outputs as columns (NaN where the stream returned null). */
function streamColumns(make: () => StreamAdapter, bars: readonly Bar[], keys: readonly string[]): Record<string, Float64Array> {
  const s = make();
  const out: Record<string, Float64Array> = {};
  for (const k of keys) out[k] = new Float64Array(bars.length).fill(NaN);
  bars.forEach((b, i) => {
    const r = s.add(b);
    if (r !== null) for (const k of keys) out[k][i] = r[k];
  });
  return out;
}

/** Columns of `keys` from the update() path: the output fields after each bar, as they are (NaN in the warm-up). */
function updateColumns(make: () => (bar: Bar) => Outputs, bars: readonly Bar[], keys: readonly string[]): Record<string, Float64Array> {
  const step = make();
  const out: Record<string, Float64Array> = {};
  for (const k of keys) out[k] = new Float64Array(bars.length);
  bars.forEach((b, i) => {
    const r = step(b);
    for (const k of keys) out[k][i] = r[k];
  });
  return out;
}

/** Bit-identical comparison (Object.is, so NaN equals NaN and 0 differs from -0). */
function firstDifference(a: Readonly<Record<string, Float64Array>>, b: Readonly<Record<string, Float64Array>>): string | null {
  for (const k of Object.keys(a)) {
    if (a[k].length !== b[k].length) return `${k}: length ${a[k].length} vs ${b[k].length}`;
    for (let i = 0; i < a[k].length; i++) {
      if (!Object.is(a[k][i], b[k][i])) return `${k}[${i}]: batch ${a[k][i]} vs streaming ${b[k][i]}`;
    }
  }
  return null;
}

function withBadValue(c: Columns, field: Field, index: number, bad: number): Columns {
  const key = field === 'value' ? 'close' : field;
  const copy = { ...c, [key]: c[key].slice() };
  copy[key][index] = bad;
  return copy;
}

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to throw');
}

// Random bars: a mix of wide-ranging doubles and a few repeated prices so flat windows, ties and
// zero ranges (RSI 0/0, stochastic zero range, ROC base 0) all occur.
const price = fc.oneof(
  { weight: 3, arbitrary: fc.double({ min: -1e9, max: 1e9, noNaN: true }) },
  { weight: 2, arbitrary: fc.constantFrom(0, 100, 100.25, 99.5) },
);
const barArb = fc
  .record({ close: price, up: fc.double({ min: 0, max: 50, noNaN: true }), down: fc.double({ min: 0, max: 50, noNaN: true }), volume: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e6, noNaN: true })) })
  .map((r): Bar => ({ close: r.close, high: r.close + r.up, low: r.close - r.down, volume: r.volume }));

describe.each(CASES.map((c) => [c.label, c] as const))('indicator contract: %s', (_label, c) => {
  const reference = c.batch(fixture);
  const keys = Object.keys(reference);

  test('batch equals streaming bit for bit on the fixture candles', () => {
    expect(firstDifference(reference, streamColumns(c.stream, barsOf(fixture), keys))).toBeNull();
  });

  test('batch equals streaming bit for bit on random bars (property)', () => {
    fc.assert(
      fc.property(fc.array(barArb, { maxLength: 80 }), (bars) => {
        const diff = firstDifference(c.batch(columnsOf(bars)), streamColumns(c.stream, bars, keys));
        if (diff !== null) throw new Error(diff);
      }),
      { numRuns: 60, seed: 4242 },
    );
  });

  const update = c.update;
  if (update) {
    test('update() + output fields equal batch (and so add()) bit for bit, NaN during the warm-up', () => {
      expect(firstDifference(reference, updateColumns(update, barsOf(fixture), keys))).toBeNull();
      fc.assert(
        fc.property(fc.array(barArb, { maxLength: 80 }), (bars) => {
          const diff = firstDifference(c.batch(columnsOf(bars)), updateColumns(update, bars, keys));
          if (diff !== null) throw new Error(diff);
        }),
        { numRuns: 60, seed: 4243 },
      );
    });
  }

  test(`warm-up is exactly ${c.lookback} bars in batch (NaN) and streaming (null, isStable false)`, () => {
    for (const k of keys) {
      const col = reference[k];
      expect(col.length).toBe(fixture.close.length);
      const firstValue = col.findIndex((v) => !Number.isNaN(v));
      expect({ output: k, firstValue }).toEqual({ output: k, firstValue: c.lookback });
      expect(col.subarray(c.lookback).every(Number.isFinite)).toBe(true);
    }
    const s = c.stream();
    expect(s.lookback).toBe(c.lookback);
    expect(s.getResult()).toBeNull();
    const bars = barsOf(fixture);
    for (let i = 0; i <= c.lookback; i++) {
      expect({ i, isStable: s.isStable, result: s.getResult() }).toEqual({ i, isStable: false, result: null });
      const r = s.add(bars[i]);
      expect(s.count).toBe(i + 1);
      if (i < c.lookback) expect(r).toBeNull();
      else expect(r).not.toBeNull();
    }
    expect(s.isStable).toBe(true);
    const next = s.add(bars[c.lookback + 1]);
    expect(next).not.toBeNull();
    expect(s.getResult()).toEqual(next);
  });

  test('inputs shorter than the warm-up give all-NaN outputs of the same length; empty gives empty', () => {
    const short = c.batch({ open: fixture.open.subarray(0, c.lookback), high: fixture.high.subarray(0, c.lookback), low: fixture.low.subarray(0, c.lookback), close: fixture.close.subarray(0, c.lookback), volume: fixture.volume.subarray(0, c.lookback) });
    const empty = c.batch(columnsOf([]));
    for (const k of keys) {
      expect(short[k].length).toBe(c.lookback);
      expect(short[k].every(Number.isNaN)).toBe(true);
      expect(empty[k].length).toBe(0);
    }
  });

  test('number[] and Float64Array inputs give the same output, and inputs are not mutated', () => {
    const before = { close: fixture.close.slice(), high: fixture.high.slice(), volume: fixture.volume.slice() };
    const plain = c.batch({ open: fixture.open, high: Array.from(fixture.high), low: Array.from(fixture.low), close: Array.from(fixture.close), volume: Array.from(fixture.volume) } as unknown as Columns);
    expect(firstDifference(reference, plain)).toBeNull();
    c.batch(fixture);
    expect(fixture.close).toEqual(before.close);
    expect(fixture.high).toEqual(before.high);
    expect(fixture.volume).toEqual(before.volume);
  });

  test.each(c.fields.map((f) => [f]))('non-finite %s throws NonFiniteInputError; a failed add() changes nothing', (field) => {
    const bars = barsOf(fixture);
    const positions = [...new Set([0, Math.max(0, c.lookback - 1), 150])];
    for (const index of positions) {
      for (const bad of [NaN, Infinity, -Infinity]) {
        const err = caught(() => c.batch(withBadValue(fixture, field, index, bad)));
        expect(err).toBeInstanceOf(NonFiniteInputError);
        expect(err).toMatchObject({ code: 'NON_FINITE_INPUT', indicator: c.indicator, field, index });

        const s = c.stream();
        bars.slice(0, index).forEach((b) => s.add(b));
        const before = s.getResult();
        const key = field === 'value' ? 'close' : field;
        const streamErr = caught(() => s.add({ ...bars[index], [key]: bad }));
        expect(streamErr).toMatchObject({ code: 'NON_FINITE_INPUT', indicator: c.indicator, field, index });
        expect(s.count).toBe(index);
        expect(s.getResult()).toEqual(before);
        // Continuing with the good bar must reproduce the clean series exactly.
        const rest: Record<string, Float64Array> = {};
        for (const k of keys) rest[k] = new Float64Array(bars.length - index).fill(NaN);
        bars.slice(index).forEach((b, j) => {
          const r = s.add(b);
          if (r !== null) for (const k of keys) rest[k][j] = r[k];
        });
        const expected: Record<string, Float64Array> = {};
        for (const k of keys) expected[k] = reference[k].subarray(index);
        expect(firstDifference(expected, rest)).toBeNull();
      }
    }
  });

  test('a non-number input (e.g. a string) is rejected by add()', () => {
    const s = c.stream();
    const key = c.fields[0] === 'value' ? 'close' : c.fields[0];
    const err = caught(() => s.add({ ...barsOf(fixture)[0], [key]: '101' as unknown as number }));
    expect(err).toBeInstanceOf(NonFiniteInputError);
  });

  const invalid = c.invalid.flatMap((p) => p.bad.map((bad) => [p.param, String(bad), p, bad] as const));
  if (invalid.length > 0) {
    test.each(invalid)('%s = %s throws InvalidIndicatorParamError (batch and constructor)', (param, _shown, p, bad) => {
      for (const call of [() => p.batch(bad as never), () => p.stream(bad as never)]) {
        const err = caught(call);
        expect(err).toBeInstanceOf(InvalidIndicatorParamError);
        const e = err as InvalidIndicatorParamError;
        expect({ code: e.code, indicator: e.indicator, param: e.param }).toEqual({ code: 'INVALID_INDICATOR_PARAM', indicator: c.indicator, param });
        expect(e.message).toContain(`${param} must be`);
        expect(e.message).toContain(`[${e.min}, ${e.max}]`);
      }
    });
  }
});

test('multi-column inputs of different lengths throw InputLengthMismatchError', () => {
  const err = caught(() => atr({ high: [1, 2], low: [1], close: [1, 2] }, 1));
  expect(err).toMatchObject({ code: 'INPUT_LENGTH_MISMATCH', indicator: 'Atr', lengths: { high: 2, low: 1, close: 2 } });
  expect(caught(() => stochastic({ high: [1], low: [1], close: [1, 2] }))).toMatchObject({ code: 'INPUT_LENGTH_MISMATCH' });
  expect(caught(() => obv({ close: [1, 2], volume: [1] }))).toMatchObject({ code: 'INPUT_LENGTH_MISMATCH' });
});
