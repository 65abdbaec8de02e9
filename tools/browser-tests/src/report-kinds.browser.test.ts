/**
 * Report kinds the CLI test does not cover, written with renderReportHtml from hand-made inputs
 * and opened from disk offline: a sweep (ranked table + heat map of two chosen parameters) and a
 * long minute-bar run whose candles are merged for drawing (markers must still stand for every trade).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BacktestSummary } from '@coinhts/engine';
import { renderReportHtml, type SweepReportInput } from '@coinhts/report';
import { axeViolations, collectErrors, launchChromium, screenshot, type TestBrowser } from './chromium';

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
