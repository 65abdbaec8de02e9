import type { z } from 'zod';
import type { Candle, CandleColumns } from './candles';
import type { GenerateContext } from './columns';
import type { SignalColumns, StreamSignal } from './signals';

/** Serializable state of a streaming strategy (plain JSON values only). */
export type StrategyState = Readonly<Record<string, unknown>>;

/**
 * Bar-by-bar form of a strategy, for live use and for proving the batch form has no look-ahead.
 * Fed the same candles in order, it must emit exactly the signals the batch form produces.
 */
export interface StreamingStrategy {
  /** Adds the next (closed) candle; returns the signal decided on it, or null. */
  onCandle(candle: Candle): StreamSignal | null;
  /** Captures the full internal state; `restore` of it on a fresh instance continues identically. */
  snapshot(): StrategyState;
  /** Replaces the internal state with a snapshot taken from an instance with the same params. */
  restore(state: StrategyState): void;
}

/**
 * A trading strategy: a named parameter schema plus a batch and a streaming implementation.
 * `P` is the parsed (defaults applied) parameter type.
 */
export interface StrategyDefinition<P extends object = Record<string, unknown>> {
  /** Registry name, snake_case (e.g. `volume_zone_breakout`). */
  readonly name: string;
  /** Short human title. */
  readonly title: string;
  /** One-paragraph description of the rule. */
  readonly description: string;
  /** zod schema: validates raw params, applies defaults, enforces ranges. */
  readonly paramsSchema: z.ZodType<P>;
  /** JSON Schema (draft 2020-12) of the parameters, for API consumers. */
  readonly jsonSchema: Readonly<Record<string, unknown>>;
  /** Number of leading bars on which no signal can be produced. */
  warmupBars(params: P): number;
  /** Holding period for the signal study (bars after entry at which the forward return is measured). */
  holdPeriodBars(params: P): number;
  /**
   * True when the strategy emits Sell signals meant to close its positions (e.g. a crossover).
   * Then a simulation with the default `hold_bars: 'strategy'` holds until the Sell (or a stop)
   * instead of exiting after `holdPeriodBars`; the signal study still uses `holdPeriodBars`.
   * Omitted = false: positions are closed after the holding period, as the original did.
   */
  readonly exitsOnSignal?: boolean;
  /**
   * Batch form: columns in, signals out (one per bar). Must not mutate the input. `ctx.columns`,
   * when given, holds indicator columns other runs computed over the same candles; using it must
   * not change the signals.
   */
  generate(candles: CandleColumns, params: P, ctx?: GenerateContext): SignalColumns;
  /** Streaming form with the same semantics as {@link StrategyDefinition.generate}. */
  createStream(params: P): StreamingStrategy;
}
