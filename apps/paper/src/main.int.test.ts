/**
 * The paper process as it is deployed: `main.ts` in a child process against real PostgreSQL and
 * the fake Upbit servers. It migrates, picks up a session, applies closed candles, appends them to
 * the candle store, and on SIGTERM writes, releases the lease and exits 0. Bad configuration exits 2.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ParquetCandleStore } from '@coinhts/market-data';
import { startFakeUpbit, startFakeUpbitStream } from '@coinhts/market-data/testing';
import { PaperService } from '@coinhts/paper';
import { createDataSource, PaperSessionRepository } from '@coinhts/results';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is not set: the paper process test needs PostgreSQL. Run `source tools/services.sh` and re-run.');
const execArgv = ['--conditions=@coinhts/source', '-r', createRequire(__filename).resolve('@swc-node/register')];
const MAIN = join(__dirname, 'main.ts');

function start(env: Record<string, string>) {
  const proc = spawn(process.execPath, [...execArgv, MAIN], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d: Buffer) => { out += d.toString('utf8'); });
  proc.stderr.on('data', (d: Buffer) => { err += d.toString('utf8'); });
  const exited = new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
  return { proc, exited, out: () => out, err: () => err };
}

async function until<T>(what: string, fn: () => Promise<T> | T, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

it('exits 2 and names the variable when the configuration is wrong', async () => {
  const p = start({ DATABASE_URL: 'mysql://x', PAPER_LEASE_MS: '10' });
  expect(await p.exited).toBe(2);
  expect(p.err()).toMatch(/DATABASE_URL="mysql:\/\/x": must be a URL starting with postgres:\/\//);
  expect(p.err()).toMatch(/PAPER_LEASE_MS="10": must be at least 1000/);
}, 60_000);

it('exits 2 naming the module when a strategy plugin does not load (the API may start sessions of plugin strategies)', async () => {
  const missing = join(tmpdir(), `no-such-plugin-${randomBytes(4).toString('hex')}.js`);
  const p = start({ DATABASE_URL: url, COINHTS_STRATEGY_MODULES: missing });
  expect(await p.exited).toBe(2);
  expect(p.err()).toContain('The paper cannot start: Strategy module');
  expect(p.err()).toContain(missing);
}, 60_000);

it('runs a stored session on the stream, stores closed candles, and shuts down cleanly on SIGTERM', async () => {
  const schema = `paper_app_t_${randomBytes(6).toString('hex')}`;
  const dataRoot = await mkdtemp(join(tmpdir(), 'paper-app-'));
  const ws = await startFakeUpbitStream();
  const rest = await startFakeUpbit({ data: { 'KRW-BTC': { 'minutes/1': [] } } });
  const ds = createDataSource({ url, schema });
  const p = start({ DATABASE_URL: url, DB_SCHEMA: schema, MIGRATE_ON_START: 'true', UPBIT_WS_URL: ws.url, UPBIT_BASE_URL: rest.baseUrl, PAPER_LEASE_MS: '20000', PAPER_POLL_MS: '100', DATA_ROOT: dataRoot, PAPER_OWNER: 'paper-app-test', METRICS_PORT: '0' });
  try {
    await until('the process started', () => p.out().includes('paper process started') || p.err().length > 0, 60_000);
    expect(p.err()).toBe('');
    await ds.initialize();
    const repo = new PaperSessionRepository(ds);
    const s = await new PaperService(repo).start({ name: 'app', pairs: [{ symbol: 'KRW-BTC', strategy: 'sma_crossover', params: {} }] });
    await ws.waitForSubscriptions(1);
    const m = Math.floor(Date.now() / 60_000) * 60_000 - 120_000;
    ws.push('candle.1m', 'KRW-BTC', { t: m, o: 1e8, h: 1e8, l: 1e8, c: 1e8, v: 1 });
    ws.push('candle.1m', 'KRW-BTC', { t: m + 60_000, o: 1e8, h: 1e8, l: 1e8, c: 1e8, v: 1 }); // closes minute m
    // m+1 may close by the clock too (it ended more than the grace ago) and land in the same checkpoint.
    await until('minute m checkpointed', async () => ((await repo.pairs(s.id))[0].lastCandleTime ?? 0) >= m);
    expect((await repo.get(s.id)).owner).toBe('paper-app-test');
    // The container's HEALTHCHECK: /healthz names the owner and the sessions it runs; /metrics counts them.
    const port = Number(/"port":(\d+)/.exec(p.out())?.[1]);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true, database: true, owner: 'paper-app-test', sessions: [s.id] });
    expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toMatch(/^coinhts_paper_sessions_owned 1$/m);
    p.proc.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect((await repo.get(s.id)).owner).toBeNull();
    const stored = await new ParquetCandleStore({ root: dataRoot }).loadSeries({ symbol: 'KRW-BTC', timeframe: '1m' });
    // Minute m closed by the later candle; m+1 may also have closed by the clock (it ended before now + grace).
    expect(Array.from(stored.timestamp).slice(0, 1)).toEqual([m]);
    expect(Array.from(stored.timestamp).every((t) => t === m || t === m + 60_000)).toBe(true);
  } finally {
    p.proc.kill('SIGKILL');
    if (ds.isInitialized) {
      await ds.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await ds.destroy();
    }
    await ws.close();
    await rest.close();
    await rm(dataRoot, { recursive: true, force: true });
  }
}, 120_000);
