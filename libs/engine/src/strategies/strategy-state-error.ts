import { EngineError } from '../core/errors';

/**
 * A streaming strategy was asked to restore a snapshot it cannot use: taken with other parameters,
 * by another strategy, or damaged. Restoring would silently change the signals, so it is refused.
 */
export class InvalidStrategyStateError extends EngineError {
  readonly code = 'INVALID_STRATEGY_STATE' as const;
  constructor(
    /** Registry name of the strategy that refused the snapshot. */
    readonly strategy: string,
    /** What does not match. */
    readonly reason: string,
    /** The snapshot field that does not match (`strategy`, `version`, `params`, `indicators.0…`), when known. */
    readonly field?: string,
  ) {
    super(`Cannot restore ${strategy} state: ${reason}`);
  }
}

/** Throws {@link InvalidStrategyStateError} unless the snapshot was taken by `strategy` with the same params. */
export function checkSnapshotOrigin(strategy: string, params: object, state: Readonly<Record<string, unknown>>): void {
  if (state.strategy !== strategy) throw new InvalidStrategyStateError(strategy, `snapshot is of ${describe(state.strategy)}`);
  const want = canonical(params);
  const got = canonical(state.params);
  if (want !== got) throw new InvalidStrategyStateError(strategy, `snapshot params ${got} differ from this instance's ${want}`);
}

/** JSON with object keys sorted, so key order does not matter. */
function canonical(x: unknown): string {
  if (x === null || typeof x !== 'object') return JSON.stringify(x) ?? 'undefined';
  const o = x as Record<string, unknown>;
  return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
}

function describe(x: unknown): string {
  return typeof x === 'string' ? `"${x}"` : String(x);
}
