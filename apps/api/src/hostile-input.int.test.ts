/**
 * Hostile input measured on main (issue 16): every case below answered 500 (or leaked internals)
 * before the input guard, the date bounds and the error mapper were fixed. Each must now be a
 * 4xx in the documented error shape, with nothing internal in it.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { expectErrorShape, REPO_ROOT, startTestApp, type TestApp } from './testing/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp('hostile');
}, 60_000);
afterAll(async () => {
  await t?.close();
}, 30_000);

const auth = () => `Bearer ${t.keys.admin}`;

/** No temp path, SQL, stack or CLI flag in an error body. */
function expectNothingInternal(body: unknown): void {
  const text = JSON.stringify(body);
  expect(text).not.toMatch(/\/tmp\/|coinhts-upload|[A-Za-z]:\\\\|\bat .*\.(js|ts):\d+/);
  expect(text).not.toMatch(/\bSELECT\b|\bINSERT\b|\bUPDATE\b.*\bSET\b|QueryFailedError|22021|22008/);
  expect(text).not.toMatch(/--map|--symbol|--timeframe/);
}

function expectClientError(r: request.Response, code?: string): void {
  if (r.status >= 500 || r.status < 400) throw new Error(`expected a 4xx, got ${r.status}: ${JSON.stringify(r.body).slice(0, 400)}`);
  expectErrorShape(r.body, code);
  expectNothingInternal(r.body);
}

describe('path parameters', () => {
  const ROUTES: [string, string][] = [
    ['get', '/api/v1/backtests/X'],
    ['delete', '/api/v1/backtests/X'],
    ['get', '/api/v1/backtests/X/trades'],
    ['get', '/api/v1/presets/X'],
    ['put', '/api/v1/presets/X'],
    ['delete', '/api/v1/presets/X'],
    ['get', '/api/v1/sweeps/X'],
    ['post', '/api/v1/sweeps/X/resume'],
    ['get', '/api/v1/backtests/async/X/status'],
    ['get', '/api/v1/backtests/async/X/events'],
    ['get', '/api/v1/sweeps/X/events'],
    ['delete', '/api/v1/backtests/async/X'],
    ['get', '/api/v1/data/refresh/X/status'],
  ];
  it.each(['%zz', '%', '%ff%fe', 'a%2', '%E0%A4%A'])('a malformed percent-escape (%s) is a 400 on every {id}/{name} route', async (bad) => {
    for (const [method, path] of ROUTES) {
      const r = await request(t.app)[method as 'get'](path.replace('X', bad)).set('Authorization', auth()).set('Content-Type', 'application/json').send(method === 'put' ? '{}' : undefined);
      expectClientError(r, 'BAD_REQUEST');
      expect(r.body.error.message).toMatch(/percent/);
    }
  });

  it.each(['%00', 'a%01b', '%7f', '%1b%5b31m'])('NUL and control characters (%s) are refused before the database sees them', async (bad) => {
    for (const [method, path] of ROUTES) {
      const r = await request(t.app)[method as 'get'](path.replace('X', bad)).set('Authorization', auth()).set('Content-Type', 'application/json').send(method === 'put' ? '{}' : undefined);
      expectClientError(r, 'BAD_REQUEST');
      expect(r.body.error.message).toMatch(/control character/);
    }
  });

  it('an over-long path parameter is refused', async () => {
    const r = await request(t.app).get(`/api/v1/presets/${'a'.repeat(5000)}`).set('Authorization', auth());
    expectClientError(r);
  });
});

describe('query parameters', () => {
  it.each([
    ['strategy=%00', 'query.strategy'],
    ['symbol=%00', 'query.symbol'],
    ['symbol=%zz', 'query.symbol'],
    ['strategy=a%01', 'query.strategy'],
  ])('?%s is refused naming the parameter', async (q, name) => {
    const r = await request(t.app).get(`/api/v1/backtests?${q}`).set('Authorization', auth());
    expectClientError(r);
    expect(JSON.stringify(r.body)).toContain(name);
  });

  it.each(['-271821-04-20', '+275760-09-13', '0000-01-01', '10000-01-01', '99999-01-01T00:00:00Z'])('created_from=%s (outside what PostgreSQL holds or year 1..9999) is a 422', async (d) => {
    for (const name of ['created_from', 'created_to']) {
      const r = await request(t.app).get(`/api/v1/backtests?${name}=${encodeURIComponent(d)}`).set('Authorization', auth());
      expectClientError(r, 'VALIDATION_FAILED');
      expect(r.body.error.details.issues[0].field).toBe(`query.${name}`);
    }
  });

  it('dates inside the bound still filter', async () => {
    await request(t.app).get('/api/v1/backtests?created_from=2001-01-01&created_to=9999-12-31T23:59:59Z').set('Authorization', auth()).expect(200);
  });

  it('limit=-1 says what the bound is, not "must be a whole number"', async () => {
    const r = await request(t.app).get('/api/v1/backtests?limit=-1').set('Authorization', auth());
    expectClientError(r, 'VALIDATION_FAILED');
    expect(r.body.error.message).not.toMatch(/whole number/);
    expect(r.body.error.message).toMatch(/at least 1|>= ?1|between 1 and 500/);
  });

  it('a repeated parameter (?limit=1&limit=2) is a 422, not a crash', async () => {
    const r = await request(t.app).get('/api/v1/backtests?limit=1&limit=2').set('Authorization', auth());
    expectClientError(r, 'VALIDATION_FAILED');
  });
});

describe('JSON text', () => {
  it.each([
    [{ name: 'a\u0000b', strategy: 'volume_zone_breakout' }, 'body.name'],
    [{ name: 'ok-nul', strategy: 'volume_zone_breakout', description: 'x\u0000y' }, 'body.description'],
    [{ name: 'ok-ctl', strategy: 'volume_zone_breakout', description: 'bell\u0007' }, 'body.description'],
    [{ name: 'ok-key', strategy: 'volume_zone_breakout', params: { 'k\u0000': 1 } }, 'body.params'],
  ])('a preset with NUL or control characters is a 422 naming the field (%#)', async (body, field) => {
    const r = await request(t.app).post('/api/v1/presets').set('Authorization', auth()).send(body);
    expectClientError(r, 'VALIDATION_FAILED');
    expect(r.body.error.details.issues.map((i: { field: string }) => i.field).join(',')).toContain(field);
  });

  it('tabs and newlines in a description are kept', async () => {
    const r = await request(t.app).post('/api/v1/presets').set('Authorization', auth()).send({ name: 'tabs', strategy: 'volume_zone_breakout', description: 'line 1\n\tline 2\r\n' });
    expect(r.status).toBe(201);
    expect(r.body.description).toBe('line 1\n\tline 2\r\n');
  });

  it('deeply nested JSON is a 4xx, not a stack overflow', async () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const r = await request(t.app).post('/api/v1/presets').set('Authorization', auth()).set('Content-Type', 'application/json').send(`{"name":"deep","strategy":"volume_zone_breakout","params":{"a":${deep}}}`);
    expectClientError(r);
  });
});

describe('sweeps', () => {
  it('a grid over the one sweep limit (1,000,000 sets) is refused before anything is queued, naming the field and the limit', async () => {
    const before = await t.services.deps.jobs.sweeps.counts();
    const values = Array.from({ length: 1000 }, (_, i) => i + 2);
    const r = await request(t.app).post('/api/v1/sweeps').set('Authorization', auth()).send({
      strategy: 'volume_zone_breakout', symbols: ['KRW-BTC'], start_date: '2024-01-01', end_date: '2024-03-31', timeframe: '1d',
      // 1000 × 1000 × 11 = 11,000,000 sets
      grid: { volume_window: values, breakout_buffer: values, top_percentile: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99] },
    });
    expectClientError(r, 'VALIDATION_FAILED');
    expect(r.status).toBe(422);
    expect(r.body.error.details.issues).toContainEqual({ field: 'body.grid', message: expect.stringMatching(/expands to 11000000 parameter sets .*at most 1000000 are allowed/) });
    expect(await t.services.deps.jobs.sweeps.counts()).toEqual(before);
  });

  it('resume: an unknown sweep is a 404, a sweep that is still queued a 409 NOT_RESUMABLE', async () => {
    expectClientError(await request(t.app).post('/api/v1/sweeps/00000000-0000-4000-8000-000000000000/resume').set('Authorization', auth()), 'JOB_NOT_FOUND');
    const s = await request(t.app).post('/api/v1/sweeps').set('Authorization', auth()).send({
      strategy: 'volume_zone_breakout', symbols: ['KRW-BTC'], start_date: '2024-01-01', end_date: '2024-03-31', timeframe: '1d', grid: { volume_window: [10, 20] },
    }).expect(202);
    const r = await request(t.app).post(`/api/v1/sweeps/${s.body.task_id}/resume`).set('Authorization', auth());
    expectClientError(r, 'NOT_RESUMABLE');
    expect(r.status).toBe(409);
    expect(r.body.error.message).toMatch(/only a cancelled or failed sweep can be resumed/);
  });

  it('a sweep that sets direction (documented in api.md) is accepted', async () => {
    const r = await request(t.app).post('/api/v1/sweeps').set('Authorization', auth()).send({
      strategy: 'volume_zone_breakout', symbols: ['KRW-BTC'], start_date: '2024-01-01', end_date: '2024-03-31', timeframe: '1d',
      grid: { volume_window: [10, 20] }, rank_by: 'max_drawdown_pct', direction: 'max',
    });
    expect(r.status).toBe(202);
  });
});

describe('CSV uploads', () => {
  const upload = (csv: string, q = 'symbol=KRW-TEST&timeframe=1d&dry_run=true') =>
    request(t.app).post(`/api/v1/data/import?${q}`).set('Authorization', auth()).set('Content-Type', 'text/csv').send(csv);
  const HEADER = 'timestamp,open,high,low,close,volume\n';

  it('a timestamp far outside any date (99999999999999999999) is a 422', async () => {
    const r = await upload(`${HEADER}99999999999999999999,1,2,1,1.5,10\n`);
    expectClientError(r);
  });

  it('candles dated 2034 do not import as valid', async () => {
    const r = await upload(`${HEADER}2034-01-01T00:00:00Z,1,2,1,1.5,10\n2034-01-02T00:00:00Z,1,2,1,1.5,10\n`);
    expectClientError(r, 'DATA_QUALITY');
    expect(r.body.error.message).toMatch(/future|after/);
  });

  it('candles before 2009-01-03 do not import as valid', async () => {
    const r = await upload(`${HEADER}1990-01-01T00:00:00Z,1,2,1,1.5,10\n1990-01-02T00:00:00Z,1,2,1,1.5,10\n`);
    expectClientError(r, 'DATA_QUALITY');
  });

  it.each([
    ['missing column', 'timestamp,open,high,low\n2024-01-01,1,2,1\n'],
    ['quote never closed', `${HEADER}"2024-01-01,1,2,1,1.5,10\n`],
    ['only a header', HEADER],
    ['binary junk', '\u0000\u0001\u0002PAR1\u00ff'],
    ['PAR1 magic but not Parquet', 'PAR1 this is not parquet PAR1'],
    ['ragged rows', `${HEADER}2024-01-01,1,2\n2024-01-02,1,2,1,1.5,10,7,8\n`],
    ['bad numbers', `${HEADER}2024-01-01,one,2,1,1.5,10\n`],
    ['mixed timestamp formats', `${HEADER}2024-01-01,1,2,1,1.5,10\n1704153600000,1,2,1,1.5,10\n`],
    ['empty timestamp', `${HEADER},1,2,1,1.5,10\n`],
    ['huge number', `${HEADER}2024-01-01,1e400,2,1,1.5,10\n`],
    ['negative epoch', `${HEADER}-99999999999999,1,2,1,1.5,10\n`],
    ['BOM and CRLF junk', `\ufeff${HEADER.replace('\n', '\r\n')}\r\n\r\n,,,,,\r\n`],
    ['NUL inside a cell', `${HEADER}2024-01-01,1\u0000,2,1,1.5,10\n`],
  ])('a malformed CSV (%s) is a 4xx naming the upload, never the server temp path', async (_what, csv) => {
    const r = await upload(csv);
    expectClientError(r);
    if (r.body.error.details && typeof r.body.error.details === 'object' && 'file' in r.body.error.details) expect(r.body.error.details.file).toMatch(/^upload\.(csv|parquet)$/);
  });
});

describe('an import into the bundled sample set', () => {
  it('is refused (409) when DATA_ROOT is the tracked data/sample folder; nothing there changes', async () => {
    const sample = join(REPO_ROOT, 'data', 'sample');
    const before = await readdir(join(sample, 'KRW-BTC', '1d'));
    const mtimes = await Promise.all(before.map(async (f) => (await stat(join(sample, 'KRW-BTC', '1d', f))).mtimeMs));
    const s = await startTestApp('hostile-sample', { env: { DATA_ROOT: sample }, sampleData: false });
    try {
      const csv = 'timestamp,open,high,low,close,volume\n2024-06-01T00:00:00Z,1,2,1,1.5,10\n';
      const r = await request(s.app).post('/api/v1/data/import?symbol=KRW-BTC&timeframe=1d').set('Authorization', `Bearer ${s.keys.admin}`).set('Content-Type', 'text/csv').send(csv);
      expectClientError(r, 'CONFLICT');
      expect(r.body.error.message).toMatch(/DATA_ROOT/);
      await request(s.app).post('/api/v1/data/import?symbol=KRW-BTC&timeframe=1d&dry_run=true').set('Authorization', `Bearer ${s.keys.admin}`).set('Content-Type', 'text/csv').send(csv).expect(200);
    } finally {
      await s.close();
    }
    expect(await readdir(join(sample, 'KRW-BTC', '1d'))).toEqual(before);
    expect(await Promise.all(before.map(async (f) => (await stat(join(sample, 'KRW-BTC', '1d', f))).mtimeMs))).toEqual(mtimes);
  }, 60_000);
});
