/**
 * Report kinds the CLI test does not cover, written with renderReportHtml from hand-made inputs
 * and opened from disk offline: a sweep (ranked table + heat map of two chosen parameters) and a
 * long minute-bar run whose candles are merged for drawing (markers must still stand for every trade),
 * and a walk-forward analysis (stitched out-of-sample equity with window starts, folds, stability).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BacktestSummary, PortfolioMetrics } from '@coinhts/engine';
import { renderReportHtml, type SweepReportInput, type WalkForwardReportInput } from '@coinhts/report';
import { axeViolations, collectErrors, launchChromium, paintedPixels, screenshot, type TestBrowser } from './chromium';

jest.setTimeout(120_000);

const dir = mkdtempSync(join(tmpdir(), 'coinhts-report-kinds-'));
let browser: TestBrowser;
beforeAll(async () => { browser = await launchChromium(); });
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function open(name: string, html: string) {
  const file = join(dir, `${name}.html`);
  writeFileSync(file, html);
  const page = await browser.newPage({ offline: true });
  const errors = collectErrors(page);
  await page.goto(pathToFileURL(file).href);
  await page.waitForFunction(() => document.documentElement.dataset.reportReady === 'true');
  return { page, errors };
}

describe('a sweep report', () => {
  // 4 fast × 3 slow periods; (20, 30) was rejected by the strategy. Sharpe = fast / 10 − slow / 100 by construction.
  const rows = [5, 10, 15, 20].flatMap((fast) => [30, 60, 90].map((slow) => ({ fast, slow })))
    .map(({ fast, slow }, index) => (fast === 20 && slow === 30
      ? { index, params: { fast_period: fast, slow_period: slow }, score: null, metrics: null, error: { code: 'INVALID_PARAMS', message: 'fast must be below slow by 10' } }
      : { index, params: { fast_period: fast, slow_period: slow }, score: fast / 10 - slow / 100, metrics: { sharpe: fast / 10 - slow / 100, total_return_pct: fast - slow / 10, max_drawdown_pct: slow / 10, trade_count: fast * 2, win_rate: 0.5, profit_factor: 1.2 } }))
    .sort((a, b) => (b.score ?? -Infinity) - (a.score ?? -Infinity));
  const input: SweepReportInput = {
    kind: 'sweep', run: { id: 'sweep-1', created_at: null }, strategy: 'sma_crossover', request: { symbols: ['KRW-BTC'] },
    ranking: { rankBy: 'sharpe', direction: 'max', total: 12, evaluated: 11, failed: 1, rows },
  };

  it('ranks every combination, best first, and draws the heat map of the two swept parameters', async () => {
    const { page, errors } = await open('sweep', renderReportHtml(input));
    const table = page.locator('[data-testid="ranking-table"]');
    expect(await table.locator('tbody tr').count()).toBe(12);
    // Best: fast 20, slow 60 → 2.0 − 0.6 = 1.400
    expect(await table.locator('tbody tr').first().locator('td').allTextContents()).toEqual(expect.arrayContaining(['1', '20', '60', '1.400']));
    expect(await page.locator('#heat-x').inputValue()).toBe('fast_period');
    expect(await page.locator('#heat-y').inputValue()).toBe('slow_period');
    const label = await page.locator('[data-testid="sweep-heatmap"]').getAttribute('aria-label');
    // Best 1.40 (fast 20, slow 60), worst 0.5 − 0.9 = −0.40.
    expect(label).toBe('Heat map of score (sharpe) over fast_period (4 values) and slow_period (3 values); best 1.40, worst -0.40');
    await page.locator('#heat-metric').selectOption('total_return_pct');
    // Return = fast − slow / 10: best 20 − 6 = 14, worst 5 − 9 = −4.
    expect(await page.locator('[data-testid="sweep-heatmap"]').getAttribute('aria-label')).toMatch(/best 14\.00, worst -4\.00$/);
    await screenshot(page, 'report-sweep');
    expect(errors).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });
});

describe('a long minute-bar run: candles merged for drawing, markers still stand for every trade', () => {
  it('markers add up to the trades; fewer are drawn', async () => {
    const N = 50_000, T0 = Date.UTC(2024, 0, 1), MIN = 60_000;
    const ts = Float64Array.from({ length: N }, (_, i) => T0 + i * MIN);
    const close = Float64Array.from({ length: N }, (_, i) => 50_000_000 + 1_000_000 * Math.sin(i / 500));
    const equity = Float64Array.from({ length: N }, (_, i) => 10_000_000 + 100_000 * Math.sin(i / 700));
    // 1,000 trades of 2 bars, one every 5 bars; 50,000 candles are drawn as 2,000 merged candles of 25 bars.
    const T = 1000, at = (k: number) => ts[k * 5], out = (k: number) => ts[k * 5 + 2];
    const col = (f: (k: number) => number) => Float64Array.from({ length: T }, (_, k) => f(k));
    const summary = {
      engine_version: 't', strategy: { name: 'x', title: 'X' }, params: {}, options: { fee_rate: 0, slippage_rate: 0, fill: 'next-open', stop_loss_pct: null, take_profit_pct: null, trailing_stop_pct: null, exit_on_sell: true, sizing: { kind: 'equity-fraction', fraction: 1 } },
      resolved: { hold_bars: null, study_hold_bars: 1, bars_per_year: 525_600, bar_ms: MIN }, period: { start_ms: T0, end_ms: ts[N - 1], start: '', end: '', bars: N },
      signal_study: { signals: 0, hold_period_bars: 1, win_rate: null, avg_return_pct: null, legacy_max_drawdown_pct: null },
      portfolio: { initial_capital_krw: 1e7, final_equity_krw: equity[N - 1], trade_count: T, max_drawdown_pct: 1, entries_skipped: 0 },
      symbols: [{ symbol: 'KRW-BTC', timeframe: '1m', bars: N, buy_and_hold_return_pct: 0, exposure: 0.2, signal_study: { signals: 0 }, trades: { trade_count: T } }],
    } as unknown as BacktestSummary;
    const html = renderReportHtml({
      kind: 'backtest', run: { id: 'long', created_at: null }, summary,
      trades: { symbol: new Array<string>(T).fill('KRW-BTC'), entry_time: col(at), exit_time: col(out), entry_price: col(() => 1), exit_price: col(() => 1), quantity: col(() => 1), fees: col(() => 0), pnl: col(() => 0), pnl_pct: col(() => 0), bars_held: col(() => 10), exit_reason: new Array<string>(T).fill('signal') },
      equity: { timestamp: ts, equity, drawdown_pct: new Float64Array(N) },
      signals: { symbol: [], timestamp: [], return_pct: [] },
      candles: [{ symbol: 'KRW-BTC', timeframe: '1m', candles: { timestamp: ts, open: close, high: close, low: close, close } }],
    });
    const { page, errors } = await open('long', html);
    const counts = await page.evaluate(() => (window as unknown as { coinhtsReport: { markerCounts(): Record<string, { entries: number; exits: number; drawn: number }> } }).coinhtsReport.markerCounts());
    // Trade k enters at bar 5k and exits at bar 5k + 2, both in merged candle floor(k / 5): 5 entries and
    // 5 exits share each of the first 200 merged candles, so 200 entry + 200 exit markers stand for 1,000 trades.
    expect(counts['KRW-BTC']).toEqual({ entries: T, exits: T, drawn: 400 });
    expect(await page.locator('#equity .note').textContent()).toContain('Drawn: ');
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('a walk-forward report', () => {
  const DAY = 86_400_000, T0 = Date.UTC(2024, 0, 1);
  const day = (k: number) => T0 + k * DAY;
  const metrics = (ret: number, dd: number, trades: number, sharpe: number) => ({ total_return_pct: ret, max_drawdown_pct: dd, trade_count: trades, sharpe }) as unknown as PortfolioMetrics;
  // Three folds of 10 in-sample and 10 out-of-sample days; the third fold's sweep found nothing.
  // Fold 1 earns 10 % (1,000,000 → 1,100,000 over its days 10–19), fold 2 loses 5 % from there (→ 1,045,000 over days 20–29).
  const t: number[] = [], e: number[] = [];
  for (let k = 0; k < 10; k++) { t.push(day(10 + k)); e.push(1_000_000 + (100_000 * k) / 9); }
  for (let k = 0; k < 10; k++) { t.push(day(20 + k)); e.push(1_100_000 - (55_000 * (k + 1)) / 10); }
  const input: WalkForwardReportInput = {
    kind: 'walk-forward', run: { id: 'wf-1', created_at: null }, strategy: 'sma_crossover',
    request: { symbols: ['KRW-BTC'], in_sample_bars: 10, out_of_sample_bars: 10 },
    result: {
      rankBy: 'sharpe', direction: 'max',
      folds: [
        { fold: 0, inSample: { start_ms: day(0), end_ms: day(10) }, outOfSample: { start_ms: day(10), end_ms: day(20) }, bestParams: { fast_period: 5, slow_period: 20 }, inSampleScore: 2, outOfSampleScore: 1.5, outOfSampleMetrics: metrics(10, 2, 3, 1.5) },
        { fold: 1, inSample: { start_ms: day(10), end_ms: day(20) }, outOfSample: { start_ms: day(20), end_ms: day(30) }, bestParams: { fast_period: 10, slow_period: 20 }, inSampleScore: 1, outOfSampleScore: -0.5, outOfSampleMetrics: metrics(-5, 6, 2, -0.5) },
        { fold: 2, inSample: { start_ms: day(20), end_ms: day(30) }, outOfSample: { start_ms: day(30), end_ms: day(40) }, bestParams: null, inSampleScore: null, outOfSampleScore: null, outOfSampleMetrics: null },
      ],
      // (1.10 × 0.95 − 1) × 100 = 4.5; means (2 + 1) / 2 = 1.5 in sample, (1.5 − 0.5) / 2 = 0.5 out of sample.
      oosCompoundedReturnPct: 4.5, oosMeanScore: 0.5, isMeanScore: 1.5,
      oosEquity: { timestamp: Float64Array.from(t), equity: Float64Array.from(e) },
      stability: { changes: 1, modalShare: 0.5, params: [
        { name: 'fast_period', values: [5, 10, null], distinct: 2, mean: 7.5, std: 2.5, relativeStd: 2.5 / 7.5 },
        { name: 'slow_period', values: [20, 20, null], distinct: 1, mean: 20, std: 0, relativeStd: 0 },
      ] },
    },
  };

  it('stitched out-of-sample equity with each fold\'s start marked, the folds, and parameter stability', async () => {
    const { page, errors } = await open('walk-forward', renderReportHtml(input));
    // Two folds produced equity, so two window starts are marked; the third has none.
    expect(await page.evaluate(() => (window as unknown as { coinhtsReport: { windowMarkers(): unknown } }).coinhtsReport.windowMarkers())).toEqual({ folds: 2, drawn: 2 });
    expect(Math.max(...await paintedPixels(page, '[data-testid="wf-equity-chart"]'))).toBeGreaterThan(2000);
    const summary = page.locator('[data-testid="wf-summary-table"]');
    expect(await summary.locator('[data-key="oosCompoundedReturnPct"]').textContent()).toBe('4.50 %');
    expect(await summary.locator('[data-key="gap"]').textContent()).toBe('1.000'); // 1.5 − 0.5
    expect(await summary.textContent()).toContain('1,000,000 KRW → 1,045,000 KRW');
    const rows = await page.locator('[data-testid="wf-folds-table"] tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.children).map((c) => c.textContent ?? '')));
    expect(rows.map((r) => [r[0], r[3], r[4], r[5], r[6], r[7], r[8]])).toEqual([
      ['1', 'fast_period=5, slow_period=20', '2.000', '1.500', '10.00', '-2.00', '3'],
      ['2', 'fast_period=10, slow_period=20', '1.000', '-0.500', '-5.00', '-6.00', '2'],
      ['3', 'none ran', '-', '-', '-', '-', '-'],
    ]);
    expect(rows[0][2]).toBe('2024-01-11 00:00 UTC – 2024-01-21 00:00 UTC');
    const stability = await page.locator('[data-testid="wf-stability-table"] tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.children).map((c) => c.textContent ?? '')));
    expect(stability).toEqual([['fast_period', '5 · 10 · -', '2', '7.50', '2.50', '33.33 %'], ['slow_period', '20 · 20 · -', '1', '20.00', '0.00', '0.00 %']]);
    expect(await page.locator('[data-testid="wf-stability-summary"] [data-key="modalShare"]').textContent()).toBe('50.00 %');
    await screenshot(page, 'report-walk-forward');
    expect(errors).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });
});
