/**
 * The web console in a real Chromium against the API and a worker started from the sources
 * (real PostgreSQL and Redis): key entry, a backtest submitted from the form generated from the
 * strategy's JSON Schema and followed to completion, its report, an out-of-range parameter shown
 * next to its field, two runs compared, keyboard use and axe-core.
 */
import { formatCount, formatPercent } from '@coinhts/report';
import type { Page, Request } from 'playwright-core';
import { startApiStack, type ApiStack } from './api-stack';
import { axeViolations, collectErrors, launchChromium, paintedPixels, screenshot, type TestBrowser } from './chromium';

jest.setTimeout(180_000);

let stack: ApiStack;
let browser: TestBrowser;
let page: Page;
let errors: string[];

beforeAll(async () => {
  stack = await startApiStack();
  browser = await launchChromium();
  page = await browser.newPage();
  errors = collectErrors(page);
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function submitBacktest(p: Page, values: Record<string, string>, mode: 'sync' | 'async'): Promise<void> {
  await p.goto(`${stack.url}/console#new`);
  const form = p.locator('[data-testid="backtest-form"]');
  await form.getByLabel('Strategy', { exact: true }).selectOption('volume_zone_breakout');
  for (const [label, v] of Object.entries(values)) await form.getByLabel(label, { exact: true }).fill(v);
  await form.getByLabel('How').selectOption(mode);
  await form.getByRole('button', { name: 'Run backtest' }).click();
}

describe('the console served by the API under /console', () => {
  it('asks for a key, keeps it in the tab and lists runs; keyboard-reachable; axe finds nothing', async () => {
    await page.goto(`${stack.url}/console`);
    await page.getByLabel('API key').fill(stack.key);
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid="runs-table"]');
    expect(await page.evaluate(() => sessionStorage.getItem('coinhts.apiKey'))).toBe(stack.key);
    expect(await page.evaluate(() => document.cookie)).toBe('');
    // One stylesheet for reports and the console: /console/report.css (the report file's own) and the console's layout.
    expect(await page.evaluate(() => Array.from(document.styleSheets).map((x) => new URL(x.href ?? '').pathname))).toEqual(['/console/report.css', '/console/console.css']);
    expect(await page.evaluate(() => getComputedStyle(document.getElementById('main') as HTMLElement).maxWidth)).toBe('1200px'); // .coinhts-report, from report.css
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Runs');
    expect(await axeViolations(page)).toEqual([]);
  });

  it('an out-of-range parameter gets the API\'s message next to its field', async () => {
    await submitBacktest(page, { volume_window: '1' }, 'sync');
    const msg = page.locator('.field-error[data-field="params.volume_window"]');
    await msg.waitFor();
    await page.waitForFunction(() => (document.querySelector('.field-error[data-field="params.volume_window"]')?.textContent ?? '') !== '');
    // The engine's rule for volume_window (its JSON Schema says minimum 2).
    expect(await msg.textContent()).toMatch(/>= ?2|at least 2|2/);
    expect(await page.getByLabel('volume_window').getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement).name)).toBe('params.volume_window');
    await screenshot(page, 'console-validation');
    expect(await axeViolations(page)).toEqual([]);
  });

  let firstRun = '';
  it('submits a queued backtest from the generated form, follows the progress the API pushes and opens its report', async () => {
    const requests: string[] = [];
    const log = (r: Request) => requests.push(`${r.method()} ${new URL(r.url()).pathname}`);
    page.on('request', log);
    await submitBacktest(page, { volume_window: '10', Symbols: 'KRW-BTC, KRW-ETH', From: '2023-01-01', To: '2024-12-31' }, 'async');
    const link = page.locator('[data-testid="run-link"]');
    await link.waitFor({ timeout: 90_000 });
    firstRun = ((await link.textContent()) ?? '').replace('open run ', '');
    page.off('request', log);
    // Pushed, not polled: the task's event stream once, its status route never.
    expect(requests.filter((r) => r.includes('/api/v1/backtests/async'))).toEqual(['POST /api/v1/backtests/async', `GET /api/v1/backtests/async/${firstRun}/events`]);
    await link.click();
    await page.waitForSelector('#report[data-ready="true"]', { timeout: 60_000 });
    const api = await (await fetch(`${stack.url}/api/v1/backtests/${firstRun}`, { headers: { Authorization: `Bearer ${stack.key}` } })).json() as { total_return_pct: number; trade_count: number };
    expect(await page.locator('[data-testid="stats-table"] [data-key="portfolio.total_return_pct"]').textContent()).toBe(formatPercent(api.total_return_pct));
    expect(await page.locator('[data-testid="stats-table"] [data-key="portfolio.trade_count"]').textContent()).toBe(formatCount(api.trade_count));
    for (const sel of ['[data-testid="equity-chart"]', '[data-testid="price-chart-KRW-BTC"]']) expect(Math.max(...await paintedPixels(page, sel))).toBeGreaterThan(2000);
    const trades = await (await fetch(`${stack.url}/api/v1/backtests/${firstRun}/trades`, { headers: { Authorization: `Bearer ${stack.key}` } })).json() as { rows: { symbol: string }[] };
    const markers = await page.evaluate(() => {
      const w = window as unknown as { coinhtsView?: { markerCounts(): Record<string, { entries: number; exits: number }> } };
      return w.coinhtsView?.markerCounts() ?? null;
    });
    const n = (s: string) => trades.rows.filter((r) => r.symbol === s).length;
    expect(markers).toEqual({ 'KRW-BTC': { entries: n('KRW-BTC'), exits: n('KRW-BTC'), drawn: 2 * n('KRW-BTC') }, 'KRW-ETH': { entries: n('KRW-ETH'), exits: n('KRW-ETH'), drawn: 2 * n('KRW-ETH') } });
    await screenshot(page, 'console-report');
  });

  it('compares two runs: metrics side by side and both equity curves drawn', async () => {
    await submitBacktest(page, { volume_window: '30', Symbols: 'KRW-BTC', From: '2023-01-01', To: '2024-12-31' }, 'sync');
    const link = page.locator('[data-testid="run-link"]');
    await link.waitFor();
    const second = ((await link.textContent()) ?? '').replace('open run ', '');
    await page.goto(`${stack.url}/console#runs`);
    await page.waitForSelector('[data-testid="runs-table"] input[type="checkbox"]');
    await page.getByLabel(`select run ${firstRun} for comparison`).check();
    await page.getByLabel(`select run ${second} for comparison`).check();
    await page.getByRole('button', { name: 'Compare selected' }).click();
    await page.waitForSelector('[data-ready="true"]');
    const header = await page.locator('[data-testid="compare-table"] thead th').allTextContents();
    expect(header.slice(1).sort()).toEqual([firstRun, second].sort());
    expect(Math.max(...await paintedPixels(page, '[data-testid="compare-chart"]'))).toBeGreaterThan(2000);
    await screenshot(page, 'console-compare');
    expect(await axeViolations(page)).toEqual([]);
    // The only failed request of the whole session: the out-of-range submission (its 422 is the point).
    expect(errors).toEqual(['console: Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)']);
  });
});
