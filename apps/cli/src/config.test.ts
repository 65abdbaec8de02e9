import { readFileSync } from 'node:fs';
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

  it('reads DATA_ROOT, COINHTS_RESULTS_DIR, COINHTS_TZ, DATABASE_URL and COINHTS_DEBUG', () => {
    const c = loadCliConfig({ DATA_ROOT: 'd', COINHTS_RESULTS_DIR: 'r', COINHTS_TZ: 'UTC', DATABASE_URL: 'postgres://x', COINHTS_DEBUG: '1' });
    expect(c).toMatchObject({ dataRoot: resolve('d'), resultsDir: resolve('r'), timeZone: 'UTC', databaseUrl: 'postgres://x', debug: true });
  });

  it('refuses a zone that is not an IANA zone, and the CLI exits 2 saying so', async () => {
    expect(() => loadCliConfig({ COINHTS_TZ: 'Mars/Olympus' })).toThrow(/COINHTS_TZ=Mars\/Olympus is not an IANA time zone/);
    const r = await runCoinhts(['strategies'], { env: { COINHTS_TZ: 'Mars/Olympus', COINHTS_RESULTS_DIR: dirs.make('r') } });
    expect({ code: r.code, err: r.err }).toEqual({ code: 2, err: expect.stringMatching(/COINHTS_TZ=Mars\/Olympus is not an IANA time zone/) });
  });

  it('COINHTS_TZ decides the day a date-only bound means', async () => {
    const out = { seoul: dirs.make('seoul'), utc: dirs.make('utc') };
    // Hourly sample: 2024-06-01 in Seoul starts at 2024-05-31T15:00Z; in UTC at 2024-06-01T00:00Z.
    for (const [zone, dir] of [['Asia/Seoul', out.seoul], ['UTC', out.utc]] as const) {
      const r = await runCoinhts(['backtest', '--timeframe', '1h', '--from', '2024-06-01', '--to', '2024-06-01', '--out', dir, '--no-save'], { env: { COINHTS_TZ: zone, COINHTS_RESULTS_DIR: dirs.make('r') } });
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
