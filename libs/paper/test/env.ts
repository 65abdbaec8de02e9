// Test helpers: a fresh PostgreSQL schema per test file (migrated), fakes of Upbit, a runner wired to them.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { roundToTick } from '@coinhts/positions';
import { syntheticCandles } from '@coinhts/engine/testing';
import type { CandleColumns } from '@coinhts/engine';
import { UpbitCandleStream, UpbitClient } from '@coinhts/market-data';
import type { FakeCandle } from '@coinhts/market-data/testing';
import { createDataSource, PaperSessionRepository, runMigrations } from '@coinhts/results';
import type { DataSource } from 'typeorm';
import { PaperRunner, type PaperRunnerEvent } from '../src';

/** DATABASE_URL, or a loud failure that says how to get one. */
export function requireDatabaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: paper tests need PostgreSQL. Run `source tools/services.sh` (or export DATABASE_URL) and re-run.');
  return url;
}

/** A fresh schema; `ds` is valid inside tests. */
export function useSchema(): { url: string; schema: string; ds: DataSource; repo: PaperSessionRepository } {
  const url = requireDatabaseUrl();
  const schema = `paper_t_${randomBytes(6).toString('hex')}`;
  const ctx = { url, schema } as { url: string; schema: string; ds: DataSource; repo: PaperSessionRepository };
  beforeAll(async () => {
    ctx.ds = createDataSource({ url, schema, poolSize: 4 });
    await runMigrations(ctx.ds);
    ctx.repo = new PaperSessionRepository(ctx.ds);
  });
  afterAll(async () => {
    if (ctx.ds?.isInitialized) {
      await ctx.ds.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await ctx.ds.destroy();
    }
  });
  return ctx;
}

/** Polls `fn` until truthy (events and states, never elapsed time, decide). */
export async function waitFor<T>(what: string, fn: () => Promise<T> | T, timeoutMs = 45_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One day of 1-minute candles with every price on Upbit's tick (1,000 KRW above 1,000,000 KRW). */
export function dayOnTicks(seed: number, startMs = Date.parse('2025-11-11T00:00:00Z'), n = 1440): CandleColumns {
  const c = syntheticCandles({ n, seed, startPrice: 150_000_000, volatility: 0.002, startMs });
  const snap = (a: Float64Array, dir: 'down' | 'up') => a.map((x) => roundToTick(x, dir));
  const open = snap(c.open, 'down'), close = snap(c.close, 'down');
  const high = snap(c.high, 'up').map((h, i) => Math.max(h, open[i], close[i]));
  const low = snap(c.low, 'down').map((l, i) => Math.min(l, open[i], close[i]));
  return { timestamp: c.timestamp, open, high, low, close, volume: c.volume };
}

/** The candles as the fakes take them. */
export function fakeCandles(c: CandleColumns): FakeCandle[] {
  return Array.from(c.timestamp, (t, i) => ({ t, o: c.open[i], h: c.high[i], l: c.low[i], c: c.close[i], v: c.volume[i], q: c.volume[i] * c.close[i] }));
}

/** Node options that let a child process load the TypeScript sources. */
export function sourceExecArgv(): string[] {
  const req = createRequire(__filename);
  return ['--conditions=@coinhts/source', '-r', req.resolve('@swc-node/register')];
}

/** A runner whose streams talk to the fake servers, with a controllable clock. */
export function fakeRunner(o: { repo: PaperSessionRepository; owner: string; wsUrl: string; restUrl: string; now: () => number; leaseMs?: number; events?: PaperRunnerEvent[]; onEvent?: (e: PaperRunnerEvent) => void; streams?: UpbitCandleStream[] }): PaperRunner {
  return new PaperRunner({
    repository: o.repo, owner: o.owner, leaseMs: o.leaseMs ?? 5000, pollMs: 100,
    onEvent: (e) => { o.events?.push(e); o.onEvent?.(e); },
    streamFactory: (s) => {
      const stream = new UpbitCandleStream({
        markets: s.markets, timeframes: s.timeframes, resumeAfter: s.resumeAfter, onCandle: s.onCandle, onEvent: s.onEvent,
        url: o.wsUrl, now: o.now, tickMs: 50, graceMs: 2000, backoffBaseMs: 10, backoffMaxMs: 100,
        fetchGap: undefined, rest: { baseUrl: o.restUrl, sleep: async () => undefined },
      });
      o.streams?.push(stream);
      return stream;
    },
  });
}

/** A REST client for the fake (market checks). */
export function fakeClient(restUrl: string): UpbitClient {
  return new UpbitClient({ baseUrl: restUrl, sleep: async () => undefined, maxRetries: 0 });
}
