import { Command, Help } from 'commander';
import { loadCliConfig } from '../config';
import { commandOf, COMMANDS, registerCommands } from './index';

describe('the command table (what `coinhts --help` lists without loading the command modules)', () => {
  it('names every command the modules register, with their descriptions and terms', () => {
    const program = new Command('coinhts');
    registerCommands(program, { config: loadCliConfig({}), io: { stdout: () => undefined, stderr: () => undefined, isTty: false }, setExitCode: () => undefined });
    const help = new Help();
    const registered = program.commands.map((c) => ({ name: c.name(), term: help.subcommandTerm(c), summary: c.description() }));
    expect(COMMANDS.map((c) => ({ name: c.name, term: c.term, summary: c.summary }))).toEqual(registered);
  });

  it('finds the command to load in argv', () => {
    const name = (argv: string[]) => commandOf(argv, ['--strategy-module'])?.name;
    expect(name(['backtest', '--csv', 'x.csv'])).toBe('backtest');
    expect(name(['--strategy-module', 'sweep', 'results', 'list'])).toBe('results'); // a module file named like a command
    expect(name(['help', 'sweep'])).toBe('sweep');
    expect(name(['--help'])).toBeUndefined();
    expect(name([])).toBeUndefined();
    expect(name(['bactest'])).toBeUndefined();
  });
});
