import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { ParquetCandleStore } from './store';
import { importFiles, importLegacyDataRoot, readCandleFile } from './import';
import { formatCandlesCsv, parseCsv } from './csv';
import { f64, i64, tsMs, tsNs, utf8, writeParquetFixture } from '../test/parquet-fixtures';
import { series, tempDir, toRows } from '../test/helpers';

const tmp = tempDir('import');
afterAll(() => tmp.cleanup());

const newStore = (): ParquetCandleStore => new ParquetCandleStore({ root: tmp.sub('store'), fsync: false });
function file(name: string, text: string): string {
  const dir = tmp.sub('files');
  mkdirSync(dir, { recursive: true });
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
const load = async (store: ParquetCandleStore, symbol = 'KRW-BTC', timeframe = '1h') => toRows(await store.loadSeries({ symbol, timeframe }));

/** The same two hourly candles, 2024-01-01 00:00 and 01:00 UTC, as every format writes them. */
const EXPECTED = [
  ['2024-01-01T00:00:00.000Z', 56_000_000, 56_100_000, 55_900_000, 56_050_000, 1.5],
  ['2024-01-01T01:00:00.000Z', 56_050_000, 56_200_000, 56_000_000, 56_150_000, 2.25],
];
const BODY = ['56000000,56100000,55900000,56050000,1.5', '56050000,56200000,56000000,56150000,2.25'];

describe('CSV timestamp formats (detected per file)', () => {
  it.each([
    ['ISO 8601 with offset', ['2024-01-01T09:00:00+09:00', '2024-01-01T01:00:00Z'], {}],
    ['ISO 8601 without offset, in the default zone (Asia/Seoul)', ['2024-01-01T09:00:00', '2024-01-01T10:00'], {}],
    ['YYYY-MM-DD HH:mm:ss in an explicit zone', ['2024-01-01 00:00:00', '2024-01-01 01:00:00'], { zone: 'UTC' }],
    ['epoch milliseconds', ['1704067200000', '1704070800000'], {}],
    ['epoch seconds', ['1704067200', '1704070800.0'], {}],
  ])('%s', async (_label, stamps, extra) => {
    const store = newStore();
    const p = file('btc.csv', `timestamp,open,high,low,close,volume\n${stamps.map((t, i) => `${t},${BODY[i]}`).join('\n')}\n`);
    const res = await importFiles(store, [p], { symbol: 'KRW-BTC', timeframe: '1h', ...extra });
    expect(res.writes[0]).toMatchObject({ symbol: 'KRW-BTC', timeframe: '1h', inserted: 2 });
    expect(await load(store)).toEqual(EXPECTED);
  });

  it('rejects a file that mixes formats, naming the file and both lines', async () => {
    const p = file('mixed.csv', `timestamp,open,high,low,close,volume\n2024-01-01T00:00:00Z,${BODY[0]}\n1704070800,${BODY[1]}\n`);
    const store = newStore();
    await expect(importFiles(store, [p], { symbol: 'KRW-BTC', timeframe: '1h' })).rejects.toMatchObject({
      code: 'INVALID_FILE', file: p, line: 3, column: 'timestamp',
      message: expect.stringContaining('line 2 is iso-offset but line 3 is epoch-s'),
    });
    expect(existsSync(store.root)).toBe(false);
  });

  it('rejects epoch seconds mixed with epoch milliseconds', async () => {
    const p = file('mixed-epoch.csv', `timestamp,open,high,low,close,volume\n1704067200000,${BODY[0]}\n1704070800,${BODY[1]}\n`);
    await expect(readCandleFile(p, { symbol: 'KRW-BTC', timeframe: '1h' })).rejects.toThrow(/line 2 is epoch-ms but line 3 is epoch-s/);
  });

  it('reads Upbit column names, with candle_date_time_utc as UTC whatever the zone', async () => {
    const p = file('upbit.csv', [
      'market,candle_date_time_utc,opening_price,high_price,low_price,trade_price,candle_acc_trade_volume,candle_acc_trade_price',
      `KRW-BTC,2024-01-01T00:00:00,${BODY[0]},84075000`,
      `KRW-BTC,2024-01-01T01:00:00,${BODY[1]},126337500`,
    ].join('\n'));
    const parsed = await readCandleFile(p, { timeframe: '1h' });
    expect(parsed.symbol).toBe('KRW-BTC'); // from the market column
    expect(toRows(parsed.series)).toEqual([[...EXPECTED[0], 84_075_000], [...EXPECTED[1], 126_337_500]]);
  });
});

describe('CSV columns and cells', () => {
  it('maps columns by name, reads ; delimiters, quotes and CRLF', async () => {
    const p = file('mapped.csv', '"t";"o";"h";"l";"c";"vol ""btc""";"krw"\r\n2024-01-01T00:00:00Z;56000000;56100000;55900000;56050000;1.5;\r\n"2024-01-01T01:00:00Z";56050000;56200000;56000000;56150000;2.25;126337500\r\n');
    const parsed = await readCandleFile(p, { symbol: 'KRW-BTC', timeframe: '1h', map: { timestamp: 't', volume: 'vol "btc"', value: 'krw' } });
    expect(parsed.columns).toMatchObject({ timestamp: 't', open: 'o', volume: 'vol "btc"', value: 'krw' });
    expect(toRows(parsed.series)).toEqual([[...EXPECTED[0], NaN], [...EXPECTED[1], 126_337_500]]);
  });

  it('names the missing column and writes nothing', async () => {
    const p = file('novol.csv', 'timestamp,open,high,low,close\n2024-01-01T00:00:00Z,1,1,1,1\n');
    const store = newStore();
    await expect(importFiles(store, [p], { symbol: 'KRW-BTC', timeframe: '1h' })).rejects.toMatchObject({ code: 'INVALID_FILE', file: p, column: 'volume' });
    expect(existsSync(store.root)).toBe(false);
  });

  it('names the line and column of a cell that is not a number', async () => {
    const p = file('badcell.csv', `timestamp,open,high,low,close,volume\n2024-01-01T00:00:00Z,${BODY[0]}\n2024-01-01T01:00:00Z,56050000,56200000,56000000,1.2.3,2\n`);
    await expect(readCandleFile(p, { symbol: 'KRW-BTC', timeframe: '1h' })).rejects.toMatchObject({ code: 'INVALID_FILE', line: 3, column: 'close' });
  });

  it('names the line of a row with the wrong number of fields', async () => {
    const p = file('ragged.csv', `timestamp,open,high,low,close,volume\n2024-01-01T00:00:00Z,${BODY[0]}\n2024-01-01T01:00:00Z,1,2\n`);
    await expect(readCandleFile(p, { symbol: 'KRW-BTC', timeframe: '1h' })).rejects.toMatchObject({ code: 'INVALID_FILE', line: 3 });
  });

  it('infers the timeframe from the spacing of the rows when none is given', async () => {
    const p = file('spacing.csv', `timestamp,open,high,low,close,volume\n2024-01-01T00:00:00Z,${BODY[0]}\n2024-01-01T01:00:00Z,${BODY[1]}\n2024-01-01T03:00:00Z,${BODY[1]}\n2024-01-01T04:00:00Z,${BODY[1]}\n`);
    expect(await readCandleFile(p, { symbol: 'KRW-BTC' })).toMatchObject({ timeframe: '1h', timeframeFrom: 'spacing' });
    const odd = file('odd.csv', `timestamp,open,high,low,close,volume\n2024-01-01T00:00:00Z,${BODY[0]}\n2024-01-01T00:07:00Z,${BODY[1]}\n`);
    await expect(readCandleFile(odd, { symbol: 'KRW-BTC' })).rejects.toMatchObject({ code: 'INVALID_TIMEFRAME' });
  });

  it('asks for a symbol when neither options, path nor columns name one', async () => {
    const p = file('nosym.csv', `timestamp,open,high,low,close,volume\n2024-01-01T00:00:00Z,${BODY[0]}\n`);
    await expect(readCandleFile(p, { timeframe: '1h' })).rejects.toMatchObject({ code: 'INVALID_SYMBOL' });
  });

  it('counts lines across quoted line breaks and skips blank lines', () => {
    const t = parseCsv('\ufeffa,b\n\n1,"two\nlines"\n"x ""q""",y\n3,4', 'f.csv');
    expect(t.columns).toEqual([['1', 'x "q"', '3'], ['two\nlines', 'y', '4']]);
    expect(Array.from(t.lines)).toEqual([3, 5, 6]);
    expect(() => parseCsv('a,b\n1,"open', 'f.csv')).toThrow(/f\.csv, line 2: a quoted field is never closed/);
  });

  it('round-trips the CSV it formats', () => {
    const s = series([['2024-01-01T00:00:00Z', 1.5, 2, 1, 1.75, 0.00012345, 3], ['2024-01-01T01:00:00Z', 1, 1, 1, 1, 0, NaN]]);
    const t = parseCsv(formatCandlesCsv(s), 'x.csv');
    expect(t.header).toEqual(['timestamp', 'open', 'high', 'low', 'close', 'volume', 'value']);
    expect(t.columns[5]).toEqual(['0.00012345', '0']);
    expect(t.columns[6]).toEqual(['3', '']);
  });
});

describe('quality gate on import', () => {
  const bad = `timestamp,open,high,low,close,volume\n2024-01-01T00:00:00Z,${BODY[0]}\n2024-01-01T01:00:00Z,56050000,55000000,56000000,56150000,2.25\n`;

  it('refuses invalid data by default and writes nothing', async () => {
    const store = newStore();
    await expect(importFiles(store, [file('bad.csv', bad)], { symbol: 'KRW-BTC', timeframe: '1h' })).rejects.toMatchObject({ code: 'DATA_QUALITY' });
    expect(existsSync(store.root)).toBe(false);
  });

  it('repairs on request (drops the bad row) and reports it', async () => {
    const store = newStore();
    const res = await importFiles(store, [file('bad.csv', bad)], { symbol: 'KRW-BTC', timeframe: '1h', quality: 'repair' });
    expect(res.files[0].repair).toMatchObject({ droppedCount: 1, dropped: [{ row: 1, reason: 'high 55000000 < low 56000000' }] });
    expect(await load(store)).toEqual([EXPECTED[0]]);
  });

  it('keeps everything when told to ignore quality', async () => {
    const store = newStore();
    await importFiles(store, [file('bad.csv', bad)], { symbol: 'KRW-BTC', timeframe: '1h', quality: 'ignore' });
    expect((await load(store)).length).toBe(2);
  });

  it('validates every file before writing any: a bad second file stops the good first one', async () => {
    const store = newStore();
    const good = file('good.csv', `timestamp,open,high,low,close,volume\n2024-01-01T00:00:00Z,${BODY[0]}\n`);
    await expect(importFiles(store, [good, file('bad.csv', bad)], { symbol: 'KRW-BTC', timeframe: '1h' })).rejects.toMatchObject({ code: 'DATA_QUALITY' });
    expect(existsSync(store.root)).toBe(false);
  });
});

describe('Parquet imports', () => {
  it("reads the original fetcher's files: timestamp[ns, UTC] + float64 OHLCV", async () => {
    const p = join(tmp.sub('pq'), 'fetched.parquet');
    writeParquetFixture(p, {
      timestamp: tsNs(['2024-01-01T00:00:00Z', '2024-01-01T01:00:00Z'], 'UTC'),
      open: f64([56_000_000, 56_050_000]), high: f64([56_100_000, 56_200_000]), low: f64([55_900_000, 56_000_000]),
      close: f64([56_050_000, 56_150_000]), volume: f64([1.5, 2.25]),
    });
    const store = newStore();
    const res = await importFiles(store, [p], { symbol: 'KRW-BTC', timeframe: '1h' });
    expect(res.files[0].timestampFormat).toBe('timestamp[ns, UTC]');
    expect(await load(store)).toEqual(EXPECTED);
  });

  it('reads naive timestamps in the zone (Asia/Seoul by default), pandas index columns and int64 epoch ms', async () => {
    const naive = join(tmp.sub('pq'), 'naive.parquet');
    writeParquetFixture(naive, {
      __index_level_0__: tsNs(['2024-01-01T09:00:00', '2024-01-01T10:00:00'], null),
      open: f64([56_000_000, 56_050_000]), high: f64([56_100_000, 56_200_000]), low: f64([55_900_000, 56_000_000]),
      close: f64([56_050_000, 56_150_000]), volume: f64([1.5, 2.25]), symbol: utf8(['BTC_KRW', 'BTC_KRW']),
    });
    const parsed = await readCandleFile(naive, { timeframe: '1h' });
    expect(parsed).toMatchObject({ symbol: 'KRW-BTC', timestampFormat: 'timestamp[ns, naive → Asia/Seoul]', columns: { timestamp: '__index_level_0__' } });
    expect(toRows(parsed.series)).toEqual(EXPECTED);
    const epoch = join(tmp.sub('pq'), 'epoch.parquet');
    writeParquetFixture(epoch, {
      time: i64([1704067200000, 1704070800000]),
      open: f64([56_000_000, 56_050_000]), high: f64([56_100_000, 56_200_000]), low: f64([55_900_000, 56_000_000]),
      close: f64([56_050_000, 56_150_000]), volume: f64([1.5, 2.25]),
    });
    expect(toRows((await readCandleFile(epoch, { symbol: 'KRW-BTC', timeframe: '1h' })).series)).toEqual(EXPECTED);
  });

  it('names mistyped columns and null cells', async () => {
    const mistyped = join(tmp.sub('pq'), 'mistyped.parquet');
    writeParquetFixture(mistyped, {
      timestamp: tsMs(['2024-01-01T00:00:00Z']), open: f64([1]), high: f64([1]), low: f64([1]), close: utf8(['1']), volume: f64([1]),
    });
    await expect(readCandleFile(mistyped, { symbol: 'KRW-BTC', timeframe: '1h' })).rejects.toMatchObject({ code: 'INVALID_FILE', column: 'close', message: expect.stringContaining('Utf8') });
    const nulls = join(tmp.sub('pq'), 'nulls.parquet');
    writeParquetFixture(nulls, {
      timestamp: tsMs(['2024-01-01T00:00:00Z', '2024-01-01T01:00:00Z']), open: f64([1, 1]), high: f64([1, 1]), low: f64([1, 1]), close: f64([1, 1]), volume: f64([1, null]),
    });
    await expect(readCandleFile(nulls, { symbol: 'KRW-BTC', timeframe: '1h' })).rejects.toMatchObject({ code: 'INVALID_FILE', column: 'volume', row: 1 });
  });

  it('reports a corrupt file as CORRUPT_FILE naming it', async () => {
    const p = join(tmp.sub('pq'), 'corrupt.parquet');
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(64, 7), Buffer.from('PAR1')]));
    await expect(readCandleFile(p, { symbol: 'KRW-BTC', timeframe: '1h' })).rejects.toMatchObject({ code: 'CORRUPT_FILE', file: p });
  });
});

describe("the original's data folder as it is", () => {
  function legacyRoot(): string {
    const root = tmp.sub('legacy');
    const ohlcv = (isos: string[], tz: string | null, extra: Record<string, ReturnType<typeof f64>> = {}) => ({
      timestamp: tsNs(isos, tz), open: f64(isos.map(() => 100)), high: f64(isos.map(() => 110)), low: f64(isos.map(() => 90)),
      close: f64(isos.map(() => 105)), volume: f64(isos.map(() => 2)), ...extra,
    });
    // Uploaded data (BTC_KRW, 1D) with naive KST midnights and symbol/timeframe columns.
    writeParquetFixture(join(root, 'BTC_KRW', '1D', '2024.parquet'), ohlcv(['2024-01-02T09:00:00', '2024-01-03T09:00:00'], null, { symbol: utf8(['BTC_KRW', 'BTC_KRW']), timeframe: utf8(['1D', '1D']) }));
    // Fetcher output (KRW-BTC, 1M = minutes) with UTC timestamps, two years.
    writeParquetFixture(join(root, 'KRW-BTC', '1M', '2024.parquet'), ohlcv(['2024-12-31T23:59:00Z'], 'UTC'));
    writeParquetFixture(join(root, 'KRW-BTC', '1M', '2025.parquet'), ohlcv(['2025-01-01T00:00:00Z', '2025-01-01T00:01:00Z'], 'UTC'));
    writeParquetFixture(join(root, 'KRW-ETH', '1Mo', '2024.parquet'), ohlcv(['2024-02-01T00:00:00Z'], 'UTC'));
    writeFileSync(join(root, 'README.txt'), 'not data');
    mkdirSync(join(root, 'backtests'));
    mkdirSync(join(root, 'KRW-BTC', '2X'));
    writeFileSync(join(root, 'KRW-BTC', '1M', 'notes.json'), '{}');
    return root;
  }

  it('moves every series to canonical names, lists what it passed over', async () => {
    const store = newStore();
    const root = legacyRoot();
    const res = await importLegacyDataRoot(store, root);
    expect(res.files.map((f) => [f.symbol, f.timeframe, f.rows])).toEqual([
      ['KRW-BTC', '1d', 2], ['KRW-BTC', '1m', 1], ['KRW-BTC', '1m', 2], ['KRW-ETH', '1mo', 1],
    ]);
    expect(res.skipped.map((s) => s.path.slice(root.length + 1)).sort()).toEqual(['KRW-BTC/1M/notes.json', 'KRW-BTC/2X', 'README.txt', 'backtests'].map((x) => x.split('/').join(sep)));
    // Naive times are KST (the original loader's rule): 09:00 KST is 00:00 UTC, Upbit's day-candle open.
    expect((await load(store, 'KRW-BTC', '1d')).map((r) => r[0])).toEqual(['2024-01-02T00:00:00.000Z', '2024-01-03T00:00:00.000Z']);
    expect(await store.years('KRW-BTC', '1m')).toEqual([2024, 2025]);
    expect((await load(store, 'KRW-BTC', '1m')).length).toBe(3);
    expect(await store.years('KRW-ETH', '1mo')).toEqual([2024]);
  });

  it('writes nothing when any file in the folder is corrupt', async () => {
    const store = newStore();
    const root = legacyRoot();
    writeFileSync(join(root, 'KRW-ETH', '1Mo', '2024.parquet'), 'garbage');
    await expect(importLegacyDataRoot(store, root)).rejects.toMatchObject({ code: 'CORRUPT_FILE' });
    expect(existsSync(store.root)).toBe(false);
  });

  it('converts legacy directories inside the store root itself, leaving canonical series alone', async () => {
    const store = newStore();
    await store.merge('KRW-ETH', '1h', series([['2024-01-01T00:00:00Z', 1, 1, 1, 1, 1]]));
    writeParquetFixture(join(store.root, 'BTC_KRW', '1D', '2024.parquet'), {
      timestamp: tsNs(['2024-01-02T00:00:00Z'], 'UTC'), open: f64([1]), high: f64([2]), low: f64([0.5]), close: f64([1.5]), volume: f64([3]),
    });
    const res = await importLegacyDataRoot(store, store.root);
    expect(res.files.map((f) => [f.symbol, f.timeframe])).toEqual([['KRW-BTC', '1d']]);
    expect(await load(store, 'KRW-BTC', '1d')).toEqual([['2024-01-02T00:00:00.000Z', 1, 2, 0.5, 1.5, 3]]);
  });
});
