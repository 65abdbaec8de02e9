import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EMBEDDED_INDEX_FILE, EmbeddedRunIndex, openStore, RunArchive, RunService, runDocument, type ResultTables } from '@coinhts/runs';
import { runCoinhts, tempDirs } from '../../test/cli-harness';

jest.setTimeout(60_000);

const dirs = tempDirs('cli-report');
afterAll(() => dirs.cleanup());

/** The report data embedded in a report file. */
const embedded = (html: string) => JSON.parse(/<script type="application\/json" id="coinhts-report-data">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? 'null') as {
  kind: string; run: { id: string }; summary: { portfolio: { trade_count: number } }; trades: { pnl: number[] }; prices: { symbol: string; bars: number }[];
};

describe('coinhts report RUN', () => {
  const results = dirs.make('results');
  const out = dirs.make('out');
  const env = { env: { RESULTS_STORE: `file:${results}` } };
  let runId: string;
  beforeAll(async () => {
    const r = await runCoinhts(['backtest', '--from', '2024-01-01', '--to', '2024-03-31', '--out', out], env);
    expect(r.code).toBe(0);
    runId = /saved run (\S+)/.exec(r.out)?.[1] as string;
  });

  it('writes one HTML file holding the stored run: summary, every trade, candles of its period', async () => {
    const file = join(out, 'r.html');
    const r = await runCoinhts(['report', runId, '--out', file], env);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`wrote report of run ${runId} to ${file}\n`);
    const d = embedded(readFileSync(file, 'utf8'));
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { portfolio: { trade_count: number } };
    const tradesCsv = readFileSync(join(out, 'trades.csv'), 'utf8').trim().split('\n').slice(1);
    expect(d.kind).toBe('backtest');
    expect(d.run.id).toBe(runId);
    expect(d.summary.portfolio).toEqual(summary.portfolio);
    expect(d.trades.pnl.map(String)).toEqual(tradesCsv.map((l) => l.split(',')[7]));
    // 2024-01-01 .. 2024-03-31 (Asia/Seoul days): 31 + 29 + 31 = 91 daily candles of the bundled sample.
    expect(d.prices).toEqual([expect.objectContaining({ symbol: 'KRW-BTC', bars: 91 })]);
  });

  it('an unknown run is exit 2 with how to list the runs', async () => {
    const r = await runCoinhts(['report', 'no-such-run'], env);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no run "no-such-run".*coinhts results list/);
  });
});

describe('coinhts report RUN of a sweep and of a walk-forward analysis (stored as libs/runs/README.md documents)', () => {
  const results = dirs.make('results-wf');
  const out = dirs.make('out-wf');
  const env = { env: { RESULTS_STORE: `file:${results}` } };
  const f64 = (xs: number[]) => Float64Array.from(xs);
  const empty = (equity: { timestamp: Float64Array; equity: Float64Array }): ResultTables => ({
    signals: { schema: { symbol: 'utf8', timestamp: 'timestamp_ms' }, columns: { symbol: [], timestamp: f64([]) } },
    trades: { schema: { symbol: 'utf8', pnl: 'f64' }, columns: { symbol: [], pnl: f64([]) } },
    equity: { schema: { timestamp: 'timestamp_ms', equity: 'f64' }, columns: equity },
  });
  const sweepId = '00000000-0000-4000-8000-000000000001', wfId = '00000000-0000-4000-8000-000000000002';
  beforeAll(async () => {
    const store = openStore({ kind: 'local', dir: results, url: `file://${results}` });
    const service = new RunService(new RunArchive(store.provider, store.url), new EmbeddedRunIndex({ file: join(results, EMBEDDED_INDEX_FILE) }));
    const base = { kind: 'sweep' as const, status: 'completed' as const, strategy: 'sma_crossover', symbols: ['KRW-BTC'], timeframe: '1d' };
    const sweep = { ...base, id: sweepId };
    const ranking = { sweepId, rankBy: 'sharpe', direction: 'max', total: 2, evaluated: 2, failed: 0, rows: [
      { index: 1, params: { fast_period: 10 }, score: 1.2, metrics: { sharpe: 1.2 } }, { index: 0, params: { fast_period: 5 }, score: 0.4, metrics: { sharpe: 0.4 } }] };
    await service.save(sweep, { summary: runDocument(sweep, { request: { grid: { fast_period: [5, 10] } }, ranking }), tables: empty({ timestamp: f64([]), equity: f64([]) }) });
    const wf = { ...base, id: wfId, metrics: { analysis: 'walk-forward' } };
    const walkForward = {
      rank_by: 'sharpe', direction: 'max', oos_compounded_return_pct: 2, is_mean_score: 1, oos_mean_score: 0.5,
      folds: [{ fold: 0, in_sample: { start_ms: 0, end_ms: 10 }, out_of_sample: { start_ms: 10, end_ms: 20 }, best_params: { fast_period: 5 }, in_sample_score: 1, out_of_sample_score: 0.5, out_of_sample_metrics: { total_return_pct: 2 } }],
      stability: { changes: 0, modal_share: 1, params: [{ name: 'fast_period', values: [5], distinct: 1, mean: 5, std: 0, relative_std: 0 }] },
    };
    await service.save(wf, { summary: { ...runDocument(wf, { request: {} }), walk_forward: walkForward }, tables: empty({ timestamp: f64([10, 15]), equity: f64([1_000_000, 1_020_000]) }) });
    await store.close();
  });

  it('a sweep run gives the sweep report (its ranking), a walk-forward run the walk-forward report (its folds and stitched equity)', async () => {
    const sweepFile = join(out, 'sweep.html'), wfFile = join(out, 'wf.html');
    expect((await runCoinhts(['report', sweepId, '--out', sweepFile], env)).code).toBe(0);
    const s = embedded(readFileSync(sweepFile, 'utf8')) as unknown as { kind: string; ranking: { rows: { params: unknown }[] } };
    expect(s.kind).toBe('sweep');
    expect(s.ranking.rows.map((r) => r.params)).toEqual([{ fast_period: 10 }, { fast_period: 5 }]);
    expect((await runCoinhts(['report', wfId, '--out', wfFile], env)).code).toBe(0);
    const w = embedded(readFileSync(wfFile, 'utf8')) as unknown as { kind: string; folds: { bestParams: unknown }[]; equity: { points: number; first: number; last: number } };
    expect(w.kind).toBe('walk-forward');
    expect(w.folds.map((f) => f.bestParams)).toEqual([{ fast_period: 5 }]);
    expect(w.equity).toMatchObject({ points: 2, first: 1_000_000, last: 1_020_000 });
  });
});
