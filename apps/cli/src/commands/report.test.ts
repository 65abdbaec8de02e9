import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
