import type { Command } from 'commander';
import type { CommandContext } from './context';
import { register as registerAlerts } from './alerts';
import { register as registerBacktest } from './backtest';
import { register as registerCheckStrategy } from './check-strategy';
import { register as registerData } from './data';
import { register as registerDb } from './db';
import { register as registerPaper } from './paper';
import { register as registerResults } from './results';
import { register as registerResultsLegacy } from './results-legacy';
import { register as registerStrategies } from './strategies';
import { register as registerSweep } from './sweep';

export type { CommandContext } from './context';

/**
 * Registers every command. Each command family lives in its own module exporting
 * `register(program, ctx)`. `results` is shared: results.ts (list/show/export) and
 * results-legacy.ts (import-legacy) both add sub-commands to one `results` command, each reusing
 * it when the other created it first.
 */
export function registerCommands(program: Command, ctx: CommandContext): void {
  for (const register of registrars) register(program, ctx);
}

const registrars: readonly ((program: Command, ctx: CommandContext) => void)[] = [
  registerBacktest,
  registerSweep,
  registerStrategies,
  registerCheckStrategy,
  registerResults,
  registerResultsLegacy,
  registerData,
  registerDb,
  registerAlerts,
  registerPaper,
];
