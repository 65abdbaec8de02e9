/**
 * Strategies: each is a {@link StrategyDefinition} with a zod parameter schema (plus its JSON
 * Schema), a batch form over candle columns and a streaming form with snapshot/restore. The
 * classics are written with `defineStrategy`; the two volume strategies keep hand-tuned kernels.
 * @packageDocumentation
 */
export {
  listStrategies, getStrategy, strategyOrigin, validateStrategyDefinition, loadStrategyModules, registerStrategies, registerStrategyModules, strategiesInModule,
  StrategyModuleError, type AnyStrategyDefinition, type LoadedStrategy,
} from './registry';
export {
  parseStrategyParams, paramsJsonSchema, integerParam, numberParam, booleanParam, holdPeriodBarsParam, describeValue,
  type IntegerParamSpec, type NumberParamSpec,
} from './params';
export { InvalidStrategyStateError } from './strategy-state-error';
export { volumeZoneBreakout, VolumeZoneBreakoutSchema, type VolumeZoneBreakoutConfig } from './volume-zone-breakout';
export { volumeLongCandle, VolumeLongCandleSchema, type VolumeLongCandleConfig } from './volume-long-candle';
export { smaCrossover, SmaCrossoverSchema, type SmaCrossoverConfig } from './sma-crossover';
export { rsiReversion, RsiReversionSchema, type RsiReversionConfig } from './rsi-reversion';
export { bollingerBreakout, BollingerBreakoutSchema, type BollingerBreakoutConfig } from './bollinger-breakout';
export { macdCrossover, MacdCrossoverSchema, type MacdCrossoverConfig } from './macd-crossover';
export { donchianBreakout, DonchianBreakoutSchema, type DonchianBreakoutConfig } from './donchian-breakout';
