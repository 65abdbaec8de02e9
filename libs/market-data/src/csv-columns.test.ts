import { readCsvColumns, readCsvLayout } from './csv-columns';
import { parseCandleBytes } from './import';

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');
/** The same file with its header's first name in quotes: a quote anywhere sends it to the general parser. */
const quoted = (text: string): string => text.replace(/^(\ufeff?)([^,;\t\r\n]+)/, '$1"$2"');

describe('CSV read straight into columns (the common file)', () => {
  it('reads numbers exactly as written, by hand', () => {
    const text = 'timestamp,open,high,low,close,volume\n1704067200000,100,100.5,-0.25,5.,.5\n1704067260000,1e3,2.5E-2,+7,0.1,123456789.123456789\n';
    const layout = readCsvLayout(bytes(text));
    expect(layout?.header).toEqual(['timestamp', 'open', 'high', 'low', 'close', 'volume']);
    const cols = readCsvColumns(bytes(text), layout!);
    expect(cols?.rows).toBe(2);
    expect(cols?.numbers.map((c) => Array.from(c!))).toEqual([
      [1704067200000, 1704067260000], [100, 1000], [100.5, 0.025], [-0.25, 7], [5, 0.1], [0.5, 123456789.12345679],
    ]);
    expect(cols?.integers).toEqual([true, false, false, false, false, false]);
  });

  it('gives Number(text) for every decimal form, short or long', () => {
    const cells: string[] = [];
    let x = 0.123456789;
    for (let i = 0; i < 2000; i++) {
      x = (x * 9301 + 49297) % 233280 / 233.28 - 500; // a fixed pseudo-random walk
      cells.push(String(x), x.toFixed(i % 9), x.toExponential(i % 12), (x * 1e6).toFixed(0), `${x < 0 ? '-' : '+'}${Math.abs(x).toFixed(3)}`);
    }
    const text = `a\n${cells.join('\n')}\n`;
    const cols = readCsvColumns(bytes(text), readCsvLayout(bytes(text))!);
    const got = cols!.numbers[0]!;
    const bad = cells.filter((c, i) => !Object.is(got[i], Number(c)));
    expect(bad).toEqual([]);
  });

  it.each([
    ['a quoted cell', 'a,b\n1,"2"\n'],
    ['a blank line inside', 'a,b\n1,2\n\n3,4\n'],
    ['a ragged row', 'a,b\n1,2\n3\n'],
    ['a cell with spaces', 'a,b\n1, 2\n'],
    ['a thousands separator', 'a;b\n1;2,5\n'],
    ['NaN', 'a,b\n1,NaN\n'],
    ['a lone dot', 'a,b\n1,.\n'],
    ['an exponent without digits', 'a,b\n1,1e\n'],
  ])('leaves %s to the general parser', (_name, text) => {
    const layout = readCsvLayout(bytes(text));
    expect(layout === undefined || readCsvColumns(bytes(text), layout) === undefined).toBe(true);
  });

  describe('parseCandleBytes gives the same series and format as the general parser', () => {
    const body = (ts: string[], sep = ',', nl = '\n'): string =>
      [['timestamp', 'open', 'high', 'low', 'close', 'volume'].join(sep), ...ts.map((t, i) => [t, 100 + i, 101.25 + i, 99.5 + i, 100.125 + i, 1.5 * (i + 1)].join(sep))].join(nl) + nl;
    it.each([
      ['epoch ms', body(['1704067200000', '1704070800000', '1704074400000'])],
      ['epoch s', body(['1704067200', '1704070800', '1704074400'])],
      ['ISO with offset', body(['2024-01-01T00:00:00Z', '2024-01-01T01:00:00Z', '2024-01-01T02:00:00Z'])],
      ['local times (zone)', body(['2024-01-01 09:00:00', '2024-01-01 10:00:00', '2024-01-01 11:00:00'])],
      ['semicolons and CRLF', body(['1704067200000', '1704070800000', '1704074400000'], ';', '\r\n')],
      ['a byte-order mark', `\ufeff${body(['1704067200000', '1704070800000', '1704074400000'])}`],
      ['no final line break', body(['1704067200000', '1704070800000', '1704074400000']).trimEnd()],
    ])('%s', (_name, text) => {
      const fast = parseCandleBytes(bytes(text), 'f.csv', { symbol: 'KRW-BTC', zone: 'Asia/Seoul' });
      const general = parseCandleBytes(bytes(quoted(text)), 'f.csv', { symbol: 'KRW-BTC', zone: 'Asia/Seoul' });
      expect(quoted(text)).not.toBe(text);
      expect({ ...fast, series: undefined }).toEqual({ ...general, series: undefined });
      for (const k of ['timestamp', 'open', 'high', 'low', 'close', 'volume'] as const) expect(Array.from(fast.series[k])).toEqual(Array.from(general.series[k]));
      expect(fast.series.timestamp[0]).toBe(Date.UTC(2024, 0, 1, 0, 0, 0)); // by hand: 09:00 in Seoul is 00:00 UTC
    });

    it('names the line and column of a bad cell like the general parser', () => {
      const text = 'timestamp,open,high,low,close,volume\n1704067200000,1,2,0.5,1.5,10\n1704070800000,1,2,0.5,n/a,10\n';
      expect(() => parseCandleBytes(bytes(text), 'f.csv', { symbol: 'KRW-BTC' })).toThrow(/f\.csv, line 3.*close.*"n\/a" is not a number/);
    });

    it('keeps an optional value column with empty cells as NaN', () => {
      const text = 'timestamp,open,high,low,close,volume,value\n1704067200000,1,2,0.5,1.5,10,\n1704070800000,1,2,0.5,1.5,10,15\n';
      const fast = parseCandleBytes(bytes(text), 'f.csv', { symbol: 'KRW-BTC' });
      expect(Array.from(fast.series.value!)).toEqual([NaN, 15]);
      const general = parseCandleBytes(bytes(quoted(text)), 'f.csv', { symbol: 'KRW-BTC' });
      expect(Array.from(general.series.value!)).toEqual([NaN, 15]);
    });
  });
});
