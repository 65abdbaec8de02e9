import { z } from 'zod';
import { statusForCode } from '../http/error-middleware';
import type { RouteDef } from '../http/route-table';
import { ErrorBodySchema } from './schemas-common';

/** A JSON object (the generated document). */
export type OpenApiDocument = Record<string, unknown> & { readonly paths: Record<string, Record<string, unknown>> };

/** JSON Schema (2020-12, as OpenAPI 3.1 uses) of a zod schema, without `$schema`. */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _s, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  return rest;
}

/** `/api/v1/backtests/:id` → `/api/v1/backtests/{id}`. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

const ERROR_REF = { $ref: '#/components/schemas/ErrorBody' };
const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: ERROR_REF } } });

function parameters(r: RouteDef): unknown[] {
  const out: unknown[] = [];
  const add = (schema: z.ZodType | undefined, where: 'path' | 'query') => {
    if (!schema) return;
    const js = jsonSchemaOf(schema, 'input') as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
    for (const [name, s] of Object.entries(js.properties ?? {})) {
      const { description, ...rest } = s;
      out.push({ name, in: where, required: where === 'path' || (js.required ?? []).includes(name), schema: rest, ...(description ? { description } : {}) });
    }
  };
  add(r.request?.params, 'path');
  add(r.request?.query, 'query');
  return out;
}

/** Standard error responses a route can give, by what it does. */
function errorResponses(r: RouteDef): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (r.scope) {
    out['401'] = errorResponse('No API key, or an unknown or revoked one (`UNAUTHENTICATED`)');
    out['403'] = errorResponse(`The key lacks the "${r.scope}" scope (\`FORBIDDEN\`)`);
    out['429'] = { ...errorResponse('Rate limit exceeded (`RATE_LIMITED`); see Retry-After'), headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds until the window resets' } } };
  }
  if (r.request?.body) {
    out['400'] = errorResponse('Malformed JSON (`MALFORMED_JSON`)');
    out['413'] = errorResponse('Body larger than the limit (`PAYLOAD_TOO_LARGE`)');
    out['415'] = errorResponse('Body not sent as application/json (`UNSUPPORTED_MEDIA_TYPE`)');
  }
  if (r.request?.body || r.request?.query || r.request?.params) out['422'] = errorResponse('Invalid input; `details.issues` names each bad field (`VALIDATION_FAILED`, `INVALID_PARAMS`, …)');
  out['500'] = errorResponse('Unexpected server error (`INTERNAL`)');
  out['503'] = errorResponse('A backing service is unavailable (`UNAVAILABLE`) or the server is shutting down');
  return out;
}

function operation(r: RouteDef): Record<string, unknown> {
  const responses: Record<string, unknown> = errorResponses(r);
  for (const [status, def] of Object.entries(r.responses)) {
    const types = def.contentTypes ?? (def.schema ? ['application/json'] : []);
    if (Number(status) >= 400 && types.length === 0) {
      // A route's own wording of an error status; the body is still the common error body.
      responses[status] = errorResponse(def.description);
      continue;
    }
    const content: Record<string, unknown> = {};
    for (const t of types) {
      const isJson = t === 'application/json';
      content[t] = {
        ...(isJson && def.schema ? { schema: jsonSchemaOf(def.schema, 'output') } : { schema: { type: 'string', format: 'binary' } }),
        ...(isJson && def.example !== undefined ? { example: def.example } : {}),
      };
    }
    responses[status] = {
      description: def.description,
      ...(types.length ? { content } : {}),
      ...(def.headers ? { headers: Object.fromEntries(Object.entries(def.headers).map(([h, d]) => [h, { schema: { type: 'string' }, description: d }])) } : {}),
    };
  }
  const op: Record<string, unknown> = {
    operationId: r.operationId,
    summary: r.summary,
    ...(r.description ? { description: r.description } : {}),
    tags: r.tags,
    security: r.scope ? [{ bearerKey: [r.scope] }, { headerKey: [r.scope] }] : [],
    ...(r.scope ? { 'x-required-scope': r.scope } : {}),
    parameters: parameters(r),
    responses,
  };
  const req = r.request;
  if (req?.body) {
    const body = req.body;
    const types = req.bodyContentTypes ?? ['application/json'];
    op.requestBody = {
      required: true,
      content: Object.fromEntries(types.map((t) => [t, t === 'application/json'
        ? { schema: jsonSchemaOf(body, 'input'), ...(req.bodyExample !== undefined ? { example: req.bodyExample } : {}) }
        : { schema: { type: 'string', format: 'binary' } }])),
    };
  }
  return op;
}

/** Builds the OpenAPI 3.1 document of `routes`. */
export function buildOpenApi(routes: readonly RouteDef[], info: { readonly title: string; readonly version: string; readonly description?: string }): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const p = openApiPath(r.path);
    paths[p] ??= {};
    paths[p][r.method] = operation(r);
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: { title: info.title, version: info.version, ...(info.description ? { description: info.description } : {}) },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: { ErrorBody: jsonSchemaOf(ErrorBodySchema, 'output') },
      securitySchemes: {
        bearerKey: { type: 'http', scheme: 'bearer', description: 'API key: `Authorization: Bearer chts_…`' },
        headerKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'API key in the X-API-Key header' },
      },
    },
  };
}

/** Status of an error code as documented (re-exported so docs and tests use the one mapping). */
export { statusForCode };
