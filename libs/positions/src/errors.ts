/**
 * Base class of every error `@coinhts/positions` throws on purpose. Expected outcomes (a position
 * already open, nothing to close, not enough cash) are returned as values, never thrown; these
 * errors mean a caller broke the contract (a NaN price, a negative fee rate) or a listener failed.
 */
export abstract class PositionsError extends Error {
  /** Stable, machine-readable failure kind. */
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A {@link PositionManager} option is out of range (e.g. a negative fee rate or a NaN initial cash). */
export class InvalidPositionsConfigError extends PositionsError {
  readonly code = 'INVALID_POSITIONS_CONFIG' as const;
  constructor(
    /** Option name, e.g. `feeRate`. */
    readonly field: string,
    /** The rejected value. */
    readonly value: unknown,
    /** The allowed range, in words. */
    readonly allowed: string,
  ) {
    super(`Invalid position manager option ${field} = ${String(value)}: must be ${allowed}`);
  }
}

/** An order or mark has an unusable number (non-finite or non-positive price, bad sizing, bad time). */
export class InvalidOrderError extends PositionsError {
  readonly code = 'INVALID_ORDER' as const;
  constructor(
    /** Field of the order, e.g. `price` or `sizing.fraction`. */
    readonly field: string,
    /** The rejected value. */
    readonly value: unknown,
    /** The allowed range, in words. */
    readonly allowed: string,
  ) {
    super(`Invalid order field ${field} = ${String(value)}: must be ${allowed}`);
  }
}

/** Names of the events a {@link PositionManager} emits to listeners. */
export type PositionEventName = 'opened' | 'closed' | 'updated';

/**
 * A listener threw. The book is already consistent when this is reported (listeners run after
 * the state change); the original exception is `cause`.
 */
export class ListenerError extends PositionsError {
  readonly code = 'LISTENER_FAILED' as const;
  constructor(
    /** The event whose listener threw. */
    readonly event: PositionEventName,
    cause: unknown,
  ) {
    super(`A "${event}" listener threw: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
