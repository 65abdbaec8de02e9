import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { numbers, readCsv, runCoinhts, tempDirs } from '../../test/cli-harness';

jest.setTimeout(120_000);

const dirs = tempDirs('cli-sweep');
afterAll(() => dirs.cleanup());
const env = () => ({ RESULTS_STORE: `file:${dirs.make('results')}` });

interface SweepDoc {
  strategy: string;
  rank_by: string;
  direction: string;
  total: number;
  evaluated: number;
  failed: number;
  rows: { rank: number; index: number; params: Record<string, number>; score: number | null; metrics: Record<string, number> | null; error?: { message: string } }[];
}

/** `results show --json` of a stored sweep run (the RunDocument). */
interface StoredSweep {
  run: { id: string; kind: string; params: { fixed: Record<string, unknown>; grid: Record<string, unknown[]> }; totalReturnPct: number | null; metrics: Record<string, unknown> };
  request: Record<string, unknown> & { grid: Record<string, unknown[]>; options: Record<string, unknown> };
  ranking: { rankBy: string; direction: string; total: number; evaluated: number; failed: number; rows: { index: number; params: Record<string, unknown>; score: number | null; metrics: Record<string, number | null> | null; error?: { code: string; message: string } }[] };
  search: { kind: string };
}

const savedId = (out: string): string => {
  const m = /saved run (\S+) in file:/.exec(out);
  if (!m) throw new Error(`no "saved run" line in:\n${out}`);
  return m[1];
};

describe('coinhts sweep (grid, both cores)', () => {
  const out = dirs.make('grid');
  const store = env();
  let run: { code: number; out: string; err: string };
  let doc: SweepDoc;
  beforeAll(async () => {
    // fast 5,10,15 x slow 10,20,30: the two pairs with fast >= slow (10/10, 15/10) are rejected by the strategy.
    run = await runCoinhts(['sweep', '--strategy', 'sma_crossover', '--symbol', 'KRW-BTC', '--timeframe', '1d', '--space', 'fast=5:15:5', '--space', 'slow=10:30:10',
      '--rank-by', 'sharpe', '--workers', '2', '--out', out], { env: store });
    doc = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as SweepDoc;
  });

  it('exits 0 and prints the ranked table', () => {
    expect(run.err).not.toMatch(/error/);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/sma_crossover: 9 combination\(s\), 7 ran, 2 rejected; ranked by sharpe \(max\)/);
    expect(run.out).toMatch(/slow_period: must be greater than fast_period/);
    expect(run.out).toMatch(/#\s+fast_period\s+slow_period\s+SHARPE/);
  });

  it('sweep.json and sweep.csv hold every combination, best first by the ranking metric', () => {
    expect(doc).toMatchObject({ strategy: 'sma_crossover', rank_by: 'sharpe', direction: 'max', total: 9, evaluated: 7, failed: 2 });
    const ok = doc.rows.filter((r) => !r.error);
    const scores = ok.map((r) => r.score as number);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(ok.map((r) => r.params.fast_period < r.params.slow_period)).toEqual(ok.map(() => true));
    expect(doc.rows.slice(7).every((r) => r.error && r.params.fast_period >= r.params.slow_period)).toBe(true);
    const csv = readCsv(readFileSync(join(out, 'sweep.csv'), 'utf8'));
    expect(csv.header.slice(0, 5)).toEqual(['rank', 'index', 'fast_period', 'slow_period', 'score']);
    expect(csv.rows).toHaveLength(9);
    expect(numbers(csv, 'score').slice(0, 7)).toEqual(scores);
    expect(numbers(csv, 'sharpe').slice(0, 7)).toEqual(scores);
    expect(doc.rows.slice(7).map((r) => `${r.params.fast_period}/${r.params.slow_period}`).sort()).toEqual(['10/10', '15/10']);
  });

  it('the best row\'s metrics are those of a plain backtest with the same parameters', async () => {
    const best = doc.rows[0];
    const r = await runCoinhts(['backtest', '--strategy', 'sma_crossover', '--timeframe', '1d', '--param', `fast_period=${best.params.fast_period}`, '--param', `slow_period=${best.params.slow_period}`, '--json', '--no-save'], { env: env() });
    expect(r.code).toBe(0);
    const summary = (JSON.parse(r.out) as { summary: { portfolio: Record<string, number> } }).summary;
    expect(best.score).toBe(summary.portfolio.sharpe);
    expect(best.metrics).toEqual(summary.portfolio);
  });

  it('is saved as a sweep run, as the queue saves sweeps: the request in the one schema and every ranked row', async () => {
    const id = savedId(run.out);
    const list = await runCoinhts(['results', 'list', '--json'], { env: store });
    expect((JSON.parse(list.out) as { run_id: string; kind: string }[]).map((r) => [r.run_id, r.kind])).toEqual([[id, 'sweep']]);
    const shown = await runCoinhts(['results', 'show', id, '--json'], { env: store });
    expect(shown.code).toBe(0);
    const stored = JSON.parse(shown.out) as StoredSweep;
    // fast=5:15:5 and slow=10:30:10 expand to these values; options are the engine's defaults (0.1 % fee per fill).
    expect(stored.request).toMatchObject({ strategy: 'sma_crossover', params: {}, symbols: ['KRW-BTC'], timeframe: '1d', rank_by: 'sharpe', grid: { fast_period: [5, 10, 15], slow_period: [10, 20, 30] } });
    expect(stored.request.options).toMatchObject({ fee_rate: 0.001, slippage_rate: 0.0002, initial_capital: 10_000_000 });
    expect(stored.run).toMatchObject({ kind: 'sweep', params: { fixed: {}, grid: { fast_period: [5, 10, 15], slow_period: [10, 20, 30] } } });
    expect(stored.ranking).toMatchObject({ rankBy: 'sharpe', direction: 'max', total: 9, evaluated: 7, failed: 2 });
    expect(stored.search).toEqual({ kind: 'grid' });
    // The same rows as sweep.json, in the same order, with the same numbers.
    expect(stored.ranking.rows.map((r) => [r.index, r.params, r.score])).toEqual(doc.rows.map((r) => [r.index, r.params, r.score]));
    expect(stored.ranking.rows[0].metrics).toEqual(doc.rows[0].metrics);
    expect(stored.ranking.rows.slice(7).every((r) => r.metrics === null && r.error?.code === 'INVALID_PARAMS')).toBe(true);
    expect(stored.run.totalReturnPct).toBe(doc.rows[0].metrics?.total_return_pct);
    expect((await runCoinhts(['results', 'check', '--min-age', '0'], { env: store })).out).toMatch(/no problems/);
  });
});

describe('coinhts sweep options', () => {
  it('--random N --seed S draws N combinations, the same ones for the same seed; --rank-by and --direction set the order', async () => {
    const args = ['sweep', '--strategy', 'sma_crossover', '--space', 'fast_period=2:20:1', '--space', 'slow_period=30:60:5', '--random', '5', '--seed', '7', '--workers', '1', '--json'];
    const a = await runCoinhts(args, { env: env() });
    const b = await runCoinhts([...args, '--rank-by', 'max_drawdown_pct', '--direction', 'max'], { env: env() });
    expect([a.code, b.code]).toEqual([0, 0]);
    const da = JSON.parse(a.out) as SweepDoc, db = JSON.parse(b.out) as SweepDoc;
    expect(da.total).toBe(5);
    const sets = (d: SweepDoc) => d.rows.map((r) => `${r.params.fast_period}/${r.params.slow_period}`).sort();
    expect(sets(db)).toEqual(sets(da));
    const dd = db.rows.map((r) => r.score as number);
    expect([...dd].sort((x, y) => y - x)).toEqual(dd);
  });

  it('--walk-forward runs one fold per out-of-sample window, writes them and saves them as a run with the stitched out-of-sample equity', async () => {
    const out = dirs.make('wf');
    const store = env();
    const r = await runCoinhts(['sweep', '--strategy', 'sma_crossover', '--space', 'fast=5,10', '--space', 'slow=30,60', '--walk-forward', '--in-sample-bars', '300',
      '--out-of-sample-bars', '200', '--out', out], { env: store });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    // 1,096 daily bars: out-of-sample windows start at bars 300, 500, 700, 900 (the last one 196 bars long).
    const csv = readCsv(readFileSync(join(out, 'sweep.csv'), 'utf8'));
    expect(csv.rows.map((row) => row[0])).toEqual(['0', '1', '2', '3']);
    expect(csv.rows.map((row) => row[3].slice(0, 10))).toEqual(['2022-10-28', '2023-05-16', '2023-12-02', '2024-06-19']);
    expect(r.out).toMatch(/out-of-sample return, compounded over folds \[%\]: -?\d/);

    const id = savedId(r.out);
    const wf = (JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as { result: { oosCompoundedReturnPct: number; oosEquity: { timestamp: number[]; equity: number[] }; folds: { bestParams: Record<string, number> | null }[] } }).result;
    const stored = JSON.parse((await runCoinhts(['results', 'show', id, '--json'], { env: store })).out) as StoredSweep & {
      walk_forward: { in_sample_bars: number; out_of_sample_bars: number; step_bars: number; anchored: boolean; folds: { fold: number; out_of_sample: { start_ms: number }; best_params: Record<string, number> | null }[]; oos_compounded_return_pct: number };
    };
    expect(stored.run).toMatchObject({ kind: 'sweep', totalReturnPct: wf.oosCompoundedReturnPct, metrics: { analysis: 'walk-forward', folds: 4 } });
    expect(stored.request).toMatchObject({ grid: { fast_period: [5, 10], slow_period: [30, 60] } });
    expect(stored.walk_forward).toMatchObject({ in_sample_bars: 300, out_of_sample_bars: 200, step_bars: 200, anchored: false, oos_compounded_return_pct: wf.oosCompoundedReturnPct });
    expect(stored.walk_forward.folds.map((f) => new Date(f.out_of_sample.start_ms).toISOString().slice(0, 10))).toEqual(['2022-10-28', '2023-05-16', '2023-12-02', '2024-06-19']);
    expect(stored.walk_forward.folds.map((f) => f.best_params)).toEqual(wf.folds.map((f) => f.bestParams));
    // The archive's equity table is the stitched out-of-sample curve, row for row.
    const exported = dirs.make('wf-export');
    expect((await runCoinhts(['results', 'export', id, '--out', exported], { env: store })).code).toBe(0);
    const equity = readCsv(readFileSync(join(exported, 'equity.csv'), 'utf8'));
    expect(equity.header).toEqual(['timestamp', 'equity']);
    expect(numbers(equity, 'equity')).toEqual(wf.oosEquity.equity);
    expect(equity.rows.map((row) => Date.parse(row[0]))).toEqual(wf.oosEquity.timestamp);
  });

  it('--no-save stores nothing', async () => {
    const store = env();
    const r = await runCoinhts(['sweep', '--strategy', 'sma_crossover', '--space', 'fast=5,10', '--space', 'slow=30,60', '--workers', '1', '--no-save'], { env: store });
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(/saved run/);
    expect((await runCoinhts(['results', 'list'], { env: store })).out).toMatch(/^no saved runs/);
  });

  it('draws a progress bar on a TTY, at most ~10 redraws a second, and Ctrl-C cancels through the AbortSignal', async () => {
    let interrupted = false;
    const started = Date.now();
    const r = await runCoinhts(['sweep', '--strategy', 'sma_crossover', '--timeframe', '1h', '--space', 'fast=2:40:1', '--space', 'slow=50:250:10', '--workers', '2'], {
      env: env(),
      isTty: true,
      onStderr: (s) => {
        if (!interrupted && s.startsWith('\r[')) { interrupted = true; setTimeout(() => process.emit('SIGINT'), 300); }
      },
    });
    const elapsed = Date.now() - started;
    expect(interrupted).toBe(true);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/\r\[[#.]{30}\] +\d+% \d+\/819 sets/);
    expect(r.err).toMatch(/cancelled\n$/);
    expect(r.out).toBe('');
    const redraws = r.err.split('\r').length - 1;
    expect(redraws).toBeLessThanOrEqual(elapsed / 100 + 2);
    expect(process.listenerCount('SIGINT')).toBe(0);
  });

  it('--heatmap x,y prints the ranking metric per pair and the verdict next to the best set', async () => {
    const text = await runCoinhts(['sweep', '--strategy', 'sma_crossover', '--space', 'fast=5,10', '--space', 'slow=30,60', '--heatmap', 'fast,slow', '--workers', '1'], { env: env() });
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/slow_period \\ fast_period\s+5\s+10\n30\s/);
    expect(text.out).toMatch(/overfitting verdict of the best set: deflated Sharpe ratio \d\.\d{3} .*; probability of backtest overfitting \d\.\d{3} \(CSCV, 8 blocks, 70 splits\)/);
    const json = await runCoinhts(['sweep', '--strategy', 'sma_crossover', '--space', 'fast=5,10', '--space', 'slow=30,60', '--heatmap', 'fast,slow', '--workers', '1', '--json'], { env: env() });
    const doc = JSON.parse(json.out) as SweepDoc & { heatmap: { xValues: number[]; yValues: number[]; cells: (number | null)[][] } };
    // one set per cell (two parameters only): each cell is that set's score in the ranked rows
    for (const r of doc.rows) {
      const i = doc.heatmap.xValues.indexOf(r.params.fast_period), j = doc.heatmap.yValues.indexOf(r.params.slow_period);
      expect(doc.heatmap.cells[j][i]).toBe(r.score);
    }
  });

  const bad: [string, string[], RegExp][] = [
    ['no --space', [], /name at least one parameter to sweep: --space name=min:max:step/],
    ['unknown parameter', ['--space', 'speed=1:3:1'], /--space speed: not a parameter of sma_crossover; its parameters are fast_period, slow_period, hold_period_bars/],
    ['unreadable range', ['--space', 'fast=1:x:1'], /fast_period: "1:x:1" is not a numeric range/],
    // 2000 × 1000 = 2,000,000 sets: over the one sweep limit (the engine's 1,000,000, also the queue's), refused before any backtest.
    ['a grid over the limit', ['--space', 'fast=1:2000:1', '--space', 'slow=1:1000:1'], /2000000 combinations exceed the limit of 1000000/],
    ['unknown metric', ['--space', 'fast=5,10', '--rank-by', 'luck'], /argument 'luck' is invalid/],
    ['--seed without --random', ['--space', 'fast=5,10', '--seed', '3'], /--seed applies to --random/],
    ['walk-forward without windows', ['--space', 'fast=5,10', '--walk-forward'], /--walk-forward needs --in-sample-bars N and --out-of-sample-bars M/],
    ['walk-forward windows too large', ['--space', 'fast=5,10', '--walk-forward', '--in-sample-bars', '1000', '--out-of-sample-bars', '200'], /in-sample \(1000\) \+ out-of-sample \(200\) bars exceed the 1096 bars of KRW-BTC/],
    ['swept and fixed', ['--space', 'fast=5,10', '--param', 'fast_period=3'], /fast_period is both a --param and a --space/],
    ['zero workers', ['--space', 'fast=5,10', '--workers', '0'], /--workers must be a whole number from 1 to 256/],
    ['heat map of one parameter', ['--space', 'fast=5,10', '--heatmap', 'fast'], /--heatmap expects two different swept parameters as x,y \(swept: fast_period\); got "fast"/],
    ['heat map of a parameter not swept', ['--space', 'fast=5,10', '--space', 'slow=30,60', '--heatmap', 'fast,hold'], /--heatmap expects two different swept parameters as x,y \(swept: fast_period, slow_period\)/],
  ];
  it.each(bad)('bad input: %s exits 2', async (_name, args, message) => {
    const r = await runCoinhts(['sweep', '--strategy', 'sma_crossover', ...args], { env: env() });
    expect({ code: r.code, err: r.err }).toEqual({ code: 2, err: expect.stringMatching(message) });
  });
});
