/**
 * @coinhts/positions — a long-only position book with cash, fees on both legs, adverse slippage,
 * sizing with lot rounding and listeners. Domain code only: no I/O, no clock.
 * @packageDocumentation
 */
export * from './errors';
export * from './costs';
export * from './sizing';
export * from './order-rules';
export { PositionStatus, type Position, type ClosedTrade } from './position';
export * from './position-manager';
