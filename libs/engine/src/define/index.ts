/**
 * `defineStrategy` and what goes with it: indicator helpers, errors, the look-ahead check.
 * @packageDocumentation
 */
export {
  defineStrategy, type DefineStrategyInput, type DefinedStrategy, type BarView, type BarValues, type BarFields,
  type RuleResult, type RuleColumns, type HigherTimeframeInput,
} from './define-strategy';
export { ind, PRICE_SOURCES, type PriceSource, type IndicatorSpec, type IndicatorStream, type BollingerOutput, type MacdOutput } from './indicator-specs';
export { StrategyDefinitionError, StrategyRuleError } from './errors';
export { bucketStart, higherBars, type HigherBars } from './higher-timeframe';
export { checkNoLookahead, type LookaheadReport, type CheckNoLookaheadOptions } from './check-no-lookahead';
