/**
 * The HTML report in a real Chromium: a report written by `coinhts backtest --report` for two
 * symbols, opened from disk with the network off. Expected values come from the run's own
 * summary.json and trades.csv (written by the CLI next to the report), formatted by the formatting
 * module whose outputs are pinned by hand in libs/report/src/format.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { formatCount, formatFractionAsPercent, formatKrw, formatPercent, formatRatio } from '@coinhts/report';
import type { Page } from 'playwright-core';
import { axeViolations, collectErrors, launchChromium, paintedPixels, REPO_ROOT, screenshot, type TestBrowser } from './chromium';

interface Summary {
  portfolio: Record<string, number>;
  symbols: { symbol: string; buy_and_hold_return_pct: number; trades: { trade_count: number } }[];
  signal_study: { signals: number; win_rate: number };
}

jest.setTimeout(120_000);

const dir = mkdtempSync(join(tmpdir(), 'coinhts-report-browser-'));
let browser: TestBrowser;
let page: Page;
let errors: string[];
let summary: Summary;
let tradesBySymbol: Map<string, number>;
const requests: string[] = [];

beforeAll(async () => {
  const out = join(dir, 'out');
  const cli = spawnSync(process.execPath, [join(REPO_ROOT, 'tools/scripts/run-cli.cjs'), 'backtest', '--strategy', 'volume_zone_breakout', '--symbol', 'KRW-BTC', '--symbol', 'KRW-ETH',
    '--timeframe', '1d', '--from', '2023-01-01', '--to', '2024-12-31', '--out', out, '--report', '--no-save'], { encoding: 'utf8', env: { ...process.env, RESULTS_STORE: `file:${join(dir, 'results')}`, DATA_ROOT: join(REPO_ROOT, 'data/sample') } });
  expect({ status: cli.status, stderr: cli.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
  summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
  const trades = readFileSync(join(out, 'trades.csv'), 'utf8').trim().split('\n').slice(1);
  tradesBySymbol = new Map();
  for (const line of trades) tradesBySymbol.set(line.split(',')[0], (tradesBySymbol.get(line.split(',')[0]) ?? 0) + 1);

  browser = await launchChromium();
  page = await browser.newPage({ offline: true });
  errors = collectErrors(page);
  page.on('request', (r) => { if (!r.url().startsWith('file:')) requests.push(r.url()); });
  await page.goto(pathToFileURL(join(out, 'report.html')).href);
  await page.waitForFunction(() => document.documentElement.dataset.reportReady === 'true');
});

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a report file opened from disk, offline', () => {
  it('renders without errors and requests nothing from the network', async () => {
    await screenshot(page, 'report-backtest');
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
  });

  it('every chart drew something: canvases present and not blank (pixels read back)', async () => {
    for (const sel of ['[data-testid="equity-chart"]', '[data-testid="drawdown-chart"]', '[data-testid="price-chart-KRW-BTC"]', '[data-testid="price-chart-KRW-ETH"]']) {
      const painted = await paintedPixels(page, sel);
      expect({ sel, canvases: painted.length > 0 }).toEqual({ sel, canvases: true });
      // The main pane's canvas holds the series: thousands of coloured pixels on a 1,100 px wide chart.
      expect({ sel, max: Math.max(...painted) > 2000 }).toEqual({ sel, max: true });
    }
    for (const id of ['trade-returns-histogram', 'signal-returns-histogram']) {
      const painted = await page.$eval(`canvas[data-testid="${id}"]`, (c) => {
        const canvas = c as HTMLCanvasElement;
        const px = (canvas.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, canvas.width, canvas.height).data;
        let n = 0;
        for (let i = 0; i < px.length; i += 4) if (!(px[i] > 245 && px[i + 1] > 245 && px[i + 2] > 245)) n++;
        return n;
      });
      expect({ id, painted: painted > 1000 }).toEqual({ id, painted: true });
    }
  });

  it('legend and stats values equal the stored metrics', async () => {
    const text = (key: string) => page.$$eval(`[data-key="${key}"]`, (els) => els.map((e) => e.textContent));
    const p = summary.portfolio;
    expect(await text('portfolio.final_equity_krw')).toEqual([formatKrw(p.final_equity_krw), formatKrw(p.final_equity_krw)]);
    expect(await text('portfolio.total_return_pct')).toEqual([formatPercent(p.total_return_pct), formatPercent(p.total_return_pct)]);
    expect(await text('portfolio.max_drawdown_pct')).toEqual([formatPercent(-p.max_drawdown_pct), formatPercent(-p.max_drawdown_pct)]);
    expect(await text('portfolio.sharpe')).toEqual([formatRatio(p.sharpe)]);
    expect(await text('portfolio.win_rate')).toEqual([formatFractionAsPercent(p.win_rate)]);
    expect(await text('portfolio.trade_count')).toEqual([formatCount(p.trade_count)]);
    expect(await text('signal_study.win_rate')).toEqual([formatFractionAsPercent(summary.signal_study.win_rate)]);
    for (const [i, s] of summary.symbols.entries()) {
      // Once in the equity legend, once in the stats table.
      expect(await text(`symbols.${i}.buy_and_hold_return_pct`)).toEqual([formatPercent(s.buy_and_hold_return_pct), formatPercent(s.buy_and_hold_return_pct)]);
    }
  });

  it('each price chart carries one entry and one exit marker per trade of its symbol', async () => {
    const counts = await page.evaluate(() => (window as unknown as { coinhtsReport: { markerCounts(): unknown } }).coinhtsReport.markerCounts());
    expect(summary.portfolio.trade_count).toBeGreaterThan(10);
    // Daily candles are drawn one to one and a symbol holds one position at a time, so no two
    // entries (or exits) share a candle: one drawn marker per fill.
    const btc = tradesBySymbol.get('KRW-BTC') as number, eth = tradesBySymbol.get('KRW-ETH') as number;
    expect(counts).toEqual({
      'KRW-BTC': { entries: btc, exits: btc, drawn: 2 * btc },
      'KRW-ETH': { entries: eth, exits: eth, drawn: 2 * eth },
    });
    expect((tradesBySymbol.get('KRW-BTC') ?? 0) + (tradesBySymbol.get('KRW-ETH') ?? 0)).toBe(summary.portfolio.trade_count);
  });

  it('the trades table sorts by a column from the keyboard, and pages', async () => {
    const table = page.locator('[data-testid="trades-table"]');
    const header = table.locator('th', { hasText: 'P&L [%]' }).locator('button');
    await header.focus();
    await page.keyboard.press('Enter');
    expect(await table.locator('th', { hasText: 'P&L [%]' }).getAttribute('aria-sort')).toBe('ascending');
    const firstPct = await table.locator('tbody tr').first().locator('td').nth(8).textContent();
    // The smallest trade return, as the stats table shows it ("Worst Trade").
    expect(`${firstPct} %`).toBe(formatPercent(summary.portfolio.worst_trade_pct));
    await page.keyboard.press('Enter');
    expect(await table.locator('th', { hasText: 'P&L [%]' }).getAttribute('aria-sort')).toBe('descending');
    expect(`${await table.locator('tbody tr').first().locator('td').nth(8).textContent()} %`).toBe(formatPercent(summary.portfolio.best_trade_pct));
    expect(await table.locator('tbody tr').count()).toBe(Math.min(100, summary.portfolio.trade_count));
  });

  it('passes axe-core\'s WCAG 2.1 A/AA checks (labels, contrast, keyboard-reachable regions)', async () => {
    expect(await axeViolations(page)).toEqual([]);
  });
});
