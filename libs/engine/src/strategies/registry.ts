import { UnknownStrategyError } from '../core/errors';
import type { StrategyDefinition } from '../core/strategy';
import { rsiReversion } from './rsi-reversion';
import { smaCrossover } from './sma-crossover';
import { volumeLongCandle } from './volume-long-candle';
import { volumeZoneBreakout } from './volume-zone-breakout';

/** A registered strategy with its parameter type erased (parse params with `parseStrategyParams`). */
export type AnyStrategyDefinition = StrategyDefinition<Record<string, unknown>>;

const STRATEGIES: readonly AnyStrategyDefinition[] = [
  volumeLongCandle,
  volumeZoneBreakout,
  smaCrossover,
  rsiReversion,
];

/** Every registered strategy: the original's two first (in the original's order), then the classics. */
export function listStrategies(): readonly AnyStrategyDefinition[] {
  return STRATEGIES;
}

/**
 * The strategy registered under `name` (e.g. `volume_zone_breakout`).
 * @throws UnknownStrategyError listing the available names.
 */
export function getStrategy(name: string): AnyStrategyDefinition {
  const found = STRATEGIES.find((s) => s.name === name);
  if (!found) throw new UnknownStrategyError(name, STRATEGIES.map((s) => s.name));
  return found;
}
