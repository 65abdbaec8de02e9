/**
 * Full-stack smoke test without Docker: the same processes the compose stack runs, started
 * natively from the Nx build outputs with production dependencies only (the images' runtime
 * stage) against the PostgreSQL, Redis and S3 of the environment (`source tools/services.sh`):
 *
 *   nx build → npm ci --omit=dev + dist → fresh database → `coinhts db migrate` → API key (keys CLI) → API + TWO workers as OS
 *   processes → async backtests and a sweep over HTTP → poll to completed → the run and its tables
 *   over HTTP → manifest SHA-256 against the archived files, the downloads and the index row →
 *   SIGTERM → every process exits 0 and no sandbox child is left.
 *
 * It runs twice: with run archives in a folder shared by the API and the workers
 * (RESULTS_STORE=file:…) and in an S3 bucket (RESULTS_STORE=s3://…, as the compose stack can with
 * MinIO). SMOKE_RESULTS_STORE=local|s3 runs one of them only. SMOKE_KEEP=1 keeps the temp folder.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, GetObjectCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { Client } from 'pg';
import { createClient } from 'redis';
import { alive, assembleRuntime, childPids, copyWorkspace, delay, freePort, nxBuild, runNode, startNode, waitFor, type Proc } from './stack';

// The root Jest run ignores per-project testTimeout, so long service round trips set it here.
jest.setTimeout(600_000);

const root = resolve(__dirname, '../..');
const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const stores = (process.env['SMOKE_RESULTS_STORE'] ? [process.env['SMOKE_RESULTS_STORE']] : ['local', 's3']) as ('local' | 's3')[];

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: the smoke test needs PostgreSQL, Redis and S3. Run \`source tools/services.sh\` and run the tests again.`);
  return v;
}

interface ManifestFile {
  readonly name: string;
  readonly sha256: string;
  readonly bytes?: number;
  readonly size?: number;
}

let buildRoot: string;
let app: string;
beforeAll(() => {
  // 1. Build with Nx once, in a private copy of the workspace laid out as the images are.
  buildRoot = mkdtempSync(join(tmpdir(), 'coinhts-smoke-build-'));
  copyWorkspace(root, join(buildRoot, 'build'));
  nxBuild(join(buildRoot, 'build'), ['api', 'worker', 'cli'], 540_000);
  // 2. The runtime image's content: production dependencies only + the build outputs.
  app = join(buildRoot, 'runtime');
  assembleRuntime(join(buildRoot, 'build'), app, 300_000);
}, 600_000);
afterAll(() => {
  if (buildRoot && !process.env['SMOKE_KEEP']) rmSync(buildRoot, { recursive: true, force: true });
});

describe.each(stores)('full stack (API + 2 workers as OS processes, built outputs, results store: %s)', (store) => {
  const id = randomBytes(4).toString('hex');
  const dbName = `coinhts_smoke_${id}`;
  const prefix = `smoke-${id}`;
  const bucket = `coinhts-smoke-${id}`;
  let work: string;
  let resultsDir: string;
  let dbUrl: string;
  let adminUrl: string;
  let s3: S3Client | undefined;
  let baseEnv: NodeJS.ProcessEnv;
  let apiPort: number;
  let workerPorts: number[];
  let api: Proc | undefined;
  let workers: Proc[] = [];
  let key: string;
  const dump = () => [api, ...workers].filter((p): p is Proc => p !== undefined).map((p) => `--- ${p.name} (last lines)\n${p.lines.slice(-25).join('\n')}`).join('\n');

  const http = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`http://127.0.0.1:${apiPort}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    return res;
  };
  const json = async <T>(res: Response): Promise<T> => (await res.json()) as T;

  beforeAll(async () => {
    adminUrl = required('DATABASE_URL');
    const redisUrl = required('REDIS_URL');
    const s3Endpoint = required('S3_ENDPOINT');
    work = mkdtempSync(join(tmpdir(), 'coinhts-smoke-'));
    resultsDir = join(work, 'results');
    for (const entry of ['apps/api/dist/main.js', 'apps/api/dist/cli/keys.js', 'apps/worker/dist/main.js', 'apps/worker/dist/processors/backtest.processor.js', 'apps/cli/dist/main.js']) {
      expect({ entry, built: existsSync(join(app, entry)) }).toEqual({ entry, built: true });
    }

    // 3. A fresh database.
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();
    const u = new URL(adminUrl);
    u.pathname = `/${dbName}`;
    dbUrl = u.toString();

    if (store === 's3') {
      s3 = new S3Client({ endpoint: s3Endpoint, region: process.env['AWS_REGION'] ?? 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: process.env['AWS_ACCESS_KEY_ID'] ?? 'S3RVER', secretAccessKey: process.env['AWS_SECRET_ACCESS_KEY'] ?? 'S3RVER' } });
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    }

    apiPort = await freePort();
    workerPorts = [await freePort(), await freePort()];
    baseEnv = {
      PATH: process.env['PATH'],
      HOME: process.env['HOME'],
      NODE_ENV: 'production',
      DATABASE_URL: dbUrl,
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: prefix,
      DATA_ROOT: join(root, 'data', 'sample'),
      COINHTS_TZ: 'Asia/Seoul',
      LOG_LEVEL: 'info',
      RESULTS_STORE: store === 's3' ? `s3://${bucket}/` : `file:${resultsDir}`,
      S3_ENDPOINT: s3Endpoint,
      AWS_REGION: process.env['AWS_REGION'] ?? 'us-east-1',
      AWS_ACCESS_KEY_ID: process.env['AWS_ACCESS_KEY_ID'] ?? 'S3RVER',
      AWS_SECRET_ACCESS_KEY: process.env['AWS_SECRET_ACCESS_KEY'] ?? 'S3RVER',
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };

    // 4. Migrations through the CLI, as the compose stack's `migrate` service runs them.
    const mig = runNode(['apps/cli/dist/main.js', 'db', 'migrate'], app, baseEnv, 120_000);
    expect({ status: mig.status, stderr: mig.stderr }).toEqual({ status: 0, stderr: '' });
    expect(mig.stdout).toMatch(/\d+ migration\(s\) applied/);

    // 5. An API key through the keys CLI.
    const k = runNode(['apps/api/dist/cli/keys.js', 'create', '--name', 'smoke', '--scopes', 'read,run'], app, baseEnv, 60_000);
    expect({ status: k.status, stderr: k.stderr }).toEqual({ status: 0, stderr: '' });
    key = k.stdout.split('\n')[0].trim();
    expect(key).toMatch(/^chts_[A-Za-z0-9_-]{43}$/);

    // 6. The API and two workers, each its own OS process.
    api = startNode('api', ['apps/api/dist/main.js'], app, { ...baseEnv, PORT: String(apiPort), HOST: '127.0.0.1' });
    workers = workerPorts.map((port, i) =>
      startNode(`worker-${i + 1}`, ['apps/worker/dist/main.js'], app, { ...baseEnv, METRICS_PORT: String(port), METRICS_HOST: '127.0.0.1', SCHEDULER_ENABLED: 'false', SHUTDOWN_TIMEOUT_MS: '10000' }),
    );
    await waitFor('the API to be ready', async () => ((await fetch(`http://127.0.0.1:${apiPort}/readyz`, { signal: AbortSignal.timeout(3000) })).status === 200 ? true : undefined), 90_000, 250, dump);
    for (const port of workerPorts) {
      await waitFor(`worker on :${port} to be healthy`, async () => ((await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(3000) })).status === 200 ? true : undefined), 90_000, 250, dump);
    }
  }, 900_000);

  afterAll(async () => {
    for (const p of [api, ...workers]) if (p && p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all([api, ...workers].filter((p): p is Proc => p !== undefined).map((p) => Promise.race([p.exited, delay(5000)])));
    const errors: string[] = [];
    try {
      const admin = new Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await admin.end();
    } catch (err) {
      errors.push(`drop database: ${(err as Error).message}`);
    }
    try {
      const redis = createClient({ url: process.env['REDIS_URL'] });
      await redis.connect();
      for await (const keys of redis.scanIterator({ MATCH: `${prefix}:*`, COUNT: 500 })) if (keys.length) await redis.del(keys);
      await redis.quit();
    } catch (err) {
      errors.push(`redis clean-up: ${(err as Error).message}`);
    }
    if (s3) {
      try {
        for (let i = 0; i < 50; i++) {
          const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
          const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({ Key: v.Key as string, VersionId: v.VersionId }));
          if (!objects.length) break;
          await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
        }
        await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
      } catch (err) {
        errors.push(`bucket clean-up: ${(err as Error).message}`);
      }
      s3.destroy();
    }
    if (work && !process.env['SMOKE_KEEP']) rmSync(work, { recursive: true, force: true });
    if (errors.length) throw new Error(errors.join('\n'));
  }, 60_000);

  const request = (symbol: string, extra: Record<string, unknown> = {}) => ({
    strategy: 'volume_zone_breakout',
    params: { volume_window: 20, top_percentile: 0.2, breakout_buffer: 0 },
    symbols: [symbol],
    start_date: '2024-01-01',
    end_date: '2024-06-30',
    timeframe: '1h',
    options: { fee_rate: 0.0005, slippage_rate: 0.0002, initial_capital: 10_000_000, stop_loss_pct: 5 },
    ...extra,
  });

  interface TaskStatus {
    task_id: string;
    state: string;
    run_id?: string | null;
    error?: unknown;
    result?: unknown;
  }
  const pollCompleted = (path: string) =>
    waitFor(`${path} to complete`, async () => {
      const s = await json<TaskStatus>(await http('GET', path));
      if (s.state === 'failed' || s.state === 'cancelled') throw Object.assign(new Error(`${path}: ${s.state} ${JSON.stringify(s.error)}`), { fatal: true });
      return s.state === 'completed' ? s : undefined;
    }, 180_000, 300, dump);

  let runIds: string[] = [];

  it('runs async backtests submitted over HTTP on the workers and serves the stored runs', async () => {
    const symbols = ['KRW-BTC', 'KRW-ETH', 'KRW-XRP', 'KRW-BTC'];
    const submitted: string[] = [];
    for (const [i, s] of symbols.entries()) {
      const res = await http('POST', '/api/v1/backtests/async', i === 3 ? request(s, { timeframe: '1d' }) : request(s), { 'idempotency-key': `smoke-${id}-${i}` });
      const body = await json<{ task_id: string; state: string }>(res);
      // A free worker may pick the job up before the answer is written.
      expect({ status: res.status, state: body.state }).toEqual({ status: 202, state: expect.stringMatching(/^(queued|running)$/) });
      expect(res.headers.get('location')).toBe(`/api/v1/backtests/async/${body.task_id}/status`);
      submitted.push(body.task_id);
    }
    const done = await Promise.all(submitted.map((t) => pollCompleted(`/api/v1/backtests/async/${t}/status`)));
    runIds = done.map((s) => s.run_id as string);
    expect(runIds).toEqual(submitted); // run id = task id

    for (const [i, runId] of runIds.entries()) {
      const res = await http('GET', `/api/v1/backtests/${runId}`);
      expect(res.status).toBe(200);
      const run = await json<{ run_id: string; strategy: string; symbols: string[]; total_return_pct: number; trade_count: number }>(res);
      expect(run).toEqual(expect.objectContaining({ run_id: runId, strategy: 'volume_zone_breakout', symbols: [symbols[i]] }));
      expect({ returnIsNumber: Number.isFinite(run.total_return_pct), tradesCounted: Number.isInteger(run.trade_count) }).toEqual({ returnIsNumber: true, tradesCounted: true });
      const eq = await http('GET', `/api/v1/backtests/${runId}/equity?format=json`);
      expect(eq.status).toBe(200);
      expect(JSON.stringify(await eq.json()).length).toBeGreaterThan(100);
    }
  });

  it('archives each run with a manifest whose SHA-256s match the files, the HTTP downloads and the index row', async () => {
    expect(runIds.length).toBe(4);
    const pg = new Client({ connectionString: dbUrl });
    await pg.connect();
    try {
      for (const runId of runIds) {
        const read = async (name: string): Promise<Buffer> => {
          if (store === 'local') return readFileSync(join(resultsDir, 'backtests', runId, name));
          const o = await (s3 as S3Client).send(new GetObjectCommand({ Bucket: bucket, Key: `backtests/${runId}/${name}` }));
          return Buffer.from(await (o.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
        };
        const manifestBytes = await read('manifest.json');
        const manifest = JSON.parse(manifestBytes.toString('utf8')) as { files: ManifestFile[] };
        const names = manifest.files.map((f) => f.name).sort();
        expect(names).toEqual(expect.arrayContaining(['equity.parquet', 'signals.parquet', 'summary.json', 'trades.parquet']));
        for (const f of manifest.files) {
          const bytes = await read(f.name);
          expect({ runId, file: f.name, sha256: sha256(bytes), size: bytes.length }).toEqual({ runId, file: f.name, sha256: f.sha256, size: f.bytes ?? f.size });
        }
        for (const table of ['trades', 'equity', 'signals']) {
          const res = await http('GET', `/api/v1/backtests/${runId}/${table}?format=parquet`);
          expect({ table, status: res.status, type: res.headers.get('content-type') }).toEqual({ table, status: 200, type: expect.stringContaining('application/vnd.apache.parquet') });
          const body = Buffer.from(await res.arrayBuffer());
          const entry = manifest.files.find((f) => f.name === `${table}.parquet`);
          expect({ table, sha256: sha256(body) }).toEqual({ table, sha256: entry?.sha256 });
        }
        const row = await pg.query<{ manifest_sha256: string; archive_location: string }>('SELECT manifest_sha256, archive_location FROM backtest_runs WHERE id = $1', [runId]);
        expect(row.rows).toHaveLength(1);
        expect(row.rows[0].manifest_sha256.trim()).toBe(sha256(manifestBytes));
        expect(row.rows[0].archive_location).toContain(store === 'local' ? 'file://' : `s3://${bucket}/`);
      }
    } finally {
      await pg.end();
    }
  });

  it('fans a sweep out over the workers and ranks every combination', async () => {
    const res = await http('POST', '/api/v1/sweeps', {
      ...request('KRW-BTC', { timeframe: '1d', start_date: '2023-01-01', end_date: '2024-12-31' }),
      params: { top_percentile: 0.2, breakout_buffer: 0 },
      grid: { volume_window: [10, 15, 20, 25, 30, 40] },
      chunk_size: 1,
      rank_by: 'total_return_pct',
    });
    expect(res.status).toBe(202);
    const { task_id } = await json<{ task_id: string }>(res);
    const status = await pollCompleted(`/api/v1/sweeps/${task_id}/status`);
    expect(JSON.stringify(status.result)).toMatch(/volume_window/);
    // 4 backtests + 6 sweep chunks + the sweep's aggregate: with one job slot each, both workers
    // must have taken part (a worker that never gets a job is not connected to the same queues).
    const completedBy = workers.map((w) => w.lines.filter((l) => l.includes('"msg":"job completed"')).length);
    expect({ completedBy, total: completedBy.reduce((a, b) => a + b, 0) }).toEqual({ completedBy: [expect.any(Number), expect.any(Number)], total: 11 });
    expect(Math.min(...completedBy)).toBeGreaterThan(0);
  });

  it('stops on SIGTERM: every process exits 0 and leaves no sandbox child behind', async () => {
    const procs = [api, ...workers].filter((p): p is Proc => p !== undefined);
    expect(procs).toHaveLength(3);
    const children = workers.flatMap((w) => childPids(w.child.pid as number));
    for (const p of procs) p.child.kill('SIGTERM');
    const exits = await Promise.all(procs.map((p) => Promise.race([p.exited, delay(45_000, 'timeout' as const)])));
    expect(exits.map((e, i) => ({ name: procs[i].name, exit: e }))).toEqual(procs.map((p) => ({ name: p.name, exit: { code: 0, signal: null } })));
    await waitFor('sandbox children to exit', async () => (children.every((pid) => !alive(pid)) ? true : undefined), 10_000, 200, () => `still alive: ${children.filter(alive).join(', ')}`);
    expect(workers.every((w) => w.lines.some((l) => l.includes('"stopped"')))).toBe(true);
  }, 120_000);
});
