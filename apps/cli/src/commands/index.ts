import type { Command } from 'commander';
import type { CommandContext } from './context';

export type { CommandContext } from './context';

/** A command module's entry point: adds its command (and sub-commands) to the program. */
export type Registrar = (program: Command, ctx: CommandContext) => void;

/** What a command module exports (loaded with `require` and a literal path, which a bundle keeps lazy). */
interface CommandModule {
  readonly register: Registrar;
}

/**
 * One top-level command: its name, how `coinhts --help` lists it, and how to load the module(s)
 * that define it. The CLI loads only the module of the command it runs (`coinhts backtest` never
 * loads typeorm, the AWS SDK or BullMQ through `db`, `paper` or `alerts`), so the listing is kept
 * here; a test checks it against what the modules register.
 */
export interface CommandEntry {
  readonly name: string;
  /** The command's term in the top-level help (name, `[options]`, arguments). */
  readonly term: string;
  /** The command's description, as its module sets it. */
  readonly summary: string;
  /** Loads the command's module(s) (`require`, so that a bundle loads them lazily too) and returns their registrars. */
  readonly load: () => readonly Registrar[];
}

/**
 * Every command, in the order `coinhts --help` lists them. Each command family lives in its own
 * module exporting `register(program, ctx)`. `results` is shared: results.ts (list/show/export/check)
 * and results-legacy.ts (import-legacy) both add sub-commands to one `results` command, each
 * reusing it when the other created it first.
 */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'backtest', term: 'backtest [options]', summary: 'backtest a strategy (defaults: volume_zone_breakout on the bundled KRW-BTC 1d sample, all of it)', load: () => [(require('./backtest') as CommandModule).register] },
  { name: 'sweep', term: 'sweep [options]', summary: 'search a strategy\'s parameters (grid or random) and rank the combinations; --walk-forward for out-of-sample folds', load: () => [(require('./sweep') as CommandModule).register] },
  { name: 'strategies', term: 'strategies [options]', summary: 'list the strategies with their parameters (defaults and allowed ranges)', load: () => [(require('./strategies') as CommandModule).register] },
  { name: 'check-strategy', term: 'check-strategy [options]', summary: 'check that a strategy decides each bar from past bars only (batch vs streaming vs truncated prefixes)', load: () => [(require('./check-strategy') as CommandModule).register] },
  { name: 'results', term: 'results', summary: 'stored backtest results', load: () => [(require('./results') as CommandModule).register, (require('./results-legacy') as CommandModule).register] },
  { name: 'report', term: 'report [options] <run-id>', summary: 'write a self-contained HTML report of a saved run (charts, stats, trades; opens offline from disk)', load: () => [(require('./report') as CommandModule).register] },
  { name: 'data', term: 'data', summary: 'candle store: fetch from Upbit, import files, list, check quality', load: () => [(require('./data') as CommandModule).register] },
  { name: 'db', term: 'db', summary: 'results database (PostgreSQL) maintenance', load: () => [(require('./db') as CommandModule).register] },
  { name: 'alerts', term: 'alerts', summary: 'alert channels (Slack webhook, SMTP e-mail) used by the workers', load: () => [(require('./alerts') as CommandModule).register] },
  { name: 'paper', term: 'paper', summary: 'live paper trading on Upbit (sessions run in the apps/paper process)', load: () => [(require('./paper') as CommandModule).register] },
];

/** Registers every command (loads every command module; the CLI itself loads only the one it runs). */
export function registerCommands(program: Command, ctx: CommandContext): void {
  for (const entry of COMMANDS) for (const register of entry.load()) register(program, ctx);
}

/**
 * The command `argv` runs (`help X` counts as X), skipping the program's own options; `undefined`
 * when there is none (`coinhts`, `coinhts --help`) or it is not a command (`coinhts bactest`).
 * `optionsWithValue` are the program options that take a value (`--strategy-module FILE`).
 */
export function commandOf(argv: readonly string[], optionsWithValue: readonly string[]): CommandEntry | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return undefined;
    if (optionsWithValue.includes(a)) { i++; continue; }
    if (a.startsWith('-')) continue;
    if (a === 'help' && i + 1 < argv.length) return COMMANDS.find((c) => c.name === argv[i + 1]);
    return COMMANDS.find((c) => c.name === a);
  }
  return undefined;
}
