#!/usr/bin/env node
import { registerStrategyModules } from '@coinhts/engine';
import { Command, CommanderError } from 'commander';
import { resolveModuleSpecifier } from '@coinhts/config';
import { loadCliConfig, type CliConfig } from './config';
import { ExitCode, reportError } from './errors';
import { registerCommands } from './commands';

/** Runs the CLI with `argv` (without node and script) and resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  let config: CliConfig | undefined;
  try {
    config = loadCliConfig();
    const program = new Command('coinhts')
      .description('coin-hts: backtest crypto strategies on OHLCV candles')
      .exitOverride()
      .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
      .option('--strategy-module <file>', 'load strategies from a module exporting defineStrategy(...) definitions (repeatable; adds to COINHTS_STRATEGY_MODULES)', (v: string, prev: string[] = []) => [...prev, v]);
    const cfg = config;
    // Plugins load before any command runs, so every command sees them like the built-ins.
    program.hook('preAction', async () => {
      const extra = (program.opts<{ strategyModule?: string[] }>().strategyModule ?? []).map((m) => resolveModuleSpecifier(m, process.cwd()));
      await registerStrategyModules([...(cfg.strategyModules ?? []), ...extra], (spec) => import(spec));
    });
    let exitCode: number = ExitCode.Ok;
    registerCommands(program, { config, io, setExitCode: (c) => { exitCode = c; } });
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return ExitCode.Ok;
      return ExitCode.BadInput;
    }
    return reportError(err, io.stderr, { debug: config?.debug });
  }
}

/** Where the CLI writes; tests capture it. */
export interface CliIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  /** True when stderr is a terminal (progress bars are drawn only then). */
  readonly isTty: boolean;
}

const defaultIo: CliIo = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  isTty: Boolean(process.stderr.isTTY),
};

if (require.main === module) {
  // `coinhts results list | head`: a closed pipe ends the output, it is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => { if (err.code === 'EPIPE') process.exit(0); throw err; });
  runCli(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err) => { process.exitCode = reportError(err, defaultIo.stderr); });
}
