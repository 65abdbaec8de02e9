import { PaperSessionRequestSchema } from '@coinhts/paper';
import type { PaperSessionRecord } from '@coinhts/results';
import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { RouteDef } from '../http/route-table';
import { streamSse } from '../http/sse';
import { jsonBody, parseInput } from '../http/validate';
import type { RouteDeps } from './deps';

const BASE = '/api/v1/paper/sessions';

/** Path parameters of a session route. */
export const PaperSessionIdSchema = z.object({ id: z.uuid({ error: 'must be a session id (UUID)' }).describe('paper session id (UUID)') });

/** Query of the event stream. */
export const PaperEventsQuerySchema = z.strictObject({
  after: z.coerce.number().int().min(0).optional().describe('replay events with an id greater than this (same as the Last-Event-ID header)'),
  follow: z.enum(['true', 'false']).default('true').describe('false: send the stored events and end the response (no live stream)'),
});

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A session as the API shows it. */
export const PaperSessionViewSchema = z.object({
  id: z.string(), name: z.string(), status: z.enum(['running', 'stopping', 'stopped', 'failed']), request: z.unknown(),
  owner: z.string().nullable(), lease_until: z.string().nullable(), error: z.unknown(), created_at: z.string(), stopped_at: z.string().nullable(),
  links: z.object({ self: z.string(), stop: z.string(), events: z.string() }),
});

function view(s: PaperSessionRecord) {
  return {
    id: s.id, name: s.name, status: s.status, request: s.request, owner: s.owner, lease_until: iso(s.leaseUntil), error: s.error ?? null,
    created_at: iso(s.createdAt) as string, stopped_at: iso(s.stoppedAt),
    links: { self: `${BASE}/${s.id}`, stop: `${BASE}/${s.id}/stop`, events: `${BASE}/${s.id}/events` },
  };
}

const EXAMPLE = {
  name: 'btc-sma',
  pairs: [{ symbol: 'KRW-BTC', strategy: 'sma_crossover', params: { fast_period: 10, slow_period: 30 } }],
  timeframe: '1m',
  options: { initial_capital: 1_000_000, stop_loss_pct: 2 },
};

const rows = z.array(z.record(z.string(), z.unknown()));

/** How often the event stream looks for new events (ms), and sends a keep-alive comment. */
const EVENT_POLL_MS = 500;
const KEEPALIVE_MS = 15_000;
/** Events read from the database per look. */
const EVENT_BATCH = 500;

/**
 * `/api/v1/paper/sessions`: start (run scope), stop (run), list, status, positions, trades, orders,
 * performance and the Server-Sent Events stream (read). Sessions run in the `apps/paper` process;
 * these routes only read and write the session tables.
 */
export function paperRoutes(deps: RouteDeps): RouteDef[] {
  const p = () => deps.paper;
  const start: RequestHandler = async (req, res) => {
    const body = parseInput(PaperSessionRequestSchema, jsonBody(req), 'body');
    const s = await p().start(body);
    res.status(201).location(`${BASE}/${s.id}`).json(view(s));
  };
  const one = (f: (id: string) => Promise<unknown>): RequestHandler => async (req, res) => {
    const { id } = parseInput(PaperSessionIdSchema, req.params, 'params');
    res.json(await f(id));
  };
  const events: RequestHandler = async (req, res) => {
    const { id } = parseInput(PaperSessionIdSchema, req.params, 'params');
    const q = parseInput(PaperEventsQuerySchema, req.query, 'query');
    await p().get(id); // 404 before the stream starts
    const header = Number(req.get('last-event-id'));
    const after = q.after ?? (Number.isInteger(header) && header >= 0 ? header : 0);
    await streamSse(req, res, {
      next: async (lastId) => {
        const batch = await p().events(id, lastId === null ? 0 : Number(lastId), EVENT_BATCH);
        const full = batch.length === EVENT_BATCH;
        return {
          events: batch.map((e) => ({ id: String(e.id), event: e.type, data: { ...(e.data as object), created_at: new Date(e.createdAt).toISOString() } })),
          done: q.follow === 'false' && !full,
          more: full,
        };
      },
    }, { lastId: String(after), pollMs: EVENT_POLL_MS, keepAliveMs: KEEPALIVE_MS, isShuttingDown: deps.isShuttingDown });
  };
  const tags = ['paper'];
  const idReq = { params: PaperSessionIdSchema };
  const nf = { 404: { description: 'No such session (`NOT_FOUND`)' } };
  return [
    {
      method: 'post', path: BASE, operationId: 'startPaperSession', summary: 'Start a live paper-trading session on Upbit',
      description: 'Validates everything first (markets listed by Upbit, strategies and their params, the backtest options with paper defaults fee_rate 0.0005 and order_rules upbit-krw, capital per pair >= 5,000 KRW) and creates the session as `running`; the paper process picks it up within seconds. Nothing is created when anything is wrong.',
      tags, scope: 'run', request: { body: PaperSessionRequestSchema, bodyExample: EXAMPLE },
      responses: { 201: { description: 'Created; `Location` is the session URL', schema: PaperSessionViewSchema, headers: { Location: 'Session URL' } }, 409: { description: 'A live session has this name (`CONFLICT`)' }, 422: { description: 'Invalid request (`INVALID_PARAMS`, `VALIDATION_FAILED`)' } },
      handler: start,
    },
    {
      method: 'get', path: BASE, operationId: 'listPaperSessions', summary: 'Paper sessions, newest first', tags, scope: 'read',
      responses: { 200: { description: 'Sessions', schema: z.object({ sessions: z.array(PaperSessionViewSchema) }) } },
      handler: async (_req, res) => { res.json({ sessions: (await p().list()).map(view) }); },
    },
    {
      method: 'get', path: `${BASE}/:id`, operationId: 'getPaperSession', summary: 'Status of a session: pairs, equity, open positions, trade count', tags, scope: 'read', request: idReq,
      responses: { 200: { description: 'Status', schema: z.object({ session: PaperSessionViewSchema, pairs: rows, equity: z.number(), positions: rows, trades: z.number() }) }, ...nf },
      handler: one(async (id) => { const s = await p().status(id); return { ...s, session: view(s.session) }; }),
    },
    {
      method: 'post', path: `${BASE}/:id/stop`, operationId: 'stopPaperSession', summary: 'Stop a running session (positions are closed at the last close with close_at_end)', tags, scope: 'run', request: idReq,
      responses: { 202: { description: 'Stop requested; the session becomes `stopped` within seconds', schema: PaperSessionViewSchema }, ...nf, 409: { description: 'The session is not running (`CONFLICT`)' } },
      handler: async (req, res) => { const { id } = parseInput(PaperSessionIdSchema, req.params, 'params'); res.status(202).json(view(await p().stop(id))); },
    },
    { method: 'get', path: `${BASE}/:id/positions`, operationId: 'getPaperPositions', summary: 'Open positions (KRW, base units)', tags, scope: 'read', request: idReq, responses: { 200: { description: 'Positions', schema: z.object({ positions: rows }) }, ...nf }, handler: one(async (id) => ({ positions: await p().positions(id) })) },
    { method: 'get', path: `${BASE}/:id/trades`, operationId: 'getPaperTrades', summary: 'Closed trades in exit order', tags, scope: 'read', request: idReq, responses: { 200: { description: 'Trades', schema: z.object({ trades: rows }) }, ...nf }, handler: one(async (id) => ({ trades: await p().trades(id) })) },
    { method: 'get', path: `${BASE}/:id/orders`, operationId: 'getPaperOrders', summary: 'Orders: fills and refusals (with the Upbit rule that refused them)', tags, scope: 'read', request: idReq, responses: { 200: { description: 'Orders', schema: z.object({ orders: rows }) }, ...nf }, handler: one(async (id) => ({ orders: await p().orders(id) })) },
    { method: 'get', path: `${BASE}/:id/performance`, operationId: 'getPaperPerformance', summary: 'Performance snapshots (equity, cash, realized/unrealized P&L, fees, trades)', tags, scope: 'read', request: idReq, responses: { 200: { description: 'Snapshots', schema: z.object({ snapshots: rows }) }, ...nf }, handler: one(async (id) => ({ snapshots: await p().performance(id) })) },
    {
      method: 'get', path: `${BASE}/:id/events`, operationId: 'streamPaperEvents', summary: 'Server-Sent Events: signal, order, position-opened/updated/closed, performance, session',
      description: 'A `text/event-stream`; each event has an increasing `id`. Reconnect with `Last-Event-ID` (or `?after=`) to resume without losing or repeating events. `?follow=false` returns the stored events and ends.',
      tags, scope: 'read', request: { params: PaperSessionIdSchema, query: PaperEventsQuerySchema },
      responses: { 200: { description: 'Event stream', contentTypes: ['text/event-stream'] }, ...nf },
      handler: events,
    },
  ];
}
