import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import type { Principal } from '../auth/principal';

/** Per-request state kept in `res.locals`. */
interface Locals {
  requestId?: string;
  principal?: Principal;
  /** Route pattern (e.g. `/api/v1/backtests/:id`), for metrics and logs. */
  route?: string;
}

const INCOMING_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const locals = (res: Response): Locals => res.locals as Locals;

/** Request id of the request being answered ('' before the request-id middleware ran). */
export function requestIdOf(res: Response): string {
  return locals(res).requestId ?? '';
}

/** The authenticated API key, or undefined on public routes. */
export function principalOf(res: Response): Principal | undefined {
  return locals(res).principal;
}

/** Records the authenticated key. */
export function setPrincipal(res: Response, p: Principal): void {
  locals(res).principal = p;
}

/** Route pattern of the request, or undefined when no route matched. */
export function routeOf(res: Response): string | undefined {
  return locals(res).route;
}

/** Records the matched route pattern. */
export function setRoute(res: Response, route: string): void {
  locals(res).route = route;
}

/**
 * Gives each request an id (the caller's `X-Request-Id` when it is a plain token, else a new
 * UUID), echoes it in the response header, and logs one line per finished request.
 */
export function requestContext(logger: Logger, newId: () => string = randomUUID): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    const id = incoming && INCOMING_ID.test(incoming) ? incoming : newId();
    locals(res).requestId = id;
    res.setHeader('X-Request-Id', id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.info(
        { req_id: id, method: req.method, route: routeOf(res) ?? null, path: req.path, status: res.statusCode, duration_ms: Math.round(ms * 1000) / 1000, key_id: principalOf(res)?.keyId ?? null },
        'request',
      );
    });
    next();
  };
}
