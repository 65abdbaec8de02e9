/**
 * @coinhts/indicators — technical indicators for coin-hts. Every indicator exists as a batch
 * function over Float64Array columns (fast path, NaN during warm-up) and as a streaming class
 * (`add()` / `getResult()` / `isStable`, `null` during warm-up) that yields bit-identical numbers.
 * Numeric conventions (seeding, alignment) follow TA-Lib; see README.md. Domain code: no I/O and
 * no runtime dependencies.
 * @packageDocumentation
 */
export * from './errors';
export { MAX_PERIOD } from './params';
export type * from './types';
export { sma, Sma } from './sma';
export { ema, Ema } from './ema';
export { wma, Wma } from './wma';
export { rsi, Rsi } from './rsi';
export { atr, Atr } from './atr';
export { stdDev, StdDev } from './std-dev';
export * from './bollinger-bands';
export * from './macd';
export * from './stochastic';
export { obv, Obv } from './obv';
export { roc, Roc } from './roc';
export { rollingMax, rollingMin, RollingMax, RollingMin } from './rolling-extremes';
export { volumeSma, VolumeSma } from './volume-sma';
