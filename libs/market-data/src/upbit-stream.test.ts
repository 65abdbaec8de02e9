import { startFakeUpbit, startFakeUpbitStream, type FakeCandle, type FakeUpbitStream } from './testing';
import { ClosedCandleAppender } from './closed-candle-appender';
import { ParquetCandleStore } from './store';
import { UpbitCandleStream, streamKey, type ClosedCandle, type StreamEvent } from './upbit-stream';

const M = 60_000;
const T0 = Date.parse('2025-11-11T00:00:00Z');

/** Waits until `cond()` holds, polling the event loop (no fixed sleeps that race on a loaded machine). */
async function until(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A 1-minute candle at minute i with close c (o/h/l derived so the OHLC is valid). */
const k = (i: number, c: number): FakeCandle => ({ t: T0 + i * M, o: c, h: c + 1000, l: c - 1000, c, v: 0.5, q: c * 0.5 });

interface Harness {
  ws: FakeUpbitStream;
  rest: Awaited<ReturnType<typeof startFakeUpbit>>;
  stream: UpbitCandleStream;
  got: ClosedCandle[];
  events: StreamEvent[];
  clock: { now: number };
  close(): Promise<void>;
}

async function setup(restCandles: FakeCandle[] = [], markets = ['KRW-BTC'], resumeAfter?: Record<string, number>, startAt = T0 + 10_000): Promise<Harness> {
  const ws = await startFakeUpbitStream();
  const rest = await startFakeUpbit({ data: Object.fromEntries(markets.map((m) => [m, { 'minutes/1': restCandles }])) });
  const got: ClosedCandle[] = [];
  const events: StreamEvent[] = [];
  const clock = { now: startAt };
  const stream = new UpbitCandleStream({
    markets, url: ws.url, now: () => clock.now, onCandle: (c) => { got.push(c); }, onEvent: (e) => events.push(e),
    rest: { baseUrl: rest.baseUrl, sleep: async () => undefined }, backoffBaseMs: 5, backoffMaxMs: 20, tickMs: 20, graceMs: 2000, resumeAfter,
  });
  await stream.start();
  await ws.waitForSubscriptions(1);
  return { ws, rest, stream, got, events, clock, close: async () => { await stream.stop(); await ws.close(); await rest.close(); } };
}

const closes = (h: Harness): number[] => h.got.map((g) => g.candle.close);
const minutes = (h: Harness): number[] => h.got.map((g) => (g.candle.timestamp - T0) / M);

describe('UpbitCandleStream against a fake Upbit WebSocket', () => {
  it('subscribes with the real request array: ticket, one type object per timeframe with upper-case codes, format', async () => {
    const ws = await startFakeUpbitStream();
    const stream = new UpbitCandleStream({ markets: ['krw-btc', 'ETH_KRW'], timeframes: ['1m', '5m'], url: ws.url, ticket: () => 't-1', onCandle: () => undefined, fetchGap: async () => { throw new Error('no repair expected'); } });
    try {
      await stream.start();
      await ws.waitForSubscriptions(1);
      expect(ws.requests[0]).toEqual([
        { ticket: 't-1' },
        { type: 'candle.1m', codes: ['KRW-BTC', 'KRW-ETH'] },
        { type: 'candle.5m', codes: ['KRW-BTC', 'KRW-ETH'] },
        { format: 'DEFAULT' },
      ]);
    } finally {
      await stream.stop();
      await ws.close();
    }
  });

  it('keeps the last of repeated messages for a minute and hands a candle on only once a later one arrives', async () => {
    const h = await setup();
    try {
      // minute 0 arrives three times while forming: 100 → 101 → 102 (the last wins)
      for (const c of [100_000_000, 101_000_000, 102_000_000]) h.ws.push('candle.1m', 'KRW-BTC', k(0, c));
      await h.stream.flush();
      expect(h.got).toHaveLength(0); // not closed: no later candle, and the clock is inside minute 0
      h.ws.push('candle.1m', 'KRW-BTC', k(1, 103_000_000)); // minute 1 closes minute 0
      await until('minute 0 handed on', () => h.got.length === 1);
      expect({ ...h.got[0], closedAt: undefined }).toEqual({ market: 'KRW-BTC', timeframe: '1m', source: 'stream', closedAt: undefined, candle: { timestamp: T0, open: 102_000_000, high: 102_001_000, low: 101_999_000, close: 102_000_000, volume: 0.5 } });
    } finally {
      await h.close();
    }
  });

  it('drops duplicate and out-of-order messages for minutes already handed on (reported as late)', async () => {
    const h = await setup();
    try {
      h.ws.push('candle.1m', 'KRW-BTC', k(0, 100_000_000));
      h.ws.push('candle.1m', 'KRW-BTC', k(1, 101_000_000));
      await until('minute 0', () => h.got.length === 1);
      h.ws.push('candle.1m', 'KRW-BTC', k(0, 999_000_000)); // a stale repeat of minute 0 after it closed
      h.ws.push('candle.1m', 'KRW-BTC', k(2, 102_000_000));
      await until('minute 1', () => h.got.length === 2);
      expect(closes(h)).toEqual([100_000_000, 101_000_000]);
      expect(h.events.some((e) => e.type === 'late' && e.time === T0)).toBe(true);
    } finally {
      await h.close();
    }
  });

  it('closes a quiet market\'s candle by the clock: end of the minute plus the grace period', async () => {
    const h = await setup();
    try {
      h.ws.push('candle.1m', 'KRW-BTC', k(0, 100_000_000));
      await until('message received', () => h.stream.messages >= 1);
      h.clock.now = T0 + M + 1999; // 1 ms before end + grace
      await h.stream.flush();
      expect(h.got).toHaveLength(0);
      h.clock.now = T0 + M + 2000;
      await h.stream.flush();
      expect(minutes(h)).toEqual([0]);
    } finally {
      await h.close();
    }
  });

  it('a disconnect mid-minute: the half-seen minute and the missed ones come from REST before the next streamed candle', async () => {
    // REST holds the final values of minutes 0..3; the stream saw minute 0 and half of minute 1.
    const h = await setup([k(0, 100_000_000), k(1, 111_000_000), k(2, 112_000_000), k(3, 113_000_000)]);
    try {
      h.ws.push('candle.1m', 'KRW-BTC', k(0, 100_000_000));
      h.ws.push('candle.1m', 'KRW-BTC', k(1, 105_000_000)); // minute 1, half-way (closes minute 0)
      await until('minute 0', () => h.got.length === 1);
      h.clock.now = T0 + 4 * M + 5000; // we come back during minute 4
      const back = h.stream.nextConnection();
      h.ws.dropAll();
      await back;
      await h.ws.waitForSubscriptions(2);
      h.ws.push('candle.1m', 'KRW-BTC', k(4, 114_000_000));
      h.ws.push('candle.1m', 'KRW-BTC', k(5, 115_000_000));
      await until('minute 4', () => h.got.length === 5);
      expect(minutes(h)).toEqual([0, 1, 2, 3, 4]);
      expect(closes(h)).toEqual([100_000_000, 111_000_000, 112_000_000, 113_000_000, 114_000_000]); // REST's 111, not the half-seen 105
      expect(h.got.map((g) => g.source)).toEqual(['stream', 'rest', 'rest', 'rest', 'stream']);
      expect(h.rest.requests.length).toBeGreaterThan(0);
      expect(h.rest.requests[0].query.market).toBe('KRW-BTC');
    } finally {
      await h.close();
    }
  });

  it('a 10-minute outage (connections refused) is repaired from REST, with minutes without trades left out', async () => {
    const restCandles = [k(0, 100_000_000), ...[1, 2, 3, 4, 5, 7, 8, 9, 10].map((i) => k(i, 100_000_000 + i * 1000))]; // no trade in minute 6
    const h = await setup(restCandles);
    try {
      h.ws.push('candle.1m', 'KRW-BTC', k(0, 100_000_000));
      await until('message received', () => h.stream.messages >= 1);
      h.clock.now = T0 + M + 2000;
      await h.stream.flush();
      expect(minutes(h)).toEqual([0]);
      h.ws.refuse(true);
      h.ws.dropAll();
      await until('reconnect attempts refused', () => h.ws.connectionsTotal >= 3);
      h.clock.now = T0 + 11 * M + 3000; // ten minutes later
      const back = h.stream.nextConnection();
      h.ws.refuse(false);
      await back;
      await h.stream.flush();
      await until('repair', () => h.got.length === 10);
      expect(minutes(h)).toEqual([0, 1, 2, 3, 4, 5, 7, 8, 9, 10]);
      expect(h.got.slice(1).every((g) => g.source === 'rest')).toBe(true);
      expect(h.events.filter((e) => e.type === 'reconnecting').length).toBeGreaterThanOrEqual(2);
    } finally {
      await h.close();
    }
  });

  it('resumes after a restart from the last candle handled: the gap comes from REST first', async () => {
    // The process died after handling minute 0 and starts again during minute 4.
    const h = await setup([k(0, 1e8), k(1, 1.01e8), k(2, 1.02e8), k(3, 1.03e8)], ['KRW-BTC'], { [streamKey('KRW-BTC', '1m')]: T0 }, T0 + 4 * M + 1000);
    try {
      await h.stream.flush();
      expect(minutes(h)).toEqual([1, 2, 3]);
    } finally {
      await h.close();
    }
  });

  it('reports error objects the server sends and keeps streaming', async () => {
    const h = await setup();
    try {
      h.ws.sendError('INVALID_PARAM', 'bad code');
      await until('error event', () => h.events.some((e) => e.type === 'server-error'));
      expect(h.events.find((e) => e.type === 'server-error')).toEqual({ type: 'server-error', name: 'INVALID_PARAM', message: 'bad code' });
      h.ws.push('candle.1m', 'KRW-BTC', k(0, 1e8));
      h.ws.push('candle.1m', 'KRW-BTC', k(1, 1e8));
      await until('candle after the error', () => h.got.length === 1);
    } finally {
      await h.close();
    }
  });

  it('the fake refuses a request in the original coin_hts format (one object, not an array) with an error object', async () => {
    const { default: WebSocket } = await import('ws');
    const ws = await startFakeUpbitStream();
    const client = new WebSocket(ws.url);
    try {
      const reply = new Promise<string>((r) => client.once('message', (d) => r(Buffer.from(d as Buffer).toString('utf8'))));
      await new Promise((r) => client.once('open', r));
      client.send(JSON.stringify({ type: 'subscribe', codes: ['KRW-BTC'], isOnlyRealtime: true }));
      expect(JSON.parse(await reply)).toEqual({ error: { name: 'WRONG_FORMAT', message: 'request must be a JSON array' } });
    } finally {
      client.terminate();
      await ws.close();
    }
  });

  it('drops a silent connection after the idle timeout and reconnects (keep-alive)', async () => {
    const ws = await startFakeUpbitStream();
    const stream = new UpbitCandleStream({ markets: ['KRW-BTC'], url: ws.url, onCandle: () => undefined, pingIntervalMs: 20, idleTimeoutMs: -1, backoffBaseMs: 5, fetchGap: async () => { throw new Error('none'); } });
    try {
      await stream.start();
      // idleTimeoutMs −1: every ping check finds the connection "silent", so it is dropped and re-opened.
      await ws.waitForSubscriptions(2);
      expect(ws.connectionsTotal).toBeGreaterThanOrEqual(2);
    } finally {
      await stream.stop();
      await ws.close();
    }
  });
});

describe('ClosedCandleAppender', () => {
  it('appends closed stream candles to the Parquet store in batches (a repeat is an upsert)', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const root = await mkdtemp(join(tmpdir(), 'appender-'));
    try {
      const store = new ParquetCandleStore({ root, fsync: false });
      const app = new ClosedCandleAppender(store, { flushEvery: 2 });
      const c = (i: number, close: number): ClosedCandle => ({ market: 'KRW-BTC', timeframe: '1m', source: 'stream', candle: { timestamp: T0 + i * M, open: close, high: close, low: close, close, volume: 1 } });
      await app.append(c(0, 10));
      expect(await store.bounds('KRW-BTC', '1m')).toBeUndefined(); // buffered, below flushEvery
      await app.append(c(1, 11)); // reaches flushEvery = 2
      await app.append(c(1, 12)); // repaired value for minute 1
      await app.flush();
      const s = await store.loadSeries({ symbol: 'KRW-BTC', timeframe: '1m' });
      expect(Array.from(s.timestamp)).toEqual([T0, T0 + M]);
      expect(Array.from(s.close)).toEqual([10, 12]);
      expect(app.written).toBe(3);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
