/**
 * The OpenAPI document is generated from the route table: every mounted route is in it, it is
 * OpenAPI 3.1 with JSON Schema 2020-12, and every example in it satisfies the zod schema that
 * validates (or describes) that body. No services needed: handlers are not called.
 */
import express from 'express';
import pino from 'pino';
import type { z } from 'zod';
import { apiRoutes, createApp, type AppDeps } from '../app';
import { ApiMetrics } from '../http/metrics';
import { BACKTEST_EXAMPLE } from '../routes/backtest-routes';
import { buildOpenApi, openApiPath, type OpenApiDocument } from './build-openapi';

const deps = {
  config: { syncMaxCandles: 1, timeZone: 'UTC', uploadLimitBytes: 1024, refreshDefaults: { symbols: [], timeframes: [] }, corsOrigins: [], bodyLimitBytes: 1024, rateLimit: { max: 1, windowMs: 1000 }, trustProxy: false },
  logger: pino({ level: 'silent' }),
  metrics: new ApiMetrics(undefined, { defaultMetrics: false }),
  isShuttingDown: () => false,
} as unknown as AppDeps;

const { app, routes, spec } = createApp(deps);
type Op = { requestBody?: { content: Record<string, { example?: unknown; schema?: unknown }> }; responses: Record<string, { content?: Record<string, { example?: unknown; schema?: unknown }> }>; security: unknown[]; operationId: string };

/** Method + path of every route Express actually serves (read from its router). */
function mountedRoutes(): string[] {
  const stack = (app as unknown as { router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] } }).router.stack;
  const out: string[] = [];
  for (const layer of stack) {
    // app.all(...) (the 405 answers) registers every HTTP method, ACL included; real routes have one.
    if (!layer.route || layer.route.methods.acl) continue;
    for (const [m, on] of Object.entries(layer.route.methods)) if (on && m !== '_all') out.push(`${m} ${openApiPath(layer.route.path)}`);
  }
  return out;
}

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1 with the 2020-12 dialect and unique operation ids', () => {
    expect(spec.openapi).toBe('3.1.0');
    expect(spec.jsonSchemaDialect).toBe('https://json-schema.org/draft/2020-12/schema');
    const ids = Object.values(spec.paths).flatMap((m) => Object.values(m).map((o) => (o as Op).operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('lists every route Express serves, and nothing else', () => {
    const inSpec = Object.entries(spec.paths).flatMap(([p, methods]) => Object.keys(methods).map((m) => `${m} ${p}`)).sort();
    const mounted = mountedRoutes().sort();
    expect(mounted.length).toBeGreaterThanOrEqual(25);
    expect(inSpec).toEqual(mounted);
    // The routes the issue names are all there.
    for (const r of [
      'post /api/v1/backtests', 'post /api/v1/backtests/async', 'get /api/v1/backtests/async/{id}/status', 'delete /api/v1/backtests/async/{id}',
      'post /api/v1/sweeps', 'get /api/v1/sweeps/{id}/status', 'delete /api/v1/sweeps/{id}', 'get /api/v1/sweeps/{id}', 'post /api/v1/sweeps/{id}/resume', 'get /api/v1/backtests', 'get /api/v1/backtests/{id}',
      'get /api/v1/backtests/{id}/trades', 'get /api/v1/backtests/{id}/equity', 'delete /api/v1/backtests/{id}', 'get /api/v1/strategies',
      'get /api/v1/presets', 'post /api/v1/presets', 'get /api/v1/presets/{name}', 'put /api/v1/presets/{name}', 'delete /api/v1/presets/{name}',
      'get /api/v1/data/inventory', 'post /api/v1/data/import', 'post /api/v1/data/refresh', 'get /healthz', 'get /readyz', 'get /metrics', 'get /docs', 'get /admin/queues',
    ]) expect(inSpec).toContain(r);
  });

  it('marks only health, readiness, docs and the console\'s static files as public', () => {
    const open = Object.entries(spec.paths).flatMap(([p, methods]) => Object.entries(methods).filter(([, o]) => (o as Op).security.length === 0).map(([m]) => `${m} ${p}`));
    // The console's page and scripts hold no data; every API call they make carries the user's key.
    expect(open.sort()).toEqual(['get /console', 'get /console/console-charts.js', 'get /console/console.css', 'get /console/console.js', 'get /docs', 'get /healthz', 'get /openapi.json', 'get /readyz']);
  });

  it('every example validates against the schema of its body', () => {
    let checked = 0;
    for (const r of routes) {
      const check = (schema: z.ZodType | undefined, example: unknown, what: string) => {
        if (example === undefined) return;
        expect(schema).toBeDefined();
        const res = (schema as z.ZodType).safeParse(example);
        if (!res.success) throw new Error(`${r.method} ${r.path} ${what} example is invalid: ${res.error.message}`);
        checked++;
      };
      check(r.request?.body, r.request?.bodyExample, 'request');
      for (const [status, def] of Object.entries(r.responses)) check(def.schema, def.example, `response ${status}`);
    }
    // and the examples in the document are the ones the route table holds
    const post = spec.paths['/api/v1/backtests'].post as Op;
    expect(post.requestBody?.content['application/json'].example).toEqual(BACKTEST_EXAMPLE);
    expect(checked).toBeGreaterThanOrEqual(7);
  });

  it('every example in the document is a schema-valid instance (JSON Schema types and required fields)', () => {
    // A small structural check of the generated JSON Schema against each example, independent of zod.
    const violations: string[] = [];
    const visit = (schema: Record<string, unknown> | undefined, value: unknown, path: string) => {
      if (!schema) return;
      const type = schema.type as string | string[] | undefined;
      const types = Array.isArray(type) ? type : type ? [type] : [];
      const actual = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value === 'number' && Number.isInteger(value) ? 'integer' : typeof value;
      if (types.length && !types.includes(actual) && !(actual === 'integer' && types.includes('number'))) violations.push(`${path}: ${actual} is not ${types.join('|')}`);
      if (actual === 'object' && value) {
        for (const req of (schema.required as string[] | undefined) ?? []) if (!(req in (value as object))) violations.push(`${path}.${req} is required`);
        const props = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
        for (const [k, v] of Object.entries(value as object)) visit(props[k], v, `${path}.${k}`);
      }
      if (actual === 'array') (value as unknown[]).forEach((v, i) => visit(schema.items as Record<string, unknown>, v, `${path}[${i}]`));
    };
    for (const [p, methods] of Object.entries(spec.paths)) {
      for (const [m, o] of Object.entries(methods)) {
        const op = o as Op;
        for (const c of Object.values(op.requestBody?.content ?? {})) if (c.example !== undefined) visit(c.schema as Record<string, unknown>, c.example, `${m} ${p} body`);
        for (const [s, r] of Object.entries(op.responses)) for (const c of Object.values(r.content ?? {})) if (c.example !== undefined) visit(c.schema as Record<string, unknown>, c.example, `${m} ${p} ${s}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('documents the error responses of protected routes with the common error body', () => {
    const op = spec.paths['/api/v1/backtests'].post as Op;
    for (const s of ['400', '401', '403', '413', '422', '429', '500']) expect(op.responses[s]).toBeDefined();
    expect(JSON.stringify(op.responses['422'])).toContain('#/components/schemas/ErrorBody');
    expect((spec.components as { schemas: Record<string, unknown> }).schemas.ErrorBody).toBeDefined();
  });

  it('is built from the same route list as the app (no hand-kept copy)', () => {
    const again: OpenApiDocument = buildOpenApi(apiRoutes(deps, () => spec), { title: 'x', version: '0' });
    expect(Object.keys(again.paths)).toEqual(Object.keys(spec.paths));
    expect(express).toBeDefined();
  });
});
