/**
 * A fake Upbit quotation server for tests: node:http on 127.0.0.1, port 0. It serves candle pages
 * in Upbit's recorded response format (newest first, `candle_date_time_utc` without offset,
 * `Remaining-Req` header), honours `market`, `count` and the exclusive `to`, and can be scripted
 * to answer a given request with a fault (429, 418, 5xx, truncated body, cut connection).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A candle the fake serves, as the test writes it. */
export interface FakeCandle {
  /** Candle open, UTC ms. */
  readonly t: number;
  readonly o: number;
  readonly h: number;
  readonly l: number;
  readonly c: number;
  /** Base volume. */
  readonly v: number;
  /** Quote turnover. */
  readonly q: number;
}

/** What the fake does with one request instead of answering normally. */
export type Fault =
  | { readonly status: number; readonly body?: string; readonly headers?: Record<string, string> }
  | { readonly truncate: true }
  | { readonly destroy: true };

/** A request the fake received. */
export interface LoggedRequest {
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: IncomingMessage['headers'];
}

/** Options of {@link startFakeUpbit}. */
export interface FakeUpbitOptions {
  /** Candles per `market` and unit path (`minutes/60`, `days`...), any order. */
  readonly data: Record<string, Record<string, readonly FakeCandle[]>>;
  /** Called with the 0-based request number; a returned fault replaces the normal answer. */
  readonly fault?: (n: number, req: LoggedRequest) => Fault | undefined;
  /** `sec` value of the Remaining-Req header for request n. Default 9. */
  readonly remainingSec?: (n: number) => number;
}

const pad = (x: number): string => String(x).padStart(2, '0');
const upbitTime = (ms: number): string => {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
};

/** One candle in Upbit's wire format. */
export function upbitJson(market: string, unit: string, c: FakeCandle): Record<string, unknown> {
  const base: Record<string, unknown> = {
    market,
    candle_date_time_utc: upbitTime(c.t),
    candle_date_time_kst: upbitTime(c.t + 9 * 3_600_000),
    opening_price: c.o, high_price: c.h, low_price: c.l, trade_price: c.c,
    timestamp: c.t + 59_000,
    candle_acc_trade_price: c.q, candle_acc_trade_volume: c.v,
  };
  if (unit.startsWith('minutes/')) base.unit = Number(unit.slice('minutes/'.length));
  else if (unit === 'days') Object.assign(base, { prev_closing_price: c.o, change_price: c.c - c.o, change_rate: Math.abs(c.c - c.o) / c.o });
  else base.first_day_of_period = upbitTime(c.t).slice(0, 10);
  return base;
}

/** Starts the fake; `close()` stops it. */
export async function startFakeUpbit(options: FakeUpbitOptions): Promise<{ baseUrl: string; requests: LoggedRequest[]; close: () => Promise<void> }> {
  const requests: LoggedRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const logged: LoggedRequest = { path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers };
    const n = requests.length;
    requests.push(logged);
    const remaining = `group=candles; min=1800; sec=${options.remainingSec ? options.remainingSec(n) : 9}`;
    const fault = options.fault?.(n, logged);
    if (fault && 'destroy' in fault) { req.socket.destroy(); return; }
    const send = (status: number, body: string, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Remaining-Req': remaining, ...headers });
      res.end(body);
    };
    if (fault && 'status' in fault) { send(fault.status, fault.body ?? '', fault.headers); return; }
    const unit = url.pathname.replace(/^\/v1\/candles\//, '');
    const market = url.searchParams.get('market') ?? '';
    const series = options.data[market]?.[unit];
    if (!series) { send(404, JSON.stringify({ error: { name: 404, message: 'Code not found' } })); return; }
    const count = Math.min(200, Number(url.searchParams.get('count') ?? 200));
    const toText = url.searchParams.get('to');
    const to = toText ? Date.parse(toText) : Infinity;
    const page = [...series].filter((c) => c.t < to).sort((a, b) => b.t - a.t).slice(0, count);
    const body = JSON.stringify(page.map((c) => upbitJson(market, unit, c)));
    if (fault && 'truncate' in fault) { send(200, body.slice(0, Math.floor(body.length / 2))); return; }
    send(200, body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
