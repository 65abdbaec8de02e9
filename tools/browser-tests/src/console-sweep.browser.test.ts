/**
 * Sweeps from the web console in a real Chromium against the API and a worker started from the
 * sources (real PostgreSQL and Redis): the form generated from the strategy's JSON Schema with a
 * list and a range, the API's message next to a parameter, progress pushed over the task's event
 * stream (no status polling), and the sweep's report (ranking, heat map) equal to the stored ranking.
 */
import { formatNumber } from '@coinhts/report';
import type { Page, Request } from 'playwright-core';
import { startApiStack, type ApiStack } from './api-stack';
import { axeViolations, collectErrors, launchChromium, paintedPixels, screenshot, type TestBrowser } from './chromium';

jest.setTimeout(180_000);

let stack: ApiStack;
let browser: TestBrowser;
let page: Page;
let errors: string[];
const requests: string[] = [];

beforeAll(async () => {
  stack = await startApiStack();
  browser = await launchChromium();
  page = await browser.newPage();
  errors = collectErrors(page);
  page.on('request', (r: Request) => requests.push(`${r.method()} ${new URL(r.url()).pathname}`));
  await page.goto(`${stack.url}/console`);
  await page.getByLabel('API key').fill(stack.key);
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid="runs-table"]');
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

const api = async <T>(path: string): Promise<T> => (await fetch(`${stack.url}${path}`, { headers: { Authorization: `Bearer ${stack.key}` } })).json() as Promise<T>;

async function fillSweep(p: Page, fastList: string): Promise<void> {
  await p.goto(`${stack.url}/console#sweep`);
  const form = p.locator('[data-testid="sweep-form"]');
  await form.getByLabel('Strategy', { exact: true }).selectOption('sma_crossover');
  await form.getByLabel('Sweep fast_period').selectOption('list');
  await form.getByLabel('Values of fast_period').fill(fastList);
  await form.getByLabel('Sweep slow_period').selectOption('range');
  await form.getByLabel('slow_period from').fill('20');
  await form.getByLabel('slow_period to').fill('40');
  await form.getByLabel('slow_period step').fill('10');
  await form.getByLabel('Symbols').fill('KRW-BTC');
  await form.getByLabel('From', { exact: true }).fill('2023-01-01');
  await form.getByLabel('To', { exact: true }).fill('2024-12-31');
  await form.getByLabel('rank_by').selectOption('sharpe');
  await form.getByLabel('chunk_size').fill('2');
}

describe('sweeps from the console', () => {
  it('a value the strategy refuses gets the API\'s message next to its parameter', async () => {
    await fillSweep(page, '0, 5');
    await page.getByRole('button', { name: 'Run sweep' }).click();
    const msg = page.locator('.field-error[data-field="params.fast_period"]');
    await page.waitForFunction(() => (document.querySelector('.field-error[data-field="params.fast_period"]')?.textContent ?? '') !== '');
    // sma_crossover's schema: fast_period is an integer >= 1.
    expect(await msg.textContent()).toMatch(/1/);
    expect(await page.locator('[data-testid="sweep-form"] [aria-invalid="true"]').count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
  });

  let sweepId = '';
  it('submits a grid (a list and a range), follows the progress the API pushes, and opens the report', async () => {
    await fillSweep(page, '5, 10');
    // 2 values × 3 values (20, 30, 40).
    expect(await page.locator('[data-testid="combinations"]').textContent()).toBe('6 combinations');
    await screenshot(page, 'console-sweep-form');
    requests.length = 0;
    await page.getByRole('button', { name: 'Run sweep' }).click();
    const link = page.locator('[data-testid="run-link"]');
    await link.waitFor({ timeout: 120_000 });
    sweepId = ((await link.textContent()) ?? '').replace('open sweep ', '');
    // Pushed, not polled: one event stream, no status request.
    expect(requests.filter((r) => r.startsWith('GET /api/v1/sweeps/'))).toEqual([`GET /api/v1/sweeps/${sweepId}/events`]);
    const stored = await api<{ request: { grid: unknown; rank_by: string; chunk_size: number }; ranking: { rows: { params: Record<string, number>; score: number | null }[] } }>(`/api/v1/sweeps/${sweepId}?limit=100`);
    expect(stored.request).toMatchObject({ grid: { fast_period: [5, 10], slow_period: [20, 30, 40] }, rank_by: 'sharpe', chunk_size: 2 });

    await link.click();
    await page.waitForSelector('#report[data-ready="true"]', { timeout: 60_000 });
    const rows = page.locator('[data-testid="ranking-table"] tbody tr');
    expect(await rows.count()).toBe(6);
    const best = stored.ranking.rows[0];
    const firstRow = await rows.first().locator('td').allTextContents();
    // Rank, fast_period, hold_period_bars?, slow_period … then the score: the params columns are the rows' own keys.
    expect(firstRow[0]).toBe('1');
    expect(firstRow).toContain(String(best.params.fast_period));
    expect(firstRow).toContain(String(best.params.slow_period));
    expect(firstRow).toContain(formatNumber(best.score, 3));
    // The heat map: the two swept parameters by default, drawn.
    expect(await page.locator('#heat-x').inputValue()).toBe('fast_period');
    expect(await page.locator('#heat-y').inputValue()).toBe('slow_period');
    expect(Math.max(...await paintedPixels(page, '#heatmap'))).toBeGreaterThan(2000);
    await screenshot(page, 'console-sweep-report');
    expect(await axeViolations(page)).toEqual([]);
    // The only failed request: the refused submission of the first test.
    expect(errors).toEqual(['console: Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)']);
  });
});
