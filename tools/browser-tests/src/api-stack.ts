/**
 * The API and one queue worker as OS processes started from the sources (as the README's
 * "Services" section runs them), in a fresh database schema, queue prefix and folders, against
 * the PostgreSQL and Redis of the environment. A missing service fails with what to start.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { REPO_ROOT } from './chromium';

const SOURCE = ['--conditions=@coinhts/source', '-r', '@swc-node/register'];

/** A running API (with a worker). */
export interface ApiStack {
  readonly url: string;
  /** A key with the read and run scopes. */
  readonly key: string;
  /** Creates another key (e.g. with other scopes). */
  createKey(scopes: string): string;
  close(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** Options of {@link startApiStack}. */
export interface ApiStackOptions {
  /** Upbit REST base URL (a fake server) for the API's market checks and the paper process's gap repair. */
  readonly upbitBaseUrl?: string;
  /** Also start the paper-trading process (apps/paper) on this Upbit WebSocket URL (a fake server). */
  readonly paperWsUrl?: string;
}

/** Starts the stack; `DATABASE_URL` and `REDIS_URL` must point at running servers. */
export async function startApiStack(options: ApiStackOptions = {}): Promise<ApiStack> {
  const { DATABASE_URL, REDIS_URL } = process.env;
  if (!DATABASE_URL || !REDIS_URL) throw new Error('DATABASE_URL and REDIS_URL must be set: start PostgreSQL and Redis with `source tools/services.sh` (tools/test-all.sh does this)');
  const id = randomBytes(4).toString('hex');
  const tmp = mkdtempSync(join(tmpdir(), 'coinhts-console-'));
  cpSync(join(REPO_ROOT, 'data', 'sample'), join(tmp, 'data'), { recursive: true });
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env, DB_SCHEMA: `console_${id}`, MIGRATE_ON_START: 'true', QUEUE_PREFIX: `t-console-${id}`, DATA_ROOT: join(tmp, 'data'),
    RESULTS_STORE: `file:${join(tmp, 'results')}`, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', RATE_LIMIT_MAX: '100000', METRICS_PORT: '0',
    ...(options.upbitBaseUrl ? { UPBIT_BASE_URL: options.upbitBaseUrl } : {}),
  };
  const procs: ChildProcess[] = [];
  const logs: string[] = [];
  const start = (script: string, extra: NodeJS.ProcessEnv = {}) => {
    const child = spawn(process.execPath, [...SOURCE, join(REPO_ROOT, script)], { cwd: REPO_ROOT, env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (b: Buffer) => logs.push(b.toString()));
    child.stderr?.on('data', (b: Buffer) => logs.push(b.toString()));
    procs.push(child);
  };
  const close = async () => {
    for (const p of procs) p.kill('SIGTERM');
    await Promise.all(procs.map((p) => (p.exitCode !== null ? null : new Promise((r) => p.once('exit', r)))));
    const pg = new Client({ connectionString: DATABASE_URL });
    await pg.connect();
    await pg.query(`DROP SCHEMA IF EXISTS "console_${id}" CASCADE`);
    await pg.end();
    rmSync(tmp, { recursive: true, force: true });
  };
  start('apps/api/src/main.ts');
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    const ok = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline || procs[0].exitCode !== null) {
      await close();
      throw new Error(`the API did not become ready at ${url}:\n${logs.join('').slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  start('apps/worker/src/main.ts');
  // The paper process: quick polling for new sessions, a performance snapshot every 5 candles (closed candles go to the copy of the sample data).
  if (options.paperWsUrl) start('apps/paper/src/main.ts', { UPBIT_WS_URL: options.paperWsUrl, PAPER_POLL_MS: '100', PAPER_LEASE_MS: '20000', PAPER_SNAPSHOT_EVERY_BARS: '5', PAPER_OWNER: `console-test-${id}` });
  const createKey = (scopes: string): string => {
    const r = spawnSync(process.execPath, [...SOURCE, join(REPO_ROOT, 'apps/api/src/cli/keys.ts'), 'create', '--name', `console-${scopes}`, '--scopes', scopes], { cwd: REPO_ROOT, env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`keys create failed: ${r.stderr}`);
    return r.stdout.split('\n')[0].trim();
  };
  return { url, key: createKey('read,run'), createKey, close };
}
