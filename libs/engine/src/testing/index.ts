/**
 * `@coinhts/engine/testing` — helpers for tests and benchmarks of the engine and of code that uses
 * it: a CSV parser for candle fixtures, a seeded candle generator and a seeded random source.
 * No I/O (read fixture files in the test itself).
 * @packageDocumentation
 */
export { parseCandleCsv } from './candle-csv';
export { syntheticCandles, type SyntheticCandlesOptions } from './synthetic-candles';
export { seededRandom, type SeededRandom } from './seeded-random';
export { candlesFromRows } from '../core/candles';
