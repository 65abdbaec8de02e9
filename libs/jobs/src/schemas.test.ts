import { BacktestJobDataSchema, BacktestRequestSchema, IngestionRequestSchema, parseJobPayload, parseOrThrow, SweepRequestSchema } from './schemas';

const base = { strategy: 'volume_long_candle', symbols: ['krw-btc', 'KRW-ETH'], start_date: '2024-01-01', end_date: '2024-03-31' };

describe('BacktestRequestSchema', () => {
  it('applies defaults and normalises spelling', () => {
    const r = BacktestRequestSchema.parse({ ...base, timeframe: '1H' });
    // Options are the engine's, with the engine's defaults recorded (0.1 % fee per leg, 0.02 % slippage, 10,000,000 KRW).
    expect(r).toMatchObject({ ...base, symbols: ['KRW-BTC', 'KRW-ETH'], params: {}, timeframe: '1h' });
    expect(r.options).toMatchObject({ fee_rate: 0.001, slippage_rate: 0.0002, initial_capital: 10_000_000, stop_loss_pct: null });
    expect(BacktestRequestSchema.parse({ ...base, options: { stop_loss_pct: 5 } }).options.stop_loss_pct).toBe(5);
    // market-data's rules: legacy BTC_KRW spelling, and 1M = one minute (the original's data paths)
    expect(BacktestRequestSchema.parse({ ...base, symbols: ['btc_krw'], timeframe: '1M' })).toMatchObject({ symbols: ['KRW-BTC'], timeframe: '1m' });
    expect(BacktestRequestSchema.parse(base).timeframe).toBe('1d');
  });

  it('accepts ISO times with offsets as bounds', () => {
    expect(BacktestRequestSchema.safeParse({ ...base, start_date: '2024-01-01T00:00:00+09:00', end_date: '2024-01-02T12:30Z' }).success).toBe(true);
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
    ['the retired spelling of the fee', { options: { fees: 0.001 } }, 'options'],
    ['a stop loss of 100 % or more (stop_loss_pct is percent)', { options: { stop_loss_pct: 100 } }, 'options.stop_loss_pct'],
    ['an unknown top-level field', { priority: 1 }, ''],
  ])('rejects %s', (_label, patch, path) => {
    expect(() => parseOrThrow(BacktestRequestSchema, { ...base, ...patch }, 'backtest request')).toThrow(
      expect.objectContaining({ code: 'INVALID_REQUEST', issues: expect.arrayContaining([expect.objectContaining({ path })]) }),
    );
  });
});

describe('SweepRequestSchema', () => {
  it('refuses grids larger than the engine\'s 1,000,000 sets (naming grid and the limit) and parameters both fixed and swept', () => {
    const list = (n: number) => Array.from({ length: n }, (_, i) => i);
    // 1000 × 1000 = 1,000,000: exactly the limit, accepted; one more value on a third axis (×2) is not.
    expect(SweepRequestSchema.safeParse({ ...base, grid: { a: list(1000), b: list(1000) } }).success).toBe(true);
    const big = SweepRequestSchema.safeParse({ ...base, grid: { a: list(1000), b: list(1000), c: [1, 2] } });
    expect(big.success).toBe(false);
    expect(big.error?.issues).toContainEqual(expect.objectContaining({ path: ['grid'], message: expect.stringMatching(/expands to 2000000 parameter sets .*at most 1000000 are allowed/) }));
    const both = SweepRequestSchema.safeParse({ ...base, params: { a: 1 }, grid: { a: [1, 2] } });
    expect(both.success).toBe(false);
    expect(SweepRequestSchema.parse({ ...base, grid: { a: [1, 2] } })).toMatchObject({ chunk_size: 25, rank_by: 'total_return_pct' });
  });
  it('only ranks by metrics the engine computes', () => {
    expect(SweepRequestSchema.safeParse({ ...base, grid: { a: [1] }, rank_by: 'luck' }).success).toBe(false);
    expect(SweepRequestSchema.safeParse({ ...base, grid: { a: [1] }, rank_by: 'sharpe', direction: 'max' }).success).toBe(true);
  });
});

describe('job payloads', () => {
  it('fail with UNSUPPORTED_VERSION for another version, before looking at the rest', () => {
    expect(() => parseJobPayload(BacktestJobDataSchema, { v: 2, anything: true }, 'payload')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_VERSION', version: 2 }));
    expect(() => parseJobPayload(BacktestJobDataSchema, null, 'payload')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_VERSION' }));
  });
  it('parse a v1 payload', () => {
    const data = { v: 1, request: base, submitted_at: '2024-05-01T00:00:00.000Z' };
    expect(parseJobPayload(BacktestJobDataSchema, data, 'payload').request.symbols).toEqual(['KRW-BTC', 'KRW-ETH']);
  });
  it('ingestion requests default to 3 days', () => {
    expect(IngestionRequestSchema.parse({ symbols: ['KRW-BTC'], timeframes: ['1D'] })).toEqual({ symbols: ['KRW-BTC'], timeframes: ['1d'], days: 3 });
  });
});
