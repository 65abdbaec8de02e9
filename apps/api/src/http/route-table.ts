import type { Express, RequestHandler } from 'express';
import type { z } from 'zod';
import type { Scope } from '../auth/principal';
import { setRoute } from './request-context';

/** HTTP methods the API uses. */
export type HttpMethod = 'get' | 'post' | 'put' | 'delete';

/** One documented response of a route. */
export interface ResponseDef {
  readonly description: string;
  /** Schema of the JSON body (documentation; tests check examples against it). */
  readonly schema?: z.ZodType;
  /** Media types (default `application/json` when a schema is given). */
  readonly contentTypes?: readonly string[];
  /** Example JSON body; must satisfy `schema`. */
  readonly example?: unknown;
  /** Response headers: name → description. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Request parts of a route; the same schemas validate the request and generate the spec. */
export interface RequestDef {
  readonly body?: z.ZodType;
  /** Media types of the body (default `application/json`). */
  readonly bodyContentTypes?: readonly string[];
  /** Example body; must satisfy `body`. */
  readonly bodyExample?: unknown;
  readonly query?: z.ZodType;
  readonly params?: z.ZodType;
}

/**
 * A route: method, path, who may call it, its request and response schemas, and the handler.
 * The app mounts exactly these routes and the OpenAPI document is generated from them, so the
 * spec cannot miss a route.
 */
export interface RouteDef {
  readonly method: HttpMethod;
  /** Express path, e.g. `/api/v1/backtests/:id`. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  /** Scope required, or null for a public route (health, docs). */
  readonly scope: Scope | null;
  /** Ask browsers for Basic credentials (admin page). */
  readonly basicChallenge?: boolean;
  readonly request?: RequestDef;
  /** Success (and route-specific error) responses by status. */
  readonly responses: Readonly<Record<number, ResponseDef>>;
  /** Extra middleware before the handler (e.g. a raw body parser). */
  readonly before?: readonly RequestHandler[];
  readonly handler: RequestHandler;
}

/** What a protected route runs before its handler: authentication/scope, then the rate limit. */
export interface RouteGuards {
  guard(scope: Exclude<RouteDef['scope'], null>, basicChallenge: boolean): readonly RequestHandler[];
}

/**
 * Mounts routes in order; records each route's pattern for metrics and logs. Routes with a JSON
 * body get `jsonParser` unless they bring their own parser in `before`.
 */
export function mountRoutes(app: Express, routes: readonly RouteDef[], guards: RouteGuards, jsonParser: RequestHandler): void {
  for (const r of routes) {
    const mark: RequestHandler = (_req, res, next) => {
      setRoute(res, r.path);
      next();
    };
    // Bodies are parsed after authentication, so anonymous callers cannot make us parse anything.
    const body = r.before ?? (r.request?.body ? [jsonParser] : []);
    const chain = [mark, ...(r.scope ? guards.guard(r.scope, r.basicChallenge ?? false) : []), ...body, r.handler];
    app[r.method](r.path, ...chain);
  }
}
