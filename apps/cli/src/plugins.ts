import { resolveModuleSpecifier } from '@coinhts/config';
import { registerStrategyModules } from '@coinhts/engine';
import type { CliConfig } from './config';

/**
 * Registers the strategy plugin modules of COINHTS_STRATEGY_MODULES and `--strategy-module FILE`
 * (relative to the working directory) before a command runs, so every command sees them like the
 * built-ins. Loaded by main.ts only when a command runs.
 */
export async function loadStrategyPlugins(config: CliConfig, fromFlags: readonly string[]): Promise<void> {
  const modules = [...(config.strategyModules ?? []), ...fromFlags.map((m) => resolveModuleSpecifier(m, process.cwd()))];
  if (modules.length > 0) await registerStrategyModules(modules, (spec) => import(spec));
}
