import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { backtestReportInput, buildReportData, ReportInputError, walkForwardReportInput, type BacktestReportData, type WalkForwardReportData } from './report-data';
import { jsonForScript, renderReportHtml, REPORT_FILE_CSP } from './render-html';

const summary = {
  engine_version: 't', strategy: { name: 's', title: 'S' }, params: {}, period: { start_ms: 0, end_ms: 3, bars: 4 },
  portfolio: { initial_capital_krw: 100 }, symbols: [{ symbol: 'KRW-BTC', timeframe: '1m' }], signal_study: { signals: 1 },
} as never;
const tables = {
  trades: { columns: { symbol: ['KRW-BTC'], entry_time: [1], exit_time: [2], entry_price: [10], exit_price: [11], quantity: [1], fees: [0.01], pnl: [0.99], pnl_pct: [9.9], bars_held: [1], exit_reason: ['signal'] } },
  equity: { columns: { timestamp: [0, 1, 2, 3], equity: [100, 99, 101, 100.99], cash: [100, 0, 100.99, 100.99], drawdown_pct: [0, 1, 0, 0.00990099] } },
  signals: { columns: { symbol: ['KRW-BTC'], timestamp: [0], return_pct: [10] } },
};

describe('report data', () => {
  it('keeps tables exact, turns drawdown negative, draws buy and hold from the first close', () => {
    const candles = [{ symbol: 'KRW-BTC', timeframe: '1m', candles: { timestamp: [0, 1, 2, 3], open: [10, 10, 11, 12], high: [11, 11, 12, 12], low: [9, 9, 10, 11], close: [10, 11, 12, 11] } }];
    const d = buildReportData(backtestReportInput({ meta: { id: 'r1', created_at: null }, summary, tables, candles })) as BacktestReportData;
    expect(d.trades.pnl).toEqual([0.99]);
    expect(d.equity).toEqual({ points: 4, t: [0, 1, 2, 3], v: [100, 99, 101, 100.99] });
    expect(d.drawdown.v).toEqual([0, -1, 0, -0.00990099]);
    // capital 100 × close / first close (10): 100, 110, 120, 110
    expect(d.buyAndHold[0].v).toEqual([100, 110, 120, 110]);
    expect(d.signalReturnsPct).toEqual([10]);
  });
  it('a table or column missing is a clear error', () => {
    expect(() => backtestReportInput({ meta: { id: null, created_at: null }, summary, tables: { ...tables, trades: undefined } })).toThrow(new ReportInputError('the run has no trades table; a report needs summary, trades, equity and signals'));
    expect(() => backtestReportInput({ meta: { id: null, created_at: null }, summary, tables: { ...tables, equity: { columns: { timestamp: [] } } } })).toThrow(/equity table lacks column\(s\) equity, drawdown_pct/);
  });
});

describe('walk-forward report data', () => {
  it('keeps the folds and the stability as given, draws a downsampled stitched equity and keeps its exact end values', () => {
    // 10,000 points drawn with 100 buckets: at most 2 × 100 + 2 points, the first and the last kept.
    const n = 10_000;
    const timestamp = Float64Array.from({ length: n }, (_, i) => i * 60_000);
    const equity = Float64Array.from({ length: n }, (_, i) => 1_000_000 + (i % 7) * 10 + i);
    const fold = { fold: 0, inSample: { start_ms: -10, end_ms: 0 }, outOfSample: { start_ms: 0, end_ms: n * 60_000 }, bestParams: { p: 1 }, inSampleScore: 2, outOfSampleScore: 1, outOfSampleMetrics: null };
    const stability = { changes: 0, modalShare: 1, params: [{ name: 'p', values: [1], distinct: 1, mean: 1, std: 0, relativeStd: 0 }] };
    const d = buildReportData({
      kind: 'walk-forward', run: { id: 'w', created_at: null }, strategy: 's', request: { a: 1 },
      result: { rankBy: 'sharpe', direction: 'max', folds: [fold], oosCompoundedReturnPct: 3, oosMeanScore: 1, isMeanScore: 2, oosEquity: { timestamp, equity }, stability },
    }, { buckets: 100 }) as WalkForwardReportData;
    expect(d.kind).toBe('walk-forward');
    expect(d.title).toBe('Walk-forward of s, 1 folds ranked by sharpe');
    expect(d.folds).toEqual([fold]);
    expect(d.stability).toEqual(stability);
    expect(d.equity.points).toBe(n);
    expect(d.equity.t.length).toBeLessThanOrEqual(202);
    // Last point: 1,000,000 + (9,999 mod 7 = 3) × 10 + 9,999 = 1,010,029.
    expect([d.equity.first, d.equity.last]).toEqual([1_000_000, 1_010_029]);
    expect([d.equity.t[0], d.equity.t[d.equity.t.length - 1]]).toEqual([0, 9_999 * 60_000]);
    // A result read back from JSON (plain arrays) gives the same data.
    const fromJson = buildReportData({
      kind: 'walk-forward', run: { id: 'w', created_at: null }, strategy: 's', request: { a: 1 },
      result: { rankBy: 'sharpe', direction: 'max', folds: [fold], oosCompoundedReturnPct: 3, oosMeanScore: 1, isMeanScore: 2, oosEquity: { timestamp: Array.from(timestamp), equity: Array.from(equity) }, stability },
    }, { buckets: 100 });
    expect(fromJson).toEqual(d);
  });
});

describe('a stored walk-forward run as a report input (the shape of libs/runs/README.md)', () => {
  const document = {
    format: 'coinhts.run', request: { strategy: 'sma_crossover', grid: { fast_period: [10, 15] } },
    walk_forward: {
      in_sample_bars: 120, out_of_sample_bars: 30, step_bars: 30, anchored: false, rank_by: 'sharpe', direction: 'max',
      oos_compounded_return_pct: 12.3, is_mean_score: 1.9, oos_mean_score: 0.4,
      folds: [
        { fold: 0, in_sample: { start_ms: 0, end_ms: 10 }, out_of_sample: { start_ms: 10, end_ms: 20 }, best_params: { fast_period: 10, slow_period: 30 }, in_sample_score: 2.1, out_of_sample_score: 0.3, out_of_sample_metrics: { total_return_pct: 1.2, trade_count: 3 } },
        { fold: 1, in_sample: { start_ms: 10, end_ms: 20 }, out_of_sample: { start_ms: 20, end_ms: 30 }, best_params: null, in_sample_score: null, out_of_sample_score: null, out_of_sample_metrics: null },
      ],
      stability: { changes: 2, modal_share: 0.5, params: [{ name: 'fast_period', values: [10, null], distinct: 1, mean: 10, std: 0, relative_std: 0 }] },
    },
  };
  const tables = { equity: { columns: { timestamp: [10, 15], equity: [1_000_000, 1_012_000] } } };
  const meta = { id: 'wf', created_at: null };

  it('maps the snake_case fields onto the engine\'s names', () => {
    const input = walkForwardReportInput({ meta, strategy: 'sma_crossover', document, tables });
    expect(input.request).toEqual(document.request);
    expect(input.result).toMatchObject({ rankBy: 'sharpe', direction: 'max', oosCompoundedReturnPct: 12.3, isMeanScore: 1.9, oosMeanScore: 0.4 });
    expect(input.result.folds[0]).toEqual({ fold: 0, inSample: { start_ms: 0, end_ms: 10 }, outOfSample: { start_ms: 10, end_ms: 20 }, bestParams: { fast_period: 10, slow_period: 30 }, inSampleScore: 2.1, outOfSampleScore: 0.3, outOfSampleMetrics: { total_return_pct: 1.2, trade_count: 3 } });
    expect(input.result.folds[1]).toMatchObject({ bestParams: null, inSampleScore: null, outOfSampleMetrics: null });
    expect(input.result.stability).toEqual({ changes: 2, modalShare: 0.5, params: [{ name: 'fast_period', values: [10, null], distinct: 1, mean: 10, std: 0, relativeStd: 0 }] });
    expect(Array.from(input.result.oosEquity.equity)).toEqual([1_000_000, 1_012_000]);
    const d = buildReportData(input) as WalkForwardReportData;
    expect([d.equity.first, d.equity.last]).toEqual([1_000_000, 1_012_000]);
  });

  it('a run that is not a walk-forward, or a damaged one, is a clear error', () => {
    expect(() => walkForwardReportInput({ meta, strategy: 's', document: { ranking: {} }, tables })).toThrow(new ReportInputError('the run has no walk_forward object in its summary; it is not a walk-forward analysis'));
    const bad = { ...document, walk_forward: { ...document.walk_forward, folds: [{ fold: 0, in_sample: { start_ms: 0 } }] } };
    expect(() => walkForwardReportInput({ meta, strategy: 's', document: bad, tables })).toThrow(/walk_forward\.folds\.0\.in_sample is not a window/);
    expect(() => walkForwardReportInput({ meta, strategy: 's', document, tables: {} })).toThrow(/no equity table/);
  });
});

describe('renderReportHtml', () => {
  it('one file: CSP forbidding every fetch, data that cannot close its script element, no external reference', () => {
    const hostile = { ...tables, trades: { columns: { ...tables.trades.columns, exit_reason: ['</script><script>alert(1)</script>'] } } };
    const html = renderReportHtml(backtestReportInput({ meta: { id: 'r1', created_at: null }, summary, tables: hostile }));
    expect(html).toContain(`content="${REPORT_FILE_CSP}"`);
    expect(REPORT_FILE_CSP).toMatch(/default-src 'none'/);
    expect(html.match(/<\/script>/g)).toHaveLength(2); // the data element and the page script, nothing injected
    expect(html).toContain(jsonForScript('</script><script>alert(1)</script>'));
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//i);
  });
});

describe('generated browser bundles', () => {
  it('the committed bundles are what tools/scripts/build-browser-bundles.cjs produces from the sources (run it after editing libs/report/src/page or apps/console/src)', () => {
    const root = join(__dirname, '..', '..', '..');
    const r = spawnSync(process.execPath, [join(root, 'tools/scripts/build-browser-bundles.cjs'), '--check'], { encoding: 'utf8' });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  });
});
