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
 * an S3 server). SMOKE_RESULTS_STORE=local|s3 runs one of them only. SMOKE_KEEP=1 keeps the temp folder.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { Client } from 'pg';
import { createClient } from 'redis';
import { smokeScenario, type SmokeStack, type StackProc } from './scenario';
import { assembleRuntime, copyWorkspace, delay, descendantPids, freePort, nxBuild, runNode, startNode, waitFor, type Proc } from './stack';

// The root Jest run ignores per-project testTimeout, so long service round trips set it here.
jest.setTimeout(600_000);

const root = resolve(__dirname, '../..');
const stores = (process.env['SMOKE_RESULTS_STORE'] ? [process.env['SMOKE_RESULTS_STORE']] : ['local', 's3']) as ('local' | 's3')[];

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: the smoke test needs PostgreSQL, Redis and S3. Run \`source tools/services.sh\` and run the tests again.`);
  return v;
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

/** An OS process as the scenario sees it. */
function osProc(p: Proc): StackProc {
  return { name: p.name, lines: p.lines, exited: p.exited, signal: (sig) => p.child.kill(sig), descendants: () => descendantPids(p.child.pid as number) };
}

describe.each(stores)('full stack (API + 2 workers as OS processes, built outputs, results store: %s)', (store) => {
  const id = randomBytes(4).toString('hex');
  const dbName = `coinhts_smoke_${id}`;
  const prefix = `smoke-${id}`;
  const bucket = `coinhts-smoke-${id}`;
  let work: string;
  let adminUrl: string;
  let s3: S3Client | undefined;
  let api: Proc | undefined;
  let workers: Proc[] = [];
  let started: SmokeStack | undefined;
  const dump = () => [api, ...workers].filter((p): p is Proc => p !== undefined).map((p) => `--- ${p.name} (last lines)\n${p.lines.slice(-25).join('\n')}`).join('\n');

  beforeAll(async () => {
    adminUrl = required('DATABASE_URL');
    const redisUrl = required('REDIS_URL');
    const s3Endpoint = required('S3_ENDPOINT');
    work = mkdtempSync(join(tmpdir(), 'coinhts-smoke-'));
    const resultsDir = join(work, 'results');
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
    const dbUrl = u.toString();

    if (store === 's3') {
      s3 = new S3Client({ endpoint: s3Endpoint, region: process.env['AWS_REGION'] ?? 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: process.env['AWS_ACCESS_KEY_ID'] ?? 'S3RVER', secretAccessKey: process.env['AWS_SECRET_ACCESS_KEY'] ?? 'S3RVER' } });
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    }

    const apiPort = await freePort();
    const workerPorts = [await freePort(), await freePort()];
    const baseEnv: NodeJS.ProcessEnv = {
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
    const mig = runNode(['apps/cli/dist/main.js', 'db', 'migrate', '--wait', '30'], app, baseEnv, 120_000);
    expect({ status: mig.status, stderr: mig.stderr }).toEqual({ status: 0, stderr: '' });
    expect(mig.stdout).toMatch(/\d+ migration\(s\) applied/);

    // 5. An API key through the keys CLI.
    const k = runNode(['apps/api/dist/cli/keys.js', 'create', '--name', 'smoke', '--scopes', 'read,run'], app, baseEnv, 60_000);
    expect({ status: k.status, stderr: k.stderr }).toEqual({ status: 0, stderr: '' });
    const key = k.stdout.split('\n')[0].trim();
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
    started = {
      store,
      apiUrl: `http://127.0.0.1:${apiPort}`,
      workerUrls: workerPorts.map((p) => `http://127.0.0.1:${p}`),
      key,
      databaseUrl: dbUrl,
      bucket,
      s3,
      resultsDir,
      api: osProc(api),
      workers: workers.map(osProc),
    };
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

  smokeScenario(() => {
    if (!started) throw new Error('the stack did not start (see the beforeAll failure above)');
    return started;
  }, id);
});
