/**
 * Backtest metrics: formulas, units and the null convention are documented on each function and
 * in docs/metrics.md.
 */
export * from './finite';
export * from './equity';
export * from './trades';
export * from './legacy';
export * from './overfitting';
