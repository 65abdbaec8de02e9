import type { Request } from 'express';
import type { z } from 'zod';
import { ApiError, ApiErrorCode, type FieldIssue } from './api-error';

/** Turns zod issues into `{field, message}` with the request part as prefix (`body.symbols.0`). */
export function fieldIssues(error: z.ZodError, where: 'body' | 'query' | 'params' | 'headers'): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const i of error.issues) {
    const path = [where, ...i.path.map(String)].join('.');
    if (i.code === 'unrecognized_keys') {
      for (const k of i.keys) out.push({ field: `${path}.${k}`, message: 'is not a known field' });
      continue;
    }
    out.push({ field: path, message: i.message });
  }
  return out;
}

/** Parses one part of a request; throws a 422 `VALIDATION_FAILED` naming every bad field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'params' | 'headers'): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issues = fieldIssues(r.error, where);
    throw new ApiError(ApiErrorCode.ValidationFailed, `Invalid request ${where}: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, { issues });
  }
  return r.data;
}

/** The JSON body of a request; 415 when a body was sent with another media type. */
export function jsonBody(req: Request): unknown {
  const length = Number(req.get('content-length') ?? 0);
  const hasBody = length > 0 || req.get('transfer-encoding') !== undefined;
  if (hasBody && !req.is('application/json')) {
    throw new ApiError(ApiErrorCode.UnsupportedMediaType, `Send the body as application/json (got ${req.get('content-type') ?? 'no Content-Type'})`);
  }
  return req.body === undefined ? undefined : req.body;
}
