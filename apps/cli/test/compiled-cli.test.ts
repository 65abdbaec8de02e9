/**
 * The CLI as users start it (`bin/coinhts`, `npm run coinhts`): tools/scripts/run-cli.cjs runs the
 * compiled bundle (apps/cli/.bundle, rebuilt from the sources when stale) in a child process.
 * Behaviour only (no timings: those are in tools/bench/cli.bench.ts): help, a backtest on the
 * bundled sample equal to the one the sources give, exit codes, and which packages each command
 * loads (a backtest on a local store must not load the database, queue, S3 or mail clients).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, runCoinhts } from './cli-harness';

jest.setTimeout(120_000);

interface Bundle {
  readonly MAIN: string;
  build(): number;
  isFresh(): boolean;
}
const bundle = require(join(REPO_ROOT, 'tools/scripts/cli-bundle.cjs')) as Bundle;

const tmp = mkdtempSync(join(tmpdir(), 'coinhts-compiled-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Preloaded into the child: on exit, prints the third-party packages it loaded to a file. */
const PROBE = join(tmp, 'probe.cjs');
writeFileSync(PROBE, [
  "const { writeFileSync } = require('node:fs');",
  'process.on(\'exit\', () => {',
  '  const seen = new Set();',
  '  for (const k of Object.keys(require.cache)) { const m = /node_modules[\\\\/]((?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)/.exec(k); if (m) seen.add(m[1].replace(/\\\\/g, "/")); }',
  '  writeFileSync(process.env.PROBE_OUT, JSON.stringify({ packages: [...seen].sort(), bundle: Object.keys(require.cache).some((k) => k.endsWith(".bundle/main.js") || k.endsWith(".bundle\\\\main.js")) }));',
  '});',
].join('\n'));

interface ProcessRun { readonly code: number | null; readonly out: string; readonly err: string; readonly packages: readonly string[]; readonly ranBundle: boolean }

let runs = 0;
/** `node tools/scripts/run-cli.cjs ...argv` in `tmp`, service-less (no DATABASE_URL, a fresh local store). */
function cli(argv: readonly string[], env: Record<string, string | undefined> = {}): ProcessRun {
  const out = join(tmp, `probe-${++runs}.json`);
  const childEnv: Record<string, string | undefined> = {
    ...process.env, DATABASE_URL: undefined, DB_SCHEMA: undefined, DATA_ROOT: undefined, COINHTS_FROM_SOURCE: undefined, COINHTS_DEBUG: undefined,
    COINHTS_TZ: 'Asia/Seoul', RESULTS_STORE: `file:${join(tmp, `store-${runs}`)}`, PROBE_OUT: out, ...env,
  };
  for (const k of Object.keys(childEnv)) if (childEnv[k] === undefined) delete childEnv[k];
  const r = spawnSync(process.execPath, ['-r', PROBE, join(REPO_ROOT, 'tools/scripts/run-cli.cjs'), ...argv], { cwd: tmp, encoding: 'utf8', env: childEnv as NodeJS.ProcessEnv, timeout: 100_000 });
  const probe = JSON.parse(readFileSync(out, 'utf8')) as { packages: string[]; bundle: boolean };
  return { code: r.status, out: r.stdout, err: r.stderr, packages: probe.packages, ranBundle: probe.bundle };
}

/** Packages a command on a local store and the embedded index has no use for. */
const SERVICE_CLIENTS = /^(typeorm|pg|pg-pool|redis|@redis\/.*|ioredis|bullmq|@aws-sdk\/.*|@smithy\/.*|nodemailer)$/;

beforeAll(() => {
  bundle.build();
});

describe('the compiled CLI (tools/scripts/run-cli.cjs)', () => {
  it('prints the help listing every command, exit 0, loading nothing but the argument parser', () => {
    const r = cli(['--help']);
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
    expect(r.ranBundle).toBe(true);
    const listed = [...r.out.slice(r.out.indexOf('Commands:')).matchAll(/^ {2}([a-z-]+)/gm)].map((m) => m[1]);
    expect(listed).toEqual(['backtest', 'sweep', 'strategies', 'check-strategy', 'results', 'report', 'data', 'db', 'alerts', 'paper', 'help']);
    expect(r.out).toContain('report [options] <run-id>');
    expect(r.packages).toEqual(['commander']);
  });

  it('runs a backtest on the bundled sample with the same summary as the sources, without loading a service client', async () => {
    const argv = ['backtest', '--strategy', 'sma_crossover', '--param', 'fast_period=5', '--param', 'slow_period=20', '--symbol', 'KRW-BTC', '--timeframe', '1d', '--from', '2024-01-01', '--to', '2024-12-31', '--json'];
    const r = cli(argv);
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
    const compiled = JSON.parse(r.out) as { run_id: string; summary: { portfolio: { trade_count: number; final_equity_krw: number } } };
    expect(compiled.summary.portfolio.trade_count).toBeGreaterThan(0);
    expect(r.packages.filter((p) => SERVICE_CLIENTS.test(p))).toEqual([]);
    expect(r.packages).toContain('parquet-wasm'); // the probe sees what a run does load: the candle files are Parquet

    const source = await runCoinhts(argv, { env: { RESULTS_STORE: `file:${join(tmp, 'source-store')}` } });
    expect(source.code).toBe(0);
    const fromSource = JSON.parse(source.out) as typeof compiled;
    expect(compiled.summary).toEqual(fromSource.summary);
  });

  it('backtests a CSV file without loading a service client', () => {
    const csv = join(tmp, 'candles.csv');
    const rows = ['timestamp,open,high,low,close,volume'];
    for (let i = 0; i < 300; i++) {
      const c = 100 + 10 * Math.sin(i / 7);
      rows.push(`${Date.UTC(2024, 0, 1) + i * 3_600_000},${c},${c + 1},${c - 1},${c},${10 + (i % 5)}`);
    }
    writeFileSync(csv, `${rows.join('\n')}\n`);
    const r = cli(['backtest', '--csv', csv, '--strategy', 'sma_crossover', '--param', 'fast_period=5', '--param', 'slow_period=20', '--json', '--no-save']);
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
    // a sine of period 2π·7 ≈ 44 bars over 300 bars: the 5/20 crossover goes long once per cycle
    const trades = (JSON.parse(r.out) as { summary: { portfolio: { trade_count: number } } }).summary.portfolio.trade_count;
    expect(trades).toBeGreaterThanOrEqual(5);
    expect(trades).toBeLessThanOrEqual(8);
    expect(r.packages.filter((p) => SERVICE_CLIENTS.test(p))).toEqual([]);
  });

  it('loads the database client for the commands that need it (the probe can see it)', () => {
    const r = cli(['db', '--help']);
    expect(r.code).toBe(0);
    expect(r.packages).toContain('typeorm');
  });

  it.each([
    [['bactest'], /unknown command 'bactest'/],
    [['backtest', '--no-such-flag'], /unknown option '--no-such-flag'/],
    [['backtest', '--strategy', 'no_such_strategy', '--no-save'], /no_such_strategy/],
    [['backtest', '--csv', 'missing.csv', '--no-save'], /missing\.csv/],
  ])('exits 2 with what was wrong for %j', (argv, message) => {
    const r = cli(argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });
});

describe('the bundle is rebuilt when a source it was built from changes', () => {
  it('is fresh after a build and stale once one of its files is newer', () => {
    expect(bundle.isFresh()).toBe(true);
    const file = join(REPO_ROOT, 'apps/cli/src/errors.ts');
    const { atime, mtime } = statSync(file);
    try {
      utimesSync(file, atime, new Date(Date.now() + 60_000));
      expect(bundle.isFresh()).toBe(false);
    } finally {
      utimesSync(file, atime, mtime);
    }
    expect(bundle.isFresh()).toBe(true);
  });
});
