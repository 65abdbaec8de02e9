#!/usr/bin/env node
import { Command, CommanderError, Help } from 'commander';
import type * as Config from './config';
import type { CliConfig } from './config';
import type * as Plugins from './plugins';
import { ExitCode, reportError } from './errors';
import { COMMANDS, commandOf } from './commands';

/** Runs the CLI with `argv` (without node and script) and resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  let config: CliConfig | undefined;
  try {
    const program = new Command('coinhts')
      .description('coin-hts: backtest crypto strategies on OHLCV candles')
      .exitOverride()
      .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
      .option('--strategy-module <file>', 'load strategies from a module exporting defineStrategy(...) definitions (repeatable; adds to COINHTS_STRATEGY_MODULES)', (v: string, prev: string[] = []) => [...prev, v]);
    // Only the module of the command being run is loaded (start-up time and memory); without a
    // command (`coinhts --help`, a typo) every command is listed from the table in commands/index.ts
    // and nothing else loads, not even the configuration.
    const command = commandOf(argv, ['--strategy-module']);
    let exitCode: number = ExitCode.Ok;
    if (command) {
      const { loadCliConfig } = require('./config') as typeof Config;
      const cfg = config = loadCliConfig();
      // Plugins load before any command runs, so every command sees them like the built-ins.
      program.hook('preAction', async () => {
        await (require('./plugins') as typeof Plugins).loadStrategyPlugins(cfg, program.opts<{ strategyModule?: string[] }>().strategyModule ?? []);
      });
      const ctx = { config, io, setExitCode: (c: number) => { exitCode = c; } };
      for (const register of command.load()) register(program, ctx);
    } else {
      for (const c of COMMANDS) program.command(c.name).description(c.summary);
      const terms = new Map(COMMANDS.map((c) => [c.name, c.term]));
      program.configureHelp({ subcommandTerm: (cmd) => terms.get(cmd.name()) ?? new Help().subcommandTerm(cmd) });
    }
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

/** Runs the CLI as this process: arguments from `process.argv`, the exit code into `process.exitCode`. */
export function main(): void {
  // `coinhts results list | head`: a closed pipe ends the output, it is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => { if (err.code === 'EPIPE') process.exit(0); throw err; });
  runCli(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err) => { process.exitCode = reportError(err, defaultIo.stderr); });
}

if (require.main === module) main();
