import type { Command } from 'commander';
import type { CliConfig } from '../config';
import type { CliIo } from '../main';

/** What every command module receives. */
export interface CommandContext {
  readonly config: CliConfig;
  readonly io: CliIo;
  /** Sets the process exit code for a command that completed but must report failure. */
  readonly setExitCode: (code: number) => void;
}

/**
 * Registers every command. Each command family lives in its own module
 * (`backtest.ts`, `sweep.ts`, `strategies.ts`, `data.ts`, `results.ts`) exporting `register(program, ctx)`.
 */
export function registerCommands(program: Command, ctx: CommandContext): void {
  for (const register of registrars) register(program, ctx);
}

const registrars: ((program: Command, ctx: CommandContext) => void)[] = [];
