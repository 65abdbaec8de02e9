/**
 * A fake Upbit quotation WebSocket server for tests (`ws` on 127.0.0.1, port 0). It speaks the
 * real protocol as UPBIT.md describes it: the request is one JSON array `[{ticket}, {type, codes},
 * …, {format}]`, answered with error objects `{"error":{"name","message"}}` (NO_TICKET, NO_TYPE,
 * NO_CODES, WRONG_FORMAT, INVALID_PARAM) when malformed; candle messages are binary frames with
 * Upbit's DEFAULT fields and `stream_type` SNAPSHOT (on subscribe) or REALTIME; the text `PING`
 * is answered with `{"status":"UP"}`. Tests push candles (as often as they like — Upbit repeats a
 * forming candle many times), drop connections, refuse new ones (an outage) and send errors.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/** A candle the test pushes. Times are UTC ms; prices KRW. */
export interface FakeStreamCandle {
  /** Candle open, UTC ms. */
  readonly t: number;
  readonly o: number;
  readonly h: number;
  readonly l: number;
  readonly c: number;
  /** Base volume. */
  readonly v: number;
}

/** One subscription a client made. */
export interface FakeSubscription {
  readonly ticket: string;
  /** `candle.1m` → codes. */
  readonly types: Readonly<Record<string, readonly string[]>>;
  readonly format: string;
}

interface Client {
  readonly socket: WebSocket;
  sub: FakeSubscription | null;
}

const pad = (x: number): string => String(x).padStart(2, '0');
const utc = (ms: number): string => {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
};

/** A candle in Upbit's DEFAULT WebSocket format. */
export function upbitStreamJson(type: string, code: string, c: FakeStreamCandle, streamType: 'SNAPSHOT' | 'REALTIME'): Record<string, unknown> {
  return {
    type, code,
    candle_date_time_utc: utc(c.t), candle_date_time_kst: utc(c.t + 9 * 3_600_000),
    opening_price: c.o, high_price: c.h, low_price: c.l, trade_price: c.c,
    candle_acc_trade_volume: c.v, candle_acc_trade_price: c.v * c.c,
    timestamp: c.t + 1000, stream_type: streamType,
  };
}

/** The running fake. */
export interface FakeUpbitStream {
  /** `ws://127.0.0.1:PORT/websocket/v1`. */
  readonly url: string;
  /** Every request array received, parsed (also malformed ones). */
  readonly requests: unknown[];
  /** Text messages other than requests (e.g. `PING`). */
  readonly texts: string[];
  /** Open connections. */
  readonly connectionCount: number;
  /** Connections accepted so far. */
  readonly connectionsTotal: number;
  /** Sends a REALTIME candle to every client subscribed to (type, code). Returns how many got it. */
  push(type: string, code: string, c: FakeStreamCandle): number;
  /** Sets what a new subscription receives first as SNAPSHOT for (type, code). */
  setSnapshot(type: string, code: string, c: FakeStreamCandle | null): void;
  /** Sends an error object to every client. */
  sendError(name: string, message: string): void;
  /** Cuts every connection at once (no close frame, as a network failure). */
  dropAll(): void;
  /** While true, new connections are cut immediately (an outage). */
  refuse(on: boolean): void;
  /** Resolves once `n` subscriptions in total have been accepted. */
  waitForSubscriptions(n: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts the fake on a free port. */
export async function startFakeUpbitStream(): Promise<FakeUpbitStream> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/websocket/v1' });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const clients = new Set<Client>();
  const requests: unknown[] = [];
  const texts: string[] = [];
  const snapshots = new Map<string, FakeStreamCandle>();
  let refusing = false;
  let total = 0;
  let subscriptions = 0;
  let waiters: { n: number; resolve: () => void }[] = [];

  const send = (socket: WebSocket, obj: unknown): void => {
    socket.send(Buffer.from(JSON.stringify(obj), 'utf8'), { binary: true });
  };
  const error = (socket: WebSocket, name: string, message: string): void => send(socket, { error: { name, message } });

  const subscribe = (client: Client, raw: string): void => {
    let req: unknown;
    try {
      req = JSON.parse(raw);
    } catch {
      error(client.socket, 'WRONG_FORMAT', 'request is not JSON');
      return;
    }
    requests.push(req);
    if (!Array.isArray(req)) { error(client.socket, 'WRONG_FORMAT', 'request must be a JSON array'); return; }
    const ticketObj = req.find((x: unknown) => typeof x === 'object' && x !== null && 'ticket' in x) as { ticket?: unknown } | undefined;
    if (!ticketObj || typeof ticketObj.ticket !== 'string' || ticketObj.ticket === '') { error(client.socket, 'NO_TICKET', 'ticket is required'); return; }
    const typeObjs = req.filter((x: unknown) => typeof x === 'object' && x !== null && 'type' in x) as { type?: unknown; codes?: unknown }[];
    if (typeObjs.length === 0) { error(client.socket, 'NO_TYPE', 'type is required'); return; }
    const types: Record<string, string[]> = {};
    for (const t of typeObjs) {
      if (typeof t.type !== 'string' || !/^(ticker|trade|orderbook|candle\.(1s|1m|3m|5m|10m|15m|30m|60m|240m))$/.test(t.type)) { error(client.socket, 'INVALID_PARAM', `unknown type ${String(t.type)}`); return; }
      if (!Array.isArray(t.codes) || t.codes.length === 0) { error(client.socket, 'NO_CODES', 'codes are required'); return; }
      if (t.codes.some((c) => typeof c !== 'string' || c !== c.toUpperCase())) { error(client.socket, 'INVALID_PARAM', 'codes must be upper case'); return; }
      types[t.type] = t.codes as string[];
    }
    const fmt = req.find((x: unknown) => typeof x === 'object' && x !== null && 'format' in x) as { format?: unknown } | undefined;
    const format = fmt ? String(fmt.format) : 'DEFAULT';
    if (format !== 'DEFAULT') { error(client.socket, 'WRONG_FORMAT', `this fake speaks DEFAULT only, got ${format}`); return; }
    client.sub = { ticket: ticketObj.ticket, types, format };
    subscriptions++;
    for (const [type, codes] of Object.entries(types)) {
      for (const code of codes) {
        const snap = snapshots.get(`${type}|${code}`);
        if (snap) send(client.socket, upbitStreamJson(type, code, snap, 'SNAPSHOT'));
      }
    }
    const ready = waiters.filter((w) => subscriptions >= w.n);
    waiters = waiters.filter((w) => subscriptions < w.n);
    for (const w of ready) w.resolve();
  };

  wss.on('connection', (socket) => {
    total++;
    if (refusing) { socket.terminate(); return; }
    const client: Client = { socket, sub: null };
    clients.add(client);
    socket.on('close', () => clients.delete(client));
    socket.on('message', (data, isBinary) => {
      const text = isBinary ? Buffer.from(data as Buffer).toString('utf8') : String(data);
      if (text === 'PING') { texts.push(text); socket.send(JSON.stringify({ status: 'UP' })); return; }
      subscribe(client, text);
    });
  });

  const { port } = wss.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/websocket/v1`,
    requests, texts,
    get connectionCount() { return clients.size; },
    get connectionsTotal() { return total; },
    push(type, code, c) {
      let n = 0;
      for (const cl of clients) {
        if (cl.sub?.types[type]?.includes(code) && cl.socket.readyState === cl.socket.OPEN) { send(cl.socket, upbitStreamJson(type, code, c, 'REALTIME')); n++; }
      }
      return n;
    },
    setSnapshot(type, code, c) {
      if (c) snapshots.set(`${type}|${code}`, c); else snapshots.delete(`${type}|${code}`);
    },
    sendError(name, message) {
      for (const cl of clients) error(cl.socket, name, message);
    },
    dropAll() {
      for (const cl of clients) cl.socket.terminate();
      clients.clear();
    },
    refuse(on) { refusing = on; },
    waitForSubscriptions(n) {
      if (subscriptions >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    close: () => new Promise<void>((r) => {
      for (const cl of clients) cl.socket.terminate();
      wss.close(() => r());
    }),
  };
}
