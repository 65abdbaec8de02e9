import { ParquetCandleStore } from './store';
import { UpbitClient, collectUpbitCandles, formatUpbitTime, type CollectProgress } from './upbit';
import { startFakeUpbit, type Fault, type FakeCandle } from './testing/fake-upbit-rest';
import { tempDir, toRows } from '../test/helpers';

const tmp = tempDir('upbit');
afterAll(() => tmp.cleanup());

const H = 3_600_000;
const T0 = Date.parse('2024-01-01T00:00:00Z');
/** Hours without trades: Upbit simply has no candle for them. */
const QUIET = new Set([100, 101, 350]);
/** Hourly KRW-BTC candles for hours 0..500; hour 500 is still forming at NOW. */
const HOURLY: FakeCandle[] = Array.from({ length: 501 }, (_, i) => i).filter((i) => !QUIET.has(i)).map((i) => {
  const o = 50_000_000 + i * 1000;
  return { t: T0 + i * H, o, h: o + 5000, l: o - 5000, c: o + 2000, v: 0.5 + i / 1000, q: (o + 2000) * (0.5 + i / 1000) };
});
const NOW = T0 + 500 * H + 30 * 60_000;
const CLOSED = HOURLY.filter((c) => c.t < T0 + 500 * H); // 497 candles

const expectedRows = (cs: readonly FakeCandle[]): (string | number)[][] => cs.map((c) => [new Date(c.t).toISOString(), c.o, c.h, c.l, c.c, c.v, c.q]);

function setup(fault?: (n: number) => Fault | undefined, remainingSec?: (n: number) => number) {
  return startFakeUpbit({ data: { 'KRW-BTC': { 'minutes/60': HOURLY } }, fault, remainingSec });
}

function recorder(): { sleeps: number[]; sleep: (ms: number) => Promise<void> } {
  const sleeps: number[] = [];
  return { sleeps, sleep: async (ms) => { sleeps.push(ms); } };
}

describe('UpbitClient', () => {
  it('maps a recorded Upbit response (real KRW-BTC minutes, UPBIT.md) to ascending columns', async () => {
    // Hand-written in Upbit's format: newest first, UTC without offset, volume = candle_acc_trade_volume.
    const body = `[
      {"market":"KRW-BTC","candle_date_time_utc":"2025-11-11T00:03:00","candle_date_time_kst":"2025-11-11T09:03:00","opening_price":156974000,"high_price":157052000,"low_price":156906000,"trade_price":156954000,"timestamp":1762819439000,"candle_acc_trade_price":62694312.1,"candle_acc_trade_volume":0.399434,"unit":1},
      {"market":"KRW-BTC","candle_date_time_utc":"2025-11-11T00:02:00","candle_date_time_kst":"2025-11-11T09:02:00","opening_price":156939000,"high_price":157020000,"low_price":156850000,"trade_price":156973000,"timestamp":1762819379000,"candle_acc_trade_price":60726547.9,"candle_acc_trade_volume":0.386865,"unit":1},
      {"market":"KRW-BTC","candle_date_time_utc":"2025-11-11T00:01:00","candle_date_time_kst":"2025-11-11T09:01:00","opening_price":156969000,"high_price":157150000,"low_price":156827000,"trade_price":156860000,"timestamp":1762819319000,"candle_acc_trade_price":102296451.7,"candle_acc_trade_volume":0.651881,"unit":1}
    ]`;
    const fake = await startFakeUpbit({ data: {}, fault: () => ({ status: 200, body }) });
    try {
      const page = await new UpbitClient({ baseUrl: fake.baseUrl }).getCandles({ market: 'KRW-BTC', timeframe: '1m', to: Date.parse('2025-11-11T00:04:00Z') });
      expect(toRows(page)).toEqual([
        ['2025-11-11T00:01:00.000Z', 156969000, 157150000, 156827000, 156860000, 0.651881, 102296451.7],
        ['2025-11-11T00:02:00.000Z', 156939000, 157020000, 156850000, 156973000, 0.386865, 60726547.9],
        ['2025-11-11T00:03:00.000Z', 156974000, 157052000, 156906000, 156954000, 0.399434, 62694312.1],
      ]);
      expect(fake.requests[0].path).toBe('/v1/candles/minutes/1');
      expect(fake.requests[0].query).toEqual({ market: 'KRW-BTC', count: '200', to: '2025-11-11T00:04:00Z' });
      expect(fake.requests[0].headers.origin).toBeUndefined();
    } finally {
      await fake.close();
    }
  });

  it('waits a second when Remaining-Req says the per-second budget is spent', async () => {
    const fake = await setup(undefined, (n) => (n === 0 ? 0 : 9));
    const { sleeps, sleep } = recorder();
    try {
      const client = new UpbitClient({ baseUrl: fake.baseUrl, sleep });
      await client.getCandles({ market: 'KRW-BTC', timeframe: '1h', to: T0 + 10 * H });
      expect(sleeps).toEqual([]);
      await client.getCandles({ market: 'KRW-BTC', timeframe: '1h', to: T0 + 10 * H });
      expect(sleeps).toEqual([1000]);
      expect(client.stats.throttleWaits).toBe(1);
    } finally {
      await fake.close();
    }
  });

  it('backs off on 429 with exponential, jittered delays and honours Retry-After', async () => {
    const tooMany = { status: 429, body: '{"error":{"name":"too_many_requests","message":"Too many API requests."}}' };
    const fake = await setup((n) => (n === 0 || n === 1 ? tooMany : n === 2 ? { ...tooMany, headers: { 'Retry-After': '3' } } : undefined));
    const { sleeps, sleep } = recorder();
    try {
      const client = new UpbitClient({ baseUrl: fake.baseUrl, sleep, random: () => 0.5, backoffBaseMs: 500 });
      const page = await client.getCandles({ market: 'KRW-BTC', timeframe: '1h', to: T0 + 3 * H });
      expect(page.timestamp.length).toBe(3);
      // Equal jitter: delay·(0.5 + random/2) = 0.75·delay for 500, 1000 ms; then Retry-After 3 s wins over 1500 ms.
      expect(sleeps).toEqual([375, 750, 3000]);
      expect(client.stats).toMatchObject({ requests: 4, retries: 3 });
    } finally {
      await fake.close();
    }
  });

  it('retries 5xx, truncated JSON and cut connections, then succeeds', async () => {
    const faults: Fault[] = [{ status: 502, body: '<html>Bad Gateway</html>' }, { truncate: true }, { destroy: true }, { status: 200, body: '{"error":"not an array"}' }];
    const fake = await setup((n) => faults[n]);
    const { sleep } = recorder();
    try {
      const client = new UpbitClient({ baseUrl: fake.baseUrl, sleep });
      const page = await client.getCandles({ market: 'KRW-BTC', timeframe: '1h', to: T0 + 2 * H });
      expect(Array.from(page.timestamp)).toEqual([T0, T0 + H]);
      expect(client.stats).toMatchObject({ requests: 5, retries: 4 });
    } finally {
      await fake.close();
    }
  });

  it('gives up after the retry budget with UPBIT_HTTP naming the status', async () => {
    const fake = await setup(() => ({ status: 503, body: 'maintenance' }));
    const { sleep } = recorder();
    try {
      const client = new UpbitClient({ baseUrl: fake.baseUrl, sleep, maxRetries: 2 });
      await expect(client.getCandles({ market: 'KRW-BTC', timeframe: '1h' })).rejects.toMatchObject({ code: 'UPBIT_HTTP', status: 503, attempts: 3 });
      expect(fake.requests).toHaveLength(3);
    } finally {
      await fake.close();
    }
  });

  it('stops at once when blocked (418) or when the market does not exist (404)', async () => {
    const fake = await startFakeUpbit({ data: { 'KRW-BTC': { 'minutes/60': HOURLY } }, fault: (_n, req) => (req.query.market === 'KRW-BTC' ? { status: 418, body: '{"error":{"name":"blocked","message":"blocked for 60s"}}' } : undefined) });
    const { sleeps, sleep } = recorder();
    try {
      const client = new UpbitClient({ baseUrl: fake.baseUrl, sleep });
      await expect(client.getCandles({ market: 'KRW-BTC', timeframe: '1h' })).rejects.toMatchObject({ code: 'UPBIT_HTTP', status: 418 });
      await expect(client.getCandles({ market: 'KRW-NOPE', timeframe: '1h' })).rejects.toThrow(/HTTP 404.*Code not found/);
      expect(fake.requests).toHaveLength(2);
      expect(sleeps).toEqual([]);
    } finally {
      await fake.close();
    }
  });

  it('uses an injected fetch and base URL (no network at all)', async () => {
    const seen: string[] = [];
    const fakeFetch: typeof fetch = async (input) => {
      seen.push(String(input));
      return new Response('[]', { status: 200, headers: { 'Remaining-Req': 'group=candles; min=1800; sec=5' } });
    };
    const client = new UpbitClient({ baseUrl: 'http://upbit.invalid/', fetch: fakeFetch });
    const page = await client.getCandles({ market: 'KRW-ETH', timeframe: '1w', to: Date.parse('2024-01-08T00:00:00Z'), count: 10 });
    expect(page.timestamp.length).toBe(0);
    expect(seen).toEqual(['http://upbit.invalid/v1/candles/weeks?market=KRW-ETH&count=10&to=2024-01-08T00%3A00%3A00Z']);
  });

  it('formats `to` in whole UTC seconds', () => {
    expect(formatUpbitTime(Date.parse('2024-01-21T19:59:59.999Z'))).toBe('2024-01-21T19:59:59Z');
  });
});

describe('collectUpbitCandles', () => {
  it('pages backwards 200 at a time, stores every closed candle once, and leaves the forming candle out', async () => {
    const fake = await setup();
    const store = new ParquetCandleStore({ root: tmp.sub('root'), fsync: false });
    const progress: CollectProgress[] = [];
    try {
      const res = await collectUpbitCandles(store, {
        symbol: 'btc_krw', timeframe: '1H', from: T0, client: { baseUrl: fake.baseUrl }, now: () => NOW, onProgress: (p) => progress.push(p),
      });
      expect(res).toMatchObject({ symbol: 'KRW-BTC', timeframe: '1h', fetched: 497, inserted: 497, replaced: 0 });
      // Page 1: hours 499..299 (200 candles, 350 had no trades); page 2: 298..97 (100, 101 quiet); page 3: 96..0.
      expect(fake.requests.map((r) => r.query.to)).toEqual(['2024-01-21T20:00:00Z', '2024-01-13T11:00:00Z', '2024-01-05T01:00:00Z']);
      expect(toRows(await store.loadSeries({ symbol: 'KRW-BTC', timeframe: '1h' }))).toEqual(expectedRows(CLOSED));
      expect(await store.readCoverage('KRW-BTC', '1h')).toMatchObject({ intervals: [[T0, T0 + 500 * H - 1]] });
      expect(progress.map((p) => p.fetched)).toEqual([200, 400, 497, 497]);
      expect(progress.every((p) => p.estimatedTotal >= p.fetched)).toBe(true);
      expect(progress[progress.length - 1].estimatedTotal).toBe(497);
    } finally {
      await fake.close();
    }
  });

  it('resumes after a failure from where it stopped and is idempotent afterwards', async () => {
    let failing = true;
    const fake = await setup((n) => (failing && n === 1 ? { status: 500, body: 'boom' } : undefined));
    const store = new ParquetCandleStore({ root: tmp.sub('root'), fsync: false });
    const opts = { symbol: 'KRW-BTC', timeframe: '1h', from: T0, now: () => NOW, client: { baseUrl: fake.baseUrl, maxRetries: 0 } };
    try {
      await expect(collectUpbitCandles(store, opts)).rejects.toMatchObject({ code: 'UPBIT_HTTP', status: 500 });
      // The first page (hours 297..499, 200 candles) was kept and recorded as fetched.
      const partial = await store.loadSeries({ symbol: 'KRW-BTC', timeframe: '1h' });
      expect(partial.timestamp.length).toBe(200);
      expect(await store.readCoverage('KRW-BTC', '1h')).toMatchObject({ intervals: [[partial.timestamp[0], T0 + 500 * H - 1]] });

      failing = false;
      const before = fake.requests.length;
      const second = await collectUpbitCandles(store, opts);
      expect(second.fetchedRanges).toEqual([[T0, partial.timestamp[0] - 1]]);
      expect(fake.requests.length - before).toBe(2);
      expect(fake.requests[before].query.to).toBe(new Date(partial.timestamp[0]).toISOString().replace('.000Z', 'Z'));
      expect(toRows(await store.loadSeries({ symbol: 'KRW-BTC', timeframe: '1h' }))).toEqual(expectedRows(CLOSED));

      const third = await collectUpbitCandles(store, opts);
      expect(third.fetched).toBe(0);
      expect(fake.requests.length - before).toBe(2);
      const refetch = await collectUpbitCandles(store, { ...opts, resume: false });
      expect(refetch).toMatchObject({ fetched: 497, inserted: 0, replaced: 497 });
      expect(toRows(await store.loadSeries({ symbol: 'KRW-BTC', timeframe: '1h' }))).toEqual(expectedRows(CLOSED));
    } finally {
      await fake.close();
    }
  });

  it('continues from the newest stored candle when there is no coverage record (data imported earlier)', async () => {
    const fake = await setup();
    const store = new ParquetCandleStore({ root: tmp.sub('root'), fsync: false });
    try {
      const first = await collectUpbitCandles(store, { symbol: 'KRW-BTC', timeframe: '1h', from: T0, to: T0 + 99 * H, now: () => NOW, client: { baseUrl: fake.baseUrl } });
      expect(first.fetched).toBe(100);
      // Forget the record, as if the rows had been imported from a file.
      await import('node:fs/promises').then((fs) => fs.unlink(`${store.seriesDir('KRW-BTC', '1h')}/_coverage.json`));
      const before = fake.requests.length;
      const second = await collectUpbitCandles(store, { symbol: 'KRW-BTC', timeframe: '1h', from: T0, now: () => NOW, client: { baseUrl: fake.baseUrl } });
      expect(second.fetchedRanges).toEqual([[T0 + 99 * H + 1, T0 + 500 * H - 1]]);
      expect(fake.requests[before].query.to).toBe('2024-01-21T20:00:00Z');
      expect(toRows(await store.loadSeries({ symbol: 'KRW-BTC', timeframe: '1h' }))).toEqual(expectedRows(CLOSED));
    } finally {
      await fake.close();
    }
  });

  it('stops on abort, keeping the pages already received', async () => {
    const fake = await setup();
    const store = new ParquetCandleStore({ root: tmp.sub('root'), fsync: false });
    const ac = new AbortController();
    try {
      await expect(collectUpbitCandles(store, {
        symbol: 'KRW-BTC', timeframe: '1h', from: T0, now: () => NOW, client: { baseUrl: fake.baseUrl }, signal: ac.signal,
        onProgress: () => ac.abort(new Error('user pressed ctrl-c')),
      })).rejects.toThrow('user pressed ctrl-c');
      expect((await store.loadSeries({ symbol: 'KRW-BTC', timeframe: '1h' })).timestamp.length).toBe(200);
      expect(fake.requests).toHaveLength(1);
    } finally {
      await fake.close();
    }
  });

  it('collects day candles from /v1/candles/days', async () => {
    const D = 86_400_000;
    const days: FakeCandle[] = [0, 1, 2, 3].map((i) => ({ t: T0 + i * D, o: 100 + i, h: 110 + i, l: 90 + i, c: 105 + i, v: 1 + i, q: 1000 + i }));
    const fake = await startFakeUpbit({ data: { 'KRW-ETH': { days } } });
    const store = new ParquetCandleStore({ root: tmp.sub('root'), fsync: false });
    try {
      const res = await collectUpbitCandles(store, { symbol: 'KRW-ETH', timeframe: '1d', from: T0, to: T0 + 10 * D, now: () => T0 + 3 * D + 5 * H, client: { baseUrl: fake.baseUrl } });
      expect(res.fetched).toBe(3);
      expect(fake.requests[0].path).toBe('/v1/candles/days');
      expect(toRows(await store.loadSeries({ symbol: 'KRW-ETH', timeframe: '1d' }))).toEqual(expectedRows(days.slice(0, 3)));
    } finally {
      await fake.close();
    }
  });
});
