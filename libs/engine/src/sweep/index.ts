export * from './param-space';
export * from './run-sweep';
export * from './walk-forward';
export * from './column-cache';
export * from './collector';
export * from './successive-halving';
export * from './summary-run';
