import { ParquetCandleStore } from './store';
import { loadSeriesForBacktest } from './backtest-loader';
import { series, tempDir, toRows, type Row } from '../test/helpers';

const tmp = tempDir('bt-loader');
afterAll(() => tmp.cleanup());

const D = 86_400_000;
const day = (i: number): string => new Date(Date.parse('2024-01-01T00:00:00Z') + i * D).toISOString();
const good = (i: number): Row => [day(i), 100, 110, 90, 105, 1];

async function storeWith(rows: Row[]): Promise<ParquetCandleStore> {
  const store = new ParquetCandleStore({ root: tmp.sub('root'), fsync: false });
  await store.write('KRW-BTC', '1d', series(rows));
  return store;
}

describe('loadSeriesForBacktest', () => {
  it('reads date-only bounds in Asia/Seoul with the end date inclusive', async () => {
    const store = await storeWith(Array.from({ length: 40 }, (_, i) => good(i)));
    // 2024-01-01..2024-01-31 KST = [2023-12-31T15:00Z, 2024-01-31T14:59:59.999Z]: the 00:00Z bars of Jan 1..31.
    const r = await loadSeriesForBacktest(store, { symbol: 'BTC_KRW', timeframe: '1D', from: '2024-01-01', to: '2024-01-31' });
    expect(r.candles.timestamp.length).toBe(31);
    expect(new Date(r.candles.timestamp[30]).toISOString()).toBe('2024-01-31T00:00:00.000Z');
    expect(r.report.verdict).toBe('valid');
    expect(r).toMatchObject({ symbol: 'KRW-BTC', timeframe: '1d', from: Date.parse('2023-12-31T15:00:00Z'), to: Date.parse('2024-01-31T14:59:59.999Z') });
  });

  it('refuses invalid data, repairs it or ignores it on request', async () => {
    const rows = [good(0), good(1), [day(2), 100, 80, 90, 105, 1] as Row, good(3)];
    const store = await storeWith(rows);
    const q = { symbol: 'KRW-BTC', timeframe: '1d' };
    await expect(loadSeriesForBacktest(store, q)).rejects.toMatchObject({ code: 'DATA_QUALITY', message: expect.stringMatching(/high 80 < low 90.*--repair.*--ignore-quality/) });
    const repaired = await loadSeriesForBacktest(store, { ...q, quality: 'repair' });
    expect(toRows(repaired.candles).map((r) => r[0])).toEqual([day(0), day(1), day(3)]);
    expect(repaired.repair).toMatchObject({ droppedCount: 1 });
    expect(repaired.report.verdict).toBe('invalid');
    const ignored = await loadSeriesForBacktest(store, { ...q, quality: 'ignore' });
    expect(ignored.candles.timestamp.length).toBe(4);
  });

  it('says what is stored when the range is empty', async () => {
    const store = await storeWith([good(0), good(1)]);
    await expect(loadSeriesForBacktest(store, { symbol: 'KRW-BTC', timeframe: '1d', from: '2025-01-01', to: '2025-02-01' }))
      .rejects.toMatchObject({ code: 'NO_DATA', message: expect.stringContaining('stored: 2024-01-01T00:00:00.000Z .. 2024-01-02T00:00:00.000Z') });
    await expect(loadSeriesForBacktest(store, { symbol: 'KRW-ETH', timeframe: '1d' })).rejects.toMatchObject({ code: 'NO_DATA', message: expect.stringContaining('nothing is stored') });
    await expect(loadSeriesForBacktest(store, { symbol: 'KRW-BTC', timeframe: '1d', from: '2024-02-01', to: '2024-01-01' })).rejects.toMatchObject({ code: 'INVALID_RANGE' });
  });
});
