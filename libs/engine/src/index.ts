/**
 * @coinhts/engine — the backtesting engine of coin-hts. Domain code only: no I/O.
 * @packageDocumentation
 */
export * from './core/errors';
export * from './core/candles';
export * from './core/signals';
export * from './core/strategy';
export * from './core/columns';
export * from './core/timeframes';
export * from './core/ports';
export * from './sweep';
export * from './backtest';
export * from './metrics';
export * from './strategies';
export * from './define';
