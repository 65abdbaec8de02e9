import { InvalidParamsError } from '@coinhts/engine';
import { startFakeUpbit } from '@coinhts/market-data/testing';
import { ResultConflictError, ResultNotFoundError } from '@coinhts/results';
import { dayOnTicks, fakeCandles, fakeClient, useSchema } from '../test/env';
import { PaperService } from './paper-service';
import { PaperSession } from './paper-session';
import { upbitMarketCheck, validatePaperRequest } from './session-request';

const db = useSchema();
const PAIR = { symbol: 'KRW-BTC', strategy: 'sma_crossover', params: { fast_period: 5, slow_period: 20 } };

describe('bad input to paper start/stop: a clear error and nothing half-started', () => {
  let rest: Awaited<ReturnType<typeof startFakeUpbit>>;
  let service: PaperService;
  beforeAll(async () => {
    rest = await startFakeUpbit({ data: { 'KRW-BTC': { 'minutes/1': fakeCandles(dayOnTicks(1, Date.parse('2025-11-11T00:00:00Z'), 3)) } } });
    service = new PaperService(db.repo, upbitMarketCheck(fakeClient(rest.baseUrl)));
  });
  afterAll(async () => { await rest.close(); });

  const sessionCount = async (): Promise<number> => ((await db.ds.query(`SELECT count(*)::int AS n FROM paper_sessions`)) as { n: number }[])[0].n;

  async function rejected(body: unknown): Promise<InvalidParamsError> {
    const before = await sessionCount();
    const err = await service.start(body).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidParamsError);
    expect(await sessionCount()).toBe(before);
    return err as InvalidParamsError;
  }

  it('an unknown market (Upbit answers 404)', async () => {
    const err = await rejected({ name: 'x1', pairs: [{ ...PAIR, symbol: 'KRW-NOPE' }] });
    expect(err.issues).toEqual([{ field: 'pairs.0.symbol', message: 'Upbit does not list the market KRW-NOPE; use a listed KRW market such as KRW-BTC' }]);
  });

  it('a symbol that is not a market code', async () => {
    const err = await rejected({ name: 'x2', pairs: [{ ...PAIR, symbol: '../etc' }] });
    expect(err.issues[0].field).toBe('pairs.0.symbol');
  });

  it('params that fail the strategy\'s schema, and an unknown strategy', async () => {
    const err = await rejected({ name: 'x3', pairs: [{ ...PAIR, params: { fast_period: 20, slow_period: 5 } }, { symbol: 'KRW-BTC', strategy: 'nope', params: {} }] });
    expect(err.issues.map((i) => i.field)).toEqual(['pairs.0.params.slow_period', 'pairs.1.strategy']);
    expect(err.message).toMatch(/must be greater than fast_period/);
    expect(err.message).toMatch(/nope/);
  });

  it('a capital below the 5,000 KRW minimum order per pair', async () => {
    const err = await rejected({ name: 'x4', pairs: [PAIR, { ...PAIR, strategy: 'rsi_reversion', params: {} }], options: { initial_capital: 9000 } });
    expect(err.issues).toEqual([{ field: 'options.initial_capital', message: "9000 KRW over 2 pair(s) is 4500.00 KRW per pair, below Upbit's minimum order of 5000 KRW; raise the capital to at least 10000 KRW" }]);
  });

  it('fill "signal-close" and an unknown option', async () => {
    const err = await rejected({ name: 'x5', pairs: [PAIR], options: { fill: 'signal-close', stop_los_pct: 2 } });
    expect(err.issues.map((i) => i.field).sort()).toEqual(['options.stop_los_pct']);
    const err2 = await rejected({ name: 'x5', pairs: [PAIR], options: { fill: 'signal-close' } });
    expect(err2.issues[0]).toMatchObject({ field: 'options.fill' });
  });

  it('starting a session whose name is already running: 409 conflict, the running one untouched', async () => {
    const s = await service.start({ name: 'dup', pairs: [PAIR] });
    const before = await sessionCount();
    await expect(service.start({ name: 'dup', pairs: [PAIR] })).rejects.toMatchObject({ code: 'CONFLICT', key: 'paper_session_name', message: expect.stringMatching(/already running/) });
    expect(await sessionCount()).toBe(before);
    expect((await db.repo.get(s.id)).status).toBe('running');
  });

  it('stopping a session that is not running (409) or does not exist (404)', async () => {
    const s = await service.start({ name: 'stopme', pairs: [PAIR] });
    await service.stop(s.id);
    await expect(service.stop(s.id)).rejects.toBeInstanceOf(ResultConflictError);
    await expect(service.stop(s.id)).rejects.toThrow(/is stopping, not running/);
    await expect(service.stop('00000000-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(ResultNotFoundError);
  });
});

describe('Upbit rules inside a session: refused orders are recorded with their reason', () => {
  const candlesOf = (prices: number[]) => prices.map((p, i) => ({ timestamp: Date.parse('2025-11-11T00:00:00Z') + i * 60_000, open: p, high: p, low: p, close: p, volume: 1 }));
  // sma 2/3 on 150, 149, 148, 150, 151, … (millions): at bar 3 fast (148+150)/2 = 149 equals slow (149+148+150)/3 = 149;
  // at bar 4 fast 150.5 > slow 149.67: the Buy is decided on bar 4 and fills at bar 5's open.
  const run = async (capital: number, prices: number[]) => {
    const v = await validatePaperRequest({ name: 'r', pairs: [{ symbol: 'KRW-BTC', strategy: 'sma_crossover', params: { fast_period: 2, slow_period: 3 } }], options: { initial_capital: capital, slippage_rate: 0 } });
    const session = new PaperSession('00000000-0000-4000-8000-0000000000aa', v, []);
    for (const c of candlesOf(prices)) session.apply({ market: 'KRW-BTC', timeframe: '1m', candle: c, source: 'stream' });
    return session.drain().orders;
  };

  it('an order below 5,000 KRW', async () => {
    // Capital 5,000 KRW, all in, fee 0.05 %, fill at bar 5's open 152,000,000: quantity = 5,000 / (1.0005 × 152,000,000)
    // = 3.2878e-5 → 3.287e-5 BTC (rounded down to 1e-8); amount 3.287e-5 × 152,000,000 = 4,996.24 KRW < 5,000 → refused.
    const orders = await run(5000, [150_000_000, 149_000_000, 148_000_000, 150_000_000, 151_000_000, 152_000_000]);
    const refused = orders.filter((o) => o.status === 'refused');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]).toMatchObject({ side: 'buy', reason: 'below-minimum-order' });
    expect(refused[0].message).toMatch(/4,996\.24 KRW/);
    expect(refused[0].orderTime).toBe(Date.parse('2025-11-11T00:05:00Z'));
  });

  it('a price off the tick', async () => {
    // Bar 5 opens at 152,000,500: not a multiple of the 1,000 KRW tick of its band.
    const orders = await run(10_000_000, [150_000_000, 149_000_000, 148_000_000, 150_000_000, 151_000_000, 152_000_500, 153_000_000]);
    expect(orders.filter((o) => o.status === 'refused').map((o) => o.reason)).toContain('off-tick');
    expect(orders.filter((o) => o.status === 'filled')).toHaveLength(0);
  });
});
