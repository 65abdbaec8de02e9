/**
 * Strategy plugins in the API: the engine README's example strategy, loaded from
 * COINHTS_STRATEGY_MODULES at start-up, is listed by GET /api/v1/strategies with its schema and
 * runs through POST /api/v1/backtests like a built-in; a module that fails to load stops start-up
 * with a message naming it.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { REPO_ROOT, startTestApp, type TestApp } from './testing/test-app';

mkdirSync(join(REPO_ROOT, 'tmp'), { recursive: true });
const dir = mkdtempSync(join(REPO_ROOT, 'tmp', 'api-plugins-'));
const readme = readFileSync(join(REPO_ROOT, 'libs', 'engine', 'README.md'), 'utf8');
const example = /```js\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('<!-- own-strategy-example')))?.[1] ?? '';
const file = join(dir, 'ema-rsi-trend.js');
writeFileSync(file, example);
const auth = (key: string) => ({ Authorization: `Bearer ${key}` });

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp('plugins', { env: { COINHTS_STRATEGY_MODULES: file } });
}, 60_000);
afterAll(async () => {
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('strategy plugins (COINHTS_STRATEGY_MODULES)', () => {
  it('GET /api/v1/strategies lists the plugin after the built-ins, with its parameter schema and defaults', async () => {
    const r = await request(t.app).get('/api/v1/strategies').set(auth(t.keys.read)).expect(200);
    const list = r.body.strategies as { name: string; params_schema: { properties: Record<string, { default?: unknown; description?: string }> }; defaults: Record<string, unknown> }[];
    expect(list[list.length - 1].name).toBe('ema_rsi_trend');
    const mine = list[list.length - 1];
    expect(mine.defaults).toEqual({ period: 20, rsi_max: 70 });
    expect(mine.params_schema.properties.rsi_max.description).toBe('no Buy while the RSI (14) is above this');
  });

  it('POST /api/v1/backtests runs it like a built-in', async () => {
    const body = { strategy: 'ema_rsi_trend', params: { period: 10 }, symbols: ['KRW-BTC'], start_date: '2023-01-01', end_date: '2024-12-31', timeframe: '1d' };
    const r = await request(t.app).post('/api/v1/backtests').set(auth(t.keys.readRun)).send(body).expect(201);
    expect(r.body.strategy).toBe('ema_rsi_trend');
    expect(r.body.portfolio.trade_count).toBeGreaterThan(0);
  });

  it('a module that fails to load stops start-up, naming the module', async () => {
    const broken = join(dir, 'broken.js');
    writeFileSync(broken, "throw new Error('boom at load');\n");
    await expect(startTestApp('plugins-broken', { env: { COINHTS_STRATEGY_MODULES: broken } })).rejects.toThrow(`Strategy module ${broken}: failed to load: boom at load`);
  });
});
