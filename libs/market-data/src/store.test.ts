import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { ParquetCandleStore } from './store';
import { series, tempDir, toRows, type Row } from '../test/helpers';
import { f64, tsMs, writeParquetFixture } from '../test/parquet-fixtures';
import { loadHyparquet, toArrayBuffer } from '../test/hyparquet';

const tmp = tempDir('store');
afterAll(() => tmp.cleanup());

const newStore = (opts: Partial<ConstructorParameters<typeof ParquetCandleStore>[0]> = {}): ParquetCandleStore =>
  new ParquetCandleStore({ root: tmp.sub('root'), fsync: false, ...opts });

// Hand-written hourly rows around a new year (UTC), with KRW turnover.
const NEW_YEAR: Row[] = [
  ['2023-12-31T22:00:00.000Z', 56_000_000, 56_100_000, 55_900_000, 56_050_000, 1.5, 84_075_000],
  ['2023-12-31T23:00:00.000Z', 56_050_000, 56_200_000, 56_000_000, 56_150_000, 2.25, 126_337_500],
  ['2024-01-01T00:00:00.000Z', 56_150_000, 56_400_000, 56_100_000, 56_300_000, 3, 168_900_000],
  ['2024-01-01T01:00:00.000Z', 56_300_000, 56_350_000, 56_000_000, 56_010_000, 0.5, 28_005_000],
];

describe('ParquetCandleStore layout', () => {
  it('writes one file per UTC year under canonical names, whatever spelling the caller used', async () => {
    const store = newStore();
    const res = await store.merge('btc_krw', '1H', series(NEW_YEAR));
    expect(res).toMatchObject({ symbol: 'KRW-BTC', timeframe: '1h', rows: 4, inserted: 4, replaced: 0 });
    expect(readdirSync(join(store.root, 'KRW-BTC', '1h')).filter((f) => !f.startsWith('.')).sort()).toEqual(['2023.parquet', '2024.parquet']);
    expect(res.files.map((f) => [f.year, f.rows])).toEqual([[2023, 2], [2024, 2]]);
    expect(await store.years('KRW-BTC', '1h')).toEqual([2023, 2024]);
  });

  it('rejects path-like symbols before touching the filesystem', async () => {
    const store = newStore();
    for (const bad of ['../x', '/etc', '..', 'KRW-BTC/../../x']) {
      await expect(store.merge(bad, '1h', series(NEW_YEAR))).rejects.toMatchObject({ code: 'INVALID_SYMBOL' });
      await expect(store.load({ symbol: bad, timeframe: '1h' })).rejects.toMatchObject({ code: 'INVALID_SYMBOL' });
    }
    await expect(store.merge('KRW-BTC', '../1h', series(NEW_YEAR))).rejects.toMatchObject({ code: 'INVALID_TIMEFRAME' });
    expect(existsSync(store.root)).toBe(false);
  });
});

describe('ParquetCandleStore reads', () => {
  it('returns an inclusive time range across year files, sorted', async () => {
    const store = newStore();
    await store.merge('KRW-BTC', '1h', series(NEW_YEAR));
    const all = await store.loadSeries({ symbol: 'KRW-BTC', timeframe: '1h' });
    expect(toRows(all)).toEqual(NEW_YEAR.map((r) => [...r]));
    const mid = await store.load({ symbol: 'KRW-BTC', timeframe: '1h', from: Date.parse('2023-12-31T23:00:00Z'), to: Date.parse('2024-01-01T00:00:00Z') });
    expect(Array.from(mid.timestamp, (t) => new Date(t).toISOString())).toEqual(['2023-12-31T23:00:00.000Z', '2024-01-01T00:00:00.000Z']);
    expect(Array.from(mid.close)).toEqual([56_150_000, 56_300_000]);
  });

  it('returns an empty series when nothing is stored and rejects reversed ranges', async () => {
    const store = newStore();
    const none = await store.load({ symbol: 'KRW-ETH', timeframe: '1d' });
    expect(none.timestamp.length).toBe(0);
    await expect(store.load({ symbol: 'KRW-ETH', timeframe: '1d', from: 10, to: 5 })).rejects.toMatchObject({ code: 'INVALID_RANGE' });
  });

  it('sorts rows of a file written by another tool but keeps its duplicates for the quality report', async () => {
    const store = newStore();
    writeParquetFixture(store.filePath('KRW-BTC', '1h', 2024), {
      timestamp: tsMs(['2024-01-01T02:00:00Z', '2024-01-01T00:00:00Z', '2024-01-01T02:00:00Z']),
      open: f64([3, 1, 4]), high: f64([3, 1, 4]), low: f64([3, 1, 4]), close: f64([3, 1, 4]), volume: f64([3, 1, 4]),
    });
    const s = await store.loadSeries({ symbol: 'KRW-BTC', timeframe: '1h' });
    expect(Array.from(s.timestamp, (t) => new Date(t).toISOString().slice(11, 16))).toEqual(['00:00', '02:00', '02:00']);
    expect(Array.from(s.close)).toEqual([1, 3, 4]);
    // A merge cleans such a file: the last of the duplicates stays.
    await store.merge('KRW-BTC', '1h', series([['2024-01-01T01:00:00Z', 2, 2, 2, 2, 2]]));
    expect(Array.from((await store.loadSeries({ symbol: 'KRW-BTC', timeframe: '1h' })).close)).toEqual([1, 2, 4]);
  });

  it('names the file when a year file is corrupt', async () => {
    const store = newStore();
    await store.merge('KRW-BTC', '1h', series(NEW_YEAR));
    const path = store.filePath('KRW-BTC', '1h', 2024);
    writeFileSync(path, readFileSync(path).subarray(0, 100));
    await expect(store.load({ symbol: 'KRW-BTC', timeframe: '1h' })).rejects.toMatchObject({ code: 'CORRUPT_FILE', file: path });
  });
});

describe('ParquetCandleStore merge (upsert by timestamp)', () => {
  it('replaces same-timestamp rows and keeps every other row', async () => {
    const store = newStore();
    await store.merge('KRW-BTC', '1h', series(NEW_YEAR));
    const update: Row[] = [
      ['2024-01-01T00:00:00.000Z', 1, 2, 0.5, 1.5, 9, 13.5],
      ['2024-01-01T02:00:00.000Z', 56_010_000, 56_020_000, 55_990_000, 56_000_000, 0.25, 14_000_000],
    ];
    const res = await store.merge('KRW-BTC', '1h', series(update));
    expect(res).toMatchObject({ inserted: 1, replaced: 1, rows: 2 });
    const rows = toRows(await store.loadSeries({ symbol: 'KRW-BTC', timeframe: '1h' }));
    expect(rows).toEqual([NEW_YEAR[0], NEW_YEAR[1], update[0], NEW_YEAR[3], update[1]].map((r) => [...r]));
  });

  it('keeps the last of duplicate input rows and accepts unsorted input', async () => {
    const store = newStore();
    const res = await store.merge('KRW-BTC', '1d', series([
      ['2024-01-02T00:00:00Z', 2, 2, 2, 2, 2],
      ['2024-01-01T00:00:00Z', 1, 1, 1, 1, 1],
      ['2024-01-02T00:00:00Z', 3, 3, 3, 3, 3],
    ]));
    expect(res).toMatchObject({ rows: 2, duplicatesInInput: 1 });
    expect(toRows(await store.loadSeries({ symbol: 'KRW-BTC', timeframe: '1d' }))).toEqual([
      ['2024-01-01T00:00:00.000Z', 1, 1, 1, 1, 1],
      ['2024-01-02T00:00:00.000Z', 3, 3, 3, 3, 3],
    ]);
  });

  it('fills unknown turnover with NaN when rows without `value` join a file that has it', async () => {
    const store = newStore();
    await store.merge('KRW-BTC', '1h', series(NEW_YEAR.slice(2)));
    await store.merge('KRW-BTC', '1h', series([['2024-01-01T02:00:00Z', 5, 6, 4, 5, 1]]));
    const s = await store.loadSeries({ symbol: 'KRW-BTC', timeframe: '1h' });
    expect(Array.from(s.value!)).toEqual([168_900_000, 28_005_000, NaN]);
  });

  it('never loses rows: any sequence of merges equals a map of last writes (property)', async () => {
    const hour = 3_600_000;
    const base = Date.parse('2023-12-31T18:00:00Z'); // batches straddle the year boundary
    const batch = fc.array(fc.record({ slot: fc.integer({ min: 0, max: 30 }), price: fc.integer({ min: 1, max: 1000 }) }), { maxLength: 12 });
    await fc.assert(fc.asyncProperty(fc.array(batch, { minLength: 1, maxLength: 4 }), async (batches) => {
      const store = newStore();
      const model = new Map<number, number>();
      for (const b of batches) {
        const rows: Row[] = b.map(({ slot, price }) => [new Date(base + slot * hour).toISOString(), price, price, price, price, price]);
        for (const { slot, price } of b) model.set(base + slot * hour, price);
        await store.merge('KRW-XRP', '1h', series(rows));
      }
      const s = await store.loadSeries({ symbol: 'KRW-XRP', timeframe: '1h' });
      const expected = [...model.entries()].sort((a, b) => a[0] - b[0]);
      expect(Array.from(s.timestamp)).toEqual(expected.map((e) => e[0]));
      expect(Array.from(s.close)).toEqual(expected.map((e) => e[1]));
    }), { numRuns: 25 });
  }, 30_000);

  it('serialises concurrent merges of one series so no merge overwrites another', async () => {
    const store = newStore();
    const day = 86_400_000;
    const start = Date.parse('2024-03-01T00:00:00Z');
    await Promise.all(Array.from({ length: 8 }, (_, k) =>
      store.merge('KRW-ETH', '1d', series([[new Date(start + k * day).toISOString(), k, k, k, k, k]]))));
    const s = await store.load({ symbol: 'KRW-ETH', timeframe: '1d' });
    expect(Array.from(s.close)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('validates every touched year before writing any: a corrupt 2024 file leaves 2023 untouched', async () => {
    const store = newStore();
    await store.merge('KRW-BTC', '1h', series(NEW_YEAR));
    const f2023 = store.filePath('KRW-BTC', '1h', 2023);
    const f2024 = store.filePath('KRW-BTC', '1h', 2024);
    const before2023 = readFileSync(f2023);
    writeFileSync(f2024, 'not parquet at all');
    await expect(store.merge('KRW-BTC', '1h', series([
      ['2023-12-31T21:00:00Z', 1, 1, 1, 1, 1], ['2024-01-01T05:00:00Z', 1, 1, 1, 1, 1],
    ]))).rejects.toMatchObject({ code: 'CORRUPT_FILE', file: f2024 });
    expect(readFileSync(f2023).equals(before2023)).toBe(true);
    expect(readdirSync(join(store.root, 'KRW-BTC', '1h')).filter((f) => f.endsWith('.tmp') || f === '.lock')).toEqual([]);
  });

  it('rejects timestamps the layout cannot hold', async () => {
    const store = newStore();
    const s = series([['2024-01-01T00:00:00Z', 1, 1, 1, 1, 1]]);
    (s.timestamp as Float64Array)[0] = 1.5;
    await expect(store.merge('KRW-BTC', '1h', s)).rejects.toMatchObject({ code: 'INVALID_RANGE' });
  });
});

describe('ParquetCandleStore write (replace the series)', () => {
  it('rewrites with exactly the given rows and removes emptied year files', async () => {
    const store = newStore();
    await store.merge('KRW-BTC', '1h', series(NEW_YEAR));
    const res = await store.write('KRW-BTC', '1h', series(NEW_YEAR.slice(3)));
    expect(res.removed).toEqual([store.filePath('KRW-BTC', '1h', 2023)]);
    expect(toRows(await store.loadSeries({ symbol: 'KRW-BTC', timeframe: '1h' }))).toEqual([[...NEW_YEAR[3]]]);
  });
});

describe('series lock', () => {
  it('times out with STORE_BUSY while another writer holds the lock, and clears stale locks', async () => {
    const store = newStore({ lockTimeoutMs: 50, staleLockMs: 60_000 });
    const dir = store.seriesDir('KRW-BTC', '1h');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '.lock'), '999999 held by someone else\n');
    await expect(store.merge('KRW-BTC', '1h', series(NEW_YEAR))).rejects.toMatchObject({ code: 'STORE_BUSY' });
    const old = new Date(Date.now() - 10 * 60_000);
    utimesSync(join(dir, '.lock'), old, old);
    await expect(store.merge('KRW-BTC', '1h', series(NEW_YEAR))).resolves.toMatchObject({ inserted: 4 });
  });
});

describe('files as an independent reader (hyparquet) sees them', () => {
  it('zstd store files: schema, codec, UTC millisecond timestamps, row counts and statistics', async () => {
    const store = newStore();
    await store.merge('KRW-BTC', '1h', series(NEW_YEAR));
    const { parquetMetadata } = await loadHyparquet();
    const md = parquetMetadata(toArrayBuffer(readFileSync(store.filePath('KRW-BTC', '1h', 2024))));
    expect(md.schema.slice(1).map((e) => [e.name, e.type])).toEqual([
      ['timestamp', 'INT64'], ['open', 'DOUBLE'], ['high', 'DOUBLE'], ['low', 'DOUBLE'], ['close', 'DOUBLE'], ['volume', 'DOUBLE'], ['value', 'DOUBLE'],
    ]);
    expect(md.schema[1].logical_type).toEqual({ type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' });
    expect(Number(md.num_rows)).toBe(2);
    const tsChunk = md.row_groups[0].columns[0].meta_data!;
    expect(tsChunk.codec).toBe('ZSTD');
    expect(tsChunk.statistics?.min_value).toEqual(new Date('2024-01-01T00:00:00Z'));
    expect(tsChunk.statistics?.max_value).toEqual(new Date('2024-01-01T01:00:00Z'));
    const kv = Object.fromEntries((md.key_value_metadata ?? []).map((e) => [e.key, e.value]));
    expect(kv).toMatchObject({ 'coinhts.symbol': 'KRW-BTC', 'coinhts.timeframe': '1h', 'coinhts.year': '2024' });
  });

  it('the same write path with snappy (which hyparquet decodes without add-ons): every value as written', async () => {
    const store = newStore({ compression: 'snappy' });
    await store.merge('KRW-BTC', '1h', series(NEW_YEAR));
    const { parquetReadObjects } = await loadHyparquet();
    const objects = await parquetReadObjects({ file: toArrayBuffer(readFileSync(store.filePath('KRW-BTC', '1h', 2023))) });
    expect(objects).toEqual([
      { timestamp: new Date(NEW_YEAR[0][0]), open: 56_000_000, high: 56_100_000, low: 55_900_000, close: 56_050_000, volume: 1.5, value: 84_075_000 },
      { timestamp: new Date(NEW_YEAR[1][0]), open: 56_050_000, high: 56_200_000, low: 56_000_000, close: 56_150_000, volume: 2.25, value: 126_337_500 },
    ]);
  });
});

describe('coverage record', () => {
  it('accumulates fetched ranges as a union', async () => {
    const store = newStore();
    await store.addCoverage('KRW-BTC', '1m', 'upbit', [[100, 200]]);
    await store.addCoverage('KRW-BTC', '1m', 'upbit', [[201, 300], [500, 600]]);
    expect(await store.readCoverage('KRW-BTC', '1m')).toEqual({ version: 1, source: 'upbit', intervals: [[100, 300], [500, 600]] });
    expect(await store.readCoverage('KRW-ETH', '1m')).toBeUndefined();
  });
});
