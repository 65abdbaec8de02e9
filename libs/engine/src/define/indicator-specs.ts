import {
  atr, Atr, bollingerBands, BollingerBands, ema, Ema, macd, Macd, rollingMax, RollingMax, rollingMin, RollingMin,
  rsi, Rsi, sma, Sma, stdDev, StdDev,
} from '@coinhts/indicators';
import type { Candle, CandleColumns } from '../core/candles';
import type { ColumnCache } from '../core/columns';

/** A candle column an indicator can read. */
export type PriceSource = 'open' | 'high' | 'low' | 'close' | 'volume';

/** Every {@link PriceSource}. */
export const PRICE_SOURCES: readonly PriceSource[] = ['open', 'high', 'low', 'close', 'volume'];

/**
 * The streaming side of one indicator output: `next(candle)` returns the value at that candle,
 * NaN during the warm-up. Its own fields are its whole state: `defineStrategy` snapshots them
 * generically (see `captureState`), so an implementation keeps plain fields (numbers,
 * Float64Arrays, nested objects), not closures.
 */
export interface IndicatorStream {
  next(candle: Candle): number;
  /** Optional fast path: the same value written to `out[slot]` (no double returned from a call). */
  push?(candle: Candle, out: Float64Array, slot: number): void;
}

/**
 * One indicator output a strategy reads, with its parameters bound. Built by the helpers of
 * {@link ind} from `@coinhts/indicators` (batch function for the batch form, streaming class for
 * the streaming form; the library proves both give the same bits), or written by hand for a
 * custom indicator (then `batch` and `createStream` must agree bit for bit, which
 * `checkNoLookahead` checks).
 */
export interface IndicatorSpec {
  /** What it computes, e.g. `sma(close, 10)`; shown in errors. */
  readonly label: string;
  /** Leading bars without a value (NaN): TA-Lib's lookback. */
  readonly lookback: number;
  /**
   * The whole column at once (NaN during the warm-up). Must not read past bar i to produce value i.
   * `out`, when given, is a scratch Float64Array of the series' length the spec may write the
   * column into and return (so a repeated run allocates no column); a spec may ignore it.
   */
  batch(candles: CandleColumns, out?: Float64Array): Float64Array;
  /** A fresh streaming instance. */
  createStream(): IndicatorStream;
  /** Throws (e.g. `InvalidIndicatorParamError`) when the bound parameters are out of range. */
  validate?(): void;
  /**
   * For one output of a multi-output indicator: the whole computation, so a batch run computes it
   * once for all its outputs (same `key` = same computation), then takes `output`.
   */
  readonly shared?: { readonly key: string; readonly output: string; readonly outputs: readonly string[]; compute(candles: CandleColumns): Readonly<Record<string, Float64Array>> };
}

/**
 * Batch columns of `specs` over `candles`; outputs of one multi-output computation share one run of
 * it. With a {@link ColumnCache} (a sweep's), columns come from it when another run of the same
 * indicator, parameters and candles computed them (keyed by the indicator's label and the candles'
 * close column, which identifies the series).
 */
export function batchColumns(specs: readonly IndicatorSpec[], candles: CandleColumns, cache?: ColumnCache, scratch?: readonly Float64Array[]): Float64Array[] {
  const done = new Map<string, readonly Float64Array[]>();
  const all = (key: string, outputs: readonly string[], compute: () => Readonly<Record<string, Float64Array>>): readonly Float64Array[] => {
    let cols = done.get(key);
    if (!cols) {
      const run = (): Float64Array[] => { const r = compute(); return outputs.map((o) => r[o]); };
      cols = cache ? cache.get(key, '', candles.close, run) : run();
      done.set(key, cols);
    }
    return cols;
  };
  return specs.map((s, j) => {
    if (s.shared) {
      const sh = s.shared;
      return all(sh.key, sh.outputs, () => sh.compute(candles))[sh.outputs.indexOf(sh.output)];
    }
    return cache ? cache.get(s.label, '', candles.close, () => [s.batch(candles)])[0] : s.batch(candles, scratch?.[j]);
  });
}

/**
 * Streams of the `ind` helpers: one small class per indicator type, so that the call of the
 * indicator's `update` is monomorphic, and `push` writes the value into the stream's column slot
 * instead of returning it. Nothing is allocated per candle: the indicator's allocation-free path
 * (`update(x)`, then its numeric `value` / band fields, NaN during warm-up) returns no number,
 * where `add()` returns `number | null` and boxes a double whenever V8 does not inline it (measured
 * as most of the streaming time). Fields only (snapshotted generically): `ind` is the
 * `@coinhts/indicators` instance, `src` the candle field.
 */
const read = (c: Candle, src: PriceSource): number =>
  src === 'close' ? c.close : src === 'high' ? c.high : src === 'low' ? c.low : src === 'open' ? c.open : c.volume;

// Named field loads, not `ind[output]`: a keyed load of a double field can box it.
const band = (b: BollingerBands, o: BollingerOutput): number => (o === 'upper' ? b.upper : o === 'middle' ? b.middle : b.lower);
const macdLine = (m: Macd, o: MacdOutput): number => (o === 'macd' ? m.macd : o === 'signal' ? m.signal : m.histogram);

class SmaStream implements IndicatorStream {
  constructor(readonly ind: Sma, readonly src: PriceSource) {}
  next(c: Candle): number { this.ind.update(read(c, this.src)); return this.ind.value; }
  push(c: Candle, out: Float64Array, slot: number): void { this.ind.update(read(c, this.src)); out[slot] = this.ind.value; }
}
class EmaStream implements IndicatorStream {
  constructor(readonly ind: Ema, readonly src: PriceSource) {}
  next(c: Candle): number { this.ind.update(read(c, this.src)); return this.ind.value; }
  push(c: Candle, out: Float64Array, slot: number): void { this.ind.update(read(c, this.src)); out[slot] = this.ind.value; }
}
class RsiStream implements IndicatorStream {
  constructor(readonly ind: Rsi, readonly src: PriceSource) {}
  next(c: Candle): number { this.ind.update(read(c, this.src)); return this.ind.value; }
  push(c: Candle, out: Float64Array, slot: number): void { this.ind.update(read(c, this.src)); out[slot] = this.ind.value; }
}
class StdDevStream implements IndicatorStream {
  constructor(readonly ind: StdDev, readonly src: PriceSource) {}
  next(c: Candle): number { this.ind.update(read(c, this.src)); return this.ind.value; }
  push(c: Candle, out: Float64Array, slot: number): void { this.ind.update(read(c, this.src)); out[slot] = this.ind.value; }
}
class MaxStream implements IndicatorStream {
  constructor(readonly ind: RollingMax, readonly src: PriceSource) {}
  next(c: Candle): number { this.ind.update(read(c, this.src)); return this.ind.value; }
  push(c: Candle, out: Float64Array, slot: number): void { this.ind.update(read(c, this.src)); out[slot] = this.ind.value; }
}
class MinStream implements IndicatorStream {
  constructor(readonly ind: RollingMin, readonly src: PriceSource) {}
  next(c: Candle): number { this.ind.update(read(c, this.src)); return this.ind.value; }
  push(c: Candle, out: Float64Array, slot: number): void { this.ind.update(read(c, this.src)); out[slot] = this.ind.value; }
}
class AtrStream implements IndicatorStream {
  constructor(readonly ind: Atr) {}
  next(c: Candle): number { this.ind.update(c); return this.ind.value; }
  push(c: Candle, out: Float64Array, slot: number): void { this.ind.update(c); out[slot] = this.ind.value; }
}
class BollingerStream implements IndicatorStream {
  constructor(readonly ind: BollingerBands, readonly src: PriceSource, readonly output: BollingerOutput) {}
  next(c: Candle): number { this.ind.update(read(c, this.src)); return band(this.ind, this.output); }
  push(c: Candle, out: Float64Array, slot: number): void { this.ind.update(read(c, this.src)); out[slot] = band(this.ind, this.output); }
}
class MacdStream implements IndicatorStream {
  constructor(readonly ind: Macd, readonly src: PriceSource, readonly output: MacdOutput) {}
  next(c: Candle): number { this.ind.update(read(c, this.src)); return macdLine(this.ind, this.output); }
  push(c: Candle, out: Float64Array, slot: number): void { this.ind.update(read(c, this.src)); out[slot] = macdLine(this.ind, this.output); }
}

function single<T>(name: string, source: PriceSource, period: number, lookback: number,
  batch: (x: Float64Array, period: number, out?: Float64Array) => Float64Array, make: (period: number) => T, wrap: (ind: T) => IndicatorStream): IndicatorSpec {
  return {
    label: `${name}(${source}, ${period})`,
    lookback,
    validate: () => void make(period),
    batch: (c, out) => batch(c[source], period, out),
    createStream: () => wrap(make(period)),
  };
}

/** Output of {@link ind.bollinger}. */
export type BollingerOutput = 'upper' | 'middle' | 'lower';
/** Output of {@link ind.macd}. */
export type MacdOutput = 'macd' | 'signal' | 'histogram';

/**
 * Indicator helpers for `defineStrategy`: each binds an indicator of `@coinhts/indicators` (by
 * its batch function and streaming class) to a candle column and its parameters. Periods are in
 * bars; out-of-range parameters throw when the strategy's indicators are built, named by the
 * strategy and the indicator (`StrategyDefinitionError`).
 */
export const ind = {
  /** Simple moving average (TA-Lib `SMA`), lookback period − 1. */
  sma: (source: PriceSource, period: number): IndicatorSpec => single('sma', source, period, period - 1, sma, (n) => new Sma(n), (x) => new SmaStream(x, source)),
  /** Exponential moving average (TA-Lib `EMA`, SMA seed), lookback period − 1. */
  ema: (source: PriceSource, period: number): IndicatorSpec => single('ema', source, period, period - 1, ema, (n) => new Ema(n), (x) => new EmaStream(x, source)),
  /** Wilder RSI in percent (TA-Lib `RSI`; a flat window gives 0), lookback period. */
  rsi: (source: PriceSource, period: number): IndicatorSpec => single('rsi', source, period, period, rsi, (n) => new Rsi(n), (x) => new RsiStream(x, source)),
  /** Population standard deviation (TA-Lib `STDDEV`), lookback period − 1. */
  stdDev: (source: PriceSource, period: number): IndicatorSpec => single('stdDev', source, period, period - 1, stdDev, (n) => new StdDev(n), (x) => new StdDevStream(x, source)),
  /** Highest value of the last `period` bars, this bar included (TA-Lib `MAX`), lookback period − 1. */
  highest: (source: PriceSource, period: number): IndicatorSpec => single('highest', source, period, period - 1, rollingMax, (n) => new RollingMax(n), (x) => new MaxStream(x, source)),
  /** Lowest value of the last `period` bars, this bar included (TA-Lib `MIN`), lookback period − 1. */
  lowest: (source: PriceSource, period: number): IndicatorSpec => single('lowest', source, period, period - 1, rollingMin, (n) => new RollingMin(n), (x) => new MinStream(x, source)),
  /** Average true range (TA-Lib `ATR`), in price units, lookback period. */
  atr: (period: number): IndicatorSpec => {
    return { label: `atr(${period})`, lookback: period, validate: () => void new Atr(period), batch: (c) => atr(c, period), createStream: () => new AtrStream(new Atr(period)) };
  },
  /** One band of Bollinger Bands (TA-Lib `BBANDS`, SMA middle, population σ), lookback period − 1. */
  bollinger: (source: PriceSource, period: number, stdDevs: number, output: BollingerOutput): IndicatorSpec => {
    const o = { period, stdDevUp: stdDevs, stdDevDown: stdDevs };
    return {
      label: `bollinger(${source}, ${period}, ${stdDevs}).${output}`, lookback: period - 1, validate: () => void new BollingerBands(o),
      batch: (c) => bollingerBands(c[source], o)[output],
      shared: { key: `bollinger(${source}, ${period}, ${stdDevs})`, output, outputs: ['upper', 'middle', 'lower'], compute: (c) => bollingerBands(c[source], o) as unknown as Record<string, Float64Array> },
      createStream: () => new BollingerStream(new BollingerBands(o), source, output),
    };
  },
  /** One output of MACD (TA-Lib `MACD`, EMAs seeded by SMAs), lookback slow − 1 + signal − 1. */
  macd: (source: PriceSource, fast: number, slow: number, signal: number, output: MacdOutput): IndicatorSpec => {
    const o = { fastPeriod: fast, slowPeriod: slow, signalPeriod: signal };
    return {
      label: `macd(${source}, ${fast}, ${slow}, ${signal}).${output}`, lookback: slow - 1 + signal - 1, validate: () => void new Macd(o),
      batch: (c) => macd(c[source], o)[output],
      shared: { key: `macd(${source}, ${fast}, ${slow}, ${signal})`, output, outputs: ['macd', 'signal', 'histogram'], compute: (c) => macd(c[source], o) as unknown as Record<string, Float64Array> },
      createStream: () => new MacdStream(new Macd(o), source, output),
    };
  },
} as const;
