/**
 * Resilience suite (issue 16): its own PostgreSQL, Redis and S3 plus the API and two workers as
 * OS processes on loopback, then faults and hostile clients, each measured by waiting for states
 * (job states, health answers, Redis keyspace events), never by sleeping and hoping. Figures go
 * to `.ci-reports/resilience-figures.json` (git-ignored; RESILIENCE_FIGURES=path to move it);
 * docs/reliability.md keeps the recorded table.
 *
 * Knobs: RESILIENCE_LOAD_SECONDS (default 120; `RESILIENCE_LOAD_SECONDS=900` is the 15-minute run),
 * RESILIENCE_HOSTILE_REQUESTS (default 10000), RESILIENCE_KEEP=1 keeps the temp folder.
 */
import { createHash, randomBytes } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createDataSource, PgRunIndex } from '@coinhts/results';
import { openStore, RunArchive, RunService, type RunCheckReport } from '@coinhts/runs';
import { storeAt } from '@coinhts/runs/testing';
import fc from 'fast-check';
import { Client } from 'pg';
import { createClient } from 'redis';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the smoke test's process helpers (tools/smoke is not a library)
import { delay, freePort, runNode, startNode, waitFor, type Proc } from '../../tools/smoke/stack';
import { Apps, ROOT, rssBytes, Services, SOURCE_ARGS } from './stack';

jest.setTimeout(900_000);

const LOCK_MS = 5_000;
const STALLED_MS = 1_000;
const AUTH_TTL_MS = 1_000;
const LOAD_SECONDS = Number(process.env['RESILIENCE_LOAD_SECONDS'] ?? 120);
const HOSTILE_REQUESTS = Number(process.env['RESILIENCE_HOSTILE_REQUESTS'] ?? 10_000);
const FIGURES = process.env['RESILIENCE_FIGURES'] ?? join(ROOT, '.ci-reports', 'resilience-figures.json');
const BUCKET = 'coinhts-resilience';
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

interface Scenario {
  fault: string;
  jobs_accepted: number;
  jobs_completed: number;
  jobs_lost: number;
  jobs_duplicated: number;
  requests: number;
  http_5xx: number;
  [k: string]: unknown;
}
const figures: { started_at: string; cpu: string; scenarios: Scenario[]; load?: Record<string, unknown> } = {
  started_at: new Date().toISOString(),
  cpu: (() => {
    try {
      return /model name\s*:\s*(.*)/.exec(require('node:fs').readFileSync('/proc/cpuinfo', 'utf8') as string)?.[1] ?? 'unknown';
    } catch {
      return 'unknown';
    }
  })(),
  scenarios: [],
};

let dir: string;
let svc: Services;
let apps: Apps;
let keys: { admin: string; read: string; run: string };
let s3: S3Client;

const base = () => `http://127.0.0.1:${apps.apiPort}`;
async function http(method: string, path: string, opts: { key?: string | null; body?: unknown; raw?: string | Buffer; type?: string; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<{ status: number; body: unknown; headers: Headers; ms: number }> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  const key = opts.key === undefined ? keys.admin : opts.key;
  if (key) headers['authorization'] = `Bearer ${key}`;
  let body: string | Buffer | undefined;
  if (opts.raw !== undefined) {
    body = opts.raw;
    headers['content-type'] = opts.type ?? 'application/json';
  } else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] = 'application/json';
  }
  const t0 = performance.now();
  const send = () => fetch(`${base()}${path}`, { method, headers, body, signal: AbortSignal.timeout(opts.timeoutMs ?? 60_000) });
  // A pooled keep-alive connection the API closed as idle (keepAliveTimeout) just as it was reused
  // fails before any answer ("other side closed"): the request never reached the API, so it is
  // sent once more, as HTTP clients do (the race is the client's, and a loaded machine widens it).
  const res = await send().catch((err: unknown) => {
    if (err instanceof TypeError && /other side closed|ECONNRESET/.test(String((err.cause as Error | undefined)?.message ?? (err.cause as { code?: string } | undefined)?.code))) return send();
    throw err;
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body: parsed, headers: res.headers, ms: performance.now() - t0 };
}

const backtest = (i: number, extra: Record<string, unknown> = {}) => ({
  strategy: 'volume_zone_breakout',
  params: { volume_window: 10 + (i % 90), top_percentile: 0.2, breakout_buffer: 0 },
  symbols: [['KRW-BTC', 'KRW-ETH', 'KRW-XRP'][i % 3]],
  start_date: '2023-01-01',
  end_date: '2024-06-30',
  timeframe: '1d',
  ...extra,
});

type TaskState = { state: string; run_id?: string | null; error?: unknown };
async function status(taskId: string): Promise<TaskState | undefined> {
  try {
    const r = await http('GET', `/api/v1/backtests/async/${taskId}/status`, { timeoutMs: 5_000 });
    return r.status === 200 ? (r.body as TaskState) : undefined;
  } catch {
    return undefined;
  }
}
/** Waits until every task is completed (or any ends failed/cancelled); returns the final states. */
async function allFinished(ids: readonly string[], what: string, timeoutMs = 300_000): Promise<Map<string, TaskState>> {
  const done = new Map<string, TaskState>();
  await waitFor(what, async () => {
    for (const id of ids) {
      if (done.has(id)) continue;
      const s = await status(id);
      if (s && ['completed', 'failed', 'cancelled'].includes(s.state)) done.set(id, s);
    }
    return done.size === ids.length ? true : undefined;
  }, timeoutMs, 500, () => `${done.size}/${ids.length} finished\n${apps.dump()}`);
  return done;
}

/** Completions logged per job id over every worker process ever started. */
function completionsByJob(): Map<string, number> {
  const out = new Map<string, number>();
  for (const lines of apps.workerLines) {
    for (const l of lines) {
      if (!l.includes('"msg":"job completed"')) continue;
      const m = /"jobId":"([^"]+)"/.exec(l);
      if (m) out.set(m[1], (out.get(m[1]) ?? 0) + 1);
    }
  }
  return out;
}

/** Jobs a worker process started and did not finish, from its log lines. */
function heldJobs(lines: readonly string[]): string[] {
  const open = new Set<string>();
  for (const l of lines) {
    const m = /"jobId":"([^"]+)"/.exec(l);
    if (!m) continue;
    if (l.includes('"msg":"job started"')) open.add(m[1]);
    else if (/"msg":"job (completed|attempt failed|failed for good|cancelled|handed back)/.test(l)) open.delete(m[1]);
  }
  return [...open];
}

/** How many times `id` was started by worker processes other than the one whose lines are `except`. */
function startsOutside(id: string, except: readonly string[]): number {
  let n = 0;
  for (const lines of apps.workerLines) {
    if (lines === except) continue;
    for (const l of lines) if (l.includes('"msg":"job started"') && l.includes(`"jobId":"${id}"`)) n++;
  }
  return n;
}

/** Time (epoch ms, the worker's clock) of the first 'job stalled' line for `id` after `after`. */
function stalledTime(id: string, after: number): number | undefined {
  for (const lines of apps.workerLines) {
    for (const l of lines) {
      if (!l.includes('"msg":"job stalled') || !l.includes(`"jobId":"${id}"`)) continue;
      const t = Number(/"time":(\d+)/.exec(l)?.[1]);
      if (t >= after) return t;
    }
  }
  return undefined;
}

/** Index rows, archive objects and checksums of completed runs: exactly one of each, intact. */
async function checkRuns(ids: readonly string[]): Promise<{ rows: number; archives: number; partial: number; checksumMismatches: number }> {
  const pg = new Client({ connectionString: svc.databaseUrl });
  await pg.connect();
  const res = await pg.query<{ id: string; manifest_sha256: string }>('SELECT id, manifest_sha256 FROM backtest_runs WHERE id = ANY($1)', [ids]).finally(() => pg.end());
  let archives = 0;
  let partial = 0;
  let mismatches = 0;
  for (const id of ids) {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `backtests/${id}/` }));
    const keysHere = (listed.Contents ?? []).map((o) => o.Key as string);
    if (!keysHere.includes(`backtests/${id}/manifest.json`)) {
      partial += keysHere.length > 0 ? 1 : 0;
      continue;
    }
    archives++;
    const m = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `backtests/${id}/manifest.json` }));
    const manifestBytes = Buffer.from(await (m.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
    const manifest = JSON.parse(manifestBytes.toString('utf8')) as { files: { name: string; sha256: string }[] };
    const expected = new Set([...manifest.files.map((f) => `backtests/${id}/${f.name}`), `backtests/${id}/manifest.json`]);
    if (keysHere.length !== expected.size || !keysHere.every((k) => expected.has(k))) partial++;
    const row = res.rows.find((r) => r.id === id);
    if (!row || row.manifest_sha256.trim() !== sha256(manifestBytes)) mismatches++;
    const trades = await fetch(`${base()}/api/v1/backtests/${id}/trades?format=parquet`, { headers: { authorization: `Bearer ${keys.read}` } });
    const tradesEntry = manifest.files.find((f) => f.name === 'trades.parquet');
    if (trades.status !== 200 || sha256(Buffer.from(await trades.arrayBuffer())) !== tradesEntry?.sha256) mismatches++;
  }
  return { rows: res.rowCount ?? 0, archives, partial, checksumMismatches: mismatches };
}

/** How many of `ids` are listed among the dead letters (admin page; it shows the newest 20). */
async function deadLetteredAmong(ids: readonly string[]): Promise<number> {
  const r = await fetch(`${base()}/admin/queues`, { headers: { authorization: `Bearer ${keys.admin}` } });
  const html = (await r.text()).split('dead letters')[1] ?? '';
  return ids.filter((id) => html.includes(id)).length;
}

async function deadLettered(): Promise<number> {
  const r = await fetch(`${base()}/metrics`, { headers: { authorization: `Bearer ${keys.read}` } });
  const m = /coinhts_queue_jobs\{queue="dead-letter",state="failed"\} (\d+)/.exec(await r.text());
  return m ? Number(m[1]) : 0;
}

/**
 * Both sides of a store checked with the runs library, as `coinhts results check --verify` does:
 * every index row of the store has a complete archive, every archive has a row, no unfinished
 * write, every file re-hashed against its manifest and the manifest against its row. Run once no
 * backtest job is queued or running (a save in progress is not an orphan), or with `idle: false`
 * when the caller stopped every worker.
 */
async function storeCheck(storeUrl = `s3://${BUCKET}/`, opts: { idle?: false } = {}): Promise<RunCheckReport> {
  if (opts.idle !== false) await waitFor('no backtest job to be queued or running before the store check', async () => {
    const r = await fetch(`${base()}/metrics`, { headers: { authorization: `Bearer ${keys.read}` }, signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
    if (r?.status !== 200) return undefined;
    const text = await r.text();
    const n = (state: string) => Number(new RegExp(`coinhts_queue_jobs\\{queue="backtest",state="${state}"\\} (\\d+)`).exec(text)?.[1] ?? NaN);
    return ['queued', 'running'].every((st) => n(st) === 0) ? true : undefined;
  }, 120_000, 200);
  const store = openStore(storeUrl.startsWith('s3:') ? storeAt(storeUrl, { endpoint: svc.s3Endpoint, region: 'us-east-1', credentials: { accessKeyId: 'resilience', secretAccessKey: 'resilience' } }) : storeAt(storeUrl));
  const ds = createDataSource({ url: svc.databaseUrl, poolSize: 2, applicationName: 'resilience-check' });
  await ds.initialize();
  try {
    return await new RunService(new RunArchive(store.provider, store.url), new PgRunIndex(ds)).check({ verify: true, minAgeMs: 0 });
  } finally {
    await ds.destroy();
    store.close();
  }
}
const problems = (r: RunCheckReport) => ({ archivesWithoutRow: r.archivesWithoutRow, rowsWithoutArchive: r.rowsWithoutArchive, incomplete: r.incomplete, damaged: r.damaged });
const NO_PROBLEMS = { archivesWithoutRow: [], rowsWithoutArchive: [], incomplete: [], damaged: [] };
const orphanFigures = (r: RunCheckReport) => ({ store_archives: r.archives, store_rows: r.rows, verified: r.verified, orphans: r.archivesWithoutRow.length + r.rowsWithoutArchive.length, partial_archives: r.incomplete.length, damaged: r.damaged.length });

/** Keyspace events of the backtest queue's keys, in Redis's own order (one subscriber connection). */
async function watchQueueKeys(): Promise<{ events: { key: string; event: string; at: number }[]; stop(): Promise<void> }> {
  const admin = createClient({ url: svc.redisUrl });
  await admin.connect();
  // K: keyspace channel; g: generic (del); $: strings (SET of stalled-check); x: expired; h: hashes (HINCRBY stc)
  await admin.configSet('notify-keyspace-events', 'Kg$xh');
  await admin.quit();
  const sub = createClient({ url: svc.redisUrl });
  await sub.connect();
  const events: { key: string; event: string; at: number }[] = [];
  const channelPrefix = '__keyspace@0__:';
  await sub.pSubscribe(`${channelPrefix}resilience:backtest:*`, (message, channel) => events.push({ key: channel.slice(channelPrefix.length), event: message, at: Date.now() }));
  return { events, stop: async () => void (await sub.quit()) };
}

async function submit(i: number, idem?: string): Promise<{ status: number; id?: string }> {
  try {
    const r = await http('POST', '/api/v1/backtests/async', { body: backtest(i), headers: idem ? { 'idempotency-key': idem } : {}, timeoutMs: 10_000 });
    return { status: r.status, id: r.status === 202 ? (r.body as { task_id: string }).task_id : undefined };
  } catch {
    return { status: 0 };
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'coinhts-resilience-'));
  svc = new Services(dir);
  await svc.start();
  s3 = new S3Client({ endpoint: svc.s3Endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'resilience', secretAccessKey: 'resilience' } });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    HOME: process.env['HOME'],
    DATABASE_URL: svc.databaseUrl,
    REDIS_URL: svc.redisUrl,
    QUEUE_PREFIX: 'resilience',
    DATA_ROOT: join(ROOT, 'data', 'sample'),
    MIGRATE_ON_START: 'true',
    LOG_LEVEL: 'info',
    RESULTS_STORE: `s3://${BUCKET}/`,
    S3_ENDPOINT: svc.s3Endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'resilience',
    AWS_SECRET_ACCESS_KEY: 'resilience',
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AUTH_CACHE_TTL_MS: String(AUTH_TTL_MS),
    RATE_LIMIT_MAX: '1000000',
    UPLOAD_LIMIT_BYTES: String(1024 * 1024),
    LOCK_DURATION_MS: String(LOCK_MS),
    STALLED_INTERVAL_MS: String(STALLED_MS),
    SHUTDOWN_TIMEOUT_MS: '10000',
    BACKTEST_CONCURRENCY: '2',
  };
  apps = new Apps(env);
  await apps.start();
  const mk = (name: string, scopes: string) => {
    const r = runNode([...SOURCE_ARGS, 'apps/api/src/cli/keys.ts', 'create', '--name', name, '--scopes', scopes], ROOT, env, 120_000);
    if (r.status !== 0) throw new Error(`keys create failed: ${r.stderr}`);
    return r.stdout.split('\n')[0].trim();
  };
  keys = { admin: mk('admin', 'admin'), read: mk('reader', 'read'), run: mk('runner', 'read,run') };
  // The suite's clients use their keys before the auth scenario guesses keys from the same
  // address: the failed-key block lets through only keys the API has verified (a key it never saw
  // waits for the window like a guess), and every later scenario submits from that address.
  for (const key of Object.values(keys)) {
    const r = await fetch(`${base()}/api/v1/strategies`, { headers: { authorization: `Bearer ${key}` } });
    if (r.status !== 200) throw new Error(`a new key was refused with ${r.status}: ${await r.text()}`);
  }
}, 600_000);

afterAll(async () => {
  mkdirSync(join(FIGURES, '..'), { recursive: true });
  writeFileSync(FIGURES, `${JSON.stringify({ ...figures, finished_at: new Date().toISOString() }, null, 2)}\n`);
  await apps?.stopAll();
  await svc?.stopAll();
  s3?.destroy();
  if (dir && !process.env['RESILIENCE_KEEP']) rmSync(dir, { recursive: true, force: true });
}, 120_000);

/** The OpenAPI document's routes: method, Express-style path, whether it takes a JSON body. */
interface RouteInfo {
  method: string;
  path: string;
  params: string[];
  query: string[];
  json: boolean;
  upload: boolean;
  security: boolean;
}
async function routes(): Promise<RouteInfo[]> {
  const spec = (await http('GET', '/openapi.json')).body as { paths: Record<string, Record<string, { parameters?: { name: string; in: string }[]; requestBody?: { content: Record<string, unknown> }; security?: unknown[] }>> };
  const out: RouteInfo[] = [];
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
      const query = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
      const content = Object.keys(op.requestBody?.content ?? {});
      out.push({ method: method.toUpperCase(), path, params, query, json: content.includes('application/json'), upload: content.includes('text/csv'), security: (op.security ?? [{}]).length > 0 && !['/healthz', '/readyz', '/openapi.json', '/docs'].includes(path) });
    }
  }
  return out;
}

const HOSTILE_TEXT = ['%zz', '%', '%ff%fe', '%00', 'a%00b', '%0d%0aX-Evil: 1', '..%2f..%2fetc%2fpasswd', '%2e%2e%2f%2e%2e%2f', "' OR 1=1 --", '"; DROP TABLE backtest_runs; --', '%E0%A4%A', 'x'.repeat(5000), '-271821-04-20', '99999999999999999999', '%u0000', '🚀'.repeat(50), '${jndi:ldap://x}', '<script>alert(1)</script>', '\\u0000', 'NaN', '-1', '1e309'];
const hostileText = fc.oneof(fc.constantFrom(...HOSTILE_TEXT), fc.string({ maxLength: 40 }).map(encodeURIComponent), fc.string({ unit: 'binary', maxLength: 20 }).map((s) => encodeURIComponent(s)));
const hostileJson = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null'),
  fc.constantFrom('{', '{"a":', '[1,', 'nul', '{"strategy": "x",}', '\u0000', '{"__proto__": {"x": 1}}', '{"constructor": {"prototype": {}}}', `${'['.repeat(10_000)}${']'.repeat(10_000)}`, `{"symbols": [${'"KRW-BTC",'.repeat(20_000)}"X"]}`, JSON.stringify({ name: 'a\u0000b', strategy: 'x\u0000' }), JSON.stringify({ strategy: "' OR 1=1 --", symbols: ['"; DROP TABLE x; --'] })),
  fc.record({ strategy: fc.oneof(fc.constant('volume_zone_breakout'), fc.string()), symbols: fc.oneof(fc.constant(['KRW-BTC']), fc.array(fc.string(), { maxLength: 60 }), fc.integer()), start_date: fc.oneof(fc.constant('2024-01-01'), fc.string(), fc.constant('-271821-04-20')), end_date: fc.oneof(fc.constant('2024-02-01'), fc.string()), grid: fc.oneof(fc.constant({ volume_window: [10, 20] }), fc.jsonValue({ maxDepth: 2 })), direction: fc.constantFrom('max', 'min', 'sideways'), name: fc.string(), description: fc.string() }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
  fc.constant('x'.repeat(300_000)),
);
const hostileUpload = fc.oneof(
  fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)),
  fc.constantFrom('timestamp,open,high,low,close,volume\n99999999999999999999,1,2,1,1.5,10\n', 'timestamp,open\n2024-01-01,1\n', '"unclosed,1,2\n', 'PAR1garbagePAR1', 'timestamp,open,high,low,close,volume\n2034-01-01,1,2,1,1.5,10\n').map((s) => Buffer.from(s)),
  fc.constant(Buffer.alloc(2 * 1024 * 1024, 0x41)),
);

describe('resilience', () => {
  it('auth: every protected route refuses no key, a read-only key on write routes, and a revoked key after the cache TTL; failed keys are limited per client', async () => {
    const list = (await routes()).filter((r) => r.security);
    let requests = 0;
    let fivexx = 0;
    const path = (r: RouteInfo) => r.path.replace(/\{[^}]+\}/g, 'some-id');
    for (const r of list) {
      const res = await http(r.method, path(r), { key: null, raw: r.method === 'GET' ? undefined : '{}' });
      requests++;
      if (res.status >= 500) fivexx++;
      expect({ route: `${r.method} ${r.path}`, status: res.status }).toEqual({ route: `${r.method} ${r.path}`, status: 401 });
    }
    const writes = list.filter((r) => r.method !== 'GET');
    for (const r of writes) {
      const res = await http(r.method, path(r), { key: keys.read, raw: '{}' });
      requests++;
      expect({ route: `${r.method} ${r.path}`, status: res.status }).toEqual({ route: `${r.method} ${r.path}`, status: 403 });
    }
    // A key revoked through the keys CLI stops working within the cache TTL.
    const env = apps.env;
    const made = runNode([...SOURCE_ARGS, 'apps/api/src/cli/keys.ts', 'create', '--name', 'doomed', '--scopes', 'admin'], ROOT, env, 120_000);
    const doomed = made.stdout.split('\n')[0].trim();
    expect((await http('GET', '/api/v1/strategies', { key: doomed })).status).toBe(200);
    const prefix = doomed.slice(0, 13);
    const revoked = runNode([...SOURCE_ARGS, 'apps/api/src/cli/keys.ts', 'revoke', prefix], ROOT, env, 120_000);
    expect({ status: revoked.status, stderr: revoked.stderr }).toMatchObject({ status: 0 });
    const t0 = Date.now();
    await waitFor('the revoked key to be refused', async () => ((await http('GET', '/api/v1/strategies', { key: doomed })).status === 401 ? true : undefined), AUTH_TTL_MS + 10_000, 100);
    const revokedAfterMs = Date.now() - t0;
    for (const r of list) {
      const res = await http(r.method, path(r), { key: doomed, raw: r.method === 'GET' ? undefined : '{}' });
      requests++;
      expect({ route: `${r.method} ${r.path}`, status: res.status }).toEqual({ route: `${r.method} ${r.path}`, status: expect.any(Number) });
      expect([401, 429]).toContain(res.status);
    }
    // Unknown keys: 20 a minute per client, then 429 with Retry-After.
    let limited = 0;
    for (let i = 0; i < 30; i++) {
      const res = await http('GET', '/api/v1/strategies', { key: `chts_${randomBytes(32).toString('base64url')}` });
      requests++;
      if (res.status === 429) {
        limited++;
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      } else expect(res.status).toBe(401);
    }
    expect(limited).toBeGreaterThanOrEqual(10);
    // The suite's own keys verified before the guesses, so the block does not hold them back.
    const after = await Promise.all(Object.values(keys).map((key) => http('GET', '/api/v1/strategies', { key })));
    requests += after.length;
    expect(after.map((r) => r.status)).toEqual([200, 200, 200]);
    figures.scenarios.push({ fault: 'auth: no key, read-only key on writes, revoked key, 30 guessed keys', jobs_accepted: 0, jobs_completed: 0, jobs_lost: 0, jobs_duplicated: 0, requests, http_5xx: fivexx, revoked_refused_after_ms: revokedAfterMs, guessed_keys_limited: limited });
  });

  it('hostile input: generated requests on every route and method answer 4xx/2xx, never 5xx; memory stays bounded', async () => {
    const list = await routes();
    expect(list.length).toBeGreaterThan(20);
    const apiPid = apps.api?.child.pid as number;
    const rssBefore = rssBytes(apiPid);
    const gen = fc.tuple(fc.constantFrom(...list), hostileText, fc.array(fc.tuple(fc.constantFrom('limit', 'cursor', 'created_from', 'symbol', 'strategy', 'format', 'offset', 'x', 'timeframe', 'dry_run'), hostileText), { maxLength: 4 }), hostileJson, hostileUpload, fc.constantFrom('admin', 'read', 'none', 'bad'), fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'), fc.boolean());
    const samples = fc.sample(gen, { numRuns: HOSTILE_REQUESTS, seed: 16_016 });
    let sent = 0;
    const fivexx: string[] = [];
    const byStatus = new Map<number, number>();
    let next = 0;
    let stop = 0;
    const worker = async () => {
      while (next < stop) {
        const [route, text, query, json, upload, who, otherMethod, swapMethod] = samples[next++];
        const path = route.path.replace(/\{[^}]+\}/g, () => text) + (query.length ? `?${query.map(([k, v]) => `${k}=${v}`).join('&')}` : '');
        const method = swapMethod ? otherMethod : route.method;
        const key = who === 'admin' ? keys.admin : who === 'read' ? keys.read : who === 'bad' ? `chts_${randomBytes(32).toString('base64url')}` : null;
        const headers: Record<string, string> = {};
        if (key) headers['authorization'] = `Bearer ${key}`;
        let body: string | Buffer | undefined;
        if (method !== 'GET' && method !== 'OPTIONS') {
          if (route.upload) {
            body = upload;
            headers['content-type'] = 'text/csv';
          } else {
            body = json;
            headers['content-type'] = 'application/json';
          }
        }
        let url: string;
        try {
          url = `${base()}${path}`;
          new URL(url);
        } catch {
          url = `${base()}${route.path.replace(/\{[^}]+\}/g, 'x')}`;
        }
        try {
          const res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(30_000) });
          await res.arrayBuffer();
          sent++;
          byStatus.set(res.status, (byStatus.get(res.status) ?? 0) + 1);
          if (res.status >= 500) fivexx.push(`${res.status} ${method} ${path.slice(0, 200)}`);
        } catch (err) {
          // fetch refuses some requests itself (e.g. a body on GET); those never reached the server
          if (!(err instanceof TypeError)) throw err;
        }
      }
    };
    // Two halves: RSS right after a burst is the heap's high-water mark (the GC runs late on a
    // loaded machine), so "bounded" compares the second half against the first: memory kept per
    // request would grow it again, a high-water mark does not.
    // RSS is sampled every 250 ms; each half is judged by the median of its last quarter (one
    // sample lands wherever the GC sawtooth happens to be on a loaded machine).
    const rssSamples: number[][] = [[], []];
    let half = 0;
    const sampler = setInterval(() => rssSamples[half].push(rssBytes(apiPid)), 250);
    const lateMedian = (xs: number[]) => {
      const tail = xs.slice(Math.floor(xs.length * 0.75)).sort((a, b) => a - b);
      return tail.length ? tail[Math.floor(tail.length / 2)] : rssBytes(apiPid);
    };
    try {
      stop = Math.floor(samples.length / 2);
      await Promise.all(Array.from({ length: 8 }, worker));
      rssSamples[0].push(rssBytes(apiPid));
      half = 1;
      stop = samples.length;
      await Promise.all(Array.from({ length: 8 }, worker));
      rssSamples[1].push(rssBytes(apiPid));
    } finally {
      clearInterval(sampler);
    }
    const rssMid = lateMedian(rssSamples[0]);
    const rssAfter = lateMedian(rssSamples[1]);
    const up = await http('GET', '/healthz', { key: null });
    figures.scenarios.push({ fault: `hostile input (${sent} generated requests, ${list.length} routes × methods)`, jobs_accepted: byStatus.get(202) ?? 0, jobs_completed: 0, jobs_lost: 0, jobs_duplicated: 0, requests: sent, http_5xx: fivexx.length, rss_before_mb: Math.round(rssBefore / 1e6), rss_mid_mb: Math.round(rssMid / 1e6), rss_after_mb: Math.round(rssAfter / 1e6), statuses: Object.fromEntries([...byStatus].sort((a, b) => a[0] - b[0])) });
    expect(fivexx.slice(0, 20)).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(Math.min(HOSTILE_REQUESTS, 10_000) * 0.95);
    expect(up.status).toBe(200);
    expect(apps.api?.child.exitCode).toBeNull();
    expect(rssAfter).toBeLessThan(rssMid * 1.15);
  });

  it('worker crash: SIGKILL workers at random points of 100 jobs; all complete exactly once, 0 orphans; a stalled job is back at the first or second stall check after its lock expired', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) {
      const r = await submit(i, `crash-${i}`);
      expect(r.status).toBe(202);
      ids.push(r.id as string);
    }
    const keyspace = await watchQueueKeys();
    const redis = createClient({ url: svc.redisUrl });
    await redis.connect();
    const rng = fc.sample(fc.integer({ min: 0, max: 1 }), { numRuns: 3, seed: 42 });
    const takeovers: { id: string; lockTtlMs: number; checksAfterExpiry: number; takeoverMs: number; checkGapMaxMs: number }[] = [];
    try {
      for (const victim of rng) {
        // A random point: the moment the victim holds a job (waited for, not slept).
        await waitFor(`worker ${victim + 1} to hold a job`, async () => ((await apps.active(victim)) > 0 ? true : undefined), 120_000, 50, () => apps.dump());
        const victimLines = apps.workers[victim]?.lines ?? [];
        const held = heldJobs(victimLines);
        apps.workers[victim]?.child.kill('SIGKILL');
        const killedAt = Date.now();
        const fromEvent = keyspace.events.length;
        // What is left of each lock: it was set or renewed at most LOCK_DURATION_MS ago.
        const ttls = new Map(await Promise.all(held.map(async (id) => [id, await redis.pTTL(`resilience:backtest:${id}:lock`)] as const)));
        await apps.workers[victim]?.exited;
        const startsBefore = new Map(held.map((id) => [id, startsOutside(id, victimLines)]));
        const restarting = apps.startWorker(victim);
        // Each job the dead worker held is started again by a worker (the other one, or the restarted
        // one), or is back in the queue (the stall check moved it), or finished.
        await Promise.all(held.map((id) => waitFor(`job ${id} to be taken over`, async () => {
          if (startsOutside(id, victimLines) > (startsBefore.get(id) ?? 0)) return true;
          const st = await status(id);
          return st && st.state !== 'running' ? true : undefined;
        }, 120_000, 100, () => apps.dump())));
        await restarting;
        // The takeover in Redis's own order of events: lock expired → stall checks → the check
        // that moved the job (HINCRBY of its stalled counter). A job the victim finished just
        // before the kill has no such events and is not a takeover.
        const ev = keyspace.events;
        const checkKey = 'resilience:backtest:stalled-check';
        for (const id of held) {
          const moved = ev.findIndex((e, i) => i >= fromEvent && e.key === `resilience:backtest:${id}` && e.event === 'hincrby');
          if (moved < 0) continue;
          // The last time its lock went away before the move (a starved holder may have lost it just before the kill).
          const expired = ev.findLastIndex((e, i) => i < moved && e.key === `resilience:backtest:${id}:lock` && (e.event === 'expired' || e.event === 'del'));
          const checks = ev.map((e, i) => ({ e, i })).filter(({ e }) => e.key === checkKey && e.event === 'set');
          // Checks that started after the lock was gone, up to and including the one that moved the job
          // (when the moving check itself found the lock expired, its SET comes before the expiry: 0).
          const checksAfterExpiry = checks.filter(({ i }) => i > expired && i < moved).length;
          const window = checks.filter(({ e }) => e.at >= killedAt && e.at <= ev[moved].at).map(({ e }) => e.at);
          const gaps = window.slice(1).map((t, i) => t - window[i]);
          const stalledAt = stalledTime(id, killedAt);
          takeovers.push({ id, lockTtlMs: ttls.get(id) ?? -2, checksAfterExpiry: expired < 0 ? -1 : checksAfterExpiry, takeoverMs: (stalledAt ?? ev[moved].at) - killedAt, checkGapMaxMs: gaps.length ? Math.max(...gaps) : 0 });
        }
      }
    } finally {
      await keyspace.stop();
      await redis.quit();
    }
    const finals = await allFinished(ids, '100 jobs to finish after the crashes');
    const completed = [...finals.values()].filter((s) => s.state === 'completed').length;
    const runs = await checkRuns(ids);
    const store = await storeCheck();
    const counts = completionsByJob();
    const duplicated = ids.filter((id) => (counts.get(id) ?? 0) > 1).length;
    figures.scenarios.push({
      fault: 'SIGKILL of a worker holding a job, 3 times in 100 jobs, then restart', jobs_accepted: ids.length, jobs_completed: completed, jobs_lost: ids.length - completed, jobs_duplicated: duplicated, requests: ids.length, http_5xx: 0,
      index_rows: runs.rows, archives: runs.archives, checksum_mismatches: runs.checksumMismatches, ...orphanFigures(store),
      takeovers: takeovers.length, takeover_ms_max: Math.max(0, ...takeovers.map((t) => t.takeoverMs)), stall_checks_after_lock_expiry_max: Math.max(0, ...takeovers.map((t) => t.checksAfterExpiry)), stall_check_gap_max_ms: Math.max(0, ...takeovers.map((t) => t.checkGapMaxMs)),
      lock_duration_ms: LOCK_MS, stalled_interval_ms: STALLED_MS, bound_formula: 'LOCK_DURATION_MS + 2 stall checks',
    });
    expect({ completed, rows: runs.rows, archives: runs.archives, partial: runs.partial, mismatches: runs.checksumMismatches, duplicated }).toEqual({ completed: 100, rows: 100, archives: 100, partial: 0, mismatches: 0, duplicated: 0 });
    expect(problems(store)).toEqual(NO_PROBLEMS);
    // The bound, from the configured settings and counted in Redis's events, not on a stopwatch
    // (a loaded machine delays timers, never the order of events): the lock outlives its holder by
    // at most LOCK_DURATION_MS, and the job is back at the first stall check after the lock is
    // gone — the second when no check ran while it held the lock. Wall time: LOCK_DURATION_MS +
    // 2 × (STALLED_INTERVAL_MS + how late the checking worker's timer fires), reported above.
    expect(takeovers.length).toBeGreaterThan(0);
    for (const t of takeovers) {
      expect({ id: t.id, lockTtlAtKill: t.lockTtlMs <= LOCK_MS, checksAfterExpiry: t.checksAfterExpiry >= 0 && t.checksAfterExpiry <= 2 }).toEqual({ id: t.id, lockTtlAtKill: true, checksAfterExpiry: true });
    }
  });

  it('Redis restart during a burst of submissions: no accepted job is lost, the API keeps answering', async () => {
    const accepted: string[] = [];
    let refused = 0;
    let fivexxOther = 0;
    let requests = 0;
    const healthMs: number[] = [];
    let restarting: Promise<void> | undefined;
    for (let i = 0; i < 60; i++) {
      if (i === 20) {
        restarting = (async () => {
          await svc.stopRedis('SIGTERM');
          await svc.startRedis();
        })();
      }
      const r = await submit(1000 + i);
      requests++;
      if (r.status === 202 && r.id) accepted.push(r.id);
      else if (r.status === 503) refused++;
      else if (r.status >= 500 || r.status === 0) fivexxOther++;
      const h = await http('GET', '/healthz', { key: null, timeoutMs: 5_000 });
      healthMs.push(h.ms);
      requests++;
    }
    await restarting;
    await waitFor('the API to be ready again', async () => ((await http('GET', '/readyz', { key: null })).status === 200 ? true : undefined), 60_000, 200);
    const finals = await allFinished(accepted, 'accepted jobs to finish after the Redis restart');
    const completed = [...finals.values()].filter((s) => s.state === 'completed').length;
    const counts = completionsByJob();
    figures.scenarios.push({ fault: 'Redis restart (SIGTERM, AOF) during 60 submissions', jobs_accepted: accepted.length, jobs_completed: completed, jobs_lost: accepted.length - completed, jobs_duplicated: accepted.filter((id) => (counts.get(id) ?? 0) > 1).length, requests, http_5xx: refused + fivexxOther, refused_503: refused, healthz_max_ms: Math.round(Math.max(...healthMs)) });
    expect({ lost: accepted.length - completed, other5xx: fivexxOther }).toEqual({ lost: 0, other5xx: 0 });
    expect(accepted.length).toBeGreaterThan(0);
  });

  it('PostgreSQL stopped for 10 s during writes: 503s, then recovery; nothing accepted is lost, 0 orphans', async () => {
    const presetsOk: string[] = [];
    const jobsOk: string[] = [];
    let unavailable = 0;
    let other5xx = 0;
    let requests = 0;
    let stopped = false;
    const dlqBefore = await deadLettered();
    const outageState: { phase: 'before' | 'down' | 'after' } = { phase: 'before' };
    let okAfter = 0;
    const write = async (i: number) => {
      const name = `pg-${i}-${randomBytes(3).toString('hex')}`;
      try {
        const r = await http('POST', '/api/v1/presets', { body: { name, strategy: 'volume_zone_breakout', params: {} }, timeoutMs: 60_000 });
        requests++;
        if (r.status === 201) {
          presetsOk.push(name);
          if (outageState.phase === 'after') okAfter++;
        } else if (r.status === 503) unavailable++;
        else if (r.status >= 500) other5xx++;
      } catch {
        other5xx++;
      }
      const j = await submit(2000 + i);
      requests++;
      if (j.status === 202 && j.id) jobsOk.push(j.id);
    };
    let i = 0;
    for (; i < 10; i++) await write(i); // before
    const outage = (async () => {
      await svc.stopPg();
      stopped = true;
      outageState.phase = 'down';
      await delay(10_000); // the outage's length (the fault), not an assertion
      await svc.startPg();
      outageState.phase = 'after';
    })();
    // During the outage, then until 20 writes succeeded after it (bounded).
    while ((outageState.phase !== 'after' || okAfter < 20) && i < 5_000) await write(i++);
    await outage;
    expect(stopped).toBe(true);
    await waitFor('the API to be ready again', async () => ((await http('GET', '/readyz', { key: null })).status === 200 ? true : undefined), 60_000, 200);
    let presetsLost = 0;
    for (const name of presetsOk) if ((await http('GET', `/api/v1/presets/${name}`)).status !== 200) presetsLost++;
    const finals = await allFinished(jobsOk, 'jobs accepted around the PostgreSQL outage to finish');
    const completed = [...finals.values()].filter((s) => s.state === 'completed').length;
    const dlq = await deadLetteredAmong(jobsOk);
    const dlqAll = (await deadLettered()) - dlqBefore;
    const store = await storeCheck();
    figures.scenarios.push({ fault: 'PostgreSQL stopped 10 s during preset writes and submissions', jobs_accepted: jobsOk.length, jobs_completed: completed, jobs_lost: jobsOk.length - completed, jobs_duplicated: 0, requests, http_5xx: unavailable + other5xx, unavailable_503: unavailable, presets_written: presetsOk.length, presets_lost: presetsLost, dead_lettered: dlq, dead_letter_queue_delta: dlqAll, ...orphanFigures(store) });
    expect({ presetsLost, jobsLost: jobsOk.length - completed, other5xx, deadLettered: dlq }).toEqual({ presetsLost: 0, jobsLost: 0, other5xx: 0, deadLettered: 0 });
    expect(problems(store)).toEqual(NO_PROBLEMS);
    expect(unavailable).toBeGreaterThan(0);
    expect(okAfter).toBeGreaterThanOrEqual(20);
  });

  it('S3 stopped for 30 s during uploads: every job completes, none dead-lettered, 0 orphans, no partial archive', async () => {
    const dlqBefore = await deadLettered();
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await submit(3000 + i, `s3-${i}`);
      expect(r.status).toBe(202);
      ids.push(r.id as string);
    }
    // Down while the workers are uploading: wait for a job to be running first.
    await waitFor('a worker to hold a job', async () => ((await apps.active(0)) + (await apps.active(1)) > 0 ? true : undefined), 60_000, 50);
    await svc.stopS3();
    await delay(30_000); // the outage's length (the fault), not an assertion
    await svc.startS3();
    const finals = await allFinished(ids, 'jobs to finish after the S3 outage');
    const completed = [...finals.values()].filter((s) => s.state === 'completed').length;
    const runs = await checkRuns(ids);
    const dlq = await deadLetteredAmong(ids);
    const dlqAll = (await deadLettered()) - dlqBefore;
    const counts = completionsByJob();
    const store = await storeCheck();
    figures.scenarios.push({ fault: 'S3 stopped 30 s during uploads (20 jobs)', jobs_accepted: ids.length, jobs_completed: completed, jobs_lost: ids.length - completed, jobs_duplicated: ids.filter((id) => (counts.get(id) ?? 0) > 1).length, requests: ids.length, http_5xx: 0, dead_lettered: dlq, dead_letter_queue_delta: dlqAll, archives: runs.archives, checksum_mismatches: runs.checksumMismatches, ...orphanFigures(store) });
    expect({ completed, dlq, partial: runs.partial, archives: runs.archives, mismatches: runs.checksumMismatches }).toEqual({ completed: 20, dlq: 0, partial: 0, archives: 20, mismatches: 0 });
    expect(problems(store)).toEqual(NO_PROBLEMS);
  });

  it('SIGTERM of a worker under load: in-flight work finishes or is handed back; nothing lost', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await submit(4000 + i, `term-${i}`);
      expect(r.status).toBe(202);
      ids.push(r.id as string);
    }
    await waitFor('worker 1 to hold a job', async () => ((await apps.active(0)) > 0 ? true : undefined), 60_000, 50);
    const w = apps.workers[0];
    w?.child.kill('SIGTERM');
    const exit = await w?.exited;
    await apps.startWorker(0);
    const finals = await allFinished(ids, 'jobs to finish after the SIGTERM');
    const completed = [...finals.values()].filter((s) => s.state === 'completed').length;
    const counts = completionsByJob();
    const duplicated = ids.filter((id) => (counts.get(id) ?? 0) > 1).length;
    figures.scenarios.push({ fault: 'SIGTERM of a worker holding jobs (20 jobs), then restart', jobs_accepted: ids.length, jobs_completed: completed, jobs_lost: ids.length - completed, jobs_duplicated: duplicated, requests: ids.length, http_5xx: 0, worker_exit: exit });
    expect({ exit, completed, duplicated }).toEqual({ exit: { code: 0, signal: null }, completed: 20, duplicated: 0 });
  });

  it('SIGTERM of the API under load: requests in flight are answered, accepted jobs are not lost, exit 0 within the grace period', async () => {
    const api = apps.api as Proc;
    // In flight by construction: the headers go out with `Expect: 100-continue`, the API's
    // "100 Continue" proves it holds the request, and the body follows the signal.
    const held = (path: string, body: unknown) => {
      const payload = Buffer.from(JSON.stringify(body));
      const req = httpRequest({ host: '127.0.0.1', port: apps.apiPort, path, method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': String(payload.length), authorization: `Bearer ${keys.run}`, expect: '100-continue' } });
      const continued = new Promise<void>((ok, fail) => {
        req.once('continue', () => ok());
        req.once('error', fail);
      });
      const answered = new Promise<{ status: number; body: string }>((ok, fail) => {
        req.once('response', (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => ok({ status: res.statusCode ?? 0, body: text }));
        });
        req.once('error', fail);
      });
      req.flushHeaders();
      return { continued, answered, send: () => req.end(payload) };
    };
    const heldSync = [0, 1, 2, 3].map((i) => held('/api/v1/backtests', { ...backtest(8000 + i), start_date: '2024-01-01', end_date: '2024-03-31' }));
    const heldAsync = [0, 1, 2, 3].map((i) => held('/api/v1/backtests/async', backtest(8100 + i)));
    await Promise.all([...heldSync, ...heldAsync].map((h) => h.continued));
    // Background traffic on keep-alive connections across the signal.
    const bg = { accepted: [] as string[], refusedKeys: [] as string[], statuses: new Map<number, number>(), errors: 0, sent: 0 };
    let signalled = false;
    const background = (async () => {
      for (let i = 0; !signalled || api.child.exitCode === null; i++) {
        if (api.child.exitCode !== null || api.child.signalCode !== null) break;
        const idem = `api-term-${i}-${randomBytes(3).toString('hex')}`;
        // A submit every fourth round (each accepted job must later run: the case's cost), reads always.
        const submitting = i % 4 === 0;
        const reqs = [
          http('GET', '/api/v1/backtests?limit=5', { key: keys.read, timeoutMs: 20_000 }),
          ...(submitting ? [http('POST', '/api/v1/backtests/async', { key: keys.run, body: backtest(8200 + i), headers: { 'idempotency-key': idem }, timeoutMs: 20_000 }).then((r) => {
            if (r.status === 202) bg.accepted.push((r.body as { task_id: string }).task_id);
            return r;
          })] : []),
        ];
        const results = await Promise.allSettled(reqs);
        results.forEach((r, j) => {
          bg.sent++;
          if (r.status === 'fulfilled') bg.statuses.set(r.value.status, (bg.statuses.get(r.value.status) ?? 0) + 1);
          else {
            bg.errors++; // refused or reset by the closing listener: never accepted, the client retries
            if (j === 1) bg.refusedKeys.push(idem);
          }
        });
      }
    })();
    await waitFor('background traffic to flow', async () => (bg.sent >= 10 ? true : undefined), 60_000, 50);
    api.child.kill('SIGTERM');
    signalled = true;
    await waitFor('the API to begin its shutdown', async () => (api.lines.some((l) => l.includes('shutting down')) ? true : undefined), 30_000, 20, () => apps.dump());
    for (const h of [...heldSync, ...heldAsync]) h.send();
    const syncAnswers = await Promise.all(heldSync.map((h) => h.answered));
    const asyncAnswers = await Promise.all(heldAsync.map((h) => h.answered));
    const exit = await api.exited;
    await background;
    const forced = api.lines.some((l) => l.includes('did not finish in time'));
    await apps.startApi();
    // A submit whose connection was refused or reset is sent again with its idempotency key: the
    // API either had not accepted it (a new job) or answers with the job it accepted (no duplicate).
    for (const key of bg.refusedKeys) {
      const r = await http('POST', '/api/v1/backtests/async', { key: keys.run, body: { ...backtest(0) }, headers: { 'idempotency-key': key } });
      if (r.status === 202 || r.status === 200) bg.accepted.push((r.body as { task_id: string }).task_id);
    }
    const heldIds = asyncAnswers.filter((a) => a.status === 202).map((a) => (JSON.parse(a.body) as { task_id: string }).task_id);
    const accepted = [...new Set([...heldIds, ...bg.accepted])];
    const finals = await allFinished(accepted, 'jobs accepted around the API SIGTERM to finish');
    const completed = [...finals.values()].filter((st) => st.state === 'completed').length;
    const fivexx = [...bg.statuses].filter(([st]) => st >= 500 && st !== 503).reduce((a, [, n]) => a + n, 0);
    figures.scenarios.push({ fault: 'SIGTERM of the API with 8 requests in flight and background traffic, then restart', jobs_accepted: accepted.length, jobs_completed: completed, jobs_lost: accepted.length - completed, jobs_duplicated: 0, requests: 8 + bg.sent + bg.refusedKeys.length, http_5xx: fivexx + [...bg.statuses].filter(([st]) => st === 503).reduce((a, [, n]) => a + n, 0), in_flight_answered: syncAnswers.length + asyncAnswers.length, connection_refused_or_reset: bg.errors, api_exit: exit, forced_close: forced });
    expect({ sync: syncAnswers.map((a) => a.status), async: asyncAnswers.map((a) => a.status) }).toEqual({ sync: [201, 201, 201, 201], async: [202, 202, 202, 202] });
    expect({ exit, forced, lost: accepted.length - completed, fivexx }).toEqual({ exit: { code: 0, signal: null }, forced: false, lost: 0, fivexx: 0 });
  });

  /** Stops both workers of the shared fleet (a scenario replaces them with its own). */
  async function stopFleet(): Promise<void> {
    for (const w of apps.workers) {
      w?.child.kill('SIGTERM');
      await w?.exited;
    }
  }

  /** Starts a worker of our own with `env` on top of the fleet's (no scheduler, no migrations). */
  async function ownWorker(name: string, env: NodeJS.ProcessEnv, opts: { uid?: number } = {}): Promise<{ proc: Proc; port: number }> {
    const port = await freePort();
    const fullEnv = { ...apps.env, ...env, METRICS_PORT: String(port), METRICS_HOST: '127.0.0.1', SCHEDULER_ENABLED: 'false', MIGRATE_ON_START: 'false' };
    let proc: Proc;
    if (opts.uid === undefined) proc = startNode(name, [...SOURCE_ARGS, 'apps/worker/src/main.ts'], ROOT, fullEnv);
    else {
      const child = spawn(process.execPath, [...SOURCE_ARGS, 'apps/worker/src/main.ts'], { cwd: ROOT, env: fullEnv, uid: opts.uid, gid: opts.uid, stdio: ['ignore', 'pipe', 'pipe'] });
      const lines: string[] = [];
      const collect = (b: Buffer) => lines.push(...b.toString().split('\n').filter((l) => l.trim()));
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      proc = { name, child, lines, exited: new Promise((r) => child.once('exit', (code, signal) => r({ code, signal }))) };
    }
    return { proc, port };
  }
  async function stopOwn(proc: Proc | undefined): Promise<void> {
    if (!proc || proc.child.exitCode !== null || proc.child.signalCode !== null) return;
    proc.child.kill('SIGTERM');
    await Promise.race([proc.exited, delay(30_000)]);
    if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
  }
  const healthy = (port: number, proc: Proc) => waitFor(`${proc.name} to be healthy`, async () => {
    if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited ${proc.child.exitCode}:\n${proc.lines.slice(-20).join('\n')}`);
    return (await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined))?.status === 200 ? true : undefined;
  }, 120_000, 250);
  const attemptError = (id: string) => waitFor('the attempt to fail with an error', async () => {
    const st = await http('GET', `/api/v1/backtests/async/${id}/status`);
    const e = (st.body as { error?: { code?: string; message?: string } | null }).error;
    return e ? e : undefined;
  }, 120_000, 200);
  const indexRows = async (id: string) => {
    const pgc = new Client({ connectionString: svc.databaseUrl });
    await pgc.connect();
    return (await pgc.query('SELECT id FROM backtest_runs WHERE id = $1', [id]).finally(() => pgc.end())).rowCount;
  };

  it('read-only results folder: a worker refuses to start on it (exit 2, folder named); made read-only while running, the job fails its attempts with a clear error naming the folder, nothing is written or indexed', async () => {
    // The whole fleet is replaced by one worker that may not write its results folder (run as
    // `nobody`; root would write anyway), archiving locally.
    await stopFleet();
    const ro = join(dir, 'ro-results');
    mkdirSync(ro, { mode: 0o555 });
    chmodSync(ro, 0o555);
    const refused = await ownWorker('worker-ro-start', { RESULTS_STORE: `file:${ro}` }, { uid: 65534 });
    const startExit = await refused.proc.exited;
    const startErr = refused.proc.lines.join('\n');
    const later = join(dir, 'later-ro-results');
    mkdirSync(later);
    chownSync(later, 65534, 65534);
    const { proc, port } = await ownWorker('worker-ro', { RESULTS_STORE: `file:${later}` }, { uid: 65534 });
    let error: { code?: string; message?: string } | undefined;
    try {
      expect({ exit: startExit, refusal: /^The worker cannot start: the results folder \S+ is not writable/m.test(startErr), named: startErr.includes(ro) }).toEqual({ exit: { code: 2, signal: null }, refusal: true, named: true });
      await healthy(port, proc);
      chmodSync(later, 0o555); // read-only from now on, while the worker runs
      const r = await submit(6000, 'read-only');
      expect(r.status).toBe(202);
      const id = r.id as string;
      error = await attemptError(id);
      const rows = await indexRows(id);
      const written = readdirSync(later);
      const cancel = await http('DELETE', `/api/v1/backtests/async/${id}`);
      figures.scenarios.push({ fault: 'results folder read-only for the worker (local store): at start-up, and made read-only while running', jobs_accepted: 1, jobs_completed: 0, jobs_lost: 0, jobs_duplicated: 0, requests: 3, http_5xx: 0, startup_exit: startExit, error_code: error.code, error_message: error.message, files_written: written.length, index_rows: rows });
      expect({ code: error.code, written, rows, cancel: cancel.status }).toEqual({ code: 'ACCESS_DENIED', written: [], rows: 0, cancel: 200 });
      expect(error.message).toMatch(/permission denied|EACCES|read-only/i);
      expect(error.message).toContain(later);
      expect(error.message).not.toMatch(/\n\s+at /);
    } finally {
      await stopOwn(proc);
      await Promise.all([0, 1].map((i) => apps.startWorker(i)));
    }
  });

  it('disk full (ENOSPC) under the local results store: a clear error naming the path, nothing corrupted, no row for the failed run; after space is freed the job and later runs succeed', async () => {
    // A real full disk: a 1 MiB tmpfs filled up with a file (the suite runs as root, as CI does).
    const mnt = join(dir, 'full-results');
    mkdirSync(mnt);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0755', 'tmpfs', mnt], { encoding: 'utf8' });
    if (mounted.status !== 0) throw new Error(`the disk-full case mounts a 1 MiB tmpfs and could not (${(mounted.stderr || mounted.error?.message || '').trim()}): run the suite as root in a container that may mount tmpfs (CAP_SYS_ADMIN), as CI does`);
    await stopFleet();
    let worker: Proc | undefined;
    const filler = join(mnt, 'filler');
    try {
      const w = await ownWorker('worker-full', { RESULTS_STORE: `file:${mnt}`, BACKTEST_CONCURRENCY: '1' });
      worker = w.proc;
      await healthy(w.port, w.proc);
      const before = await submit(7000, 'enospc-before');
      await allFinished([before.id as string], 'a run to be stored before the disk fills');
      // Fill the filesystem to the last byte.
      const fd = openSync(filler, 'w');
      try {
        for (const size of [65_536, 4_096, 512, 1]) {
          const chunk = Buffer.alloc(size, 0x5a);
          for (;;) {
            try {
              writeSync(fd, chunk);
            } catch (err) {
              if ((err as { code?: string }).code !== 'ENOSPC') throw err;
              break;
            }
          }
        }
      } finally {
        closeSync(fd);
      }
      const full = await submit(7001, 'enospc-full');
      expect(full.status).toBe(202);
      const id = full.id as string;
      const error = await attemptError(id);
      // The worker is stopped (it finishes or hands back the attempt) so that no retry writes while
      // both sides are checked.
      await stopOwn(worker);
      const rowsWhileFull = await indexRows(id);
      const whileFull = await storeCheck(`file:${mnt}`, { idle: false }); // our only worker is stopped
      const leftovers = existsSync(join(mnt, 'objects', 'backtests', id)) ? readdirSync(join(mnt, 'objects', 'backtests', id)) : [];
      // Space is freed: the job's next attempt and a new run both succeed.
      rmSync(filler);
      const again = await ownWorker('worker-full-2', { RESULTS_STORE: `file:${mnt}`, BACKTEST_CONCURRENCY: '1' });
      worker = again.proc;
      await healthy(again.port, again.proc);
      const after = await submit(7002, 'enospc-after');
      const finals = await allFinished([id, after.id as string], 'the failed job and a later one to finish after space was freed');
      const end = await storeCheck(`file:${mnt}`);
      figures.scenarios.push({ fault: 'disk full (ENOSPC, 1 MiB tmpfs) under the local results store, then space freed', jobs_accepted: 3, jobs_completed: 1 + [...finals.values()].filter((st) => st.state === 'completed').length, jobs_lost: 0, jobs_duplicated: 0, requests: 3, http_5xx: 0, error_code: error.code, error_message: error.message, index_rows_while_full: rowsWhileFull, leftover_files: leftovers.length, verified_while_full: whileFull.verified, verified_after: end.verified, ...orphanFigures(end) });
      expect(error.message).toMatch(/ENOSPC|no space left/i);
      expect(error.message).toContain(mnt);
      expect(error.message).not.toMatch(/\n\s+at /);
      expect({ rowsWhileFull, leftovers, problems: problems(whileFull), verified: whileFull.verified }).toEqual({ rowsWhileFull: 0, leftovers: [], problems: NO_PROBLEMS, verified: 1 });
      expect([...finals.values()].map((st) => st.state)).toEqual(['completed', 'completed']);
      expect({ problems: problems(end), verified: end.verified }).toEqual({ problems: NO_PROBLEMS, verified: 3 });
    } finally {
      await stopOwn(worker);
      spawnSync('umount', [mnt]);
      await Promise.all([0, 1].map((i) => apps.startWorker(i)));
    }
  });

  it(`load: mixed traffic for ${LOAD_SECONDS} s at a steady rate, 0 errors, RSS growth < 10 %`, async () => {
    const apiPid = apps.api?.child.pid as number;
    const latencies: number[] = [];
    const errors: string[] = [];
    let sent = 0;
    let asyncIds: string[] = [];
    const mix = [
      () => http('GET', '/api/v1/strategies', { key: keys.read }),
      () => http('GET', '/api/v1/backtests?limit=20', { key: keys.read }),
      () => http('GET', '/api/v1/presets', { key: keys.read }),
      () => http('GET', '/healthz', { key: null }),
      () => http('POST', '/api/v1/backtests', { key: keys.run, body: { ...backtest(sent), start_date: '2024-01-01', end_date: '2024-03-31' } }),
      async () => {
        const r = await http('POST', '/api/v1/backtests/async', { key: keys.run, body: backtest(5000 + sent) });
        if (r.status === 202) asyncIds.push((r.body as { task_id: string }).task_id);
        return r;
      },
    ];
    const weights = [4, 4, 2, 2, 1, 1];
    const picks = weights.flatMap((w, i) => Array<number>(w).fill(i));
    const intervalMs = 50; // 20 requests a second
    // RSS: a sample every 2 s; the median of the samples from 1/3 to 1/2 of the run (after the
    // warm-up, where heaps and caches grow) against the median of the last sixth. One sample each
    // measured where the GC sawtooth happened to be (a loaded machine delays collections); a leak
    // grows every sample, so the medians still show it.
    const startedAt = Date.now();
    const rssSamples: { at: number; rss: number }[] = [];
    const end = startedAt + LOAD_SECONDS * 1000;
    const inflight = new Set<Promise<void>>();
    let tick = 0;
    while (Date.now() < end) {
      const due = Date.now() + intervalMs;
      if (inflight.size < 50) {
        const fn = mix[picks[tick % picks.length]];
        tick++;
        const p = (async () => {
          try {
            const r = await fn();
            sent++;
            latencies.push(r.ms);
            if (r.status >= 400) errors.push(`${r.status}`);
          } catch (err) {
            errors.push(String(err));
          }
        })();
        inflight.add(p);
        void p.finally(() => inflight.delete(p));
      }
      if (tick % 40 === 0) rssSamples.push({ at: (Date.now() - startedAt) / (LOAD_SECONDS * 1000), rss: rssBytes(apiPid) });
      await delay(Math.max(0, due - Date.now())); // pacing of the load, not an assertion
    }
    await Promise.all(inflight);
    const median = (from: number, to: number) => {
      const xs = rssSamples.filter((x) => x.at >= from && x.at < to).map((x) => x.rss).sort((a, b) => a - b);
      return xs.length ? xs[Math.floor(xs.length / 2)] : 0;
    };
    const rssWarm = median(1 / 3, 1 / 2);
    const rssEnd = median(5 / 6, 2);
    const finals = await allFinished(asyncIds, 'async jobs of the load run to finish');
    const completed = [...finals.values()].filter((s) => s.state === 'completed').length;
    latencies.sort((a, b) => a - b);
    const q = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] * 10) / 10;
    expect({ warm: rssWarm > 0, end: rssEnd > 0 }).toEqual({ warm: true, end: true });
    const growth = (rssEnd - rssWarm) / rssWarm;
    figures.load = { seconds: LOAD_SECONDS, requests: sent, errors: errors.length, p50_ms: q(0.5), p99_ms: q(0.99), max_ms: q(1), rss_warm_mb: Math.round(rssWarm / 1e6), rss_end_mb: Math.round(rssEnd / 1e6), rss_growth_pct: Math.round(growth * 1000) / 10, rss_samples: rssSamples.length, rss_single_sample_growth_pct: Math.round(((rssBytes(apiPid) - rssWarm) / rssWarm) * 1000) / 10 };
    figures.scenarios.push({ fault: `none: mixed load ${LOAD_SECONDS} s at 20 req/s`, jobs_accepted: asyncIds.length, jobs_completed: completed, jobs_lost: asyncIds.length - completed, jobs_duplicated: 0, requests: sent, http_5xx: errors.filter((e) => e.startsWith('5')).length });
    asyncIds = [];
    expect(errors.slice(0, 10)).toEqual([]);
    expect(growth).toBeLessThan(0.1);
  });
});
