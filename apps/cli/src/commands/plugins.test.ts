/**
 * Strategy plugins through the CLI: the README's "Write your own strategy" example loaded with
 * `--strategy-module` and `COINHTS_STRATEGY_MODULES`, run like a built-in; `check-strategy`; a
 * module that fails to load or clashes stops the CLI with a message naming it (exit 2).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, REPO_ROOT, runCoinhts, tempDirs } from '../../test/cli-harness';

jest.setTimeout(120_000);

// Under the repository (tmp/ is git-ignored) so the module's require('zod') resolves like a user's project.
mkdirSync(join(REPO_ROOT, 'tmp'), { recursive: true });
const pluginDir = mkdtempSync(join(REPO_ROOT, 'tmp', 'cli-plugins-'));
const dirs = tempDirs('cli-plugins');
afterAll(() => { rmSync(pluginDir, { recursive: true, force: true }); dirs.cleanup(); });

function readmeExample(): string {
  const readme = readFileSync(join(REPO_ROOT, 'libs', 'engine', 'README.md'), 'utf8');
  const at = readme.indexOf('<!-- own-strategy-example');
  const block = /```js\n([\s\S]*?)```/.exec(readme.slice(at));
  if (at < 0 || !block) throw new Error('libs/engine/README.md: no ```js block after the own-strategy-example marker');
  return block[1];
}

const example = join(pluginDir, 'ema-rsi-trend.js');
writeFileSync(example, readmeExample());
const csv = join(FIXTURES, 'synthetic_seed42_300.csv');

describe('strategy plugins in the CLI', () => {
  it('the README example is at most 15 lines', () => {
    expect(readmeExample().trimEnd().split('\n').length).toBeLessThanOrEqual(15);
  });

  it('--strategy-module loads it: `strategies --json` lists it with its JSON Schema', async () => {
    const r = await runCoinhts(['--strategy-module', example, 'strategies', '--json']);
    expect(r.err).toBe('');
    const list = JSON.parse(r.out) as { name: string; parameters: { properties: Record<string, { default: unknown; description: string }> } }[];
    const mine = list.find((s) => s.name === 'ema_rsi_trend');
    expect(mine?.parameters.properties.period).toMatchObject({ default: 20, description: 'EMA period, bars' });
    expect(list.map((s) => s.name).slice(0, 2)).toEqual(['volume_long_candle', 'volume_zone_breakout']);
  });

  it('backtest runs it like a built-in, from COINHTS_STRATEGY_MODULES', async () => {
    const r = await runCoinhts(['backtest', '--strategy', 'ema_rsi_trend', '--param', 'period=10', '--csv', csv, '--no-save', '--json'], { env: { COINHTS_STRATEGY_MODULES: example, RESULTS_STORE: `file:${dirs.make('results')}` } });
    expect([r.code, r.err]).toEqual([0, '']);
    const summary = (JSON.parse(r.out) as { summary: { strategy: { name: string }; params: Record<string, unknown>; portfolio: { trade_count: number } } }).summary;
    expect(summary.strategy.name).toBe('ema_rsi_trend');
    expect(summary.params).toEqual({ period: 10, rsi_max: 70 });
    expect(summary.portfolio.trade_count).toBeGreaterThan(0);
  });

  it('check-strategy passes it and fails a strategy whose fast form reads the next bar (exit 1, naming the bar)', async () => {
    const ok = await runCoinhts(['--strategy-module', example, 'check-strategy', '--strategy', 'ema_rsi_trend', '--csv', csv]);
    expect([ok.code, ok.err]).toEqual([0, '']);
    expect(ok.out).toMatch(/: ok: ema_rsi_trend decides all 300 bars from past bars only/);
    const leaky = join(pluginDir, 'leaky.js');
    writeFileSync(leaky, [
      "const { z } = require('zod');",
      "const { defineStrategy } = require('@coinhts/engine');",
      "exports.peek = defineStrategy({ name: 'peek_next', params: z.object({}), indicators: () => ({}),",
      '  rule: (bar) => (bar.close > bar.prev.close ? 1 : null),',
      '  columns: ({ close }, _p, out) => { for (let i = 1; i + 1 < close.length; i++) if (close[i + 1] > close[i]) out.side[i] = 1; } });',
    ].join('\n'));
    const bad = await runCoinhts(['--strategy-module', leaky, 'check-strategy', '--strategy', 'peek_next', '--csv', csv]);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/LOOK-AHEAD at bar \d+/);
  });

  it('a module that fails to load, or exports a name that exists, stops the CLI with a message naming the module (exit 2)', async () => {
    const broken = join(pluginDir, 'broken.js');
    writeFileSync(broken, "throw new Error('boom at load');\n");
    const r1 = await runCoinhts(['--strategy-module', broken, 'strategies']);
    expect(r1.code).toBe(2);
    expect(r1.err).toBe(`error: Strategy module ${broken}: failed to load: boom at load\n`);
    const clash = join(pluginDir, 'clash.js');
    writeFileSync(clash, "const { smaCrossover } = require('@coinhts/engine');\nexports.again = { ...smaCrossover };\n");
    const r2 = await runCoinhts(['strategies'], { env: { COINHTS_STRATEGY_MODULES: clash } });
    expect(r2.code).toBe(2);
    expect(r2.err).toBe(`error: Strategy module ${clash}: strategy "sma_crossover": name: is already registered by a built-in strategy; choose another name\n`);
  });
});
