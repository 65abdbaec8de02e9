import {
  atr, Atr, bollingerBands, BollingerBands, ema, Ema, macd, Macd, rollingMax, RollingMax, rollingMin, RollingMin,
  rsi, Rsi, sma, Sma, stdDev, StdDev,
} from '@coinhts/indicators';
import type { Candle, CandleColumns } from '../core/candles';

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
  /** The whole column at once (NaN during the warm-up). Must not read past bar i to produce value i. */
  batch(candles: CandleColumns): Float64Array;
  /** A fresh streaming instance. */
  createStream(): IndicatorStream;
  /** Throws (e.g. `InvalidIndicatorParamError`) when the bound parameters are out of range. */
  validate?(): void;
  /**
   * For one output of a multi-output indicator: the whole computation, so a batch run computes it
   * once for all its outputs (same `key` = same computation), then takes `output`.
   */
  readonly shared?: { readonly key: string; readonly output: string; compute(candles: CandleColumns): Readonly<Record<string, Float64Array>> };
}

/** Batch columns of `specs` over `candles`; outputs of one multi-output computation share one run of it. */
export function batchColumns(specs: readonly IndicatorSpec[], candles: CandleColumns): Float64Array[] {
  const done = new Map<string, Readonly<Record<string, Float64Array>>>();
  return specs.map((s) => {
    if (!s.shared) return s.batch(candles);
    let all = done.get(s.shared.key);
    if (!all) {
      all = s.shared.compute(candles);
      done.set(s.shared.key, all);
    }
    return all[s.shared.output];
  });
}

interface Adding<R> { add(x: never): R | null }

/** Wraps a streaming indicator of `@coinhts/indicators` fed with one candle column. */
class SourceStream implements IndicatorStream {
  constructor(readonly indicator: Adding<number>, readonly source: PriceSource) {}
  next(c: Candle): number {
    const r = (this.indicator as unknown as { add(x: number): number | null }).add(c[this.source]);
    return r === null ? NaN : r;
  }
}

/** Wraps a multi-output streaming indicator (Bollinger Bands, MACD) and picks one output. */
class PickStream implements IndicatorStream {
  constructor(readonly indicator: Adding<Record<string, number>>, readonly source: PriceSource, readonly output: string) {}
  next(c: Candle): number {
    const r = (this.indicator as unknown as { add(x: number): Record<string, number> | null }).add(c[this.source]);
    return r === null ? NaN : r[this.output];
  }
}

/** Wraps a streaming indicator fed with whole candles (ATR). */
class CandleStream implements IndicatorStream {
  constructor(readonly indicator: Adding<number>) {}
  next(c: Candle): number {
    const r = (this.indicator as unknown as { add(x: Candle): number | null }).add(c);
    return r === null ? NaN : r;
  }
}

function single(name: string, source: PriceSource, period: number, lookback: number,
  batch: (x: Float64Array, period: number) => Float64Array, Stream: new (period: number) => Adding<number>): IndicatorSpec {
  return {
    label: `${name}(${source}, ${period})`,
    lookback,
    validate: () => void new Stream(period),
    batch: (c) => batch(c[source], period),
    createStream: () => new SourceStream(new Stream(period), source),
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
  sma: (source: PriceSource, period: number): IndicatorSpec => single('sma', source, period, period - 1, sma, Sma),
  /** Exponential moving average (TA-Lib `EMA`, SMA seed), lookback period − 1. */
  ema: (source: PriceSource, period: number): IndicatorSpec => single('ema', source, period, period - 1, ema, Ema),
  /** Wilder RSI in percent (TA-Lib `RSI`; a flat window gives 0), lookback period. */
  rsi: (source: PriceSource, period: number): IndicatorSpec => single('rsi', source, period, period, rsi, Rsi),
  /** Population standard deviation (TA-Lib `STDDEV`), lookback period − 1. */
  stdDev: (source: PriceSource, period: number): IndicatorSpec => single('stdDev', source, period, period - 1, stdDev, StdDev),
  /** Highest value of the last `period` bars, this bar included (TA-Lib `MAX`), lookback period − 1. */
  highest: (source: PriceSource, period: number): IndicatorSpec => single('highest', source, period, period - 1, rollingMax, RollingMax),
  /** Lowest value of the last `period` bars, this bar included (TA-Lib `MIN`), lookback period − 1. */
  lowest: (source: PriceSource, period: number): IndicatorSpec => single('lowest', source, period, period - 1, rollingMin, RollingMin),
  /** Average true range (TA-Lib `ATR`), in price units, lookback period. */
  atr: (period: number): IndicatorSpec => {
    return { label: `atr(${period})`, lookback: period, validate: () => void new Atr(period), batch: (c) => atr(c, period), createStream: () => new CandleStream(new Atr(period)) };
  },
  /** One band of Bollinger Bands (TA-Lib `BBANDS`, SMA middle, population σ), lookback period − 1. */
  bollinger: (source: PriceSource, period: number, stdDevs: number, output: BollingerOutput): IndicatorSpec => {
    const o = { period, stdDevUp: stdDevs, stdDevDown: stdDevs };
    return {
      label: `bollinger(${source}, ${period}, ${stdDevs}).${output}`, lookback: period - 1, validate: () => void new BollingerBands(o),
      batch: (c) => bollingerBands(c[source], o)[output],
      shared: { key: `bollinger(${source}, ${period}, ${stdDevs})`, output, compute: (c) => bollingerBands(c[source], o) as unknown as Record<string, Float64Array> },
      createStream: () => new PickStream(new BollingerBands(o) as unknown as Adding<Record<string, number>>, source, output),
    };
  },
  /** One output of MACD (TA-Lib `MACD`, EMAs seeded by SMAs), lookback slow − 1 + signal − 1. */
  macd: (source: PriceSource, fast: number, slow: number, signal: number, output: MacdOutput): IndicatorSpec => {
    const o = { fastPeriod: fast, slowPeriod: slow, signalPeriod: signal };
    return {
      label: `macd(${source}, ${fast}, ${slow}, ${signal}).${output}`, lookback: slow - 1 + signal - 1, validate: () => void new Macd(o),
      batch: (c) => macd(c[source], o)[output],
      shared: { key: `macd(${source}, ${fast}, ${slow}, ${signal})`, output, compute: (c) => macd(c[source], o) as unknown as Record<string, Float64Array> },
      createStream: () => new PickStream(new Macd(o) as unknown as Adding<Record<string, number>>, source, output),
    };
  },
} as const;
