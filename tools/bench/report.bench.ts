/**
 * Report benchmark (issue 13): a report of 1,000,000 equity points (one-minute bars, with their
 * candles) and 10,000 trades. Goals: file ≤ 5 MB, first paint ≤ 2 s in headless Chromium.
 * Generation is compared with JSON.stringify of the raw equity column (same run); page timings with
 * a blank page loaded in the same browser. Debian's chromium is required (/usr/bin/chromium).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BacktestSummary } from '@coinhts/engine';
import { buildReportData, renderReportHtml, type BacktestReportInput } from '@coinhts/report';
import { chromium } from 'playwright-core';
import { measure, report, saveResults } from './harness';

const N = 1_000_000, TRADES = 10_000, MIN = 60_000, T0 = Date.UTC(2023, 0, 1);

function input(): BacktestReportInput {
  const timestamp = new Float64Array(N), open = new Float64Array(N), high = new Float64Array(N), low = new Float64Array(N), close = new Float64Array(N);
  const equity = new Float64Array(N), dd = new Float64Array(N);
  let price = 50_000_000, eq = 10_000_000, peak = eq, seed = 42;
  const rnd = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < N; i++) {
    timestamp[i] = T0 + i * MIN;
    open[i] = price;
    price *= 1 + (rnd() - 0.5) * 0.002;
    close[i] = price;
    high[i] = Math.max(open[i], close[i]) * (1 + rnd() * 0.0005);
    low[i] = Math.min(open[i], close[i]) * (1 - rnd() * 0.0005);
    eq *= 1 + (rnd() - 0.499) * 0.001;
    peak = Math.max(peak, eq);
    equity[i] = eq;
    dd[i] = ((peak - eq) / peak) * 100;
  }
  const step = Math.floor(N / TRADES);
  const col = (f: (k: number) => number) => Float64Array.from({ length: TRADES }, (_, k) => f(k));
  const trades = {
    symbol: new Array<string>(TRADES).fill('KRW-BTC'), entry_time: col((k) => timestamp[k * step]), exit_time: col((k) => timestamp[k * step + 30]),
    entry_price: col((k) => close[k * step]), exit_price: col((k) => close[k * step + 30]), quantity: col(() => 0.2), fees: col(() => 10_000),
    pnl: col((k) => (close[k * step + 30] - close[k * step]) * 0.2 - 10_000), pnl_pct: col((k) => (close[k * step + 30] / close[k * step] - 1) * 100),
    bars_held: Int32Array.from({ length: TRADES }, () => 30), exit_reason: new Array<string>(TRADES).fill('signal'),
  };
  const p = {
    initial_capital_krw: 10_000_000, final_equity_krw: equity[N - 1], total_return_pct: (equity[N - 1] / 1e7 - 1) * 100, cagr_pct: 1, volatility_ann_pct: 1, sharpe: 1,
    sortino: 1, calmar: 1, max_drawdown_pct: dd.reduce((a, b) => Math.max(a, b), 0), max_drawdown_duration_ms: 0, max_drawdown_duration_bars: 0, longest_drawdown_ms: 0, longest_drawdown_bars: 0,
    exposure: 0.3, trade_count: TRADES, win_rate: 0.5, best_trade_pct: 1, worst_trade_pct: -1, avg_trade_pct: 0, avg_bars_held: 30, profit_factor: 1, expectancy_pct: 0,
    expectancy_krw: 0, sqn: 0, fees_paid_krw: 1e8, entries_skipped: 0,
  };
  const study = { signals: TRADES, hold_period_bars: 1, win_rate: 0.5, avg_return_pct: 0, legacy_max_drawdown_pct: 1 };
  const summary = {
    engine_version: 'bench', strategy: { name: 'bench', title: 'Benchmark' }, params: { window: 20 },
    options: { initial_capital: 1e7, fee_rate: 0.001, slippage_rate: 0.0002, fill: 'next-open', stop_loss_pct: null, take_profit_pct: null, trailing_stop_pct: null, exit_on_sell: true, sizing: { kind: 'equity-fraction', fraction: 1 } },
    resolved: { hold_bars: null, study_hold_bars: 1, bars_per_year: 525_600, bar_ms: MIN },
    period: { start_ms: T0, end_ms: timestamp[N - 1], start: '', end: '', bars: N }, signal_study: study, portfolio: p,
    symbols: [{ symbol: 'KRW-BTC', timeframe: '1m', bars: N, start_ms: T0, end_ms: timestamp[N - 1], buy_and_hold_return_pct: (close[N - 1] / close[0] - 1) * 100, exposure: 0.3, entries_skipped: 0, signal_study: study, trades: { trade_count: TRADES, win_rate: 0.5, avg_trade_pct: 0, net_pnl_krw: 0 } }],
  } as unknown as BacktestSummary;
  return {
    kind: 'backtest', run: { id: 'bench', created_at: null }, summary, trades,
    equity: { timestamp, equity, drawdown_pct: dd },
    signals: { symbol: trades.symbol, timestamp: trades.entry_time, return_pct: trades.pnl_pct },
    candles: [{ symbol: 'KRW-BTC', timeframe: '1m', candles: { timestamp, open, high, low, close } }],
  };
}

async function main(): Promise<void> {
  const inp = input();
  let html = '';
  const gen = [
    measure('baseline: JSON.stringify of the 1 M equity values', () => JSON.stringify(Array.from(inp.equity.equity)), { runs: 5 }),
    measure('buildReportData (downsampling, exact tables)', () => buildReportData(inp), { runs: 5 }),
    measure('renderReportHtml (the whole file)', () => (html = renderReportHtml(inp)), { runs: 5 }),
  ];
  report('Generating the report: 1,000,000 equity points + candles, 10,000 trades', gen, gen[0].name);
  const bytes = Buffer.byteLength(html);
  if (process.env.REPORT_BENCH_OUT) writeFileSync(process.env.REPORT_BENCH_OUT, html); // keep the file to look at it
  console.log(`\nfile size: ${(bytes / 1e6).toFixed(2)} MB (goal ≤ 5 MB)`);

  const dir = mkdtempSync(join(tmpdir(), 'coinhts-report-bench-'));
  const file = join(dir, 'report.html'), blank = join(dir, 'blank.html');
  writeFileSync(file, html);
  writeFileSync(blank, '<!doctype html><html><body><p>blank</p></body></html>');
  const ctx = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, viewport: { width: 1280, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  await ctx.setOffline(true);
  const load = async (path: string, ready: boolean) => {
    const page = await ctx.newPage();
    await page.goto(pathToFileURL(path).href);
    if (ready) await page.waitForFunction(() => document.documentElement.dataset.reportReady === 'true', null, { timeout: 60_000 });
    else await page.waitForFunction(() => performance.getEntriesByName('first-contentful-paint').length > 0);
    if (!ready) return { fcp: await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0].startTime), content: NaN, ready: NaN };
    const t = await page.evaluate(async () => ({
      fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
      ready: performance.getEntriesByName('coinhts-report-ready')[0]?.startTime ?? performance.now(),
      // Element Timing: when the report's title (rendered with the stats and tables) was painted.
      content: await new Promise<number>((resolve) => {
        new PerformanceObserver((list) => {
          const e = list.getEntries().find((x) => (x as unknown as { identifier: string }).identifier === 'report-title');
          if (e) resolve((e as unknown as { renderTime: number }).renderTime);
        }).observe({ type: 'element', buffered: true } as unknown as PerformanceObserverInit); // 'element' is Chromium's Element Timing
        setTimeout(() => resolve(NaN), 5000);
      }),
    }));
    await page.close();
    return t;
  };
  const runs = 5;
  const blankT: number[] = [], fcp: number[] = [], content: number[] = [], ready: number[] = [];
  await load(file, true); // warm-up
  for (let i = 0; i < runs; i++) {
    blankT.push((await load(blank, false)).fcp);
    const r = await load(file, true);
    fcp.push(r.fcp);
    content.push(r.content);
    ready.push(r.ready);
  }
  await ctx.close();
  rmSync(dir, { recursive: true, force: true });
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log('\n### Opening the report in headless Chromium (from disk, offline), median of 5\n');
  console.log('| what | median ms | vs blank page |');
  console.log('|---|---:|---:|');
  console.log(`| blank page: first contentful paint | ${med(blankT).toFixed(0)} | 1.00x |`);
  console.log(`| report: first contentful paint | ${med(fcp).toFixed(0)} | ${(med(fcp) / med(blankT)).toFixed(2)}x |`);
  console.log(`| report: title, stats and tables painted | ${med(content).toFixed(0)} | ${(med(content) / med(blankT)).toFixed(2)}x |`);
  console.log(`| report: every chart and table drawn | ${med(ready).toFixed(0)} | ${(med(ready) / med(blankT)).toFixed(2)}x |`);
  console.log(`\ngoals: file ≤ 5 MB: ${bytes <= 5e6 ? 'met' : 'NOT met'}; first paint of the report ≤ 2 s: ${med(content) <= 2000 ? 'met' : 'NOT met'}; every chart drawn ≤ 2 s: ${med(ready) <= 2000 ? 'met' : 'NOT met'}`);
  saveResults('report', { generate: gen, fileBytes: bytes, chromium: { blankFcpMs: med(blankT), fcpMs: med(fcp), contentPaintMs: med(content), readyMs: med(ready), runs } });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
