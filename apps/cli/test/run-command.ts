// Test helper: runs one command module's registrar the way main.ts does, capturing output and the exit code.
import { Command, CommanderError } from 'commander';
import type { CliConfig } from '../src/config';
import type { CommandContext } from '../src/commands';
import { ExitCode, reportError } from '../src/errors';

export interface CommandRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export async function runCommand(register: (p: Command, ctx: CommandContext) => void, argv: readonly string[], config: Partial<CliConfig>): Promise<CommandRun> {
  const out: string[] = [];
  const err: string[] = [];
  let code: number = ExitCode.Ok;
  const program = new Command('coinhts').exitOverride().configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
  const full: CliConfig = { repoRoot: '/', dataRoot: '/', resultsDir: '/nonexistent', timeZone: 'Asia/Seoul', ...config };
  register(program, { config: full, io: { stdout: (s) => out.push(s), stderr: (s) => err.push(s), isTty: false }, setExitCode: (c) => { code = c; } });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    code = e instanceof CommanderError ? ExitCode.BadInput : reportError(e, (s) => err.push(s));
  }
  return { code, out: out.join(''), err: err.join('') };
}

/** DATABASE_URL, or a loud failure saying how to get one (integration tests never skip). */
export function requireDatabaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: these CLI tests need PostgreSQL. Run `source tools/services.sh` (or export DATABASE_URL) and re-run.');
  return url;
}
