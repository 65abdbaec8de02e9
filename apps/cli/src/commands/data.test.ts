import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliIo } from '../main';

const tmp = mkdtempSync(join(tmpdir(), 'coinhts-cli-data-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const freshDir = (name: string): string => join(tmp, `${name}-${++n}`);

const savedEnv = { DATA_ROOT: process.env.DATA_ROOT, COINHTS_TZ: process.env.COINHTS_TZ };
afterEach(() => {
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
});

async function run(argv: string[], opts: { dataRoot?: string | null; isTty?: boolean } = {}): Promise<{ code: number; out: string; err: string }> {
  if (opts.dataRoot === null) delete process.env.DATA_ROOT;
  else if (opts.dataRoot !== undefined) process.env.DATA_ROOT = opts.dataRoot;
  process.env.COINHTS_TZ = 'Asia/Seoul';
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (s) => out.push(s), stderr: (s) => err.push(s), isTty: opts.isTty ?? false };
  const code = await runCli(argv, io);
  return { code, out: out.join(''), err: err.join('') };
}

const H = 3_600_000;
const T0 = Date.parse('2024-01-01T00:00:00Z');

/** A minimal Upbit candle endpoint on 127.0.0.1 serving 48 hourly KRW-BTC candles (Jan 1-2, 2024). */
async function fakeUpbit(): Promise<{ url: string; requests: string[]; server: Server }> {
  const pad = (x: number): string => String(x).padStart(2, '0');
  const utc = (t: number): string => { const d = new Date(t); return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:00:00`; };
  const candles = Array.from({ length: 48 }, (_, i) => ({
    market: 'KRW-BTC', candle_date_time_utc: utc(T0 + i * H), candle_date_time_kst: utc(T0 + (i + 9) * H),
    opening_price: 60_000_000 + i * 1000, high_price: 60_010_000 + i * 1000, low_price: 59_990_000 + i * 1000, trade_price: 60_005_000 + i * 1000,
    timestamp: T0 + i * H + 3_599_000, candle_acc_trade_price: 1e9, candle_acc_trade_volume: 16.5, unit: 60,
  }));
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const u = new URL(req.url ?? '/', 'http://x');
    const to = Date.parse(u.searchParams.get('to') ?? '') || Infinity;
    const page = candles.filter((c) => Date.parse(`${c.candle_date_time_utc}Z`) < to).reverse().slice(0, Number(u.searchParams.get('count')));
    res.writeHead(200, { 'Content-Type': 'application/json', 'Remaining-Req': 'group=candles; min=1800; sec=9' });
    res.end(JSON.stringify(u.pathname === '/v1/candles/minutes/60' && u.searchParams.get('market') === 'KRW-BTC' ? page : []));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server };
}

describe('coinhts data fetch', () => {
  it('collects candles from the given base URL, draws progress on a TTY, and resumes as a no-op', async () => {
    const fake = await fakeUpbit();
    const root = freshDir('fetch');
    try {
      const args = ['data', 'fetch', '--symbol', 'btc_krw', '--timeframe', '1H', '--from', '2024-01-01T00:00:00Z', '--to', '2024-01-02T23:00:00Z', '--base-url', fake.url];
      const first = await run(args, { dataRoot: root, isTty: true });
      expect(first.err).toMatch(/\r\[#+\] 100% 48\/~48 candles, 1 requests/);
      expect(first).toMatchObject({ code: 0, out: expect.stringContaining('KRW-BTC 1h 2024-01-01T00:00Z .. 2024-01-02T23:00Z: fetched 48 candles (48 new, 0 replaced) in 1 requests (0 retries)') });
      expect(fake.requests[0]).toBe('/v1/candles/minutes/60?market=KRW-BTC&count=200&to=2024-01-02T23%3A00%3A01Z');
      expect(existsSync(join(root, 'KRW-BTC', '1h', '2024.parquet'))).toBe(true);

      const again = await run(args, { dataRoot: root });
      expect(again.code).toBe(0);
      expect(again.out).toContain('fetched 0 candles');
      expect(again.out).toContain('everything in this range was fetched before');
      expect(again.err).toBe('');
      expect(fake.requests).toHaveLength(1);

      const inv = await run(['data', 'inventory', '--json'], { dataRoot: root });
      expect(JSON.parse(inv.out).series).toMatchObject([{ symbol: 'KRW-BTC', timeframe: '1h', rows: 48, first: T0, last: T0 + 47 * H }]);
    } finally {
      fake.server.close();
    }
  });

  it('rejects bad symbols and dates with exit code 2', async () => {
    const root = freshDir('bad');
    const sym = await run(['data', 'fetch', '--symbol', '../x', '--timeframe', '1h', '--from', '2024-01-01'], { dataRoot: root });
    expect(sym.code).toBe(2);
    expect(sym.err).toMatch(/Invalid symbol "\.\.\/x"/);
    const date = await run(['data', 'fetch', '--symbol', 'KRW-BTC', '--timeframe', '1h', '--from', 'last tuesday'], { dataRoot: root });
    expect(date.code).toBe(2);
    expect(date.err).toMatch(/Cannot read the date "last tuesday"/);
    expect(existsSync(root)).toBe(false);
  });
});

describe('coinhts data import / check / inventory', () => {
  function csv(name: string, text: string): string {
    const dir = freshDir('files');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  }
  const header = 'Date,Open,High,Low,Close,Vol\n';

  it('imports a CSV with a column mapping and reports the check as valid', async () => {
    const root = freshDir('import');
    const file = csv('eth.csv', `${header}2024-01-01,3000000,3100000,2900000,3050000,10\n2024-01-02,3050000,3200000,3000000,3150000,12\n2024-01-03,3150000,3160000,3100000,3120000,8\n`);
    const r = await run(['data', 'import', file, '--symbol', 'KRW-ETH', '--timeframe', '1d', '--map', 'volume=Vol'], { dataRoot: root });
    expect(r.code).toBe(0);
    expect(r.out).toContain(`${file}: KRW-ETH 1d, 3 rows, timestamps date, quality valid`);
    expect(r.out).toContain('wrote KRW-ETH 1d: 3 new, 0 replaced, 1 year files');
    // Date-only bounds in Asia/Seoul; the end date is inclusive.
    const check = await run(['data', 'check', '--symbol', 'KRW-ETH', '--timeframe', '1d', '--from', '2024-01-01', '--to', '2024-01-03'], { dataRoot: root });
    expect(check.code).toBe(0);
    expect(check.out).toContain('KRW-ETH 1d: 3 candles, 2024-01-01T00:00Z .. 2024-01-03T00:00Z');
    expect(check.out).toContain('verdict: valid');
  });

  it('refuses an invalid file with exit 2 and writes nothing; --ignore-quality imports it and check exits 2', async () => {
    const root = freshDir('invalid');
    const file = csv('bad.csv', `${header}2024-01-01,3000000,3100000,2900000,3050000,10\n2024-01-02,3050000,3000000,3100000,3150000,12\n`);
    const refused = await run(['data', 'import', file, '--symbol', 'KRW-ETH', '--timeframe', '1d', '--map', 'volume=Vol'], { dataRoot: root });
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/bad\.csv: the data is invalid \(1 rows with inconsistent OHLC.*nothing was written/);
    expect(existsSync(root)).toBe(false);

    const ignored = await run(['data', 'import', file, '--symbol', 'KRW-ETH', '--timeframe', '1d', '--map', 'volume=Vol', '--ignore-quality'], { dataRoot: root });
    expect(ignored.code).toBe(0);
    const check = await run(['data', 'check', '--symbol', 'KRW-ETH', '--timeframe', '1d', '--json'], { dataRoot: root });
    expect(check.code).toBe(2);
    const report = JSON.parse(check.out);
    expect(report).toMatchObject({ symbol: 'KRW-ETH', verdict: 'invalid', ohlc: { count: 1, examples: [{ row: 1 }] } });
  });

  it('names the file, line and column of a bad cell (exit 2)', async () => {
    const file = csv('cell.csv', `${header}2024-01-01,3000000,3100000,2900000,abc,10\n`);
    const r = await run(['data', 'import', file, '--symbol', 'KRW-ETH', '--timeframe', '1d', '--map', 'volume=Vol'], { dataRoot: freshDir('cell') });
    expect(r.code).toBe(2);
    expect(r.err).toBe(`error: ${file}, line 2, column "Close": "abc" is not a number\n`);
  });

  it('rejects a malformed --map with exit 2', async () => {
    const file = csv('x.csv', `${header}2024-01-01,1,1,1,1,1\n`);
    const r = await run(['data', 'import', file, '--map', 'volume'], { dataRoot: freshDir('map') });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--map expects field=column/);
  });

  it('says NO_DATA (exit 2) when nothing is stored', async () => {
    const r = await run(['data', 'check', '--symbol', 'KRW-BTC', '--timeframe', '1h'], { dataRoot: freshDir('empty') });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no KRW-BTC 1h candles/);
  });

  it('imports an original-style data folder', async () => {
    const root = freshDir('legacy-target');
    const src = freshDir('legacy-src');
    // The store's own files are valid Parquet of the original's shape; place one under legacy names.
    const seed = freshDir('seed');
    const file = csv('d.csv', `${header}2024-01-01,1,2,0.5,1.5,3\n2024-01-02,1.5,2,1,1.2,4\n`);
    expect((await run(['data', 'import', file, '--symbol', 'KRW-BTC', '--timeframe', '1d', '--map', 'volume=Vol'], { dataRoot: seed })).code).toBe(0);
    mkdirSync(join(src, 'BTC_KRW', '1D'), { recursive: true });
    writeFileSync(join(src, 'BTC_KRW', '1D', '2024.parquet'), readFileSync(join(seed, 'KRW-BTC', '1d', '2024.parquet')));
    const r = await run(['data', 'import', src], { dataRoot: root });
    expect(r.code).toBe(0);
    expect(r.out).toContain('KRW-BTC 1d, 2 rows');
    expect(existsSync(join(root, 'KRW-BTC', '1d', '2024.parquet'))).toBe(true);
  });

  it('refuses to write into the bundled sample set when DATA_ROOT is not set', async () => {
    const file = csv('x.csv', `${header}2024-01-01,1,1,1,1,1\n`);
    const r = await run(['data', 'import', file, '--symbol', 'KRW-BTC', '--timeframe', '1d', '--map', 'volume=Vol'], { dataRoot: null });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/refusing to write into the bundled sample data/);
    const f = await run(['data', 'fetch', '--symbol', 'KRW-BTC', '--timeframe', '1d', '--from', '2024-01-01', '--base-url', 'http://127.0.0.1:9'], { dataRoot: null });
    expect(f.code).toBe(2);
  });

  it('lists the bundled sample set when DATA_ROOT is not set', async () => {
    const r = await run(['data', 'inventory'], { dataRoot: null });
    expect(r.code).toBe(0);
    for (const s of ['KRW-BTC', 'KRW-ETH', 'KRW-XRP']) {
      expect(r.out).toMatch(new RegExp(`${s}\\s+1d\\s+2022-2024\\s+1096\\s+2022-01-01T00:00Z\\s+2024-12-31T00:00Z`));
      expect(r.out).toMatch(new RegExp(`${s}\\s+1h\\s+2022-2024\\s+26304\\s+2022-01-01T00:00Z\\s+2024-12-31T23:00Z`));
    }
    expect(r.out).toMatch(/6 series, 18 files, 82200 rows/);
  });
});
