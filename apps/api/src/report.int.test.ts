/**
 * GET /api/v1/backtests/{id}/report against real PostgreSQL and Redis: the HTML report of a run
 * stored by POST /api/v1/backtests, its CSP, its JSON form, scopes and errors; and the report of
 * a walk-forward analysis stored in the shape libs/runs/README.md documents.
 */
import { createHash, randomUUID } from 'node:crypto';
import { runDocument, type ResultTables } from '@coinhts/runs';
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

describe('the report of a stored walk-forward analysis', () => {
  it('a sweep run with walk_forward in its summary and the stitched equity as its table is drawn as a walk-forward report', async () => {
    const id = randomUUID();
    const DAY = 86_400_000, T0 = Date.UTC(2024, 0, 1);
    const run = { id, kind: 'sweep' as const, status: 'completed' as const, strategy: 'sma_crossover', symbols: ['KRW-BTC'], timeframe: '1d', periodStart: T0 + 10 * DAY, periodEnd: T0 + 29 * DAY, metrics: { analysis: 'walk-forward' } };
    const walkForward = {
      in_sample_bars: 10, out_of_sample_bars: 10, step_bars: 10, anchored: false, rank_by: 'sharpe', direction: 'max',
      oos_compounded_return_pct: 4.5, is_mean_score: 1.5, oos_mean_score: 0.5,
      folds: [
        { fold: 0, in_sample: { start_ms: T0, end_ms: T0 + 10 * DAY }, out_of_sample: { start_ms: T0 + 10 * DAY, end_ms: T0 + 20 * DAY }, best_params: { fast_period: 5, slow_period: 20 }, in_sample_score: 2, out_of_sample_score: 1.5, out_of_sample_metrics: { total_return_pct: 10, trade_count: 3 } },
        { fold: 1, in_sample: { start_ms: T0 + 10 * DAY, end_ms: T0 + 20 * DAY }, out_of_sample: { start_ms: T0 + 20 * DAY, end_ms: T0 + 30 * DAY }, best_params: { fast_period: 10, slow_period: 20 }, in_sample_score: 1, out_of_sample_score: -0.5, out_of_sample_metrics: { total_return_pct: -5, trade_count: 2 } },
      ],
      stability: { changes: 1, modal_share: 0.5, params: [{ name: 'fast_period', values: [5, 10], distinct: 2, mean: 7.5, std: 2.5, relative_std: 1 / 3 }] },
    };
    // 1,000,000 → 1,100,000 over fold 1's days, → 1,045,000 over fold 2's (10 %, then −5 %).
    const ts = Float64Array.from({ length: 20 }, (_, k) => T0 + (10 + k) * DAY);
    const e = Float64Array.from({ length: 20 }, (_, k) => (k < 10 ? 1_000_000 + (100_000 * k) / 9 : 1_100_000 - (55_000 * (k - 9)) / 10));
    const tables: ResultTables = {
      signals: { schema: { symbol: 'utf8', timestamp: 'timestamp_ms' }, columns: { symbol: [], timestamp: new Float64Array(0) } },
      trades: { schema: { symbol: 'utf8', pnl: 'f64' }, columns: { symbol: [], pnl: new Float64Array(0) } },
      equity: { schema: { timestamp: 'timestamp_ms', equity: 'f64' }, columns: { timestamp: ts, equity: e } },
    };
    await t.services.deps.runs.save(run, { summary: { ...runDocument(run, { request: { strategy: 'sma_crossover', grid: { fast_period: [5, 10] } } }), walk_forward: walkForward }, tables });

    const d = (await request(t.app).get(`/api/v1/backtests/${id}/report?format=json`).set(auth(t.keys.read)).expect(200)).body;
    expect(d).toMatchObject({ kind: 'walk-forward', title: 'Walk-forward of sma_crossover, 2 folds ranked by sharpe', rankBy: 'sharpe', oosCompoundedReturnPct: 4.5, isMeanScore: 1.5, oosMeanScore: 0.5 });
    expect(d.folds.map((f: { bestParams: unknown; outOfSample: unknown }) => [f.bestParams, f.outOfSample])).toEqual([
      [{ fast_period: 5, slow_period: 20 }, { start_ms: T0 + 10 * DAY, end_ms: T0 + 20 * DAY }],
      [{ fast_period: 10, slow_period: 20 }, { start_ms: T0 + 20 * DAY, end_ms: T0 + 30 * DAY }],
    ]);
    expect(d.equity).toMatchObject({ points: 20, first: 1_000_000, last: 1_045_000 });
    expect(d.stability.params[0]).toMatchObject({ name: 'fast_period', values: [5, 10], relativeStd: 1 / 3 });
    const html = await request(t.app).get(`/api/v1/backtests/${id}/report`).set(auth(t.keys.read)).expect('Content-Type', /text\/html/).expect(200);
    expect(html.text).toContain('<title>Walk-forward of sma_crossover, 2 folds ranked by sharpe · coin-hts report</title>');
  });
});
