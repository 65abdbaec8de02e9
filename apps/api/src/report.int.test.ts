/**
 * GET /api/v1/backtests/{id}/report against real PostgreSQL and Redis: the HTML report of a run
 * stored by POST /api/v1/backtests, its CSP, its JSON form, scopes and errors.
 */
import { createHash } from 'node:crypto';
import request from 'supertest';
import { expectErrorShape, startTestApp, type TestApp } from './testing/test-app';

let t: TestApp;
let runId: string;
let stored: { portfolio: Record<string, number | null> };
const auth = (key: string) => ({ Authorization: `Bearer ${key}` });

beforeAll(async () => {
  t = await startTestApp('report');
  const r = await request(t.app).post('/api/v1/backtests').set(auth(t.keys.run)).send({
    strategy: 'volume_zone_breakout', symbols: ['KRW-BTC', 'KRW-ETH'], start_date: '2024-01-01', end_date: '2024-06-30', timeframe: '1d',
  }).expect(201);
  runId = r.body.run_id as string;
  stored = r.body as typeof stored;
}, 60_000);
afterAll(async () => {
  await t?.close();
}, 30_000);

describe('GET /api/v1/backtests/{id}/report', () => {
  it('returns the self-contained report with a CSP that allows exactly its one inline script', async () => {
    const r = await request(t.app).get(`/api/v1/backtests/${runId}/report`).set(auth(t.keys.read)).expect('Content-Type', /text\/html/).expect(200);
    const scripts = [...r.text.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
    expect(scripts).toHaveLength(1);
    const hash = createHash('sha256').update(scripts[0]).digest('base64');
    const csp = r.headers['content-security-policy'] as string;
    expect(csp).toContain(`script-src 'sha256-${hash}'`);
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/connect-src|unsafe-eval/);
    expect(r.text).toContain(runId);
    expect(r.text).not.toMatch(/(src|href)=["']?(https?:)?\/\//i);
  });

  it('?format=json gives the data the page renders: the stored summary, every trade, candles for both symbols', async () => {
    const d = (await request(t.app).get(`/api/v1/backtests/${runId}/report?format=json`).set(auth(t.keys.read)).expect(200)).body as {
      kind: string; summary: { portfolio: Record<string, number | null> }; trades: { pnl: number[] }; prices: { symbol: string; bars: number }[];
    };
    expect(d.kind).toBe('backtest');
    expect(d.summary.portfolio).toEqual(stored.portfolio);
    expect(d.trades.pnl).toHaveLength(stored.portfolio.trade_count as number);
    // 2024-01-01 .. 2024-06-30 in Asia/Seoul days: 182 daily candles per symbol (31+29+31+30+31+30).
    expect(d.prices.map((p) => [p.symbol, p.bars])).toEqual([['KRW-BTC', 182], ['KRW-ETH', 182]]);
  });

  it('?download=true sends it as an attachment', async () => {
    const r = await request(t.app).get(`/api/v1/backtests/${runId}/report?download=true`).set(auth(t.keys.read)).expect(200);
    expect(r.headers['content-disposition']).toBe(`attachment; filename="${runId}.html"`);
  });

  it('needs the read scope; an unknown run is 404; a bad format is 422 naming the field', async () => {
    await request(t.app).get(`/api/v1/backtests/${runId}/report`).expect(401);
    expectErrorShape((await request(t.app).get(`/api/v1/backtests/${runId}/report`).set(auth(t.keys.run)).expect(403)).body);
    expectErrorShape((await request(t.app).get('/api/v1/backtests/00000000-0000-4000-8000-000000000000/report').set(auth(t.keys.read)).expect(404)).body, 'NOT_FOUND');
    const bad = expectErrorShape((await request(t.app).get(`/api/v1/backtests/${runId}/report?format=pdf`).set(auth(t.keys.read)).expect(422)).body, 'VALIDATION_FAILED');
    expect(JSON.stringify(bad.details)).toContain('format');
  });
});
