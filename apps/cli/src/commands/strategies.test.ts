import { runCoinhts, tempDirs } from '../../test/cli-harness';

const dirs = tempDirs('cli-strategies');
afterAll(() => dirs.cleanup());
const env = () => ({ env: { RESULTS_STORE: `file:${dirs.make('results')}` } });

// Defaults of the original coin_hts (REFERENCE-coin_hts.md, Appendix B / §1.4) and of the classics.
const EXPECTED_DEFAULTS: Record<string, Record<string, unknown>> = {
  volume_long_candle: { vol_ma_window: 20, vol_multiplier: 1.5, body_pct: 0.02, hold_period_bars: 1 },
  volume_zone_breakout: { volume_window: 10, top_percentile: 0.2, breakout_buffer: 0, hold_period_bars: 1, num_bins: 20, include_wicks: true },
  sma_crossover: { fast_period: 10, slow_period: 30, hold_period_bars: 1 },
  rsi_reversion: { period: 14, oversold: 30, overbought: 70, hold_period_bars: 1 },
  // the usual textbook settings: Bollinger 20 / 2, MACD 12 / 26 / 9, turtle system 1 (20-bar entry, 10-bar exit)
  bollinger_breakout: { period: 20, std_devs: 2, hold_period_bars: 1 },
  macd_crossover: { fast_period: 12, slow_period: 26, signal_period: 9, hold_period_bars: 1 },
  donchian_breakout: { entry_period: 20, exit_period: 10, hold_period_bars: 1 },
};

describe('coinhts strategies', () => {
  it('lists the built-in strategies with each parameter\'s type, default and range', async () => {
    const r = await runCoinhts(['strategies'], env());
    expect(r.code).toBe(0);
    for (const name of Object.keys(EXPECTED_DEFAULTS)) expect(r.out).toMatch(new RegExp(`^${name} — `, 'm'));
    expect(r.out).toMatch(/^\s+volume_window\s+integer\s+10\s+\[2, 10000\]\s+Bars before the current one/m);
    expect(r.out).toMatch(/^\s+top_percentile\s+number\s+0\.2\s+\(0, 1\]/m);
    expect(r.out).toMatch(/^\s+include_wicks\s+boolean\s+true\s+true\|false/m);
    expect(r.out).toMatch(/^\s+vol_multiplier\s+number\s+1\.5\s+\(0, 100\]/m);
    expect(r.out).toMatch(/^\s+oversold\s+number\s+30\s+\(0, 100\)/m);
    expect(r.out).toMatch(/^\s+fast_period\s+integer\s+10\s+\[1, 10000\]/m);
  });

  it('--json gives names, titles, descriptions and the JSON Schema with defaults', async () => {
    const r = await runCoinhts(['strategies', '--json'], env());
    expect(r.code).toBe(0);
    const list = JSON.parse(r.out) as { name: string; title: string; description: string; parameters: { properties: Record<string, { default: unknown }> } }[];
    expect(list.map((s) => s.name).sort()).toEqual(Object.keys(EXPECTED_DEFAULTS).sort());
    for (const s of list) {
      expect(s.title.length).toBeGreaterThan(3);
      expect(s.description.length).toBeGreaterThan(20);
      const defaults = Object.fromEntries(Object.entries(s.parameters.properties).map(([k, v]) => [k, v.default]));
      expect({ name: s.name, defaults }).toEqual({ name: s.name, defaults: EXPECTED_DEFAULTS[s.name] });
    }
  });
});

describe('command registration', () => {
  it('every command family is reachable, and `results` carries both list/show/export and import-legacy', async () => {
    const top = await runCoinhts(['--help'], env());
    expect(top.code).toBe(0);
    for (const c of ['backtest', 'sweep', 'strategies', 'results', 'data', 'db']) expect(top.out).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
    const results = await runCoinhts(['results', '--help'], env());
    for (const c of ['list', 'show', 'export', 'import-legacy']) expect(results.out).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
    const data = await runCoinhts(['data', '--help'], env());
    for (const c of ['fetch', 'import', 'inventory', 'check']) expect(data.out).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
  });

  it('an unknown command exits 2', async () => {
    const r = await runCoinhts(['backtset'], env());
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown command 'backtset'/);
  });
});
