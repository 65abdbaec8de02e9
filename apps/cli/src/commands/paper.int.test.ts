import { randomBytes } from 'node:crypto';
import { Command, CommanderError } from 'commander';
import { startFakeUpbit } from '@coinhts/market-data/testing';
import { createDataSource, runMigrations } from '@coinhts/results';
import type { CliConfig } from '../config';
import { ExitCode, reportError } from '../errors';
import type { CommandContext } from './index';
import { parsePairFlag, register } from './paper';

// Runs the paper registrar the way main.ts does, capturing output and the exit code.
async function run(argv: readonly string[], config: Partial<CliConfig>): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  let code: number = ExitCode.Ok;
  const program = new Command('coinhts').exitOverride().configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
  const full: CliConfig = { repoRoot: '/', dataRoot: '/', resultsDir: '/nonexistent', timeZone: 'Asia/Seoul', ...config };
  const ctx: CommandContext = { config: full, io: { stdout: (s) => out.push(s), stderr: (s) => err.push(s), isTty: false }, setExitCode: (c) => { code = c; } };
  register(program, ctx);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    code = e instanceof CommanderError ? ExitCode.BadInput : reportError(e, (s) => err.push(s));
  }
  return { code, out: out.join(''), err: err.join('') };
}

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is not set: these CLI tests need PostgreSQL. Run `source tools/services.sh` (or export DATABASE_URL) and re-run.');
const schema = `cli_paper_t_${randomBytes(6).toString('hex')}`;
let rest: Awaited<ReturnType<typeof startFakeUpbit>>;
let config: Partial<CliConfig>;

beforeAll(async () => {
  const ds = createDataSource({ url, schema });
  await runMigrations(ds);
  await ds.destroy();
  rest = await startFakeUpbit({ data: { 'KRW-BTC': { 'minutes/1': [] }, 'KRW-ETH': { 'minutes/1': [] } } });
  config = { databaseUrl: url, databaseSchema: schema, upbitBaseUrl: rest.baseUrl };
});
afterAll(async () => {
  const ds = createDataSource({ url });
  await ds.initialize();
  await ds.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await ds.destroy();
  await rest.close();
});

describe('coinhts paper', () => {
  it('parses --pair SYMBOL:STRATEGY:k=v,k=v', () => {
    expect(parsePairFlag('KRW-BTC:sma_crossover:fast_period=5,slow_period=20')).toEqual({ symbol: 'KRW-BTC', strategy: 'sma_crossover', params: { fast_period: 5, slow_period: 20 } });
    expect(() => parsePairFlag('KRW-BTC')).toThrow(/SYMBOL:STRATEGY/);
  });

  it('start, list, status, stop; a second stop and a second start of a running name exit 2', async () => {
    const started = await run(['paper', 'start', '--name', 'cli-btc', '--pair', 'KRW-BTC:sma_crossover:fast_period=5,slow_period=20', '--pair', 'KRW-ETH:rsi_reversion', '--capital', '2000000', '--stop-loss', '2'], config);
    expect(started).toMatchObject({ code: 0, err: '' });
    const id = /started ([0-9a-f-]{36})/.exec(started.out)?.[1] as string;
    expect(id).toBeDefined();
    const dup = await run(['paper', 'start', '--name', 'cli-btc', '--pair', 'KRW-BTC:sma_crossover'], config);
    expect(dup.code).toBe(ExitCode.BadInput);
    expect(dup.err).toMatch(/already running/);
    const list = await run(['paper', 'list'], config);
    expect(list.out.trim().split('\n')).toHaveLength(1);
    expect(list.out).toContain('running');
    const status = await run(['paper', 'status', id, '--json'], config);
    const v = JSON.parse(status.out) as { equity: number; pairs: { symbol: string; equity: number }[] };
    expect(v.equity).toBe(2_000_000);
    expect(v.pairs.map((p) => [p.symbol, p.equity])).toEqual([['KRW-BTC', 1_000_000], ['KRW-ETH', 1_000_000]]); // capital split equally
    expect((await run(['paper', 'stop', id], config)).code).toBe(0);
    const again = await run(['paper', 'stop', id], config);
    expect(again.code).toBe(ExitCode.BadInput);
    expect(again.err).toMatch(/not running: there is nothing to stop/);
  });

  it.each([
    [['--name', 'a', '--pair', 'KRW-NOPE:sma_crossover'], /Upbit does not list the market KRW-NOPE/],
    [['--name', 'b', '--pair', 'KRW-BTC:sma_crossover:fast_period=30,slow_period=10'], /pairs\.0\.params\.slow_period: must be greater than fast_period/],
    [['--name', 'c', '--pair', 'KRW-BTC:sma_crossover', '--capital', '4000'], /below Upbit's minimum order of 5000 KRW/],
    [['--name', 'd', '--pair', 'KRW-BTC:no_such'], /no_such/],
    [['--pair', 'KRW-BTC:sma_crossover'], /--name is required/],
  ])('bad input %j exits 2 with a clear message and starts nothing', async (args, message) => {
    const before = (await run(['paper', 'list', '--json'], config)).out;
    const r = await run(['paper', 'start', ...args], config);
    expect(r.code).toBe(ExitCode.BadInput);
    expect(r.err).toMatch(message);
    expect((await run(['paper', 'list', '--json'], config)).out).toBe(before);
  });
});
