import { BacktestJobDataSchema, IngestionRequestSchema, parseJobPayload } from './schemas';

const base = { strategy: 'volume_long_candle', symbols: ['krw-btc', 'KRW-ETH'], start_date: '2024-01-01', end_date: '2024-03-31' };

describe('job payloads', () => {
  it('fail with UNSUPPORTED_VERSION for another version, before looking at the rest', () => {
    expect(() => parseJobPayload(BacktestJobDataSchema, { v: 2, anything: true }, 'payload')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_VERSION', version: 2 }));
    expect(() => parseJobPayload(BacktestJobDataSchema, null, 'payload')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_VERSION' }));
  });
  it('parse a v1 envelope and leave its request to the application\'s parser', () => {
    const data = { v: 1, request: base, submitted_at: '2024-05-01T00:00:00.000Z' };
    expect(parseJobPayload(BacktestJobDataSchema, data, 'payload').request).toEqual(base);
    expect(() => parseJobPayload(BacktestJobDataSchema, { ...data, priority: 1 }, 'payload')).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }));
  });
  it('ingestion requests default to 3 days', () => {
    expect(IngestionRequestSchema.parse({ symbols: ['KRW-BTC'], timeframes: ['1D'] })).toEqual({ symbols: ['KRW-BTC'], timeframes: ['1d'], days: 3 });
  });
});
