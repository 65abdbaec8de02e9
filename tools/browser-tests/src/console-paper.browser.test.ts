/**
 * Live paper trading in the web console, in a real Chromium, against the API, a worker and the
 * paper process (apps/paper) started from the sources, real PostgreSQL, and local fake Upbit
 * servers (REST for the market check, the quotation WebSocket for candles): start a session from
 * the form, watch candles pushed by the fake exchange turn into a position, a trade and events on
 * the open page without reloading it, and stop the session.
 */
import { startFakeUpbit, startFakeUpbitStream, type FakeUpbitStream } from '@coinhts/market-data/testing';
import { formatCount, formatKrw, formatPrice } from '@coinhts/report';
import type { Page, Request } from 'playwright-core';
import { startApiStack, type ApiStack } from './api-stack';
import { axeViolations, collectErrors, launchChromium, screenshot, type TestBrowser } from './chromium';

jest.setTimeout(180_000);

let stack: ApiStack;
let browser: TestBrowser;
let page: Page;
let errors: string[];
let ws: FakeUpbitStream;
let rest: Awaited<ReturnType<typeof startFakeUpbit>>;
const documents: string[] = [];

beforeAll(async () => {
  ws = await startFakeUpbitStream();
  rest = await startFakeUpbit({ data: { 'KRW-BTC': { 'minutes/1': [] } } });
  stack = await startApiStack({ upbitBaseUrl: rest.baseUrl, paperWsUrl: ws.url });
  browser = await launchChromium();
  page = await browser.newPage();
  errors = collectErrors(page);
  page.on('request', (r: Request) => { if (r.resourceType() === 'document') documents.push(r.url()); });
  await page.goto(`${stack.url}/console`);
  await page.getByLabel('API key').fill(stack.key);
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid="runs-table"]');
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await ws?.close();
  await rest?.close();
});

/** One-minute candles, 30 minutes ago onwards (all closed), as [open, close]. */
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 30 * 60_000;
const BARS: [number, number][] = [[100, 100], [100, 100], [100, 100], [100, 95], [95, 110], [111, 120], [120, 121], [121, 122], [122, 90], [89, 80], [80, 80], [80, 80]];

const cells = async (p: Page, testId: string) => p.locator(`[data-testid="${testId}"] tbody tr`).evaluateAll((trs) => trs.map((tr) => Array.from(tr.children).map((c) => c.textContent ?? '')));

describe('paper sessions in the console', () => {
  it('a capital below Upbit\'s minimum order is refused with the API\'s message next to the field', async () => {
    await page.goto(`${stack.url}/console#paper`);
    const form = page.locator('[data-testid="paper-form"]');
    await form.getByLabel('Session name').fill('too-small');
    await form.getByLabel('Strategy', { exact: true }).selectOption('sma_crossover');
    await form.getByLabel('Capital [KRW]').fill('1000');
    await form.getByRole('button', { name: 'Start session' }).click();
    await page.waitForFunction(() => document.querySelector('[aria-invalid="true"]') !== null);
    expect(await page.locator('[aria-invalid="true"]').getAttribute('name')).toBe('options.initial_capital');
    expect(await page.locator('.field-error[data-field="options.initial_capital"]').textContent()).toMatch(/5,?000/);
  });

  it('starts a session, shows candles from the exchange becoming a position, a trade and events live, and stops it', async () => {
    await page.goto(`${stack.url}/console#paper`);
    const form = page.locator('[data-testid="paper-form"]');
    await form.getByLabel('Session name').fill('console-btc');
    await form.getByLabel('Market').fill('KRW-BTC');
    await form.getByLabel('Strategy', { exact: true }).selectOption('sma_crossover');
    await form.getByLabel('fast_period').fill('2');
    await form.getByLabel('slow_period').fill('3');
    await form.getByLabel('Capital [KRW]').fill('1000000');
    await form.getByRole('button', { name: 'Start session' }).click();
    await page.waitForSelector('[data-testid="paper-status"]');
    const id = page.url().split('#paper/')[1];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const docsBefore = documents.length;
    // The first event (session running) arrives over the stream.
    await page.waitForSelector('[data-testid="paper-events"] li[data-type="session"]');
    expect(await page.locator('[data-testid="paper-stream"]').textContent()).toMatch(/^live: /);

    // The paper process subscribes, then the exchange sends the candles.
    await ws.waitForSubscriptions(1);
    BARS.forEach(([o, c], i) => ws.push('candle.1m', 'KRW-BTC', { t: T0 + i * 60_000, o, h: Math.max(o, c), l: Math.min(o, c), c, v: 1 }));
    // SMA(2) is below SMA(3) at bar 3 (97.5 < 98.33) and above at bar 4 (102.5 > 101.67): a Buy,
    // bought at bar 5's open, 111; above at bar 7 (121.5 > 121), below at bar 8 (106 < 111): a Sell, sold at bar 9's open, 89.
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="paper-trades"] tbody tr').length === 1, undefined, { timeout: 60_000 });
    const [trade] = await cells(page, 'paper-trades');
    expect(trade[0]).toBe('KRW-BTC');
    // Fills include the default slippage, 0.02 % against the trade on each fill.
    const entry = 111 * (1 + 0.0002), exit = 89 * (1 - 0.0002);
    expect(trade[3]).toBe(formatPrice(entry));
    expect(trade[4]).toBe(formatPrice(exit));
    // What the page shows is what the API stored.
    const api = await (await fetch(`${stack.url}/api/v1/paper/sessions/${id}/trades`, { headers: { Authorization: `Bearer ${stack.key}` } })).json() as { trades: { entryPrice: number; exitPrice: number }[] };
    expect(api.trades).toHaveLength(1);
    expect(api.trades[0].entryPrice).toBeCloseTo(entry, 9);
    expect(api.trades[0].exitPrice).toBeCloseTo(exit, 9);
    const types = await page.locator('[data-testid="paper-events"] li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-type')));
    for (const t of ['session', 'signal', 'order', 'position-opened', 'position-closed']) expect(types).toContain(t);
    // Event ids increase (the log shows the newest first) and none repeats.
    const ids = await page.locator('[data-testid="paper-events"] li').evaluateAll((lis) => lis.map((li) => Number(li.getAttribute('data-id'))));
    expect([...ids].reverse()).toEqual([...new Set(ids)].sort((a, b) => a - b));
    expect(await page.locator('[data-testid="paper-positions"]').textContent()).toBe('No open position.');
    // A snapshot every 5 candles (the stack's PAPER_SNAPSHOT_EVERY_BARS): the latest one as the API has it.
    // Once every candle is applied (the last one closes by the clock), the page catches up with the API.
    await page.waitForFunction((n) => Array.from(document.querySelectorAll('[data-testid="paper-status"] tr')).some((tr) => tr.textContent === `Candles applied${n}`), String(BARS.length), { timeout: 60_000 });
    const perf = await (await fetch(`${stack.url}/api/v1/paper/sessions/${id}/performance`, { headers: { Authorization: `Bearer ${stack.key}` } })).json() as { snapshots: { equity: number; trades: number }[] };
    const latest = perf.snapshots[perf.snapshots.length - 1];
    await page.waitForFunction((n) => (document.querySelector('table[data-testid="paper-performance"] caption')?.textContent ?? '').startsWith(`Latest of ${n} snapshots`), String(perf.snapshots.length), { timeout: 60_000 });
    const shown = Object.fromEntries((await cells(page, 'paper-performance')).map(([k, v]) => [k, v]));
    expect(shown).toMatchObject({ Equity: formatKrw(latest.equity), Trades: formatCount(latest.trades) });
    expect(documents.length).toBe(docsBefore); // all of it without reloading the page
    await screenshot(page, 'console-paper');
    expect(await axeViolations(page)).toEqual([]);

    // Stop: the session's own events bring the page to "stopped".
    await page.getByRole('button', { name: 'Stop session' }).click();
    await page.waitForFunction(() => Array.from(document.querySelectorAll('[data-testid="paper-status"] tr')).some((tr) => tr.textContent === 'Statusstopped'), undefined, { timeout: 60_000 });
    expect(await page.getByRole('button', { name: 'Stop session' }).isDisabled()).toBe(true);

    // The list shows it.
    await page.goto(`${stack.url}/console#paper`);
    await page.waitForSelector('[data-testid="paper-sessions"]');
    expect(await cells(page, 'paper-sessions')).toEqual([expect.arrayContaining(['console-btc', 'stopped'])]);
    await screenshot(page, 'console-paper-list');
    expect(await axeViolations(page)).toEqual([]);
    expect(errors).toEqual(['console: Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)']);
  });
});
