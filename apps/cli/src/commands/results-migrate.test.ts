/**
 * `coinhts results migrate-layout` as a user runs it: in-process for output and exit codes, and as
 * a real process killed with SIGKILL halfway (after its first progress line), then run again.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BacktestResult } from '@coinhts/engine';
import { migratedRunId } from '@coinhts/runs';
import { fixtureBacktest, writeCliStoreRun, writeResultsDirBacktest } from '@coinhts/runs/testing';
import { LocalFsStorageProvider } from '@coinhts/storage';
import { writeFile } from 'node:fs/promises';
import { REPO_ROOT, runCoinhts, tempDirs } from '../../test/cli-harness';

// A generous bound for a loaded 2-core machine (nothing here waits for time: this only stops a hang).
jest.setTimeout(120_000);

const dirs = tempDirs('migrate');
afterAll(() => dirs.cleanup());

const uuid = (n: number): string => `${String(n).padStart(8, '0')}-0000-4000-8000-000000000000`;
const cliId = (n: number): string => `20261201T${String(100000 + n).slice(1)}Z-sma_crossover-${String(n).padStart(6, '0')}`;

let results: BacktestResult[];
beforeAll(() => {
  results = [fixtureBacktest(11, 200), fixtureBacktest(12, 200)];
});

/** A store folder with `n` runs in each old layout. */
async function oldStore(n: number): Promise<string> {
  const dir = dirs.make('store');
  for (let i = 1; i <= n; i++) {
    await writeResultsDirBacktest(dir, uuid(i), results[0], new Date(Date.UTC(2026, 10, 1, 0, i)));
    await writeCliStoreRun(dir, cliId(i), results[1], new Date(Date.UTC(2026, 11, 1, 0, i)));
  }
  return dir;
}

const env = (dir: string) => ({ RESULTS_STORE: `file:${dir}`, COINHTS_RESULTS_DIR: undefined });

async function listedIds(dir: string): Promise<string[]> {
  const r = await runCoinhts(['results', 'list', '--json', '--limit', '1000'], { env: env(dir) });
  expect(r.code).toBe(0);
  return (JSON.parse(r.out) as { run_id: string }[]).map((x) => x.run_id);
}

describe('coinhts results migrate-layout', () => {
  it('moves both old layouts, prints one line per run, and a re-run is a no-op', async () => {
    const dir = await oldStore(2);
    const first = await runCoinhts(['results', 'migrate-layout'], { env: env(dir) });
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out.trimEnd().split('\n')).toEqual([
      `migrated results-dir ${uuid(1)}`,
      `migrated results-dir ${uuid(2)}`,
      `migrated cli-store ${cliId(1)} -> ${migratedRunId(cliId(1))}`,
      `migrated cli-store ${cliId(2)} -> ${migratedRunId(cliId(2))}`,
      'migrated 4 run(s); removed the old index runs.jsonl',
    ]);
    expect((await listedIds(dir)).sort()).toEqual([uuid(1), uuid(2), migratedRunId(cliId(1)), migratedRunId(cliId(2))].sort());
    const again = await runCoinhts(['results', 'migrate-layout'], { env: env(dir) });
    expect(again.code).toBe(0);
    expect(again.out).toBe(`nothing to migrate in ${dir}: every run is in the one format\n`);
    const show = await runCoinhts(['results', 'show', migratedRunId(cliId(1))], { env: env(dir) });
    expect(show.code).toBe(0);
    expect(show.out).toMatch(/archive verified: 4 files, SHA-256 match/);
  });

  it('a damaged old manifest is reported with its id, the rest moves, exit code 1', async () => {
    const dir = await oldStore(2);
    await writeFile(join(dir, 'backtests', uuid(2), 'manifest.json'), 'garbage');
    const r = await runCoinhts(['results', 'migrate-layout'], { env: env(dir) });
    expect(r.code).toBe(1);
    expect(r.out).toContain(`skipped results-dir ${uuid(2)}: manifest.json is not JSON`);
    expect(r.out).toMatch(/migrated 3 run\(s\); 1 left in place/);
    expect(await listedIds(dir)).toHaveLength(3);
  });

  it('an S3 store is a usage error (exit 2) that says what to do', async () => {
    const r = await runCoinhts(['results', 'migrate-layout'], { env: { RESULTS_STORE: 's3://bucket/prefix', DATABASE_URL: undefined } });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/migrate-layout moves archives inside a local store folder/);
  });

  it('killed with SIGKILL after its first progress line, a re-run completes: every run once, no damaged archive', async () => {
    const n = 10;
    const dir = await oldStore(n);
    const child = spawn(process.execPath, ['--conditions=@coinhts/source', '-r', '@swc-node/register', join(REPO_ROOT, 'apps', 'cli', 'src', 'main.ts'), 'results', 'migrate-layout'], {
      cwd: REPO_ROOT,
      env: { ...process.env, RESULTS_STORE: `file:${dir}`, DATABASE_URL: '', COINHTS_RESULTS_DIR: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    const exited = new Promise<NodeJS.Signals | number | null>((ok) => child.on('exit', (code, signal) => ok(signal ?? code)));
    // The event: the first "migrated" line on stdout. Killed right then, the process is in the middle of the next run.
    await new Promise<void>((ok, fail) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (/^migrated /m.test(out)) {
          child.kill('SIGKILL');
          ok();
        }
      });
      child.on('exit', () => fail(new Error(`the CLI ended before its first progress line:\n${out}\n${err}`)));
    });
    expect(await exited).toBe('SIGKILL');
    // Halfway for real: old runs are left (otherwise this test proved nothing).
    const provider = new LocalFsStorageProvider({ rootDir: dir });
    const oldLeft = (await provider.list({ prefix: 'backtests/', limit: 1000 })).items.filter((i) => i.key.includes('-sma_crossover-')).length
      + (existsSync(join(dir, 'backtests')) ? 1 : 0);
    expect(oldLeft).toBeGreaterThan(0);

    const resumed = await runCoinhts(['results', 'migrate-layout'], { env: env(dir) });
    expect(resumed.err).toBe('');
    expect(resumed.code).toBe(0);
    const ids = await listedIds(dir);
    const expected = [...Array.from({ length: n }, (_, i) => uuid(i + 1)), ...Array.from({ length: n }, (_, i) => migratedRunId(cliId(i + 1)))];
    expect(ids).toHaveLength(2 * n);
    expect([...ids].sort()).toEqual([...expected].sort());
    const check = await runCoinhts(['results', 'check', '--min-age', '0'], { env: env(dir) });
    expect(check.out).toMatch(/no problems/);
    expect(check.code).toBe(0);
    for (const id of expected) {
      const show = await runCoinhts(['results', 'show', id], { env: env(dir) });
      expect(show.code).toBe(0);
    }
    expect(existsSync(join(dir, 'backtests'))).toBe(false);
    expect(existsSync(join(dir, 'runs.jsonl'))).toBe(false);
    const third = await runCoinhts(['results', 'migrate-layout'], { env: env(dir) });
    expect(third.out).toMatch(/^nothing to migrate/);
  }, 240_000);
});
