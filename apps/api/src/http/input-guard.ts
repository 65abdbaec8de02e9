/**
 * The one place that decodes and checks what a client controls before any route sees it: the
 * path (percent-escapes, control characters, length), the query string (same) and the text of
 * JSON bodies (control characters, nesting). Routes and libraries can then trust that a string
 * is valid Unicode without NUL (PostgreSQL refuses U+0000 in text: SQLSTATE 22021) and that a
 * path parameter decodes.
 */
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { ApiError, ApiErrorCode, type FieldIssue } from './api-error';

/** Longest request target (path + query) accepted, characters; longer ones get 414. */
export const MAX_URL_LENGTH = 8_192;
/** Deepest nesting of a JSON body accepted (objects and arrays), levels. */
export const MAX_JSON_DEPTH = 64;

/** C0 controls and DEL, except tab, line feed and carriage return (allowed in free text). */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_IN_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
/** C0 controls and DEL: never allowed in a path or query parameter. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_IN_PARAM = /[\u0000-\u001f\u007f]/;

function codePoint(s: string, re: RegExp): string {
  const m = re.exec(s);
  return m ? `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}` : '';
}

/** `decodeURIComponent` that answers undefined for a malformed escape instead of throwing. */
function tryDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/**
 * Middleware (first after the request context): refuses a request whose path or query has a
 * malformed percent-escape (`%zz`, `%`, invalid UTF-8 such as `%ff`) or a control character once
 * decoded, with 400 `BAD_REQUEST` naming the part; a target longer than {@link MAX_URL_LENGTH}
 * gets 414 `URI_TOO_LONG`.
 */
export function inputGuard(): RequestHandler {
  return (req, _res, next) => {
    const target = req.originalUrl ?? req.url;
    if (target.length > MAX_URL_LENGTH) {
      throw new ApiError(ApiErrorCode.UriTooLong, `The request target is ${target.length} characters long; at most ${MAX_URL_LENGTH} are accepted`);
    }
    const q = target.indexOf('?');
    const rawPath = q >= 0 ? target.slice(0, q) : target;
    for (const segment of rawPath.split('/')) {
      const decoded = tryDecode(segment);
      if (decoded === undefined) {
        throw new ApiError(ApiErrorCode.BadRequest, `The path segment "${segment.slice(0, 100)}" has a malformed percent-escape; encode "%" as %25 and non-ASCII text as UTF-8 percent-escapes`, { issues: [{ field: 'path', message: 'has a malformed percent-escape' }] });
      }
      if (CONTROL_IN_PARAM.test(decoded)) {
        throw new ApiError(ApiErrorCode.BadRequest, `The path contains a control character (${codePoint(decoded, CONTROL_IN_PARAM)}); remove it`, { issues: [{ field: 'path', message: 'contains a control character' }] });
      }
    }
    if (q >= 0) {
      const issues: FieldIssue[] = [];
      for (const pair of target.slice(q + 1).split('&')) {
        if (pair === '') continue;
        const eq = pair.indexOf('=');
        const rawKey = eq >= 0 ? pair.slice(0, eq) : pair;
        const rawValue = eq >= 0 ? pair.slice(eq + 1) : '';
        const key = tryDecode(rawKey.replace(/\+/g, ' '));
        const value = tryDecode(rawValue.replace(/\+/g, ' '));
        const name = `query.${key !== undefined && !CONTROL_IN_PARAM.test(key) ? key : rawKey.slice(0, 100)}`;
        if (key === undefined || value === undefined) issues.push({ field: name, message: 'has a malformed percent-escape; encode "%" as %25' });
        else if (CONTROL_IN_PARAM.test(key) || CONTROL_IN_PARAM.test(value)) issues.push({ field: name, message: `contains a control character (${codePoint(key + value, CONTROL_IN_PARAM)})` });
      }
      if (issues.length > 0) {
        throw new ApiError(ApiErrorCode.BadRequest, `Invalid query string: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, { issues });
      }
    }
    next();
  };
}

/** Issues of a parsed JSON body: control characters in strings or keys, nesting deeper than {@link MAX_JSON_DEPTH}. */
export function jsonTextIssues(body: unknown): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: body, path: 'body', depth: 0 }];
  while (stack.length > 0 && issues.length < 20) {
    const { value, path, depth } = stack.pop() as { value: unknown; path: string; depth: number };
    if (typeof value === 'string') {
      if (CONTROL_IN_TEXT.test(value)) issues.push({ field: path, message: `contains a control character (${codePoint(value, CONTROL_IN_TEXT)}); only tab, line feed and carriage return are allowed` });
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) {
      issues.push({ field: path, message: `is nested deeper than ${MAX_JSON_DEPTH} levels` });
      continue;
    }
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: `${path}.${i}`, depth: depth + 1 });
      continue;
    }
    for (const [k, v] of Object.entries(value)) {
      if (CONTROL_IN_TEXT.test(k)) {
        issues.push({ field: path, message: `has a key with a control character (${codePoint(k, CONTROL_IN_TEXT)})` });
        continue;
      }
      stack.push({ value: v, path: `${path}.${k}`, depth: depth + 1 });
    }
  }
  return issues;
}

/** Wraps a JSON body parser so that a parsed body is also checked by {@link jsonTextIssues} (422 `VALIDATION_FAILED`). */
export function checkedJson(parser: RequestHandler): RequestHandler {
  return (req, res, next) => {
    parser(req, res, (err?: unknown) => {
      if (err) {
        next(err);
        return;
      }
      const issues = req.body === undefined ? [] : jsonTextIssues(req.body);
      if (issues.length > 0) {
        next(new ApiError(ApiErrorCode.ValidationFailed, `Invalid request body: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, { issues }));
        return;
      }
      next();
    });
  };
}

/** Earliest time a query filter may name (0001-01-01T00:00:00Z), UTC ms: PostgreSQL holds it and ISO 8601 writes it with four digits. */
export const MIN_FILTER_TIME_MS = Date.parse('0001-01-01T00:00:00Z');
/** Latest time a query filter may name (9999-12-31T23:59:59.999Z), UTC ms. */
export const MAX_FILTER_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * A query parameter holding an ISO 8601 date or time between year 1 and year 9999 (inside what
 * PostgreSQL's `timestamptz` holds), kept as the text the client sent.
 */
export const timeQueryParam = z.string().max(40).refine((s) => {
  const t = Date.parse(s);
  return !Number.isNaN(t) && t >= MIN_FILTER_TIME_MS && t <= MAX_FILTER_TIME_MS && /^\d{4}-\d{2}-\d{2}/.test(s);
}, 'must be an ISO 8601 date or time (YYYY-MM-DD[THH:mm:ss[Z]]) between years 0001 and 9999');

/**
 * A whole-number query parameter in `[min, max]`, with messages that say the bound
 * ("must be a whole number between 1 and 500").
 */
export function intQueryParam(min: number, max: number) {
  const range = `between ${min} and ${max}`;
  return z.coerce
    .number({ error: () => `must be a whole number ${range}` })
    .int(`must be a whole number ${range}`)
    .min(min, `must be ${range}`)
    .max(max, `must be ${range}`);
}
