import { randomUUID } from 'node:crypto';
import { TIMEFRAMES, type Candle, type Timeframe } from '@coinhts/engine';
import WebSocket from 'ws';
import { MarketDataError } from './errors';
import type { CandleSeries } from './series';
import { normalizeSymbol } from './symbol';
import { candleOpenAt } from './timeframe';
import { UpbitClient, type UpbitClientOptions } from './upbit';

/** Upbit's public quotation WebSocket. */
export const UPBIT_WS_URL = 'wss://api.upbit.com/websocket/v1';

/** Timeframes Upbit streams as candles, with their request type (`candle.1m` … `candle.240m`). */
export const UPBIT_STREAM_TYPES: Readonly<Partial<Record<Timeframe, string>>> = {
  '1m': 'candle.1m', '3m': 'candle.3m', '5m': 'candle.5m', '10m': 'candle.10m', '15m': 'candle.15m',
  '30m': 'candle.30m', '1h': 'candle.60m', '4h': 'candle.240m',
};

/** Where a closed candle came from. */
export type ClosedCandleSource = 'stream' | 'rest';

/** A closed candle handed to the consumer, once, in time order per (market, timeframe). */
export interface ClosedCandle {
  /** Upbit market code, e.g. `KRW-BTC`. */
  readonly market: string;
  readonly timeframe: Timeframe;
  /** OHLCV; `timestamp` is the candle open, UTC epoch ms. */
  readonly candle: Candle;
  /** `rest` for candles fetched by gap repair. */
  readonly source: ClosedCandleSource;
  /** `performance.now()` when the candle was known to be closed (the later message arrived, or the clock rule fired): for latency measurements. */
  readonly closedAt?: number;
}

/** What the stream did, for logs and health checks. */
export type StreamEvent =
  | { readonly type: 'connected'; readonly attempt: number }
  | { readonly type: 'disconnected'; readonly code: number; readonly reason: string }
  | { readonly type: 'reconnecting'; readonly delayMs: number; readonly attempt: number }
  | { readonly type: 'server-error'; readonly name: string; readonly message: string }
  | { readonly type: 'repaired'; readonly market: string; readonly timeframe: Timeframe; readonly from: number; readonly to: number; readonly candles: number }
  | { readonly type: 'repair-failed'; readonly market: string; readonly timeframe: Timeframe; readonly error: Error }
  | { readonly type: 'late'; readonly market: string; readonly timeframe: Timeframe; readonly time: number };

/** Fetches the closed candles of `market` with open times in `[from, to]` (UTC ms, inclusive), ascending. */
export type GapFetcher = (market: string, timeframe: Timeframe, from: number, to: number, signal: AbortSignal) => Promise<CandleSeries>;

/** Options of {@link UpbitCandleStream}. Nothing is read from the environment. */
export interface UpbitCandleStreamOptions {
  /** Markets in any accepted spelling (`KRW-BTC`, `btc_krw`); upper-cased codes go on the wire. */
  readonly markets: readonly string[];
  /** Minute timeframes to subscribe (see {@link UPBIT_STREAM_TYPES}). Default `['1m']`. */
  readonly timeframes?: readonly Timeframe[];
  /** Called for every closed candle, awaited: the next candle waits until this one is handled. */
  readonly onCandle: (c: ClosedCandle) => void | Promise<void>;
  /** Connection, error and repair events. */
  readonly onEvent?: (e: StreamEvent) => void;
  /**
   * The open time (UTC ms) of the last candle the consumer already handled, per `market|timeframe`
   * (see {@link streamKey}). After a restart, the candles after these are fetched from REST before
   * the first streamed one is handed on. Missing keys start from whatever the stream sends first.
   */
  readonly resumeAfter?: Readonly<Record<string, number>>;
  /** Default {@link UPBIT_WS_URL}. */
  readonly url?: string;
  /** Gap repair: default pages through Upbit's REST candles with an {@link UpbitClient}. */
  readonly fetchGap?: GapFetcher;
  /** Options of the default REST client (base URL of a fake in tests). */
  readonly rest?: UpbitClientOptions;
  /** Clock, UTC ms. Default `Date.now`. */
  readonly now?: () => number;
  /** A candle counts as closed this long after its end when no later candle arrived (ms). Default 3000. */
  readonly graceMs?: number;
  /** How often the clock rule is checked (ms). Default 1000. */
  readonly tickMs?: number;
  /** Ping frame interval (ms); Upbit closes idle connections after ~120 s. Default 30 000. */
  readonly pingIntervalMs?: number;
  /** A connection with no pong / message for this long is dropped and reconnected (ms). Default 90 000. */
  readonly idleTimeoutMs?: number;
  /** First reconnect delay (ms), doubling per failed attempt. Default 500. */
  readonly backoffBaseMs?: number;
  /** Largest reconnect delay (ms). Default 30 000. */
  readonly backoffMaxMs?: number;
  /** Random numbers in [0, 1) for jitter. Default `Math.random`. */
  readonly random?: () => number;
  /** Ticket generator (Upbit wants a unique ticket per request). Default a UUID. */
  readonly ticket?: () => string;
}

/** The stream was stopped, or a consumer callback failed (the stream stops then: state would be lost). */
export class StreamStoppedError extends MarketDataError {
  readonly code = 'STREAM_STOPPED' as const;
}

/** Key of a (market, timeframe) pair in {@link UpbitCandleStreamOptions.resumeAfter}: `KRW-BTC|1m`. */
export function streamKey(market: string, timeframe: Timeframe): string {
  return `${market}|${timeframe}`;
}

/** The subscribe request Upbit expects: one JSON array `[{ticket}, {type, codes}…, {format}]`. */
export function upbitSubscribeRequest(ticket: string, markets: readonly string[], timeframes: readonly Timeframe[]): unknown[] {
  return [
    { ticket },
    ...timeframes.map((tf) => ({ type: UPBIT_STREAM_TYPES[tf], codes: [...markets] })),
    { format: 'DEFAULT' },
  ];
}

interface Series {
  readonly market: string;
  readonly timeframe: Timeframe;
  readonly ms: number;
  /** Open time of the last candle handed on (−Infinity before the first). */
  last: number;
  /** Candles received but not handed on yet: open time → candle (last one received wins). */
  readonly pending: Map<number, Candle>;
  /** A gap must be repaired from REST before anything else is handed on. */
  needsRepair: boolean;
  /** `performance.now()` of the message that closed the pending candles, if one did. */
  closedAt: number | undefined;
}

const UTC_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

/**
 * Upbit quotation WebSocket client that turns the candle stream into **closed** candles.
 *
 * - Subscribes with Upbit's request array (ticket, one type object per timeframe, format).
 * - The same `candle_date_time_utc` arrives many times while a candle is open: the last one
 *   received wins. A candle is closed when a later candle of the same market arrives, or when
 *   the clock passes its end plus `graceMs`. Candles at or before the last handed-on one
 *   (duplicates after closing, out-of-order messages) are dropped and reported as `late`.
 * - Reconnects with exponential back-off and equal jitter; pings every `pingIntervalMs` and drops
 *   a connection that stays silent for `idleTimeoutMs`.
 * - After every disconnect (and at start for markets in `resumeAfter`) the missing closed candles
 *   are fetched from REST and handed on **before** any streamed candle of that market.
 * - `onCandle` is awaited and called one candle at a time, in open-time order per series.
 */
export class UpbitCandleStream {
  private readonly series = new Map<string, Series>();
  private readonly byType = new Map<string, Timeframe>();
  private readonly markets: string[];
  private readonly timeframes: Timeframe[];
  private readonly now: () => number;
  private readonly fetchGap: GapFetcher;
  private ws: WebSocket | null = null;
  private stopped = false;
  private attempt = 0;
  private connectedOnce = false;
  private chain: Promise<void> = Promise.resolve();
  private tickTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private lastHeard = 0;
  private failure: Error | null = null;
  private readonly abort = new AbortController();
  private waiters: (() => void)[] = [];
  /** Messages received (candles, errors, status). */
  messages = 0;

  constructor(private readonly options: UpbitCandleStreamOptions) {
    if (options.markets.length === 0) throw new StreamStoppedError('no markets to stream: pass at least one market code, e.g. KRW-BTC');
    this.markets = [...new Set(options.markets.map((m) => normalizeSymbol(m)))];
    this.timeframes = [...new Set<Timeframe>(options.timeframes ?? ['1m'])];
    for (const tf of this.timeframes) {
      const type = UPBIT_STREAM_TYPES[tf];
      if (!type) throw new StreamStoppedError(`timeframe ${tf} is not streamed by Upbit; use one of ${Object.keys(UPBIT_STREAM_TYPES).join(', ')}`);
      this.byType.set(type, tf);
      for (const m of this.markets) {
        const key = streamKey(m, tf);
        const after = options.resumeAfter?.[key];
        this.series.set(key, { market: m, timeframe: tf, ms: TIMEFRAMES[tf].ms, last: after ?? -Infinity, pending: new Map(), needsRepair: after !== undefined, closedAt: undefined });
      }
    }
    this.now = options.now ?? Date.now;
    if (options.fetchGap) this.fetchGap = options.fetchGap;
    else {
      const client = new UpbitClient(options.rest);
      this.fetchGap = (market, timeframe, from, to, signal) => fetchRange(client, market, timeframe, from, to, signal);
    }
  }

  /** Connects and keeps the stream running until {@link stop}. Resolves once the first connection is open. */
  async start(): Promise<void> {
    const tick = this.options.tickMs ?? 1000;
    this.tickTimer = setInterval(() => this.schedule(), tick);
    this.tickTimer.unref?.();
    // Repair resumed series at once, even before the socket is up.
    if ([...this.series.values()].some((s) => s.needsRepair)) this.schedule();
    await this.connect();
  }

  /** Closes the socket and stops; waits for the candle being handed on. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort(new StreamStoppedError('the stream was stopped'));
    for (const t of [this.tickTimer, this.pingTimer, this.retryTimer]) if (t) clearInterval(t);
    this.ws?.terminate();
    this.ws = null;
    await this.chain.catch(() => undefined);
  }

  /** The error that stopped the stream (a failing `onCandle`), if any. */
  get error(): Error | null {
    return this.failure;
  }

  /** True while a socket is open. */
  get connected(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** The open time of the last candle handed on for (market, timeframe), or undefined. */
  lastHandedOn(market: string, timeframe: Timeframe): number | undefined {
    const s = this.series.get(streamKey(normalizeSymbol(market), timeframe));
    return s && s.last > -Infinity ? s.last : undefined;
  }

  /** Checks the clock rule now and resolves once every candle closed so far has been handed on. */
  async flush(): Promise<void> {
    this.schedule();
    await this.chain;
  }

  /** Resolves when the next connection opens (tests: wait for a reconnect). */
  nextConnection(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const url = this.options.url ?? UPBIT_WS_URL;
    const ws = new WebSocket(url, { perMessageDeflate: false });
    this.ws = ws;
    const opened = new Promise<void>((resolve) => {
      ws.once('open', () => resolve());
      ws.once('close', () => resolve());
      ws.once('error', () => undefined);
    });
    ws.on('open', () => {
      this.lastHeard = this.now();
      const ticket = this.options.ticket?.() ?? randomUUID();
      ws.send(JSON.stringify(upbitSubscribeRequest(ticket, this.markets, this.timeframes)));
      this.options.onEvent?.({ type: 'connected', attempt: this.attempt });
      if (this.connectedOnce) for (const s of this.series.values()) if (s.last > -Infinity) s.needsRepair = true;
      this.connectedOnce = true;
      this.startPing(ws);
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
      this.schedule();
    });
    ws.on('pong', () => { this.lastHeard = Date.now(); });
    ws.on('message', (data, isBinary) => {
      this.lastHeard = Date.now();
      this.attempt = 0;
      const text = isBinary || Buffer.isBuffer(data) ? Buffer.from(data as Buffer).toString('utf8') : String(data);
      this.onMessage(text);
    });
    ws.on('error', () => undefined); // 'close' follows and reconnects
    ws.on('close', (code, reason) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.pingTimer) clearInterval(this.pingTimer);
      // What arrived for the forming candles may miss trades made while we were away: REST will have them.
      for (const s of this.series.values()) {
        s.pending.clear();
        if (s.last > -Infinity) s.needsRepair = true;
      }
      this.options.onEvent?.({ type: 'disconnected', code, reason: reason.toString() });
      this.scheduleReconnect();
    });
    await opened;
  }

  private startPing(ws: WebSocket): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    const every = this.options.pingIntervalMs ?? 30_000;
    const idle = this.options.idleTimeoutMs ?? 90_000;
    this.lastHeard = Date.now();
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastHeard > idle) { ws.terminate(); return; }
      if (ws.readyState === WebSocket.OPEN) ws.ping();
    }, every);
    this.pingTimer.unref?.();
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    const base = this.options.backoffBaseMs ?? 500;
    const max = this.options.backoffMaxMs ?? 30_000;
    const exp = Math.min(max, base * 2 ** this.attempt);
    const delay = Math.round(exp * (0.5 + (this.options.random ?? Math.random)() / 2));
    this.attempt++;
    this.options.onEvent?.({ type: 'reconnecting', delayMs: delay, attempt: this.attempt });
    this.retryTimer = setTimeout(() => { void this.connect(); }, delay);
  }

  private onMessage(text: string): void {
    this.messages++;
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(text) as Record<string, unknown>;
    } catch {
      this.options.onEvent?.({ type: 'server-error', name: 'UNPARSEABLE', message: text.slice(0, 200) });
      return;
    }
    if (msg.error && typeof msg.error === 'object') {
      const e = msg.error as { name?: unknown; message?: unknown };
      this.options.onEvent?.({ type: 'server-error', name: String(e.name ?? ''), message: String(e.message ?? '') });
      return;
    }
    if (msg.status !== undefined) return; // {"status":"UP"}: answer to a text PING
    const tf = this.byType.get(String(msg.type ?? msg.ty));
    const code = String(msg.code ?? msg.cd ?? '');
    const s = tf ? this.series.get(streamKey(code, tf)) : undefined;
    const utc = msg.candle_date_time_utc;
    if (!s || typeof utc !== 'string' || !UTC_TIME.test(utc)) return;
    const t = Date.parse(`${utc}Z`);
    const candle: Candle = {
      timestamp: t, open: Number(msg.opening_price), high: Number(msg.high_price), low: Number(msg.low_price),
      close: Number(msg.trade_price), volume: Number(msg.candle_acc_trade_volume),
    };
    if (![candle.open, candle.high, candle.low, candle.close, candle.volume].every(Number.isFinite)) return;
    if (t <= s.last) {
      this.options.onEvent?.({ type: 'late', market: s.market, timeframe: s.timeframe, time: t });
      return;
    }
    s.pending.set(t, candle); // last one received wins
    // A later candle closes every earlier pending one of this series.
    let later = false;
    for (const k of s.pending.keys()) if (k < t) { later = true; break; }
    if (later) {
      s.closedAt = performance.now();
      this.schedule();
    }
  }

  /** Queues one pass of "repair, then hand on what is closed" behind the previous one. */
  private schedule(): void {
    if (this.stopped || this.failure) return;
    this.chain = this.chain.then(() => this.pass()).catch((err: unknown) => {
      this.failure = err instanceof Error ? err : new Error(String(err));
      void this.stop();
    });
  }

  private async pass(): Promise<void> {
    const now = this.now();
    const grace = this.options.graceMs ?? 3000;
    for (const s of this.series.values()) {
      if (this.stopped) return;
      if (s.needsRepair) {
        if (!(await this.repair(s, now))) continue; // try again on the next pass; hold the stream back meanwhile
      }
      if (s.pending.size === 0) continue;
      const times = [...s.pending.keys()].sort((a, b) => a - b);
      const newest = times[times.length - 1];
      const closedAt = s.closedAt ?? performance.now();
      s.closedAt = undefined;
      for (const t of times) {
        const closed = t < newest || t + s.ms + grace <= now;
        if (!closed) break;
        const candle = s.pending.get(t) as Candle;
        s.pending.delete(t);
        if (t <= s.last) continue;
        s.last = t;
        await this.options.onCandle({ market: s.market, timeframe: s.timeframe, candle, source: 'stream', closedAt });
      }
    }
  }

  /** Fetches the closed candles after `s.last` up to the one before the forming candle; true when done. */
  private async repair(s: Series, now: number): Promise<boolean> {
    const from = s.last + s.ms;
    // Everything before the candle that is forming now is closed; REST holds it.
    const to = candleOpenAt(s.timeframe, now) - 1;
    if (from > to) { s.needsRepair = false; return true; }
    let got: CandleSeries;
    try {
      got = await this.fetchGap(s.market, s.timeframe, from, to, this.abort.signal);
    } catch (err) {
      if (this.stopped) return false;
      this.options.onEvent?.({ type: 'repair-failed', market: s.market, timeframe: s.timeframe, error: err instanceof Error ? err : new Error(String(err)) });
      return false;
    }
    let n = 0;
    for (let i = 0; i < got.timestamp.length; i++) {
      const t = got.timestamp[i];
      if (t <= s.last || t < from || t > to) continue;
      s.last = t;
      s.pending.delete(t);
      n++;
      await this.options.onCandle({
        market: s.market, timeframe: s.timeframe, source: 'rest',
        candle: { timestamp: t, open: got.open[i], high: got.high[i], low: got.low[i], close: got.close[i], volume: got.volume[i] },
      });
    }
    // Streamed candles the REST range already covered are stale now.
    for (const k of [...s.pending.keys()]) if (k <= to) s.pending.delete(k);
    s.needsRepair = false;
    this.options.onEvent?.({ type: 'repaired', market: s.market, timeframe: s.timeframe, from, to, candles: n });
    return true;
  }
}

/** Pages Upbit's REST candles backwards from `to` until `from` is reached; returns them ascending. */
export async function fetchRange(client: UpbitClient, market: string, timeframe: Timeframe, from: number, to: number, signal?: AbortSignal): Promise<CandleSeries> {
  const parts: CandleSeries[] = [];
  let cursor = Math.floor(to / 1000) * 1000 + 1000; // exclusive
  for (;;) {
    const page = await client.getCandles({ market, timeframe, to: cursor, signal });
    const ts = page.timestamp;
    if (ts.length === 0) break;
    parts.unshift(page);
    if (ts[0] <= from || ts[0] >= cursor) break;
    cursor = ts[0];
  }
  const out = { timestamp: [] as number[], open: [] as number[], high: [] as number[], low: [] as number[], close: [] as number[], volume: [] as number[] };
  for (const p of parts) {
    for (let i = 0; i < p.timestamp.length; i++) {
      const t = p.timestamp[i];
      if (t < from || t > to || (out.timestamp.length > 0 && t <= out.timestamp[out.timestamp.length - 1])) continue;
      out.timestamp.push(t); out.open.push(p.open[i]); out.high.push(p.high[i]); out.low.push(p.low[i]); out.close.push(p.close[i]); out.volume.push(p.volume[i]);
    }
  }
  return {
    timestamp: Float64Array.from(out.timestamp), open: Float64Array.from(out.open), high: Float64Array.from(out.high),
    low: Float64Array.from(out.low), close: Float64Array.from(out.close), volume: Float64Array.from(out.volume),
  };
}
