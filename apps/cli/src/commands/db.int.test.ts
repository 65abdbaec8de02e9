import { Command, CommanderError } from 'commander';
import type { CliConfig } from '../config';
import type { CommandContext } from './index';
import { ExitCode, reportError } from '../errors';
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { Client } from 'pg';
import { register } from './db';

// Runs one registrar the way main.ts does, capturing output and the exit code.
interface CommandRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

async function runCommand(registrar: (p: Command, ctx: CommandContext) => void, argv: readonly string[], config: Partial<CliConfig>, onStderr: (s: string) => void = () => undefined): Promise<CommandRun> {
  const out: string[] = [];
  const err: string[] = [];
  let code: number = ExitCode.Ok;
  const program = new Command('coinhts').exitOverride().configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
  const full: CliConfig = { repoRoot: '/', dataRoot: '/', resultsDir: '/nonexistent', timeZone: 'Asia/Seoul', ...config };
  registrar(program, { config: full, io: { stdout: (s) => out.push(s), stderr: (s) => { err.push(s); onStderr(s); }, isTty: false }, setExitCode: (c) => { code = c; } });
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


const url = requireDatabaseUrl();
const schema = `cli_db_t_${randomBytes(6).toString('hex')}`;
let pg: Client;
const config = { databaseUrl: url, databaseSchema: schema };

beforeAll(async () => {
  pg = new Client({ connectionString: url });
  await pg.connect();
});
afterAll(async () => {
  await pg.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await pg.end();
});

const tables = async () =>
  (await pg.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`, [schema])).rows.map((r: { table_name: string }) => r.table_name);

describe('coinhts db migrate', () => {
  it('creates the schema and applies every migration, then reports it is up to date', async () => {
    const first = await runCommand(register, ['db', 'migrate'], config);
    expect(first).toMatchObject({ code: 0, err: '' });
    expect(first.out).toBe(
      'applied CreateBacktestRuns1764200000000\napplied CreatePresets1764200001000\napplied CreateJobRecords1764200002000\napplied AddRunListIndexes1764200003000\napplied CreateApiKeys1764300000000\napplied CreatePaperTables1764400000000\napplied CreateSweepChunks1764500000000\n7 migration(s) applied; 7 in total\n',
    );
    expect(await tables()).toEqual(['api_keys', 'backtest_runs', 'backtest_symbol_results', 'job_records', 'paper_events', 'paper_orders', 'paper_pairs',
      'paper_positions', 'paper_sessions', 'paper_signals', 'paper_snapshots', 'paper_trades', 'presets', 'results_migrations', 'sweep_chunks']);
    expect((await runCommand(register, ['db', 'migrate'], config)).out).toBe('up to date: 7 migration(s) applied\n');
  });

  it('--revert undoes the newest migration only', async () => {
    const r = await runCommand(register, ['db', 'migrate', '--revert'], config);
    expect(r).toMatchObject({ code: 0, out: 'reverted CreateSweepChunks1764500000000\n' });
    expect(await tables()).not.toContain('sweep_chunks');
    expect(await tables()).toContain('paper_sessions');
    expect(await tables()).toContain('api_keys');
  });

  it('says what to set when DATABASE_URL is missing (exit 2)', async () => {
    const r = await runCommand(register, ['db', 'migrate'], {});
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/DATABASE_URL is not set/);
  });

  it('reports an unreachable database as unavailable (exit 1)', async () => {
    const r = await runCommand(register, ['db', 'migrate'], { databaseUrl: `postgres://postgres@127.0.0.1:${await closedPort()}/x` });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/database unavailable/);
  });
});

/** A port on 127.0.0.1 where nothing listens (bound once, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const { port } = server.address() as { port: number };
  await new Promise<void>((res) => server.close(() => res()));
  return port;
}

describe('coinhts db migrate --wait (first start: PostgreSQL not accepting TCP yet)', () => {
  const waitSchema = `cli_db_w_${randomBytes(6).toString('hex')}`;
  let proxy: Server | undefined;
  const sockets = new Set<Socket>();
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    if (proxy) await new Promise<void>((res) => proxy?.close(() => res()));
    await pg.query(`DROP SCHEMA IF EXISTS ${waitSchema} CASCADE`);
  });

  it('retries while the port refuses connections and migrates once PostgreSQL answers there', async () => {
    const port = await closedPort();
    const real = new URL(url);
    const viaPort = new URL(url);
    viaPort.port = String(port);
    viaPort.hostname = '127.0.0.1';
    // The "server" comes up after the first refused attempt: a TCP relay to the real PostgreSQL on that port.
    const openServer = () => {
      if (proxy) return;
      proxy = createServer((client) => {
        const upstream = connect(Number(real.port || 5432), real.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('error', () => undefined);
          s.on('close', () => sockets.delete(s));
        }
        client.pipe(upstream).pipe(client);
      });
      proxy.listen(port, '127.0.0.1');
    };
    const r = await runCommand(register, ['db', 'migrate', '--wait', '60'], { databaseUrl: viaPort.toString(), databaseSchema: waitSchema }, (line) => {
      if (line.startsWith('waiting for PostgreSQL')) openServer();
    });
    expect(r.err).toMatch(/^waiting for PostgreSQL \(attempt 1 failed, retrying for up to \d+ s more\): .*database unavailable/);
    expect({ code: r.code, out: r.out.split('\n').slice(-2) }).toEqual({ code: 0, out: ['7 migration(s) applied; 7 in total', ''] });
    expect((await pg.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1`, [waitSchema])).rows[0].n).toBe(15); // 7 results tables + 8 paper tables
  });

  it('gives up after the bound with the reason (exit 1)', async () => {
    const port = await closedPort();
    const r = await runCommand(register, ['db', 'migrate', '--wait', '1'], { databaseUrl: `postgres://postgres@127.0.0.1:${port}/x` });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/database unavailable .*gave up after \d+ attempt\(s\) in 1 s \(--wait 1\)/);
  });

  it('fails at once on errors that waiting cannot fix, and rejects a bad --wait (exit 2)', async () => {
    const wrongDb = new URL(url);
    wrongDb.pathname = `/no_such_db_${randomBytes(4).toString('hex')}`;
    const r = await runCommand(register, ['db', 'migrate', '--wait', '30'], { databaseUrl: wrongDb.toString() });
    expect({ code: r.code, waited: r.err.includes('waiting for PostgreSQL') }).toEqual({ code: 1, waited: false });
    expect(r.err).toMatch(/does not exist/);
    const bad = await runCommand(register, ['db', 'migrate', '--wait', 'soon'], config);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--wait must be a whole number from 0 to 3600/);
  });
});
