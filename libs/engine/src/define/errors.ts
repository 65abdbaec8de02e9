import { EngineError } from '../core/errors';

/**
 * A strategy definition (from `defineStrategy`, a plugin module or the registry) is unusable: its
 * parameter schema is not an object, an indicator parameter is out of range, a higher timeframe is
 * not above the base one, a name is taken twice… A bug in the definition, not in the run's input:
 * fix the definition named in {@link StrategyDefinitionError.strategy} at {@link StrategyDefinitionError.field}.
 */
export class StrategyDefinitionError extends EngineError {
  readonly code = 'INVALID_STRATEGY_DEFINITION' as const;
  constructor(
    /** Name of the strategy (or `(unnamed)` when the definition has no usable name). */
    readonly strategy: string,
    /** Which part of the definition is wrong, e.g. `paramsSchema`, `indicators.fast.period`, `higherTimeframe`. */
    readonly field: string,
    /** What is wrong and how to fix it. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Strategy "${strategy}": ${field}: ${reason}`, options);
  }
}

/**
 * The per-bar rule of a `defineStrategy` strategy returned something that is not a signal. The
 * rule must return `SignalSide.Buy` (1), `SignalSide.Sell` (-1), `SignalSide.None` (0), `null` or
 * `undefined`.
 */
export class StrategyRuleError extends EngineError {
  readonly code = 'STRATEGY_RULE' as const;
  constructor(
    /** Name of the strategy. */
    readonly strategy: string,
    /** Bar index (0-based) at which the rule misbehaved. */
    readonly bar: number,
    /** What the rule did, e.g. `rule returned "buy"`. */
    readonly reason: string,
  ) {
    super(`Strategy "${strategy}": rule at bar ${bar}: ${reason}; return 1 (Buy), -1 (Sell), 0 or null (nothing)`);
  }
}
