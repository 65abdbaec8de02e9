import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ParquetCandleStore } from './store';
import { inventory } from './inventory';
import { series, tempDir } from '../test/helpers';

const tmp = tempDir('inventory');
afterAll(() => tmp.cleanup());

describe('inventory', () => {
  it('lists series, years, rows, first/last candle and bytes, and flags what is not canonical', async () => {
    const store = new ParquetCandleStore({ root: tmp.sub('root'), fsync: false });
    await store.merge('KRW-BTC', '1h', series([
      ['2023-12-31T23:00:00Z', 1, 1, 1, 1, 1], ['2024-01-01T00:00:00Z', 1, 1, 1, 1, 1], ['2024-01-01T05:00:00Z', 1, 1, 1, 1, 1],
    ]));
    await store.merge('KRW-ETH', '1d', series([['2024-03-01T00:00:00Z', 1, 1, 1, 1, 1]]));
    await store.addCoverage('KRW-ETH', '1d', 'upbit', [[0, 10]]);
    mkdirSync(join(store.root, 'BTC_KRW', '1D'), { recursive: true });
    mkdirSync(join(store.root, 'KRW-ETH', '1D'), { recursive: true });
    writeFileSync(join(store.root, 'KRW-ETH', '1d', 'notes.txt'), 'x');
    writeFileSync(join(store.root, 'README.md'), '# data');
    writeFileSync(join(store.root, 'stray.csv'), 'x');
    writeFileSync(join(store.root, 'KRW-ETH', '1d', '2025.parquet'), 'broken');

    const inv = await inventory(store);
    expect(inv.series.map((s) => [s.symbol, s.timeframe, s.rows, s.files.map((f) => [f.year, f.rows])])).toEqual([
      ['KRW-BTC', '1h', 3, [[2023, 1], [2024, 2]]],
      ['KRW-ETH', '1d', 1, [[2024, 1], [2025, 0]]],
    ]);
    const btc = inv.series[0];
    expect(btc.first).toBe(Date.parse('2023-12-31T23:00:00Z'));
    expect(btc.last).toBe(Date.parse('2024-01-01T05:00:00Z'));
    expect(btc.files[0].path).toBe(join('KRW-BTC', '1h', '2023.parquet'));
    expect(btc.bytes).toBe(btc.files[0].bytes + btc.files[1].bytes);
    expect(btc.bytes).toBeGreaterThan(0);
    expect(inv.series[1].coverage).toEqual([[0, 10]]);
    expect(inv.series[1].files[1].error).toMatch(/not a readable Parquet file/);
    expect(inv.unrecognised.map((u) => u.path)).toEqual(['BTC_KRW', join('KRW-ETH', '1D'), join('KRW-ETH', '1d', 'notes.txt'), 'stray.csv']);
    expect(inv.unrecognised[0].reason).toMatch(/legacy spelling of KRW-BTC/);
    expect(inv.totals).toEqual({ series: 2, files: 4, rows: 4, bytes: inv.series[0].bytes + inv.series[1].bytes });

    const filtered = await inventory(store, { symbol: 'btc_krw', timeframe: '1H' });
    expect(filtered.series.map((s) => s.symbol)).toEqual(['KRW-BTC']);
  });

  it('is empty for a missing root', async () => {
    const inv = await inventory(new ParquetCandleStore({ root: join(tmp.dir, 'nowhere') }));
    expect(inv.totals).toEqual({ series: 0, files: 0, rows: 0, bytes: 0 });
  });
});
