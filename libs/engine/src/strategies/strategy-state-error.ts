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

/**
 * Version of the snapshots of the hand-written streaming forms (VolumeZoneBreakout,
 * VolumeLongCandle); bump it when their state changes meaning.
 */
export const KERNEL_SNAPSHOT_VERSION = 1;

/**
 * Throws {@link InvalidStrategyStateError} (naming the field: `strategy`, `version`, `params`)
 * unless the snapshot was taken by `strategy`, at `version`, with the same params.
 */
export function checkSnapshotOrigin(strategy: string, params: object, state: Readonly<Record<string, unknown>>, version = KERNEL_SNAPSHOT_VERSION): void {
  if (state.strategy !== strategy) throw new InvalidStrategyStateError(strategy, `strategy: snapshot is of ${describe(state.strategy)}`, 'strategy');
  if (state.version !== version) throw new InvalidStrategyStateError(strategy, `version: snapshot is of version ${describe(state.version)}, this is version ${version}`, 'version');
  const want = canonical(params);
  const got = canonical(state.params);
  if (want !== got) throw new InvalidStrategyStateError(strategy, `params: snapshot params ${got} differ from this instance's ${want}`, 'params');
}

/** JSON with object keys sorted, so key order does not matter. */
export function canonical(x: unknown): string {
  if (x === null || typeof x !== 'object') return JSON.stringify(x) ?? 'undefined';
  const o = x as Record<string, unknown>;
  return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
}

function describe(x: unknown): string {
  return typeof x === 'string' ? `"${x}"` : String(x);
}
