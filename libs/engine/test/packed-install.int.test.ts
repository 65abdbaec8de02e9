/**
 * The engine as a consumer gets it: build @coinhts/indicators, @coinhts/positions and
 * @coinhts/engine, `npm pack` each, install the three tarballs into an empty folder (zod comes
 * from the registry or npm's cache), and run the script printed in libs/engine/README.md there.
 * Needs npm and either network access or zod in npm's cache; takes well under a minute.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import * as engineSource from '../src';
import * as testingSource from '../src/testing';

const ROOT = resolve(__dirname, '..', '..', '..');
const LIBS = ['indicators', 'positions', 'engine'] as const;
const TIMEOUT_MS = 180_000;

jest.setTimeout(TIMEOUT_MS);

function run(cmd: string, args: readonly string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', timeout: TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

/** The code block the README marks as the packed-install script. */
function readmeScript(): string {
  const readme = readFileSync(join(ROOT, 'libs', 'engine', 'README.md'), 'utf8');
  const marker = readme.indexOf('<!-- packed-install-script');
  expect(marker).toBeGreaterThan(0);
  const block = /```js\n([\s\S]*?)```/.exec(readme.slice(marker));
  if (!block) throw new Error('libs/engine/README.md: no ```js block after the packed-install-script marker');
  return block[1];
}

/** Runs the script in this process against the engine's source, capturing what it prints. */
function runScriptInProcess(script: string): string {
  const modules: Record<string, unknown> = { '@coinhts/engine': engineSource, '@coinhts/engine/testing': testingSource };
  const lines: string[] = [];
  const fakeRequire = (id: string): unknown => {
    if (!(id in modules)) throw new Error(`the README script requires ${id}, which this test does not provide`);
    return modules[id];
  };
  // The README's script is the thing under test; run it as written.
  new Function('require', 'console', script)(fakeRequire, { log: (...a: unknown[]) => lines.push(a.join(' ')) });
  return lines.join('\n');
}

describe('npm pack of @coinhts/engine (+ indicators, positions) in an empty folder', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'coinhts-packed-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('installs and runs the README script with the same output as the source', () => {
    const script = readmeScript();
    expect(script.trimEnd().split('\n').length).toBeLessThanOrEqual(10);

    // Build order matters: the engine compiles against the other two packages' declarations.
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    for (const lib of LIBS) run(process.execPath, [tsc, '-p', join('libs', lib, 'tsconfig.lib.json')], ROOT);

    const packs = join(tmp, 'packs');
    mkdirSync(packs);
    const tarballs = LIBS.map((lib) => {
      const out = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', packs], join(ROOT, 'libs', lib))) as { filename: string; files: { path: string }[] }[];
      const files = out[0].files.map((f) => f.path);
      expect({ lib, hasDist: files.includes('dist/index.js'), hasSource: files.some((f) => f.startsWith('src/')), hasTests: files.some((f) => f.endsWith('.test.js')) })
        .toEqual({ lib, hasDist: true, hasSource: false, hasTests: false });
      // the source maps point at src/, which is not shipped: they must carry the sources themselves
      const maps = files.filter((f) => f.endsWith('.js.map'));
      expect(maps.length).toBeGreaterThan(0);
      const withoutSources = maps.filter((f) => {
        const map = JSON.parse(readFileSync(join(ROOT, 'libs', lib, f), 'utf8')) as { sources: string[]; sourcesContent?: (string | null)[] };
        return !(map.sourcesContent?.length === map.sources.length && map.sourcesContent.every((c) => typeof c === 'string' && c.length > 0));
      });
      expect({ lib, withoutSources }).toEqual({ lib, withoutSources: [] });
      return join(packs, out[0].filename);
    });

    const app = join(tmp, 'app');
    mkdirSync(app);
    run('npm', ['init', '-y'], app);
    run('npm', ['install', ...tarballs, '--no-audit', '--no-fund', '--prefer-offline'], app);
    writeFileSync(join(app, 'index.js'), script);

    // The script must load the installed, compiled package, not the workspace.
    const resolved = run(process.execPath, ['-p', "require.resolve('@coinhts/engine')"], app).trim();
    expect(realpathSync(resolved).startsWith(realpathSync(app) + sep)).toBe(true);
    expect(resolved.endsWith(join('node_modules', '@coinhts', 'engine', 'dist', 'index.js'))).toBe(true);

    const printed = run(process.execPath, ['index.js'], app).trim();
    expect(printed).toMatch(/^sma_crossover: \d+ trades, return -?\d+\.\d\d %, sharpe -?\d+\.\d{3}, max drawdown \d+\.\d\d %$/);

    // Same candles, same request, in process on the engine's source: identical numbers.
    expect(printed).toBe(runScriptInProcess(script));
    // The README quotes the output; keep the quote true (update it when the engine's numbers change on purpose).
    const quoted = /It prints `([^`]+)`/.exec(readFileSync(join(ROOT, 'libs', 'engine', 'README.md'), 'utf8'))?.[1];
    expect({ readmeSays: quoted }).toEqual({ readmeSays: printed });
    const candles = testingSource.syntheticCandles({ n: 5000, seed: 7, intervalMs: 3_600_000, volatility: 0.008 });
    const direct = engineSource.runBacktest({
      strategy: engineSource.getStrategy('sma_crossover'), params: { fast_period: 10, slow_period: 30 },
      series: [{ symbol: 'KRW-BTC', timeframe: '1h', candles }], options: { fee_rate: 0.001, stop_loss_pct: 2, hold_bars: null },
    });
    expect(Number(/: (\d+) trades/.exec(printed)?.[1])).toBe(direct.summary.portfolio.trade_count);
    expect(direct.summary.portfolio.trade_count).toBeGreaterThan(10);

    // VolumeZoneBreakout on a series long enough for its WebAssembly sums, from the tarball: the
    // compiled module ships and gives the source's signals, levels and confidences.
    const vzb = [
      "const { volumeZoneBreakout, parseStrategyParams } = require('@coinhts/engine');",
      "const { syntheticCandles } = require('@coinhts/engine/testing');",
      'const c = syntheticCandles({ n: 20000, seed: 3 });',
      's = volumeZoneBreakout.generate(c, parseStrategyParams(volumeZoneBreakout, { volume_window: 20 }));',
      'let n = 0, lv = 0, cf = 0;',
      'for (let i = 0; i < s.side.length; i++) if (s.side[i] !== 0) { n++; lv += s.level[i]; cf += s.confidence[i]; }',
      'console.log(`${n} ${lv} ${cf}`);',
    ].join('\n');
    writeFileSync(join(app, 'vzb.js'), `let s;\n${vzb}`);
    const packedVzb = run(process.execPath, ['vzb.js'], app).trim();
    expect(Number(packedVzb.split(' ')[0])).toBeGreaterThan(1000);
    expect(packedVzb).toBe(runScriptInProcess(`let s;\n${vzb}`));

    // "Write your own strategy": the README's 15-line example, as a file next to a script that uses it.
    const readme = readFileSync(join(ROOT, 'libs', 'engine', 'README.md'), 'utf8');
    const example = /```js\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('<!-- own-strategy-example')))?.[1] ?? '';
    expect(example.trimEnd().split('\n').length).toBeLessThanOrEqual(15);
    writeFileSync(join(app, 'ema-rsi-trend.js'), example);
    const useIt = [
      "const { runBacktest, checkNoLookahead } = require('@coinhts/engine');",
      "const { syntheticCandles } = require('@coinhts/engine/testing');",
      "const { emaRsiTrend } = require('./ema-rsi-trend');",
      'const candles = syntheticCandles({ n: 3000, seed: 11, intervalMs: 3_600_000, volatility: 0.008 });',
      "const r = runBacktest({ strategy: emaRsiTrend, params: { period: 30 }, series: [{ symbol: 'KRW-BTC', timeframe: '1h', candles }] });",
      'const check = checkNoLookahead(emaRsiTrend, candles, { period: 30 }, { maxPrefixes: 40 });',
      'const s = emaRsiTrend.createStream(emaRsiTrend.paramsSchema.parse({ period: 30 })); s.onCandle({ timestamp: 0, open: 1, high: 1, low: 1, close: 1, volume: 1 });',
      'console.log(`${r.summary.portfolio.trade_count} trades, final ${r.summary.portfolio.final_equity_krw.toFixed(2)}, no look-ahead: ${check.ok}, snapshot ${JSON.parse(JSON.stringify(s.snapshot())).strategy}`);',
    ].join('\n');
    writeFileSync(join(app, 'own.js'), useIt);
    const packedOwn = run(process.execPath, ['own.js'], app).trim();
    expect(packedOwn).toMatch(/^\d+ trades, final \d+\.\d\d, no look-ahead: true, snapshot ema_rsi_trend$/);
    expect(Number(packedOwn.split(' ')[0])).toBeGreaterThan(5);
    // the same on the engine's source, in this process
    const exported: Record<string, unknown> = {};
    new Function('require', 'exports', example)((id: string) => (id === 'zod' ? require('zod') : engineSource), exported);
    const modules: Record<string, unknown> = { '@coinhts/engine': engineSource, '@coinhts/engine/testing': testingSource, './ema-rsi-trend': exported };
    const lines: string[] = [];
    new Function('require', 'console', useIt)((id: string) => modules[id], { log: (...a: unknown[]) => lines.push(a.join(' ')) });
    expect(packedOwn).toBe(lines.join('\n'));
  });
});
