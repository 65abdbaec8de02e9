import { parseQueuedSweepRequest, parseRunRequest, parseSweepRequest, RunRequestSchema, RUN_REQUEST_PARSERS, sweepBaseRequest, SweepRequestSchema } from './run-request';

const base = { strategy: 'volume_long_candle', symbols: ['krw-btc', 'KRW-ETH'], start_date: '2024-01-01', end_date: '2024-03-31' };

describe('RunRequestSchema', () => {
  it('applies defaults and normalises spelling', () => {
    const r = RunRequestSchema.parse({ ...base, timeframe: '1H' });
    // Options are the engine's, with the engine's defaults recorded (0.1 % fee per leg, 0.02 % slippage, 10,000,000 KRW).
    expect(r).toMatchObject({ ...base, symbols: ['KRW-BTC', 'KRW-ETH'], params: {}, timeframe: '1h' });
    expect(r.options).toMatchObject({ fee_rate: 0.001, slippage_rate: 0.0002, initial_capital: 10_000_000, stop_loss_pct: null });
    expect(RunRequestSchema.parse({ ...base, options: { stop_loss_pct: 5 } }).options.stop_loss_pct).toBe(5);
    // market-data's rules: legacy BTC_KRW spelling, and 1M = one minute (the original's data paths)
    expect(RunRequestSchema.parse({ ...base, symbols: ['btc_krw'], timeframe: '1M' })).toMatchObject({ symbols: ['KRW-BTC'], timeframe: '1m' });
    expect(RunRequestSchema.parse(base).timeframe).toBe('1d');
  });

  it('accepts ISO times with offsets as bounds', () => {
    expect(RunRequestSchema.safeParse({ ...base, start_date: '2024-01-01T00:00:00+09:00', end_date: '2024-01-02T12:30Z' }).success).toBe(true);
  });

  it.each([
    ['an end before the start', { end_date: '2023-12-31' }, 'end_date'],
    ['an impossible date', { start_date: '2024-02-30' }, 'start_date'],
    ['a repeated symbol', { symbols: ['KRW-BTC', 'krw-btc'] }, 'symbols'],
    ['a symbol that is not a market code', { symbols: ['../etc'] }, 'symbols.0'],
    ['a reversed pair', { symbols: ['BTC-KRW'] }, 'symbols.0'],
    ['no symbols', { symbols: [] }, 'symbols'],
    ['an unknown timeframe', { timeframe: '2h' }, 'timeframe'],
    ['an unknown option', { options: { leverage: 3 } }, 'options'],
    ['a fee above 10 % (fee_rate is a fraction)', { options: { fee_rate: 0.2 } }, 'options.fee_rate'],
    ['a stop loss of 100 % or more (stop_loss_pct is percent)', { options: { stop_loss_pct: 100 } }, 'options.stop_loss_pct'],
    ['an unknown top-level field', { priority: 1 }, ''],
  ])('rejects %s', (_label, patch, path) => {
    expect(() => parseRunRequest({ ...base, ...patch })).toThrow(
      expect.objectContaining({ code: 'INVALID_REQUEST', issues: expect.arrayContaining([expect.objectContaining({ path })]) }),
    );
  });

  it.each([
    // The retired names and units (before the engine's vocabulary became the only one).
    [{ fees: 0.001 }, 'options.fees', /renamed fee_rate \(the same fraction/],
    [{ slippage: 0.0002 }, 'options.slippage', /renamed slippage_rate/],
    [{ capital: 1_000_000 }, 'options.capital', /renamed initial_capital \(KRW\)/],
    [{ exits: { stop_loss: 0.05 } }, 'options.exits.stop_loss', /stop_loss_pct, in percent: multiply the old fraction by 100 \(0\.05 → 5\)/],
    [{ exits: { take_profit: 0.1 } }, 'options.exits.take_profit', /take_profit_pct, in percent/],
    [{ exits: { max_hold_bars: 5 } }, 'options.exits.max_hold_bars', /renamed hold_bars/],
  ])('names the replacement of the retired option %j', (options, path, message) => {
    let err: { code?: string; issues?: { path: string; message: string }[] } = {};
    try {
      parseRunRequest({ ...base, options });
    } catch (e) {
      err = e as typeof err;
    }
    expect(err.code).toBe('INVALID_REQUEST');
    // One issue for the retired name (not also an "unknown option" for it), and it names the new option.
    expect(err.issues).toEqual([{ path, message: expect.stringMatching(message) as unknown as string }]);
  });

  it('still reports other option problems next to a retired name', () => {
    expect(() => parseRunRequest({ ...base, options: { fees: 0.001, fee_rate: 0.5 } })).toThrow(expect.objectContaining({
      issues: expect.arrayContaining([expect.objectContaining({ path: 'options.fees' })]),
    }));
  });
});

describe('SweepRequestSchema', () => {
  it('refuses queued grids larger than the engine\'s 1,000,000 sets or 1000 values per parameter, and parameters both fixed and swept', () => {
    const list = (n: number) => Array.from({ length: n }, (_, i) => i);
    // 1000 × 1000 = 1,000,000: exactly the limit, accepted; a third axis of two values doubles it.
    expect(parseQueuedSweepRequest({ ...base, grid: { a: list(1000), b: list(1000) } }).grid.a).toHaveLength(1000);
    const big = { ...base, grid: { a: list(1000), b: list(1000), c: [1, 2] } };
    expect(() => parseQueuedSweepRequest(big)).toThrow(/grid: expands to 2000000 parameter sets .*at most 1000000 are allowed/);
    expect(() => parseQueuedSweepRequest({ ...base, grid: { a: Array.from({ length: 1001 }, (_, i) => i) } })).toThrow(/grid\.a: lists 1001 values; at most 1000/);
    // The request itself has no size limit: the CLI runs large grids and random searches in-process.
    expect(parseSweepRequest(big).grid.a).toHaveLength(1000);
    expect(RUN_REQUEST_PARSERS.sweep).toBe(parseQueuedSweepRequest);
    const both = SweepRequestSchema.safeParse({ ...base, params: { a: 1 }, grid: { a: [1, 2] } });
    expect(both.success).toBe(false);
    expect(SweepRequestSchema.parse({ ...base, grid: { a: [1, 2] } })).toMatchObject({ chunk_size: 25, rank_by: 'total_return_pct' });
  });
  it('only ranks by metrics the engine computes', () => {
    expect(SweepRequestSchema.safeParse({ ...base, grid: { a: [1] }, rank_by: 'luck' }).success).toBe(false);
    expect(SweepRequestSchema.safeParse({ ...base, grid: { a: [1] }, rank_by: 'sharpe', direction: 'max' }).success).toBe(true);
  });
  it('refuses retired option names in a sweep too', () => {
    expect(() => parseSweepRequest({ ...base, grid: { a: [1] }, options: { exits: { stop_loss: 0.02 } } })).toThrow(/options\.exits\.stop_loss: is now stop_loss_pct/);
  });
  it('has a base run request: the backtest fields, params empty, which parses as a run request', () => {
    const sweep = parseSweepRequest({ ...base, params: { x: 1 }, grid: { a: [1, 2] }, rank_by: 'sharpe', chunk_size: 5, options: { fee_rate: 0.0005 } });
    const b = sweepBaseRequest(sweep);
    expect(Object.keys(b).sort()).toEqual(['end_date', 'options', 'params', 'start_date', 'strategy', 'symbols', 'timeframe']);
    expect(b.params).toEqual({});
    expect(RUN_REQUEST_PARSERS.backtest(b)).toEqual(b);
  });
});
