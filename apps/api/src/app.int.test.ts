/**
 * The HTTP API against real PostgreSQL and Redis: synchronous backtests, stored results in every
 * format, strategies, presets, data, health, metrics, docs — success and failure paths.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getStrategy, runBacktest } from '@coinhts/engine';
import { ParquetCandleStore, parseDateBound } from '@coinhts/market-data';
import { decodeParquet, fromArrowTable } from '@coinhts/storage';
import { tableFromIPC } from 'apache-arrow';
import request from 'supertest';
import { expectErrorShape, startTestApp, type TestApp } from './testing/test-app';

let t: TestApp;
const auth = (key: string) => ({ Authorization: `Bearer ${key}` });

beforeAll(async () => {
  t = await startTestApp('app');
}, 60_000);
afterAll(async () => {
  await t?.close();
}, 30_000);

const BODY = {
  strategy: 'volume_zone_breakout',
  params: { volume_window: 20, top_percentile: 0.2, breakout_buffer: 0 },
  symbols: ['KRW-BTC'],
  start_date: '2024-01-01',
  end_date: '2024-03-31',
  timeframe: '1d',
  options: { fee_rate: 0.0005, slippage_rate: 0.0002, initial_capital: 10_000_000 },
};

describe('health, readiness, docs', () => {
  it('GET /healthz answers without a key', async () => {
    const r = await request(t.app).get('/healthz').expect(200);
    expect(r.body.status).toBe('ok');
    expect(r.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('GET /readyz checks postgres, redis and storage', async () => {
    const r = await request(t.app).get('/readyz').expect(200);
    expect(r.body).toEqual({ status: 'ready', checks: { postgres: 'ok', redis: 'ok', storage: 'ok' } });
  });

  it('GET /docs is a self-contained HTML page naming every route, and /openapi.json is OpenAPI 3.1', async () => {
    const spec = (await request(t.app).get('/openapi.json').expect(200)).body as { openapi: string; paths: Record<string, unknown> };
    expect(spec.openapi).toBe('3.1.0');
    const html = (await request(t.app).get('/docs').expect('Content-Type', /html/).expect(200)).text;
    for (const path of Object.keys(spec.paths)) expect(html).toContain(path);
    expect(html).not.toMatch(/<script|https?:\/\/(?!json-schema\.org)/);
  });

  it('sets security headers (helmet) and no X-Powered-By', async () => {
    const r = await request(t.app).get('/healthz');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['content-security-policy']).toContain("default-src 'self'");
    expect(r.headers['x-powered-by']).toBeUndefined();
  });

  it('echoes a caller X-Request-Id in the header, the error body and the log line', async () => {
    const r = await request(t.app).get('/api/v1/strategies').set('X-Request-Id', 'trace-abc.123').expect(401);
    expect(r.headers['x-request-id']).toBe('trace-abc.123');
    expect(expectErrorShape(r.body, 'UNAUTHENTICATED').request_id).toBe('trace-abc.123');
    expect(t.logs.some((l) => l.req_id === 'trace-abc.123' && l.msg === 'request' && l.status === 401)).toBe(true);
  });
});

describe('authentication and scopes', () => {
  it('401 without a key, with WWW-Authenticate', async () => {
    const r = await request(t.app).get('/api/v1/backtests').expect(401);
    expect(r.headers['www-authenticate']).toMatch(/^Bearer/);
    expectErrorShape(r.body, 'UNAUTHENTICATED');
  });

  it('401 for an unknown key', async () => {
    expectErrorShape((await request(t.app).get('/api/v1/backtests').set(auth('chts_not-a-real-key')).expect(401)).body, 'UNAUTHENTICATED');
  });

  it('accepts the key as Bearer, as X-API-Key and as the Basic password', async () => {
    await request(t.app).get('/api/v1/strategies').set(auth(t.keys.read)).expect(200);
    await request(t.app).get('/api/v1/strategies').set('X-API-Key', t.keys.read).expect(200);
    await request(t.app).get('/api/v1/strategies').set('Authorization', `Basic ${Buffer.from(`me:${t.keys.read}`).toString('base64')}`).expect(200);
  });

  it('403 when the key lacks the scope; admin has every scope', async () => {
    const r = await request(t.app).post('/api/v1/backtests').set(auth(t.keys.read)).send(BODY).expect(403);
    expect(expectErrorShape(r.body, 'FORBIDDEN').details).toEqual({ required: 'run', granted: ['read'] });
    await request(t.app).get('/api/v1/backtests').set(auth(t.keys.run)).expect(403);
    await request(t.app).get('/api/v1/backtests').set(auth(t.keys.admin)).expect(200);
    await request(t.app).get('/admin/queues').set(auth(t.keys.readRun)).expect(403);
  });

  it('the admin page asks browsers for Basic credentials and opens for an admin key', async () => {
    const r = await request(t.app).get('/admin/queues').expect(401);
    expect(r.headers['www-authenticate']).toMatch(/^Basic realm=/);
    const page = await request(t.app).get('/admin/queues').set('Authorization', `Basic ${Buffer.from(`ops:${t.keys.admin}`).toString('base64')}`).expect(200);
    expect(page.text).toContain('<h1>Queues</h1>');
  });

  it('a revoked key stops working (once the verifier cache is cleared)', async () => {
    const { key, record } = await t.services.apiKeys.create({ name: 'temp', scopes: ['read'] });
    await request(t.app).get('/api/v1/strategies').set(auth(key)).expect(200);
    await t.services.apiKeys.revoke(record.id);
    (t.services.deps.keys as unknown as { clear(): void }).clear();
    await request(t.app).get('/api/v1/strategies').set(auth(key)).expect(401);
  });

  it('stores only the SHA-256 of a key', async () => {
    const rows = (await t.services.dataSource.query(`SELECT key_hash, prefix FROM "${t.schema}".api_keys`)) as { key_hash: string; prefix: string }[];
    const { createHash } = await import('node:crypto');
    expect(rows.map((r) => r.key_hash)).toContain(createHash('sha256').update(t.keys.read).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(t.keys.read);
  });
});

describe('CORS', () => {
  it('sends no CORS headers when no origin is configured (never `*`)', async () => {
    const r = await request(t.app).get('/healthz').set('Origin', 'https://evil.example');
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    expect(r.headers['access-control-allow-credentials']).toBeUndefined();
  });
});

describe('strategies', () => {
  it('lists the registry with JSON Schema, defaults and ranges', async () => {
    const r = await request(t.app).get('/api/v1/strategies').set(auth(t.keys.read)).expect(200);
    const names = r.body.strategies.map((s: { name: string }) => s.name);
    expect(names).toEqual(expect.arrayContaining(['volume_long_candle', 'volume_zone_breakout']));
    expect(r.body.count).toBe(names.length);
    const vzb = r.body.strategies.find((s: { name: string }) => s.name === 'volume_zone_breakout');
    expect(vzb.params_schema.type).toBe('object');
    expect(Object.keys(vzb.params_schema.properties)).toEqual(expect.arrayContaining(['volume_window', 'top_percentile', 'breakout_buffer']));
    // The defaults shown are the engine's own (its schema parsing an empty object), not a copy kept in the API.
    expect(vzb.defaults).toEqual(getStrategy('volume_zone_breakout').paramsSchema.parse({}));
  });
});

describe('synchronous backtests and stored results', () => {
  let runId: string;
  let body: Record<string, unknown> & { portfolio: Record<string, number>; period: { bars: number; start: string; end: string } };

  it('runs, stores and answers 201 with summary, symbol results, signal study and links', async () => {
    const r = await request(t.app).post('/api/v1/backtests').set(auth(t.keys.readRun)).send(BODY).expect(201);
    body = r.body;
    runId = r.body.run_id;
    expect(r.headers.location).toBe(`/api/v1/backtests/${runId}`);
    // 2024-01-01..2024-03-31 inclusive in Asia/Seoul holds the daily candles of Jan 1 … Mar 31: 31 + 29 + 31 = 91.
    expect(body.period).toEqual({ start: '2024-01-01T00:00:00.000Z', end: '2024-03-31T00:00:00.000Z', bars: 91 });
    expect(body.links).toEqual({ self: `/api/v1/backtests/${runId}`, trades: `/api/v1/backtests/${runId}/trades`, equity: `/api/v1/backtests/${runId}/equity`, signals: `/api/v1/backtests/${runId}/signals` });
    expect(r.body.symbol_results).toHaveLength(1);
    expect(r.body.options).toMatchObject({ fee_rate: 0.0005, slippage_rate: 0.0002, initial_capital: 10_000_000 });
  });

  it('returns exactly what the engine computes on the same candles (the API only wires)', async () => {
    const zone = 'Asia/Seoul';
    const store = new ParquetCandleStore({ root: t.dataRoot });
    const candles = await store.load({ symbol: 'KRW-BTC', timeframe: '1d', from: parseDateBound('2024-01-01', { zone }), to: parseDateBound('2024-03-31', { zone, end: true }) });
    const direct = runBacktest({
      strategy: getStrategy('volume_zone_breakout'),
      params: BODY.params,
      series: [{ symbol: 'KRW-BTC', timeframe: '1d', candles }],
      options: { fee_rate: 0.0005, slippage_rate: 0.0002, initial_capital: 10_000_000 },
    });
    expect(JSON.parse(JSON.stringify(direct.summary.portfolio))).toEqual(body.portfolio);
    expect(JSON.parse(JSON.stringify(direct.summary.signal_study))).toEqual(body.signal_study);
  });

  it('GET /backtests/{id} reads the stored run', async () => {
    const r = await request(t.app).get(`/api/v1/backtests/${runId}`).set(auth(t.keys.read)).expect(200);
    expect(r.body).toMatchObject({ run_id: runId, kind: 'sync', status: 'completed', strategy: 'volume_zone_breakout', symbols: ['KRW-BTC'], timeframe: '1d' });
    expect(r.body.total_return_pct).toBe(body.portfolio.total_return_pct);
    expect(r.body.symbol_results[0].symbol).toBe('KRW-BTC');
  });

  it('serves trades and equity as JSON, CSV, Arrow and Parquet (Accept or ?format=) with the same rows', async () => {
    const json = await request(t.app).get(`/api/v1/backtests/${runId}/equity`).set(auth(t.keys.read)).expect(200);
    expect(json.body.count).toBe(91);
    expect(json.body.rows[0]).toEqual(expect.objectContaining({ timestamp: Date.UTC(2024, 0, 1) }));
    const csv = await request(t.app).get(`/api/v1/backtests/${runId}/equity`).set(auth(t.keys.read)).set('Accept', 'text/csv').expect('Content-Type', /text\/csv/).expect(200);
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe('timestamp,equity,cash,drawdown_pct');
    expect(lines).toHaveLength(92);
    expect(lines[1].startsWith('2024-01-01T00:00:00.000Z,')).toBe(true);
    expect(Number(lines[91].split(',')[1])).toBe(json.body.rows[90].equity);
    const arrow = await request(t.app).get(`/api/v1/backtests/${runId}/equity?format=arrow`).set(auth(t.keys.read)).buffer(true).parse(binary).expect(200);
    expect(arrow.headers['content-type']).toBe('application/vnd.apache.arrow.stream');
    expect(tableFromIPC(arrow.body as Buffer).numRows).toBe(91);
    const pq = await request(t.app).get(`/api/v1/backtests/${runId}/trades`).set(auth(t.keys.read)).set('Accept', 'application/vnd.apache.parquet').buffer(true).parse(binary).expect(200);
    const trades = fromArrowTable(decodeParquet(pq.body as Buffer));
    expect((trades.columns.pnl as Float64Array).length).toBe(body.portfolio.trade_count);
    const tj = await request(t.app).get(`/api/v1/backtests/${runId}/trades?format=json`).set(auth(t.keys.read)).expect(200);
    expect(tj.body.rows.map((x: { pnl: number }) => x.pnl)).toEqual(Array.from(trades.columns.pnl as Float64Array));
  });

  it('406 when no acceptable format is asked for; 422 for an unknown ?format', async () => {
    expectErrorShape((await request(t.app).get(`/api/v1/backtests/${runId}/trades`).set(auth(t.keys.read)).set('Accept', 'image/png').expect(406)).body, 'NOT_ACCEPTABLE');
    const r = await request(t.app).get(`/api/v1/backtests/${runId}/trades?format=xml`).set(auth(t.keys.read)).expect(422);
    expect(expectErrorShape(r.body, 'VALIDATION_FAILED').details).toEqual({ issues: [expect.objectContaining({ field: 'query.format' })] });
  });

  it('lists runs with filters and keyset pagination', async () => {
    for (let i = 0; i < 2; i++) await request(t.app).post('/api/v1/backtests').set(auth(t.keys.run)).send({ ...BODY, strategy: 'volume_long_candle', params: {} }).expect(201);
    const p1 = await request(t.app).get('/api/v1/backtests?limit=2').set(auth(t.keys.read)).expect(200);
    expect(p1.body.items).toHaveLength(2);
    expect(p1.body.next_cursor).toEqual(expect.any(String));
    expect(p1.body.links.next).toContain('cursor=');
    const p2 = await request(t.app).get(p1.body.links.next).set(auth(t.keys.read)).expect(200);
    expect(p2.body.items).toHaveLength(1);
    expect(p2.body.next_cursor).toBeNull();
    const ids = [...p1.body.items, ...p2.body.items].map((x: { run_id: string }) => x.run_id);
    expect(new Set(ids).size).toBe(3);
    const vzb = await request(t.app).get('/api/v1/backtests?strategy=volume_zone_breakout').set(auth(t.keys.read)).expect(200);
    expect(vzb.body.items.map((x: { run_id: string }) => x.run_id)).toEqual([runId]);
    expectErrorShape((await request(t.app).get('/api/v1/backtests?limit=0').set(auth(t.keys.read)).expect(422)).body, 'VALIDATION_FAILED');
    expectErrorShape((await request(t.app).get('/api/v1/backtests?cursor=garbage').set(auth(t.keys.read)).expect(422)).body, 'INVALID_PARAMS');
  });

  it('DELETE removes the run (204), then 404 everywhere', async () => {
    await request(t.app).delete(`/api/v1/backtests/${runId}`).set(auth(t.keys.run)).expect(204);
    expectErrorShape((await request(t.app).get(`/api/v1/backtests/${runId}`).set(auth(t.keys.read)).expect(404)).body, 'NOT_FOUND');
    await request(t.app).get(`/api/v1/backtests/${runId}/trades`).set(auth(t.keys.read)).expect(404);
    await request(t.app).delete(`/api/v1/backtests/${runId}`).set(auth(t.keys.run)).expect(404);
    await request(t.app).get('/api/v1/backtests/not-a-uuid').set(auth(t.keys.read)).expect(404);
  });

  it('damaged local archives answer typed 500s: INTEGRITY_MISMATCH, ARCHIVE_MISSING', async () => {
    const id = (await request(t.app).post('/api/v1/backtests').set(auth(t.keys.run)).send(BODY).expect(201)).body.run_id as string;
    const folder = join(t.config.resultsDir, 'objects', 'backtests', id);
    const trades = await readFile(join(folder, 'trades.parquet'));
    trades[trades.length >> 1] ^= 0xff;
    await writeFile(join(folder, 'trades.parquet'), trades);
    const bad = await request(t.app).get(`/api/v1/backtests/${id}/trades`).set(auth(t.keys.read)).expect(500);
    expect(expectErrorShape(bad.body, 'INTEGRITY_MISMATCH').details).toEqual({ key: `backtests/${id}/trades.parquet` });
    await request(t.app).get(`/api/v1/backtests/${id}/equity`).set(auth(t.keys.read)).expect(200);
    // A file removed behind the store's back (its recorded checksum is still there) is damage too.
    await rm(join(folder, 'equity.parquet'));
    expectErrorShape((await request(t.app).get(`/api/v1/backtests/${id}/equity`).set(auth(t.keys.read)).expect(500)).body, 'INTEGRITY_MISMATCH');
    // The whole archive gone from the store the row names: ARCHIVE_MISSING saying how to find such runs.
    await t.services.deps.runs.archive.delete(id);
    const away = await request(t.app).get(`/api/v1/backtests/${id}/signals`).set(auth(t.keys.read)).expect(500);
    expect(expectErrorShape(away.body, 'ARCHIVE_MISSING').message).toMatch(/coinhts results check/);
  });
});

describe('backtest input errors', () => {
  const post = (body: unknown) => request(t.app).post('/api/v1/backtests').set(auth(t.keys.run)).send(body as object);

  it('422 names every bad field', async () => {
    const r = await post({ ...BODY, symbols: [], start_date: '2024-02-30x', timeframe: '7x', extra: 1 }).expect(422);
    const fields = (expectErrorShape(r.body, 'VALIDATION_FAILED').details as { issues: { field: string }[] }).issues.map((i) => i.field);
    expect(fields).toEqual(expect.arrayContaining(['body.symbols', 'body.start_date', 'body.timeframe', 'body.extra']));
  });

  it('422 for an unknown strategy, listing the available ones', async () => {
    const r = await post({ ...BODY, strategy: 'nope' }).expect(422);
    expect(expectErrorShape(r.body, 'UNKNOWN_STRATEGY').details).toMatchObject({ available: expect.arrayContaining(['volume_zone_breakout']) });
  });

  it('422 for out-of-range strategy params, naming the param', async () => {
    const r = await post({ ...BODY, params: { volume_window: -5 } }).expect(422);
    const e = expectErrorShape(r.body, 'INVALID_PARAMS');
    expect((e.details as { issues: { field: string }[] }).issues.map((i) => i.field)).toContain('volume_window');
  });

  it('422 NO_DATA for a symbol without candles', async () => {
    expectErrorShape((await post({ ...BODY, symbols: ['KRW-DOGE'] }).expect(422)).body, 'NO_DATA');
  });

  it('400 for malformed JSON, 415 for a non-JSON body, 413 for a body over the limit', async () => {
    const bad = await request(t.app).post('/api/v1/backtests').set(auth(t.keys.run)).set('Content-Type', 'application/json').send('{"strategy": ').expect(400);
    expectErrorShape(bad.body, 'MALFORMED_JSON');
    expectErrorShape((await request(t.app).post('/api/v1/backtests').set(auth(t.keys.run)).set('Content-Type', 'text/plain').send('hello').expect(415)).body, 'UNSUPPORTED_MEDIA_TYPE');
    const huge = { ...BODY, params: { pad: 'x'.repeat(t.config.bodyLimitBytes + 10) } };
    expectErrorShape((await post(huge).expect(413)).body, 'PAYLOAD_TOO_LARGE');
  });

  it('413 with a hint to the async route when candles × symbols exceed SYNC_MAX_CANDLES', async () => {
    // The default limit is 200 000 candles × symbols; one year of 1m candles for one symbol is far above it.
    const r = await post({ ...BODY, timeframe: '1m', start_date: '2024-01-01', end_date: '2024-12-31' }).expect(413);
    const e = expectErrorShape(r.body, 'REQUEST_TOO_LARGE');
    expect(e.details).toMatchObject({ max_candles: 200_000, async_route: '/api/v1/backtests/async' });
    // 366 days × 1 440 one-minute candles = 527 040 for one symbol.
    expect((e.details as { requested_candles: number }).requested_candles).toBe(527_040);
  });

  it('404 with the error shape for an unknown route, 405 for a wrong method', async () => {
    expectErrorShape((await request(t.app).get('/api/v1/nope').expect(404)).body, 'ROUTE_NOT_FOUND');
    const r = await request(t.app).patch('/api/v1/backtests').expect(405);
    expect(r.headers.allow).toBe('POST, GET');
    expectErrorShape(r.body, 'METHOD_NOT_ALLOWED');
  });
});

describe('presets', () => {
  const preset = { name: 'balanced', strategy: 'volume_zone_breakout', params: { volume_window: 20, top_percentile: 0.2, breakout_buffer: 0 }, description: 'UI balanced' };
  it('create 201, duplicate 409, get 200, list, update 200, delete 204, then 404', async () => {
    const c = await request(t.app).post('/api/v1/presets').set(auth(t.keys.run)).send(preset).expect(201);
    expect(c.headers.location).toBe('/api/v1/presets/balanced');
    expect(c.body).toMatchObject({ name: 'balanced', strategy: 'volume_zone_breakout', description: 'UI balanced' });
    expectErrorShape((await request(t.app).post('/api/v1/presets').set(auth(t.keys.run)).send(preset).expect(409)).body, 'CONFLICT');
    await request(t.app).get('/api/v1/presets/balanced').set(auth(t.keys.read)).expect(200);
    const l = await request(t.app).get('/api/v1/presets').set(auth(t.keys.read)).expect(200);
    expect(l.body.presets.map((p: { name: string }) => p.name)).toEqual(['balanced']);
    const u = await request(t.app).put('/api/v1/presets/balanced').set(auth(t.keys.run)).send({ params: { volume_window: 30 } }).expect(200);
    expect(u.body.params.volume_window).toBe(30);
    expect(u.body.created_at).toBe(c.body.created_at);
    await request(t.app).delete('/api/v1/presets/balanced').set(auth(t.keys.run)).expect(204);
    expectErrorShape((await request(t.app).get('/api/v1/presets/balanced').set(auth(t.keys.read)).expect(404)).body, 'NOT_FOUND');
    await request(t.app).put('/api/v1/presets/balanced').set(auth(t.keys.run)).send({ description: 'x' }).expect(404);
    await request(t.app).delete('/api/v1/presets/balanced').set(auth(t.keys.run)).expect(404);
  });

  it('422 for params the strategy refuses and for an unknown strategy', async () => {
    expectErrorShape((await request(t.app).post('/api/v1/presets').set(auth(t.keys.run)).send({ ...preset, name: 'bad', params: { volume_window: 'x' } }).expect(422)).body, 'INVALID_PARAMS');
    expectErrorShape((await request(t.app).post('/api/v1/presets').set(auth(t.keys.run)).send({ ...preset, name: 'bad2', strategy: 'nope' }).expect(422)).body, 'INVALID_PARAMS');
    expectErrorShape((await request(t.app).post('/api/v1/presets').set(auth(t.keys.run)).send({ strategy: 'x' }).expect(422)).body, 'VALIDATION_FAILED');
  });
});

describe('data', () => {
  it('inventory lists the sample series', async () => {
    const r = await request(t.app).get('/api/v1/data/inventory?symbol=KRW-BTC&timeframe=1d').set(auth(t.keys.read)).expect(200);
    expect(r.body.series).toHaveLength(1);
    // The bundled sample holds 2022-01-01 .. 2024-12-31 daily: 365 + 365 + 366 = 1 096 rows.
    expect(r.body.series[0]).toMatchObject({ symbol: 'KRW-BTC', timeframe: '1d', rows: 1096, first: '2022-01-01T00:00:00.000Z', last: '2024-12-31T00:00:00.000Z' });
  });

  it('imports a CSV (admin), merging into the store without dropping rows', async () => {
    const csv = 'timestamp,open,high,low,close,volume\n2025-01-01T00:00:00Z,100,110,95,105,12\n2025-01-02T00:00:00Z,105,112,101,111,9\n';
    await request(t.app).post('/api/v1/data/import?symbol=KRW-BTC&timeframe=1d').set(auth(t.keys.run)).set('Content-Type', 'text/csv').send(csv).expect(403);
    const r = await request(t.app).post('/api/v1/data/import?symbol=KRW-BTC&timeframe=1d').set(auth(t.keys.admin)).set('Content-Type', 'text/csv').send(csv).expect(201);
    expect(r.body).toMatchObject({ symbol: 'KRW-BTC', timeframe: '1d', rows: 2, inserted: 2, replaced: 0, dry_run: false });
    const inv = await request(t.app).get('/api/v1/data/inventory?symbol=KRW-BTC&timeframe=1d').set(auth(t.keys.read)).expect(200);
    expect(inv.body.series[0].rows).toBe(1096 + 2);
  });

  it('refuses a bad file with 422 naming the problem, and an oversized one with 413', async () => {
    const r = await request(t.app).post('/api/v1/data/import?symbol=KRW-BTC&timeframe=1d').set(auth(t.keys.admin)).set('Content-Type', 'text/csv').send('timestamp,open\n2025-01-03,1\n').expect(422);
    expect(['INVALID_FILE', 'DATA_QUALITY']).toContain(expectErrorShape(r.body).code);
    await request(t.app).post('/api/v1/data/import?timeframe=1d').set(auth(t.keys.admin)).set('Content-Type', 'text/csv').send('a').expect(422);
    const big = 'x'.repeat(t.config.uploadLimitBytes + 1);
    expectErrorShape((await request(t.app).post('/api/v1/data/import?symbol=KRW-BTC&timeframe=1d').set(auth(t.keys.admin)).set('Content-Type', 'text/csv').send(big).expect(413)).body, 'PAYLOAD_TOO_LARGE');
  });

  it('refresh queues a collection job (202) whose status is readable', async () => {
    const r = await request(t.app).post('/api/v1/data/refresh').set(auth(t.keys.admin)).send({ symbols: ['KRW-BTC'], timeframes: ['1h'], days: 2 }).expect(202);
    expect(r.headers.location).toBe(`/api/v1/data/refresh/${r.body.task_id}/status`);
    const s = await request(t.app).get(r.headers.location).set(auth(t.keys.read)).expect(200);
    expect(s.body).toMatchObject({ task_id: r.body.task_id, state: 'queued' });
    expectErrorShape((await request(t.app).post('/api/v1/data/refresh').set(auth(t.keys.admin)).send({ days: 0 }).expect(422)).body, 'VALIDATION_FAILED');
    await request(t.app).get('/api/v1/data/refresh/nope/status').set(auth(t.keys.read)).expect(404);
  });
});

describe('metrics', () => {
  it('counts requests per route pattern and exposes queue gauges', async () => {
    await request(t.app).get('/healthz').expect(200);
    const r = await request(t.app).get('/metrics').set(auth(t.keys.read)).expect(200);
    expect(r.text).toMatch(/http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    expect(r.text).toMatch(/http_request_duration_seconds_bucket\{le="0.005",method="POST",route="\/api\/v1\/backtests",status="201"\} \d+/);
    expect(r.text).toMatch(/http_requests_total\{method="GET",route="\/api\/v1\/backtests\/:id",status="404"\} \d+/);
    expect(r.text).toMatch(/coinhts_queue_jobs\{queue="backtest",state="queued"\} \d+/);
    expect(r.text).toMatch(/coinhts_queue_jobs\{queue="sweep",state="queued"\} \d+/);
    await request(t.app).get('/metrics').expect(401);
  });
});

function binary(res: request.Response, cb: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  (res as unknown as NodeJS.ReadableStream).on('data', (c: Buffer) => chunks.push(c));
  (res as unknown as NodeJS.ReadableStream).on('end', () => cb(null, Buffer.concat(chunks)));
}
