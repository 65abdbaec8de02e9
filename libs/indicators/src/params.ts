import { InvalidIndicatorParamError } from './errors';

/**
 * Largest period any indicator accepts (2^24 values). Ring buffers are allocated up front with
 * `period` slots, so an absurd period is rejected instead of allocating gigabytes.
 */
export const MAX_PERIOD = 16_777_216;

/** Throws {@link InvalidIndicatorParamError} unless `value` is an integer in [min, max]. */
export function assertPeriod(indicator: string, param: string, value: unknown, min = 1, max = MAX_PERIOD): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidIndicatorParamError(indicator, param, value, min, max, true);
  }
  return value;
}

/** Throws {@link InvalidIndicatorParamError} unless `value` is a finite number in [min, max]. */
export function assertFiniteParam(indicator: string, param: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new InvalidIndicatorParamError(indicator, param, value, min, max, false);
  }
  return value;
}

/** `value` unless it is `undefined`, then `fallback` (`null` is *not* replaced, so it fails validation). */
export function withDefault<T>(value: T | undefined, fallback: T): T {
  return value === undefined ? fallback : value;
}
