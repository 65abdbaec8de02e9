import { TIMEFRAMES, type Timeframe } from '@coinhts/engine';
import { subtractIntervals } from './coverage';
import { UpbitHttpError } from './errors';
import { allocSeries, concatSeries, sortAndDedupe, type CandleSeries } from './series';
import type { ParquetCandleStore } from './store';
import { normalizeSymbol } from './symbol';
import { candleOpenAt, candleSlots, normalizeTimeframe } from './timeframe';

/** Upbit's public REST API. */
export const UPBIT_BASE_URL = 'https://api.upbit.com';

/** Most candles Upbit returns per request. */
export const UPBIT_MAX_COUNT = 200;

/** One candle as Upbit's candle endpoints return it (fields the collector reads). */
export interface UpbitCandle {
  readonly market: string;
  /** Candle open, `yyyy-MM-ddTHH:mm:ss` in UTC without offset. */
  readonly candle_date_time_utc: string;
  readonly candle_date_time_kst?: string;
  readonly opening_price: number;
  readonly high_price: number;
  readonly low_price: number;
  /** Close. */
  readonly trade_price: number;
  /** Time of the last trade in the candle (ms) — not the candle open. */
  readonly timestamp?: number;
  /** Quote turnover (KRW for KRW markets). */
  readonly candle_acc_trade_price: number;
  /** Base volume. */
  readonly candle_acc_trade_volume: number;
}

/** Options of {@link UpbitClient}. Every default is listed; nothing is read from the environment. */
export interface UpbitClientOptions {
  /** Default {@link UPBIT_BASE_URL}. */
  readonly baseUrl?: string;
  /** Default the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** Waits (rate limiting, back-off). Default a `setTimeout` promise. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Random numbers in [0, 1) for jitter. Default `Math.random`. */
  readonly random?: () => number;
  /** Retries after the first attempt for 429, 5xx, network errors and invalid bodies. Default 5. */
  readonly maxRetries?: number;
  /** First back-off delay (ms); doubles per retry. Default 500. */
  readonly backoffBaseMs?: number;
  /** Largest back-off delay (ms). Default 30 000. */
  readonly backoffMaxMs?: number;
  /** Per-request timeout (ms). Default 10 000. */
  readonly timeoutMs?: number;
  /**
   * When the `Remaining-Req` header says `sec` is at or below this, the next request waits a
   * second (Upbit's window is one second). Default 1.
   */
  readonly minRemainingPerSecond?: number;
}

/** What one {@link UpbitClient.getCandles} call asks for. */
export interface CandlePageRequest {
  /** Upbit market code (`KRW-BTC`). */
  readonly market: string;
  readonly timeframe: Timeframe;
  /** Exclusive upper bound on candle open time (UTC ms); omitted = the latest candles. */
  readonly to?: number;
  /** 1..200; default 200. */
  readonly count?: number;
  readonly signal?: AbortSignal;
}

/** Counters of an {@link UpbitClient}. */
export interface UpbitClientStats {
  /** HTTP requests sent (including retries). */
  requests: number;
  /** Retried attempts. */
  retries: number;
  /** Waits made because `Remaining-Req` ran low. */
  throttleWaits: number;
}

class RetryableError extends Error {
  constructor(message: string, readonly status: number, readonly retryAfterMs?: number, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Client for Upbit's candle endpoints: builds `GET {baseUrl}/v1/candles/{unit}?market&count&to`,
 * never sends an `Origin` header (that triggers a far stricter limit), waits a second when
 * `Remaining-Req: …; sec=N` runs low, backs off exponentially with jitter on 429 (honouring
 * `Retry-After`), retries 5xx, network errors, timeouts and truncated or invalid JSON a bounded
 * number of times, and stops at once on 418 (the IP is blocked) and other 4xx.
 */
export class UpbitClient {
  /** Request counters. */
  readonly stats: UpbitClientStats = { requests: 0, retries: 0, throttleWaits: 0 };
  private readonly baseUrl: string;
  private readonly fetchFn: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly maxRetries: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly timeoutMs: number;
  private readonly minRemaining: number;
  private remainingSec: number | undefined;

  constructor(options: UpbitClientOptions = {}) {
    this.baseUrl = (options.baseUrl ?? UPBIT_BASE_URL).replace(/\/+$/, '');
    this.fetchFn = options.fetch ?? fetch;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.random = options.random ?? Math.random;
    this.maxRetries = options.maxRetries ?? 5;
    this.backoffBaseMs = options.backoffBaseMs ?? 500;
    this.backoffMaxMs = options.backoffMaxMs ?? 30_000;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.minRemaining = options.minRemainingPerSecond ?? 1;
  }

  /** URL of one candle page. */
  candleUrl(req: CandlePageRequest): string {
    const params = new URLSearchParams({ market: req.market, count: String(req.count ?? UPBIT_MAX_COUNT) });
    if (req.to !== undefined) params.set('to', formatUpbitTime(req.to));
    return `${this.baseUrl}/v1/candles/${TIMEFRAMES[req.timeframe].upbit}?${params.toString()}`;
  }

  /** Fetches one page and returns it as a series sorted ascending (Upbit sends newest first). */
  async getCandles(req: CandlePageRequest): Promise<CandleSeries> {
    const url = this.candleUrl(req);
    let last: RetryableError | undefined;
    for (let attempt = 0; attempt <= this.maxRetries; attempt++) {
      if (attempt > 0) {
        this.stats.retries++;
        const exp = Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** (attempt - 1));
        const jittered = Math.round(exp * (0.5 + this.random() / 2)); // "equal jitter"
        await this.sleep(Math.max(jittered, last?.retryAfterMs ?? 0));
      }
      if (this.remainingSec !== undefined && this.remainingSec <= this.minRemaining) {
        this.stats.throttleWaits++;
        this.remainingSec = undefined;
        await this.sleep(1000);
      }
      try {
        return await this.attempt(url, req);
      } catch (err) {
        if (!(err instanceof RetryableError)) throw err;
        last = err;
        if (req.signal?.aborted) throw req.signal.reason;
      }
    }
    throw new UpbitHttpError(last?.status ?? 0, url, `Upbit request failed after ${this.maxRetries + 1} attempts: ${last?.message ?? 'unknown error'}`, this.maxRetries + 1, { cause: last });
  }

  private async attempt(url: string, req: CandlePageRequest): Promise<CandleSeries> {
    this.stats.requests++;
    const signals = [AbortSignal.timeout(this.timeoutMs), ...(req.signal ? [req.signal] : [])];
    let res: Response;
    let body: string;
    try {
      res = await this.fetchFn(url, { headers: { Accept: 'application/json' }, signal: AbortSignal.any(signals) });
    } catch (err) {
      if (req.signal?.aborted) throw req.signal.reason;
      throw new RetryableError(`network error: ${err instanceof Error ? err.message : String(err)}`, 0, undefined, { cause: err });
    }
    const remaining = /sec=(\d+)/.exec(res.headers.get('remaining-req') ?? '');
    if (remaining) this.remainingSec = Number(remaining[1]);
    try {
      body = await res.text();
    } catch (err) {
      if (req.signal?.aborted) throw req.signal.reason;
      throw new RetryableError(`body could not be read (connection cut?): ${err instanceof Error ? err.message : String(err)}`, res.status, undefined, { cause: err });
    }
    if (res.status === 429) {
      const ra = Number(res.headers.get('retry-after'));
      throw new RetryableError('429 Too Many Requests', 429, Number.isFinite(ra) && ra > 0 ? ra * 1000 : undefined);
    }
    if (res.status === 418) {
      throw new UpbitHttpError(418, url, `Upbit blocked this IP (HTTP 418) after too many requests; wait until the block ends before fetching again. Upbit said: ${snippet(body)}`, 1);
    }
    if (res.status >= 500) throw new RetryableError(`HTTP ${res.status}: ${snippet(body)}`, res.status);
    if (res.status !== 200) {
      throw new UpbitHttpError(res.status, url, `Upbit answered HTTP ${res.status} for ${req.market} ${req.timeframe}: ${errorMessage(body)}`, 1);
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch (err) {
      throw new RetryableError(`invalid or truncated JSON (${body.length} bytes): ${snippet(body)}`, 200, undefined, { cause: err });
    }
    const parsed = parseCandles(json, req.market);
    if (typeof parsed === 'string') throw new RetryableError(`unexpected response: ${parsed}`, 200);
    return parsed;
  }
}

function snippet(body: string): string {
  const s = body.replace(/\s+/g, ' ').trim();
  return s.length > 200 ? `${s.slice(0, 200)}…` : s || '(empty body)';
}

function errorMessage(body: string): string {
  try {
    const j = JSON.parse(body) as { error?: { name?: unknown; message?: unknown } };
    if (j.error) return `${String(j.error.name ?? '')} ${String(j.error.message ?? '')}`.trim();
  } catch {
    // not JSON: show the text
  }
  return snippet(body);
}

/** Formats a UTC instant for Upbit's `to` parameter: `2024-01-01T00:00:00Z` (whole seconds). */
export function formatUpbitTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

const UTC_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

/** Parses an Upbit candle array to an ascending series; returns a description of the problem when the shape is wrong. */
export function parseCandles(json: unknown, market: string): CandleSeries | string {
  if (!Array.isArray(json)) return `expected a JSON array, got ${json === null ? 'null' : typeof json}`;
  const n = json.length;
  const out = allocSeries(n, true);
  for (let k = 0; k < n; k++) {
    const c = json[k] as Partial<UpbitCandle> | null;
    if (typeof c !== 'object' || c === null) return `element ${k} is not an object`;
    if (typeof c.market === 'string' && c.market.toUpperCase() !== market.toUpperCase()) return `element ${k} is for market ${c.market}, not ${market}`;
    if (typeof c.candle_date_time_utc !== 'string' || !UTC_TIME.test(c.candle_date_time_utc)) return `element ${k} has no valid candle_date_time_utc`;
    const t = Date.parse(`${c.candle_date_time_utc}Z`);
    const nums = [c.opening_price, c.high_price, c.low_price, c.trade_price, c.candle_acc_trade_volume, c.candle_acc_trade_price];
    if (Number.isNaN(t) || nums.some((x) => typeof x !== 'number' || !Number.isFinite(x))) return `element ${k} (${c.candle_date_time_utc}) has missing or non-numeric prices`;
    // Newest first on the wire; fill from the end to get ascending order.
    const i = n - 1 - k;
    out.timestamp[i] = t;
    out.open[i] = nums[0] as number; out.high[i] = nums[1] as number; out.low[i] = nums[2] as number;
    out.close[i] = nums[3] as number; out.volume[i] = nums[4] as number;
    (out.value as Float64Array)[i] = nums[5] as number;
  }
  return sortAndDedupe(out).series;
}

/** Progress of {@link collectUpbitCandles}. */
export interface CollectProgress {
  /** Candles received so far (within the requested range). */
  readonly fetched: number;
  /** Estimate of the total: fetched + candle slots still to page through (an upper bound: quiet markets have fewer candles). */
  readonly estimatedTotal: number;
  /** Requests sent so far. */
  readonly requests: number;
  /** Oldest candle open reached in the current range (UTC ms). */
  readonly reached?: number;
}

/** Options of {@link collectUpbitCandles}. */
export interface CollectOptions {
  /** Symbol in any accepted spelling. */
  readonly symbol: string;
  /** Timeframe code or alias. */
  readonly timeframe: string;
  /** First candle open to collect (UTC ms, inclusive). */
  readonly from: number;
  /** Last candle open to collect (UTC ms, inclusive). Default: the last closed candle. */
  readonly to?: number;
  /** The client to use, or options to build one. */
  readonly client?: UpbitClient | UpbitClientOptions;
  /** Clock (UTC ms). Default `Date.now`. The candle still open at this time is never stored. */
  readonly now?: () => number;
  /**
   * Skip ranges already collected (the store's coverage record; without one, the span between
   * the first and last stored candle). Default true. False re-fetches and upserts everything.
   */
  readonly resume?: boolean;
  /** Rows buffered before they are merged into the store (and the coverage record advanced). Default 20 000. */
  readonly flushEvery?: number;
  readonly onProgress?: (p: CollectProgress) => void;
  readonly signal?: AbortSignal;
}

/** Outcome of {@link collectUpbitCandles}. */
export interface CollectResult {
  readonly symbol: string;
  readonly timeframe: Timeframe;
  /** Candles received within the range. */
  readonly fetched: number;
  /** Candles new to the store / replacing stored ones. */
  readonly inserted: number;
  readonly replaced: number;
  /** Ranges fetched now (closed intervals, UTC ms). */
  readonly fetchedRanges: readonly (readonly [number, number])[];
  /** The requested range after clamping to the last closed candle; undefined when nothing could be fetched. */
  readonly range?: readonly [number, number];
  /** Client counters. */
  readonly stats: Readonly<UpbitClientStats>;
}

/**
 * Collects Upbit candles for `[from, to]` into the store: pages backwards 200 at a time from the
 * newest missing candle, merges (upserts) every `flushEvery` rows and records what was fetched in
 * the series' coverage record, so an interrupted run resumes where it stopped and a repeated run
 * makes no requests. Gaps inside fetched ranges are minutes without trades, not holes.
 */
export async function collectUpbitCandles(store: ParquetCandleStore, options: CollectOptions): Promise<CollectResult> {
  const symbol = normalizeSymbol(options.symbol);
  const timeframe = normalizeTimeframe(options.timeframe);
  const client = options.client instanceof UpbitClient ? options.client : new UpbitClient(options.client);
  const now = (options.now ?? Date.now)();
  const flushEvery = options.flushEvery ?? 20_000;
  // The candle containing `now` is still forming; stop one millisecond before it opened.
  const end = Math.min(options.to ?? Infinity, candleOpenAt(timeframe, now) - 1);
  const start = options.from;
  let fetched = 0, inserted = 0, replaced = 0;
  const fetchedRanges: [number, number][] = [];
  const result = (range?: readonly [number, number]): CollectResult => ({ symbol, timeframe, fetched, inserted, replaced, fetchedRanges, range, stats: { ...client.stats } });
  if (!(start <= end)) return result();

  let covered: (readonly [number, number])[] = [];
  if (options.resume ?? true) {
    const rec = await store.readCoverage(symbol, timeframe);
    if (rec) covered = rec.intervals;
    else {
      const b = await store.bounds(symbol, timeframe);
      if (b) covered = [[b.first, b.last]];
    }
  }
  const todo = subtractIntervals(start, end, covered).reverse(); // newest first
  let pendingSlots = todo.reduce((a, [x, y]) => a + candleSlots(timeframe, x, y), 0);

  let buffer: CandleSeries[] = [];
  let buffered = 0;
  const flush = async (coveredRange: [number, number] | undefined): Promise<void> => {
    if (buffered > 0) {
      const res = await store.merge(symbol, timeframe, concatSeries(buffer));
      inserted += res.inserted;
      replaced += res.replaced;
      buffer = [];
      buffered = 0;
    }
    if (coveredRange && coveredRange[0] <= coveredRange[1]) await store.addCoverage(symbol, timeframe, 'upbit', [coveredRange]);
  };

  for (const [a, b] of todo) {
    const intervalSlots = candleSlots(timeframe, a, b);
    let cursor = Math.floor(b / 1000) * 1000 + 1000; // exclusive `to`, whole seconds
    let reached = b + 1; // everything in [reached, b] has been received
    try {
      for (;;) {
        if (options.signal?.aborted) throw options.signal.reason;
        const page = await client.getCandles({ market: symbol, timeframe, to: cursor, signal: options.signal });
        const ts = page.timestamp;
        if (ts.length === 0) { reached = a; break; }
        const oldest = ts[0];
        if (oldest >= cursor) {
          throw new UpbitHttpError(200, client.candleUrl({ market: symbol, timeframe, to: cursor }), `Upbit returned candles at or after the requested 'to' (${new Date(oldest).toISOString()}); refusing to loop`, 1);
        }
        let lo = 0;
        while (lo < ts.length && ts[lo] < a) lo++;
        let hi = ts.length;
        while (hi > lo && ts[hi - 1] > b) hi--;
        if (hi > lo) {
          const part = sliceRows(page, lo, hi);
          buffer.push(part);
          buffered += hi - lo;
          fetched += hi - lo;
        }
        reached = Math.max(a, oldest);
        const done = oldest <= a;
        options.onProgress?.({
          fetched, requests: client.stats.requests, reached,
          estimatedTotal: fetched + pendingSlots - intervalSlots + candleSlots(timeframe, a, reached - 1),
        });
        if (done) { reached = a; break; }
        cursor = oldest;
        if (buffered >= flushEvery) await flush([reached, b]);
      }
    } catch (err) {
      // Keep what arrived, so the next run resumes from here instead of starting over.
      await flush(reached <= b ? [reached, b] : undefined).catch(() => undefined);
      throw err;
    }
    await flush([a, b]);
    fetchedRanges.push([a, b]);
    pendingSlots -= intervalSlots;
    options.onProgress?.({ fetched, requests: client.stats.requests, reached: a, estimatedTotal: fetched + pendingSlots });
  }
  return result([start, end]);
}

function sliceRows(s: CandleSeries, start: number, end: number): CandleSeries {
  return {
    timestamp: s.timestamp.slice(start, end), open: s.open.slice(start, end), high: s.high.slice(start, end),
    low: s.low.slice(start, end), close: s.close.slice(start, end), volume: s.volume.slice(start, end),
    ...(s.value ? { value: s.value.slice(start, end) } : {}),
  };
}
