import { Command, CommanderError } from 'commander';
import type { CliConfig } from '../config';
import type { CommandContext } from './index';
import { ExitCode, reportError } from '../errors';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDataSource, runMigrations } from '@coinhts/results';
import { Client } from 'pg';
import { register } from './results-legacy';

// Runs one registrar the way main.ts does, capturing output and the exit code.
interface CommandRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

async function runCommand(registrar: (p: Command, ctx: CommandContext) => void, argv: readonly string[], config: Partial<CliConfig>): Promise<CommandRun> {
  const out: string[] = [];
  const err: string[] = [];
  let code: number = ExitCode.Ok;
  const program = new Command('coinhts').exitOverride().configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
  const full: CliConfig = { repoRoot: '/', dataRoot: '/', resultsDir: '/nonexistent', timeZone: 'Asia/Seoul', ...config };
  registrar(program, { config: full, io: { stdout: (s) => out.push(s), stderr: (s) => err.push(s), isTty: false }, setExitCode: (c) => { code = c; } });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    code = e instanceof CommanderError ? ExitCode.BadInput : reportError(e, (s) => err.push(s));
  }
  return { code, out: out.join(''), err: err.join('') };
}

/** DATABASE_URL, or a loud failure saying how to get one (integration tests never skip). */
function requireDatabaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: these CLI tests need PostgreSQL. Run `source tools/services.sh` (or export DATABASE_URL) and re-run.');
  return url;
}


const FIX = join(__dirname, '..', '..', '..', '..', 'libs', 'results', 'test', 'fixtures', 'legacy');
const url = requireDatabaseUrl();
const schema = `cli_legacy_t_${randomBytes(6).toString('hex')}`;
let pg: Client;
let resultsDir: string;

beforeAll(async () => {
  pg = new Client({ connectionString: url, options: `-c search_path=${schema}` });
  await pg.connect();
  const ds = createDataSource({ url, schema });
  await runMigrations(ds);
  await ds.destroy();
  resultsDir = await mkdtemp(join(tmpdir(), 'cli-legacy-'));
});
afterAll(async () => {
  await pg.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await pg.end();
  await rm(resultsDir, { recursive: true, force: true });
});

describe('coinhts results import-legacy', () => {
  it('--dry-run needs no database and writes nothing; failures give exit 1 and name the files', async () => {
    const r = await runCommand(register, ['results', 'import-legacy', FIX, '--dry-run'], { resultsDir });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^dry run: would import 4 of 7 run\(s\); skipped 0 already imported; 3 failed\n/);
    expect(r.out).toContain(`FAILED ${join(FIX, 'results', '11111111-2222-4333-8444-555555555555.json')}: not valid JSON`);
    expect(existsSync(join(resultsDir, 'objects'))).toBe(false);
  });

  it('imports into the database and the results folder, and prints a JSON report on request', async () => {
    const r = await runCommand(register, ['results', 'import-legacy', FIX, '--batch-size', '3', '--json'], { resultsDir, databaseUrl: url, databaseSchema: schema });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out);
    expect(report.imported).toHaveLength(4);
    expect((await pg.query(`SELECT count(*)::int AS n FROM backtest_runs`)).rows[0].n).toBe(4);
    // The one archive format, on the local-folder provider (objects/backtests/{id}/).
    expect(existsSync(join(resultsDir, 'objects', 'backtests', '6f1c2d3e-4a5b-4c6d-8e7f-901a2b3c4d5e', 'manifest.json'))).toBe(true);
  });

  it('--resume skips what is already there', async () => {
    const r = await runCommand(register, ['results', 'import-legacy', FIX, '--resume'], { resultsDir, databaseUrl: url, databaseSchema: schema });
    expect(r.out).toMatch(/^imported 0 of 7 run\(s\); skipped 4 already imported; 3 failed\n/);
  });

  it('rejects a bad --batch-size and a folder that is not an original DATA_ROOT with exit 2', async () => {
    expect((await runCommand(register, ['results', 'import-legacy', FIX, '--dry-run', '--batch-size', 'x'], { resultsDir })).code).toBe(2);
    const r = await runCommand(register, ['results', 'import-legacy', join(FIX, 'results'), '--dry-run'], { resultsDir });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/contains neither results\/ nor tasks\//);
  });

  it('attaches to an existing `results` command instead of adding a second one', () => {
    const program = new Command('coinhts');
    program.command('results').description('owned by another module');
    register(program, { config: { repoRoot: '/', dataRoot: '/', resultsDir, timeZone: 'UTC' }, io: { stdout: () => undefined, stderr: () => undefined, isTty: false }, setExitCode: () => undefined });
    expect(program.commands.filter((c) => c.name() === 'results')).toHaveLength(1);
    expect(program.commands[0].commands.map((c) => c.name())).toEqual(['import-legacy']);
  });
});
