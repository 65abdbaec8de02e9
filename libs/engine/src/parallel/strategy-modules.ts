import type { StrategyDefinition } from '../core/strategy';
import { getStrategy } from '../strategies';

/**
 * Looks a strategy up in `modules` (each a module path whose `strategies` export is an array of
 * strategy definitions), then in the registry. How sweep workers find custom strategies.
 * @throws UnknownStrategyError when neither has it.
 */
export function resolveStrategyIn(name: string, modules: readonly string[] | undefined): StrategyDefinition<object> {
  for (const path of modules ?? []) {
    const mod = require(path) as { strategies?: readonly StrategyDefinition<object>[] };
    const found = mod.strategies?.find((s) => s.name === name);
    if (found) return found;
  }
  return getStrategy(name) as StrategyDefinition<object>;
}
