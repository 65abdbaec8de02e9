/**
 * Console benchmark (issue 13): the run list's first page with 10,000 runs in the index (goal
 * ≤ 300 ms from navigation to the table drawn, headless Chromium). The API runs from the sources
 * against DATABASE_URL/REDIS_URL in a fresh schema (dropped at the end). Baselines in the same
 * run: the list request alone (Node fetch) and a blank page's first paint.
 *
 *   source tools/services.sh && npm run bench -- console
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { chromium } from 'playwright-core';
import { saveResults } from './harness';

const ROOT = resolve(__dirname, '..', '..');
const RUNS = 10_000;
const SOURCE = ['--conditions=@coinhts/source', '-r', '@swc-node/register'];
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const { DATABASE_URL, REDIS_URL } = process.env;
  if (!DATABASE_URL || !REDIS_URL) throw new Error('set DATABASE_URL and REDIS_URL (source tools/services.sh)');
  const schema = `bench_console_${randomBytes(4).toString('hex')}`;
  const tmp = mkdtempSync(join(tmpdir(), 'coinhts-console-bench-'));
  const port = await new Promise<number>((res) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => res(p)); }); });
  const env = { ...process.env, DB_SCHEMA: schema, MIGRATE_ON_START: 'true', QUEUE_PREFIX: schema, DATA_ROOT: join(ROOT, 'data/sample'), RESULTS_STORE: `file:${join(tmp, 'results')}`, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', RATE_LIMIT_MAX: '100000' };
  const api = spawn(process.execPath, [...SOURCE, join(ROOT, 'apps/api/src/main.ts')], { cwd: ROOT, env, stdio: 'inherit' });
  const url = `http://127.0.0.1:${port}`;
  const pg = new Client({ connectionString: DATABASE_URL });
  await pg.connect();
  try {
    for (let i = 0; ; i++) {
      if (await fetch(`${url}/readyz`).then((r) => r.ok, () => false)) break;
      if (i > 400) throw new Error('the API did not start');
      await new Promise((r) => setTimeout(r, 250));
    }
    const now = Date.now();
    const ids = Array.from({ length: RUNS }, () => randomUUID());
    await pg.query(
      `INSERT INTO "${schema}".backtest_runs (id, kind, status, strategy, params, symbols, timeframe, metrics, total_return_pct, sharpe, max_drawdown_pct, trade_count,
         archive_location, manifest_sha256, archive_bytes, archive_files, duration_ms, created_at, updated_at)
       SELECT u.id, 'sync', 'completed', 'volume_zone_breakout', '{"volume_window":20}'::jsonb, ARRAY['KRW-BTC'], '1d', '{"total_return_pct":1}'::jsonb,
         (u.n % 200) - 50, (u.n % 40) / 10.0, u.n % 60, u.n % 300, 'file:///x/', repeat('0', 64), 1000, 4, 100,
         to_timestamp(($2::float8 - u.n * 60000) / 1000), to_timestamp(($2::float8 - u.n * 60000) / 1000)
       FROM unnest($1::uuid[]) WITH ORDINALITY AS u(id, n)`, [ids, now]);
    await pg.query(`ANALYZE "${schema}".backtest_runs`);
    const key = spawnSync(process.execPath, [...SOURCE, join(ROOT, 'apps/api/src/cli/keys.ts'), 'create', '--name', 'bench', '--scopes', 'read'], { cwd: ROOT, env, encoding: 'utf8' }).stdout.split('\n')[0].trim();

    const fetchMs: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t0 = performance.now();
      const r = await fetch(`${url}/api/v1/backtests?limit=50`, { headers: { Authorization: `Bearer ${key}` } });
      await r.json();
      fetchMs.push(performance.now() - t0);
    }
    const ctx = await chromium.launchPersistentContext(join(tmp, 'profile'), {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, viewport: { width: 1280, height: 900 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    await ctx.addInitScript((k: string) => sessionStorage.setItem('coinhts.apiKey', k), key);
    const blank: number[] = [], drawn: number[] = [];
    for (let i = 0; i < 6; i++) {
      const p = await ctx.newPage();
      await p.goto(`${url}/healthz`);
      blank.push(await p.evaluate(() => performance.getEntriesByType('navigation')[0].duration));
      await p.goto(`${url}/console#runs`);
      await p.waitForFunction(() => performance.getEntriesByName('coinhts-runs-drawn').length > 0);
      const rows = await p.locator('[data-testid="runs-table"] tbody tr').count();
      if (rows !== 50) throw new Error(`expected 50 rows on the first page, got ${rows}`);
      const t = await p.evaluate(() => performance.getEntriesByName('coinhts-runs-drawn')[0].startTime);
      if (i > 0) drawn.push(t); // the first load warms the API's caches and the browser
      await p.close();
    }
    await ctx.close();
    console.log(`\n### Console run list, ${RUNS.toLocaleString('en-US')} runs in the index (median)\n`);
    console.log('| what | ms | vs list request |');
    console.log('|---|---:|---:|');
    console.log(`| GET /api/v1/backtests?limit=50 from Node (baseline) | ${med(fetchMs).toFixed(1)} | 1.00x |`);
    console.log(`| /healthz page load in Chromium | ${med(blank).toFixed(1)} | ${(med(blank) / med(fetchMs)).toFixed(2)}x |`);
    console.log(`| /console#runs: navigation to the first 50 runs drawn | ${med(drawn).toFixed(1)} | ${(med(drawn) / med(fetchMs)).toFixed(2)}x |`);
    console.log(`\ngoal: first page ≤ 300 ms: ${med(drawn) <= 300 ? 'met' : 'NOT met'}`);
    saveResults('console', { runs: RUNS, listRequestMs: med(fetchMs), healthzPageMs: med(blank), firstPageDrawnMs: med(drawn), samples: drawn });
  } finally {
    api.kill('SIGTERM');
    await pg.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pg.end();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
