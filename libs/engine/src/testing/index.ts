/**
 * `@coinhts/engine/testing` — helpers for tests and benchmarks of the engine and of code that uses
 * it: a CSV parser for candle fixtures, a seeded candle generator, a seeded random source, and
 * VolumeZoneBreakout's slow-path counters for benchmarks. No I/O (read fixture files in the test
 * itself).
 * @packageDocumentation
 */
export { parseCandleCsv } from './candle-csv';
export { syntheticCandles, type SyntheticCandlesOptions } from './synthetic-candles';
export { seededRandom, type SeededRandom } from './seeded-random';
export { candlesFromRows } from '../core/candles';
export { volumeZoneBreakoutDiagnostics } from '../strategies/volume-zone-breakout';
