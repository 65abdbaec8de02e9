/**
 * Property: whatever body is thrown at a POST route (random JSON, near-valid bodies with wrong
 * types, malformed JSON text, random bytes), the API never answers 5xx and every error has the
 * one error shape.
 */
import fc from 'fast-check';
import request from 'supertest';
import { expectErrorShape, startTestApp, type TestApp } from './testing/test-app';

let t: TestApp;
let postPaths: string[];

beforeAll(async () => {
  t = await startTestApp('prop');
  const spec = (await request(t.app).get('/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
  postPaths = Object.entries(spec.paths).filter(([, m]) => 'post' in m).map(([p]) => p);
}, 60_000);
afterAll(async () => {
  await t?.close();
}, 30_000);

const VALID = { strategy: 'volume_zone_breakout', params: {}, symbols: ['KRW-BTC'], start_date: '2024-01-01', end_date: '2024-01-31', timeframe: '1d', options: {}, grid: { volume_window: [10, 20] }, name: 'p', days: 2 };

/** Bodies near the valid one: each field replaced by an arbitrary JSON value or dropped. */
const nearValid = fc
  .record(Object.fromEntries(Object.keys(VALID).map((k) => [k, fc.oneof(fc.constant((VALID as Record<string, unknown>)[k]), fc.jsonValue({ maxDepth: 3 }), fc.constant(undefined))])))
  .map((o) => JSON.stringify(Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))));

const bodies = fc.oneof(
  { weight: 3, arbitrary: nearValid },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null') },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) }, // mostly malformed JSON
  { weight: 1, arbitrary: fc.constantFrom('{', '{"a":', '[1,', 'nul', '{"strategy": "x",}', '\u0000', '{"__proto__": {"x": 1}}', '{"constructor": {"prototype": {}}}') },
);

function checkAnswer(path: string, body: string, status: number, resBody: unknown): void {
  if (status >= 500) throw new Error(`${path} answered ${status} to ${JSON.stringify(body).slice(0, 300)}: ${JSON.stringify(resBody).slice(0, 300)}`);
  if (status >= 400) expectErrorShape(resBody);
}

describe('bad bodies never cause a 5xx', () => {
  it('JSON routes: random, near-valid and malformed bodies', async () => {
    for (const path of postPaths.filter((p) => p !== '/api/v1/data/import')) {
      await fc.assert(
        fc.asyncProperty(bodies, async (body) => {
          const r = await request(t.app).post(path).set('Authorization', `Bearer ${t.keys.admin}`).set('Content-Type', 'application/json').send(body);
          checkAnswer(path, body, r.status, r.body);
        }),
        { numRuns: 60, seed: 20_240_101 },
      );
    }
  }, 120_000);

  it('JSON routes: wrong media types', async () => {
    for (const path of postPaths.filter((p) => p !== '/api/v1/data/import')) {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream', 'application/xml']) {
        const r = await request(t.app).post(path).set('Authorization', `Bearer ${t.keys.admin}`).set('Content-Type', type).send('a=1&b=2');
        checkAnswer(path, type, r.status, r.body);
        expect(r.status).toBeGreaterThanOrEqual(400);
      }
    }
  });

  it('the import route: random bytes and text as CSV or Parquet, random query strings', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)), fc.string({ maxLength: 300 }).map((s) => Buffer.from(`timestamp,open,high,low,close,volume\n${s}`))),
        fc.constantFrom('text/csv', 'application/vnd.apache.parquet', 'application/octet-stream'),
        fc.record({ symbol: fc.oneof(fc.constant('KRW-BTC'), fc.string({ maxLength: 12 })), timeframe: fc.oneof(fc.constant('1d'), fc.string({ maxLength: 5 })) }),
        async (bytes, type, q) => {
          const r = await request(t.app).post('/api/v1/data/import').query({ ...q, dry_run: 'true' }).set('Authorization', `Bearer ${t.keys.admin}`).set('Content-Type', type).send(bytes);
          checkAnswer('/api/v1/data/import', bytes.toString('latin1').slice(0, 80), r.status, r.body);
        },
      ),
      { numRuns: 80, seed: 7 },
    );
  }, 120_000);

  it('the property has teeth: the routes under test were really reached', () => {
    expect(postPaths.sort()).toEqual(['/api/v1/backtests', '/api/v1/backtests/async', '/api/v1/data/import', '/api/v1/data/refresh', '/api/v1/paper/sessions', '/api/v1/paper/sessions/{id}/stop', '/api/v1/presets', '/api/v1/sweeps', '/api/v1/sweeps/{id}/resume']);
  });
});
