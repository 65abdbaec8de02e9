import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadCliConfig } from './config';
import { REPO_ROOT, runCoinhts, tempDirs } from '../test/cli-harness';

const dirs = tempDirs('cli-config');
afterAll(() => dirs.cleanup());

describe('loadCliConfig', () => {
  it('defaults to the bundled sample, ./coinhts-results, Asia/Seoul and no database', () => {
    const c = loadCliConfig({});
    expect(c).toMatchObject({ dataRoot: join(REPO_ROOT, 'data', 'sample'), resultsDir: resolve('coinhts-results'), timeZone: 'Asia/Seoul', databaseUrl: undefined, debug: false });
  });

  it('reads DATA_ROOT, RESULTS_STORE, COINHTS_TZ, DATABASE_URL and COINHTS_DEBUG', () => {
    const c = loadCliConfig({ DATA_ROOT: 'd', RESULTS_STORE: 'file:r', COINHTS_TZ: 'UTC', DATABASE_URL: 'postgres://x', COINHTS_DEBUG: '1' });
    expect(c).toMatchObject({ dataRoot: resolve('d'), resultsDir: resolve('r'), timeZone: 'UTC', databaseUrl: 'postgres://x', debug: true });
  });

  it('refuses a zone that is not an IANA zone, and the CLI exits 2 saying so', async () => {
    expect(() => loadCliConfig({ COINHTS_TZ: 'Mars/Olympus' })).toThrow(/COINHTS_TZ="Mars\/Olympus": is not an IANA time zone; fix: set COINHTS_TZ to an IANA time zone, e\.g\. COINHTS_TZ=Asia\/Seoul/);
    const r = await runCoinhts(['strategies'], { env: { COINHTS_TZ: 'Mars/Olympus', RESULTS_STORE: `file:${dirs.make('r')}` } });
    expect({ code: r.code, err: r.err }).toEqual({ code: 2, err: expect.stringMatching(/^error: The CLI cannot start; fix these environment variables:\n {2}- COINHTS_TZ="Mars\/Olympus": is not an IANA time zone/) });
  });

  it('exits 2 listing every bad variable at once, with the URL to write for the old store spelling', async () => {
    const r = await runCoinhts(['strategies'], { env: { COINHTS_TZ: 'Mars/Olympus', RESULTS_STORE: 'local', COINHTS_RESULTS_DIR: '/data/results' } });
    expect(r.code).toBe(2);
    expect(r.err.split('\n').filter((l) => l.startsWith('  - ')).map((l) => l.slice(4, l.indexOf(':')))).toEqual(['COINHTS_TZ="Mars/Olympus"', 'COINHTS_RESULTS_DIR="/data/results"', 'RESULTS_STORE="local"']);
    expect(r.err).toContain('fix: remove it and name the folder in the store URL: RESULTS_STORE=file:/data/results');
  });

  it('an s3:// store that does not answer, or that has no shared index, exits 2 before any work, saying what to fix', async () => {
    const c = loadCliConfig({ RESULTS_STORE: 's3://coinhts/prod/' });
    expect(c.resultsStore).toMatchObject({ kind: 's3', bucket: 'coinhts', keyPrefix: 'prod/' });
    // Port 9 (discard) on loopback: nothing answers there.
    const down = { RESULTS_STORE: 's3://coinhts/prod/', S3_ENDPOINT: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's' };
    const list = await runCoinhts(['results', 'list'], { env: down });
    expect({ code: list.code, err: list.err }).toEqual({ code: 2, err: expect.stringMatching(/^error: the store s3:\/\/coinhts\/prod\/ does not answer .*check RESULTS_STORE, S3_ENDPOINT/) });
    const out = dirs.make('s3-out');
    const bt = await runCoinhts(['backtest', '--out', out], { env: down });
    expect(bt.code).toBe(2);
    expect(existsSync(out)).toBe(false);
    // --no-save needs no store.
    expect((await runCoinhts(['backtest', '--no-save'], { env: down })).code).toBe(0);
    const unknown = await runCoinhts(['results', 'list'], { env: { RESULTS_STORE: 'ftp://host/x' } });
    expect({ code: unknown.code, err: unknown.err }).toEqual({ code: 2, err: expect.stringContaining('RESULTS_STORE') });
  });

  it('COINHTS_TZ decides the day a date-only bound means', async () => {
    const out = { seoul: dirs.make('seoul'), utc: dirs.make('utc') };
    // Hourly sample: 2024-06-01 in Seoul starts at 2024-05-31T15:00Z; in UTC at 2024-06-01T00:00Z.
    for (const [zone, dir] of [['Asia/Seoul', out.seoul], ['UTC', out.utc]] as const) {
      const r = await runCoinhts(['backtest', '--timeframe', '1h', '--from', '2024-06-01', '--to', '2024-06-01', '--out', dir, '--no-save'], { env: { COINHTS_TZ: zone, RESULTS_STORE: `file:${dirs.make('r')}` } });
      expect(r.code).toBe(0);
    }
    const firstLast = (dir: string) => {
      const rows = readFileSync(join(dir, 'equity.csv'), 'utf8').trimEnd().split('\n').slice(1);
      return [rows.length, rows[0].split(',')[0], rows[rows.length - 1].split(',')[0]];
    };
    expect(firstLast(out.seoul)).toEqual([24, '2024-05-31T15:00:00.000Z', '2024-06-01T14:00:00.000Z']);
    expect(firstLast(out.utc)).toEqual([24, '2024-06-01T00:00:00.000Z', '2024-06-01T23:00:00.000Z']);
  });
});
