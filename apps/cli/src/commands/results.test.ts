import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeParquet, fromArrowTable } from '@coinhts/storage';
import { readCsv, runCoinhts, tempDirs } from '../../test/cli-harness';

jest.setTimeout(60_000);

const dirs = tempDirs('cli-results');
afterAll(() => dirs.cleanup());

describe('coinhts results list / show / export', () => {
  const results = dirs.make('results');
  const env = { env: { RESULTS_STORE: `file:${results}` } };
  const outVzb = dirs.make('vzb');
  let vzbId: string;
  let smaId: string;
  let vzbStats: string;

  beforeAll(async () => {
    const a = await runCoinhts(['backtest', '--out', outVzb], env);
    const b = await runCoinhts(['backtest', '--strategy', 'sma_crossover', '--symbol', 'KRW-ETH', '--from', '2024-01-01'], env);
    expect([a.code, b.code]).toEqual([0, 0]);
    vzbId = /saved run (\S+)/.exec(a.out)?.[1] as string;
    smaId = /saved run (\S+)/.exec(b.out)?.[1] as string;
    vzbStats = a.out.slice(0, a.out.indexOf('\nwrote'));
  });

  it('list shows every saved run, newest first, and --strategy filters', async () => {
    const all = await runCoinhts(['results', 'list'], env);
    expect(all.code).toBe(0);
    const lines = all.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^RUN ID\s+CREATED\s+KIND\s+STRATEGY\s+SYMBOLS\s+TF\s+RETURN %\s+SHARPE\s+MAX DD %\s+TRADES$/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(new RegExp(`^${smaId}\\s.*sync\\s+sma_crossover\\s+KRW-ETH\\s+1d\\s`));
    expect(lines[2]).toMatch(new RegExp(`^${vzbId}\\s.*sync\\s+volume_zone_breakout\\s+KRW-BTC\\s+1d\\s`));
    const only = await runCoinhts(['results', 'list', '--strategy', 'sma_crossover', '--json'], env);
    expect((JSON.parse(only.out) as { run_id: string }[]).map((r) => r.run_id)).toEqual([smaId]);
    const none = await runCoinhts(['results', 'list', '--strategy', 'rsi_reversion'], env);
    expect(none.out).toMatch(/no saved runs of rsi_reversion/);
  });

  it('show prints the same stats table as the run itself, after verifying the archive', async () => {
    const r = await runCoinhts(['results', 'show', vzbId], env);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`run ${vzbId}`);
    expect(r.out).toContain('archive verified');
    // Parameters print in the stored (sorted) order; every other line is the same.
    const strip = (s: string) => s.split('\n').filter((l) => !l.startsWith('Parameters') && !l.startsWith('saved run') && l.trim() !== '');
    const shown = strip(r.out.slice(r.out.indexOf('Strategy'), r.out.indexOf('\ntables:')));
    expect(shown).toEqual(strip(vzbStats));
    const json = await runCoinhts(['results', 'show', vzbId, '--json'], env);
    const doc = JSON.parse(json.out) as { format: string; run: { id: string }; summary: unknown };
    expect({ format: doc.format, id: doc.run.id }).toEqual({ format: 'coinhts.run', id: vzbId });
    expect(doc.summary).toEqual(JSON.parse(readFileSync(join(outVzb, 'summary.json'), 'utf8')));
  });

  it('export --format csv writes exactly the files `backtest --out` wrote', async () => {
    const out = dirs.make('export-csv');
    const r = await runCoinhts(['results', 'export', vzbId, '--out', out], env);
    expect(r.code).toBe(0);
    for (const f of ['summary.json', 'signals.csv', 'trades.csv', 'equity.csv']) {
      expect({ f, same: readFileSync(join(out, f)).equals(readFileSync(join(outVzb, f))) }).toEqual({ f, same: true });
    }
  });

  it('export --format parquet writes the archive as stored: Parquet tables with the CSV\'s rows, summary and manifest', async () => {
    const out = dirs.make('export-parquet');
    const r = await runCoinhts(['results', 'export', vzbId, '--out', out, '--format', 'parquet'], env);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['equity.parquet', 'manifest.json', 'signals.parquet', 'summary.json', 'trades.parquet']);
    for (const t of ['signals', 'trades', 'equity']) {
      const table = fromArrowTable(decodeParquet(readFileSync(join(out, `${t}.parquet`))));
      const csv = readCsv(readFileSync(join(outVzb, `${t}.csv`), 'utf8'));
      expect(Object.keys(table.schema)).toEqual(csv.header);
      const first = csv.header[0];
      expect((table.columns[first] as ArrayLike<unknown>).length).toBe(csv.rows.length);
    }
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { runId: string; files: { name: string }[] };
    expect(manifest.runId).toBe(vzbId);
    expect(manifest.files.map((f) => f.name).sort()).toEqual(['equity.parquet', 'signals.parquet', 'summary.json', 'trades.parquet']);
  });

  it('an unknown or malformed run id exits 2 and says how to find ids', async () => {
    for (const cmd of [['show', 'no-such-run'], ['export', 'no-such-run', '--out', dirs.make('x')], ['show', '../escape']]) {
      const r = await runCoinhts(['results', ...cmd], env);
      expect({ cmd, code: r.code, err: r.err }).toEqual({ cmd, code: 2, err: expect.stringMatching(/no run ".*" in .*; list the runs with: coinhts results list/) });
    }
    const noOut = await runCoinhts(['results', 'export', vzbId], env);
    expect(noOut.code).toBe(2);
    expect(noOut.err).toMatch(/required option '--out <dir>' not specified/);
  });
});

describe('coinhts results: integrity and the index', () => {
  it('a file changed after the run was saved is detected on read (exit 1, names the file)', async () => {
    const results = dirs.make('tamper');
    const env = { env: { RESULTS_STORE: `file:${results}` } };
    const run = await runCoinhts(['backtest'], env);
    const id = /saved run (\S+)/.exec(run.out)?.[1] as string;
    const file = join(results, 'objects', 'backtests', id, 'trades.parquet');
    expect(existsSync(file)).toBe(true);
    const bytes = readFileSync(file);
    bytes[bytes.length >> 1] ^= 0xff;
    writeFileSync(file, bytes);
    const r = await runCoinhts(['results', 'show', id], env);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/trades\.parquet/);
  });

  it('a lost index is rebuilt from the archives by `results check --repair`', async () => {
    const results = dirs.make('index');
    const env = { env: { RESULTS_STORE: `file:${results}` } };
    const run = await runCoinhts(['backtest', '--strategy', 'volume_long_candle'], env);
    const id = /saved run (\S+)/.exec(run.out)?.[1] as string;
    rmSync(join(results, 'runs-index.jsonl'));
    expect((await runCoinhts(['results', 'list'], env)).out).toMatch(/^no saved runs in /);
    const check = await runCoinhts(['results', 'check', '--min-age', '0'], env);
    expect({ code: check.code, out: check.out }).toEqual({ code: 1, out: expect.stringContaining(`archive without row: ${id}`) as unknown as string });
    expect((await runCoinhts(['results', 'check', '--min-age', '0', '--repair'], env)).code).toBe(0);
    const r = await runCoinhts(['results', 'list', '--json'], env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual([expect.objectContaining({ run_id: id, strategy: 'volume_long_candle', kind: 'sync' })]);
    expect((await runCoinhts(['results', 'check', '--min-age', '0'], env)).out).toMatch(/no problems/);
  });

  it('a damaged manifest is reported by check with its id; list and the other runs still work', async () => {
    const results = dirs.make('damaged');
    const env = { env: { RESULTS_STORE: `file:${results}` } };
    const a = /saved run (\S+)/.exec((await runCoinhts(['backtest'], env)).out)?.[1] as string;
    const b = /saved run (\S+)/.exec((await runCoinhts(['backtest', '--strategy', 'sma_crossover'], env)).out)?.[1] as string;
    writeFileSync(join(results, 'objects', 'backtests', a, 'manifest.json'), '{"format": "broken');
    const check = await runCoinhts(['results', 'check', '--min-age', '0'], env);
    expect(check.out).toMatch(new RegExp(`DAMAGED: ${a}: `));
    const list = await runCoinhts(['results', 'list', '--json'], env);
    expect((JSON.parse(list.out) as { run_id: string }[]).map((r) => r.run_id).sort()).toEqual([a, b].sort());
    expect((await runCoinhts(['results', 'show', b], env)).code).toBe(0);
    const bad = await runCoinhts(['results', 'show', a], env);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/manifest/);
  });

  it('check --verify re-hashes every file: a changed table is DAMAGED (exit 1), an intact store says so (exit 0)', async () => {
    const results = dirs.make('verify');
    const env = { env: { RESULTS_STORE: `file:${results}` } };
    const a = /saved run (\S+)/.exec((await runCoinhts(['backtest'], env)).out)?.[1] as string;
    const ok = await runCoinhts(['results', 'check', '--min-age', '0', '--verify'], env);
    expect({ code: ok.code, out: ok.out }).toEqual({ code: 0, out: expect.stringMatching(/1 archive\(s\) re-hashed and intact\nno problems/) as unknown as string });
    const file = join(results, 'objects', 'backtests', a, 'equity.parquet');
    const bytes = readFileSync(file);
    bytes[bytes.length - 9] ^= 0xff; // same size, other bytes
    writeFileSync(file, bytes);
    expect((await runCoinhts(['results', 'check', '--min-age', '0'], env)).code).toBe(0); // manifest and summary still read
    const bad = await runCoinhts(['results', 'check', '--min-age', '0', '--verify'], env);
    expect({ code: bad.code, out: bad.out }).toEqual({ code: 1, out: expect.stringMatching(new RegExp(`DAMAGED: ${a}: .*equity\\.parquet`)) as unknown as string });
  });

  it('an empty results folder lists nothing', async () => {
    const r = await runCoinhts(['results', 'list'], { env: { RESULTS_STORE: `file:${dirs.make('empty')}` } });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^no saved runs in /);
  });
});
