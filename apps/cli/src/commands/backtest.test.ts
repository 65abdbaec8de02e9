import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ParquetCandleStore } from '@coinhts/market-data';
import { FIXTURES, REPO_ROOT, numbers, readCsv, runCoinhts, tempDirs } from '../../test/cli-harness';

jest.setTimeout(60_000);

const dirs = tempDirs('cli-backtest');
afterAll(() => dirs.cleanup());

const SAMPLE = join(REPO_ROOT, 'data', 'sample');
const fixtureCsv = join(FIXTURES, 'synthetic_seed42_100.csv');

interface FixtureSignal { index: number; timestamp: string; entry: number; exit: number; return_pct: number; confidence: number; resistance?: number }
const fixture = (name: string): { n_signals: number; params: Record<string, unknown>; signals: FixtureSignal[] } =>
  JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as { n_signals: number; params: Record<string, unknown>; signals: FixtureSignal[] };

describe('coinhts backtest on the bundled sample (no flags)', () => {
  const results = dirs.make('results');
  const out = dirs.make('out');
  let run: { code: number; out: string; err: string };
  beforeAll(async () => {
    run = await runCoinhts(['backtest', '--out', out], { env: { RESULTS_STORE: `file:${results}` } });
  });

  it('exits 0 and prints the stats table and the signal study', () => {
    expect(run.err).not.toMatch(/error/);
    expect(run.code).toBe(0);
    for (const label of ['Strategy', 'Start', 'End', 'Duration', 'Bars', 'Exposure Time [%]', 'Return [%]', 'Buy & Hold Return [%]', 'CAGR [%]', 'Volatility (Ann.) [%]',
      'Sharpe Ratio', 'Sortino Ratio', 'Calmar Ratio', 'Max. Drawdown [%]', 'Max. Drawdown Duration', '# Trades', 'Win Rate [%]', 'Best Trade [%]', 'Worst Trade [%]',
      'Avg. Trade [%]', 'Profit Factor', 'Expectancy [%]', 'SQN', 'Fees [KRW]', 'Signal study', 'Signals', 'Avg. Return [%]']) {
      expect(run.out).toContain(label);
    }
    expect(run.out).toMatch(/^Strategy\s+volume_zone_breakout/m);
    expect(run.out).toMatch(/^Symbols\s+KRW-BTC 1d$/m);
  });

  it('writes the four files, and the equity curve covers the whole 1d sample (1,096 days per its README)', () => {
    for (const f of ['summary.json', 'signals.csv', 'trades.csv', 'equity.csv']) expect(existsSync(join(out, f))).toBe(true);
    const equity = readCsv(readFileSync(join(out, 'equity.csv'), 'utf8'));
    expect(equity.header).toEqual(['timestamp', 'equity', 'cash', 'drawdown_pct']);
    expect(equity.rows).toHaveLength(1096);
    expect(equity.rows[0][0]).toBe('2022-01-01T00:00:00.000Z');
    expect(equity.rows[equity.rows.length - 1][0]).toBe('2024-12-31T00:00:00.000Z');
  });

  it('summary.json agrees with the CSVs: final equity, trade count, and trade P&L adding up to the change in equity', () => {
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { portfolio: Record<string, number>; signal_study: { signals: number }; strategy: { name: string } };
    const eq = numbers(readCsv(readFileSync(join(out, 'equity.csv'), 'utf8')), 'equity');
    const trades = readCsv(readFileSync(join(out, 'trades.csv'), 'utf8'));
    const pnl = numbers(trades, 'pnl');
    expect(summary.strategy.name).toBe('volume_zone_breakout');
    expect(summary.portfolio.final_equity_krw).toBe(eq[eq.length - 1]);
    expect(trades.rows.length).toBe(summary.portfolio.trade_count);
    expect(trades.rows.length).toBeGreaterThan(0);
    const change = eq[eq.length - 1] - 10_000_000;
    const sum = pnl.reduce((a, b) => a + b, 0);
    expect(Math.abs(sum - change) / Math.abs(change)).toBeLessThan(1e-9);
    const signals = readCsv(readFileSync(join(out, 'signals.csv'), 'utf8'));
    expect(signals.rows.length).toBe(summary.signal_study.signals);
  });

  it('signals.csv: entry is the signal bar\'s close and exit the next bar\'s close in the stored sample (hold 1 bar)', async () => {
    const candles = await new ParquetCandleStore({ root: SAMPLE }).loadSeries({ symbol: 'KRW-BTC', timeframe: '1d' });
    const at = new Map<number, number>();
    candles.timestamp.forEach((t, i) => at.set(t, i));
    const signals = readCsv(readFileSync(join(out, 'signals.csv'), 'utf8'));
    expect(signals.header).toEqual(['symbol', 'index', 'timestamp', 'price', 'entry', 'exit', 'return_pct', 'confidence', 'level']);
    const ts = signals.rows.map((r) => Date.parse(r[2]));
    const [entry, exit, ret, index] = ['entry', 'exit', 'return_pct', 'index'].map((c) => numbers(signals, c));
    expect(signals.rows.length).toBeGreaterThan(10);
    signals.rows.forEach((r, k) => {
      const i = at.get(ts[k]) as number;
      expect(r[0]).toBe('KRW-BTC');
      expect(index[k]).toBe(i);
      expect(entry[k]).toBe(candles.close[i]);
      expect(exit[k]).toBe(candles.close[Math.min(i + 1, candles.close.length - 1)]);
      expect(ret[k]).toBe(((exit[k] - entry[k]) / entry[k]) * 100);
    });
  });

  it('archives the run so `results list` shows it', async () => {
    const id = /saved run (\S+)/.exec(run.out)?.[1];
    expect(id).toBeDefined();
    const list = await runCoinhts(['results', 'list', '--json'], { env: { RESULTS_STORE: `file:${results}` } });
    expect(list.code).toBe(0);
    const runs = JSON.parse(list.out) as { run_id: string; strategy: string; kind: string; archive: string }[];
    expect(runs.map((r) => r.run_id)).toEqual([id]);
    expect(runs[0]).toMatchObject({ strategy: 'volume_zone_breakout', kind: 'sync', archive: expect.stringMatching(/^file:\/\/.*\/backtests\//) });

    // The stored request is the one schema's (what the API records), the data range that ran, the engine's default options.
    const shown = JSON.parse((await runCoinhts(['results', 'show', id as string, '--json'], { env: { RESULTS_STORE: `file:${results}` } })).out) as { request: Record<string, unknown>; source: string };
    expect(Object.keys(shown.request).sort()).toEqual(['end_date', 'options', 'params', 'start_date', 'strategy', 'symbols', 'timeframe']);
    // The bundled sample: KRW-BTC 1d from 2022-01-01 to 2024-12-31 (candle open times, UTC).
    expect(shown.request).toMatchObject({ strategy: 'volume_zone_breakout', params: {}, symbols: ['KRW-BTC'], timeframe: '1d', start_date: '2022-01-01T00:00:00.000Z', end_date: '2024-12-31T00:00:00.000Z' });
    expect(shown.request.options).toMatchObject({ fee_rate: 0.001, stop_loss_pct: null });
    expect(typeof shown.source).toBe('string');
  });
});

describe('coinhts backtest --csv on the original system\'s fixture candles', () => {
  async function signalsOf(args: string[]): Promise<string[][]> {
    const out = dirs.make('fixture');
    const r = await runCoinhts(['backtest', '--csv', fixtureCsv, ...args, '--out', out, '--no-save'], { env: { RESULTS_STORE: `file:${dirs.make('unused')}` } });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    return readCsv(readFileSync(join(out, 'signals.csv'), 'utf8')).rows;
  }

  function expectSameSignals(rows: string[][], expected: FixtureSignal[], resistance: boolean): void {
    expect(rows).toHaveLength(expected.length);
    rows.forEach((r, k) => {
      const e = expected[k];
      const [, index, ts, price, entry, exit, ret, conf, level] = r;
      expect({ k, index: Number(index), t: Date.parse(ts) }).toEqual({ k, index: e.index, t: Date.parse(e.timestamp) });
      // Bit-for-bit: the CSV holds shortest round-trip decimals, the fixture 17 significant digits.
      expect([Number(price), Number(entry), Number(exit), Number(ret), Number(conf)]).toEqual([e.entry, e.entry, e.exit, e.return_pct, e.confidence]);
      if (resistance) expect(Number(level)).toBe(e.resistance);
      else expect(level).toBe('');
    });
  }

  it('VolumeZoneBreakout with volume_window=20 matches vzb_window_100.json signal for signal', async () => {
    const expected = fixture('vzb_window_100.json');
    expect(expected.n_signals).toBe(45);
    expectSameSignals(await signalsOf(['--strategy', 'volume_zone_breakout', '--param', 'volume_window=20', '--timeframe', '1d']), expected.signals, true);
  });

  it('VolumeLongCandle with its defaults matches vlc_100.json signal for signal', async () => {
    const expected = fixture('vlc_100.json');
    expect(expected.n_signals).toBe(15);
    expectSameSignals(await signalsOf(['--strategy', 'volume_long_candle', '--timeframe', '1d']), expected.signals, false);
  });

  it('a file without a symbol is labelled with --symbol when given', async () => {
    const out = dirs.make('label');
    const r = await runCoinhts(['backtest', '--csv', fixtureCsv, '--symbol', 'KRW-ETH', '--out', out, '--no-save'], { env: { RESULTS_STORE: `file:${dirs.make('unused')}` } });
    expect(r.code).toBe(0);
    expect(readCsv(readFileSync(join(out, 'signals.csv'), 'utf8')).rows.every((row) => row[0] === 'KRW-ETH')).toBe(true);
  });
});

describe('summary.json is byte-identical for identical inputs', () => {
  it('across two runs, whatever order the parameters and options are written in', async () => {
    const a = dirs.make('a'), b = dirs.make('b');
    const env = { env: { RESULTS_STORE: `file:${dirs.make('unused')}` } };
    const r1 = await runCoinhts(['backtest', '--param', 'volume_window=20', '--param', 'num_bins=15', '--fee', '0.05%', '--stop-loss', '3', '--out', a, '--no-save'], env);
    const r2 = await runCoinhts(['backtest', '--stop-loss', '3%', '--option', 'fee_rate=0.0005', '--param', 'num_bins=15', '--param', 'volume_window=20', '--out', b, '--no-save'], env);
    expect([r1.code, r2.code]).toEqual([0, 0]);
    const s1 = readFileSync(join(a, 'summary.json'));
    const s2 = readFileSync(join(b, 'summary.json'));
    expect(s1.equals(s2)).toBe(true);
    const parsed = JSON.parse(s1.toString('utf8')) as { params: Record<string, unknown>; options: Record<string, unknown> };
    expect(parsed.params).toMatchObject({ volume_window: 20, num_bins: 15 });
    expect(parsed.options).toMatchObject({ fee_rate: 0.0005, stop_loss_pct: 3 });
  });
});

describe('coinhts backtest options', () => {
  const env = () => ({ env: { RESULTS_STORE: `file:${dirs.make('unused')}` } });

  it('friendly flags set the portfolio options (fee as percent, fill, capital, hold bars)', async () => {
    const r = await runCoinhts(['backtest', '--capital', '5000000', '--fee', '0.2%', '--slippage', '0', '--fill', 'signal-close', '--hold-bars', '3', '--take-profit', '5', '--trailing-stop', '4', '--json', '--no-save'], env());
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as { run_id: string | null; summary: { options: Record<string, unknown>; resolved: { hold_bars: number } } };
    expect(doc.run_id).toBeNull();
    expect(doc.summary.options).toMatchObject({ initial_capital: 5_000_000, fee_rate: 0.002, slippage_rate: 0, fill: 'signal-close', hold_bars: 3, take_profit_pct: 5, trailing_stop_pct: 4 });
    expect(doc.summary.resolved.hold_bars).toBe(3);
  });

  it('runs several symbols on one account and a date range (end date inclusive)', async () => {
    const out = dirs.make('multi');
    const r = await runCoinhts(['backtest', '--symbol', 'KRW-BTC', '--symbol', 'KRW-ETH', '--from', '2024-01-01', '--to', '2024-12-31', '--out', out, '--no-save'], env());
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Symbols\s+KRW-BTC 1d, KRW-ETH 1d$/m);
    expect(r.out).toContain('Per symbol');
    const equity = readCsv(readFileSync(join(out, 'equity.csv'), 'utf8'));
    // 2024 is a leap year: 366 daily candles, 2024-01-01 .. 2024-12-31 (00:00 UTC opens inside the KST days).
    expect(equity.rows).toHaveLength(366);
    expect(equity.rows[365][0]).toBe('2024-12-31T00:00:00.000Z');
    const symbols = new Set(readCsv(readFileSync(join(out, 'signals.csv'), 'utf8')).rows.map((row) => row[0]));
    expect([...symbols].sort()).toEqual(['KRW-BTC', 'KRW-ETH']);
  });

  it('--repair drops a duplicate row of a CSV and says so', async () => {
    const dir = dirs.make('repair');
    mkdirSync(dir, { recursive: true });
    const lines = readFileSync(fixtureCsv, 'utf8').trimEnd().split('\n');
    lines.splice(11, 0, lines[11]);
    writeFileSync(join(dir, 'dup.csv'), `${lines.join('\n')}\n`);
    const refused = await runCoinhts(['backtest', '--csv', join(dir, 'dup.csv'), '--no-save'], env());
    expect(refused.code).toBe(2);
    const repaired = await runCoinhts(['backtest', '--csv', join(dir, 'dup.csv'), '--repair', '--no-save'], env());
    expect(repaired.code).toBe(0);
    expect(repaired.err).toMatch(/repaired: dropped 0 invalid row\(s\) and 1 duplicate\(s\); 100 of 101 rows used/);
  });
});

describe('coinhts backtest refuses bad input with exit 2 and says what to fix', () => {
  const csvDir = dirs.make('bad-csv');
  const good = (): string[][] => Array.from({ length: 30 }, (_, i) => {
    const t = new Date(Date.UTC(2024, 0, 1 + i)).toISOString();
    const o = 100 + i;
    return [t, String(o), String(o + 1.5), String(o - 1), String(o + 0.5), String(10 + i)];
  });
  const writeCsv = (name: string, rows: string[][]): string => {
    mkdirSync(csvDir, { recursive: true });
    const path = join(csvDir, name);
    writeFileSync(path, `timestamp,open,high,low,close,volume\n${rows.map((r) => r.join(',')).join('\n')}\n`);
    return path;
  };
  const variants: Record<string, (rows: string[][]) => void> = {
    nan: (rows) => { rows[5][4] = 'NaN'; },
    negative: (rows) => { rows[6][3] = '-1'; },
    highlow: (rows) => { rows[7][2] = '90'; },
    unsorted: (rows) => { [rows[8], rows[9]] = [rows[9], rows[8]]; },
    duplicate: (rows) => { rows.splice(10, 0, [...rows[10]]); },
  };
  const csvFor = (kind: string): string => {
    const rows = good();
    variants[kind]?.(rows);
    return writeCsv(`${kind}.csv`, rows);
  };

  const cases: [string, () => string[], RegExp][] = [
    ['unknown strategy', () => ['--strategy', 'nope'], /Unknown strategy "nope"\. Available strategies: .*volume_zone_breakout/],
    ['out-of-range param', () => ['--param', 'volume_window=1'], /volume_window: must be an integer between 2 and 10000, got 1/],
    ['wrong-type param', () => ['--param', 'include_wicks=maybe'], /include_wicks: must be true or false, got "maybe"/],
    ['unknown param', () => ['--param', 'windw=3'], /windw: is not a parameter of volume_zone_breakout; known parameters: volume_window/],
    ['param without a value', () => ['--param', 'volume_window'], /--param expects key=value/],
    ['unknown option', () => ['--option', 'fees=0.1'], /fees: unknown option; allowed options: initial_capital/],
    ['out-of-range option', () => ['--fee', '20%'], /fee_rate: must be a number in \[0, 0\.1\]/],
    ['unreadable friendly flag', () => ['--stop-loss', 'two'], /--stop-loss expects a percent/],
    ['bad date', () => ['--from', '2024-02-30'], /Cannot read the date "2024-02-30"/],
    ['--from after --to', () => ['--from', '2024-05-01', '--to', '2024-01-01'], /The range starts after it ends/],
    ['unknown symbol', () => ['--symbol', 'KRW-NOPE'], /No KRW-NOPE 1d candles .*nothing is stored for it/],
    ['malformed symbol', () => ['--symbol', '../etc'], /Invalid symbol "\.\.\/etc"/],
    ['unknown timeframe', () => ['--timeframe', '2h'], /Invalid timeframe "2h"\. Use one of 1m/],
    ['timeframe not stored', () => ['--timeframe', '4h'], /No KRW-BTC 4h candles/],
    ['empty range', () => ['--from', '2030-01-01'], /No KRW-BTC 1d candles in 2029-12-31T15:00:00\.000Z \.\. the end; stored: 2022-01-01/],
    ['missing CSV', () => ['--csv', join(csvDir, 'absent.csv')], /--csv .*absent\.csv: no such file/],
    ['CSV and data folder together', () => ['--csv', csvFor('good'), '--data', REPO_ROOT], /use either --csv FILE or --data DIR/],
    ['missing data folder', () => ['--data', join(csvDir, 'no-such-store')], /candle store .*no-such-store does not exist/],
    ['CSV with NaN', () => ['--csv', csvFor('nan')], /nan\.csv, line 7, column "close": "NaN" is not a number/],
    ['CSV with a negative price', () => ['--csv', csvFor('negative')], /negative\.csv: .*invalid: .*row 6, low is negative \(-1\).*--repair/],
    ['CSV with high < low', () => ['--csv', csvFor('highlow')], /highlow\.csv: .*inconsistent OHLC \(first: row 7, high 90 < low 106\)/],
    ['unsorted CSV', () => ['--csv', csvFor('unsorted')], /unsorted\.csv: .*out of time order/],
    ['CSV with duplicate rows', () => ['--csv', csvFor('duplicate')], /duplicate\.csv: .*duplicate timestamps/],
    ['CSV range with no rows', () => ['--csv', csvFor('good'), '--from', '2025-01-01'], /good\.csv: No KRW-BTC 1d candles/],
    ['unknown flag', () => ['--frm', '2024-01-01'], /unknown option '--frm'/],
  ];

  it.each(cases)('%s', async (_name, args, message) => {
    const results = dirs.make('results');
    const r = await runCoinhts(['backtest', ...args()], { env: { RESULTS_STORE: `file:${results}` } });
    expect({ code: r.code, err: r.err }).toEqual({ code: 2, err: expect.stringMatching(message) });
    expect(r.out).toBe('');
    expect(existsSync(results)).toBe(false);
  });
});
