import type { StrategyDefinition } from '../core/strategy';
import { getStrategy, strategiesInModule, strategyOrigin, StrategyModuleError } from '../strategies';

/**
 * Looks a strategy up in `modules` (plugin module paths, read like the apps' start-up loader reads
 * them: any module `registerStrategyModules` accepts, see `strategiesInModule`), then in the
 * registry. How sweep workers find plugin strategies: a worker thread has its own registry, so the
 * pool passes it the modules of the request, or the module the strategy was registered from in the
 * calling thread ({@link pluginModulesFor}).
 * @throws UnknownStrategyError when neither has it; StrategyModuleError when a module is unusable.
 */
export function resolveStrategyIn(name: string, modules: readonly string[] | undefined): StrategyDefinition<object> {
  for (const path of modules ?? []) {
    let mod: unknown;
    try {
      mod = require(path);
    } catch (err) {
      throw new StrategyModuleError(path, '(module)', '(module)', `failed to load: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    const found = strategiesInModule(path, mod).find((s) => s.name === name);
    if (found) return found as StrategyDefinition<object>;
  }
  return getStrategy(name) as StrategyDefinition<object>;
}

/**
 * The plugin modules a worker thread needs to find `name`: `modules` when the request names them,
 * else the module `name` was registered from in this thread (`registerStrategyModules`), else none
 * (a built-in).
 */
export function pluginModulesFor(name: string, modules: readonly string[] | undefined): readonly string[] | undefined {
  if (modules !== undefined) return modules;
  const origin = strategyOrigin(name);
  return origin === undefined || origin === 'built-in' ? undefined : [origin];
}
