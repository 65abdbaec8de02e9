export * from './errors';
export * from './options';
export * from './signal-study';
export * from './simulate';
export * from './run-backtest';
export * from './serialize';
export * from './version';
export { candlesAreValid } from './fast-validate';
