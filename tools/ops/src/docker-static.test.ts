/**
 * Static checks of docker/ and .env.example (no Docker engine here): the Dockerfile linter and the
 * project rules on both images, the compose file through `docker compose config` (or the v1
 * `docker-compose`, installed from Debian when missing) and through structural checks, the MinIO
 * init script against the lifecycle rules bucket-setup applies, and .env.example against every
 * variable the code reads. Each check is also shown to catch a broken input.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { lifecycleRules } from './bucket/bucket-setup';
import { checkCompose } from './docker-lint/compose-checks';
import { lintDockerfile, parseDockerfile } from './docker-lint/dockerfile';
import { VARIABLES_BY_APP } from '@coinhts/config';
import { checkAppImage, composeVariables, dotenvNames, isIgnored, type ImageExpectations } from './docker-lint/project-checks';

const root = resolve(__dirname, '../../..');
const read = (p: string) => readFileSync(join(root, p), 'utf8');
const rules = (findings: readonly { rule: string }[]) => [...new Set(findings.map((f) => f.rule))].sort();
const show = (findings: readonly { rule: string; line: number; message: string }[]) => findings.map((f) => `${f.rule} line ${f.line}: ${f.message}`).join('\n');

const images: Record<'api' | 'worker', { file: string; exp: Omit<ImageExpectations, 'dockerignore'> }> = {
  api: { file: 'docker/api.Dockerfile', exp: { repoRoot: root, projects: ['api', 'cli'], appDirs: ['apps/api', 'apps/cli'], entry: 'apps/api/dist/main.js', port: 8080, portVariable: 'PORT' } },
  worker: { file: 'docker/worker.Dockerfile', exp: { repoRoot: root, projects: ['worker', 'paper-app'], appDirs: ['apps/worker', 'apps/paper'], entry: 'apps/worker/dist/main.js', port: 9464, portVariable: 'METRICS_PORT' } },
};

describe('Dockerfiles', () => {
  for (const [name, { file, exp }] of Object.entries(images)) {
    it(`${file} passes the Dockerfile lint and the project rules`, () => {
      const text = read(file);
      const df = parseDockerfile(text);
      const findings = [...lintDockerfile(df), ...checkAppImage(df, { ...exp, dockerignore: read('.dockerignore') })];
      expect(show(findings)).toBe('');
      expect(df.stages.map((s) => s.name)).toEqual(['deps', 'build', 'prod-deps', 'runtime']);
      expect(df.stages[3].image).toMatch(/^node:(22|24)\.\d+\.\d+-bookworm-slim$/); // a supported LTS, pinned
      // No BuildKit-only features: no `# syntax=` directive (it pulls a frontend image) and no per-Dockerfile ignore file.
      expect({ file, syntaxDirective: /^#\s*syntax=/m.test(text) }).toEqual({ file, syntaxDirective: false });
      // The runtime stage gets no source maps, declarations or test helpers.
      expect(df.stages[1].instructions.map((i) => i.args).join('\n')).toMatch(/-name '\*\.map'.*-name '\*\.d\.ts'[\s\S]*-name testing/);
      expect(name).toBeTruthy();
    });
  }

  it('the linter reports the usual Dockerfile mistakes', () => {
    const bad = [
      'FROM node:latest',
      'WORKDIR app',
      'ADD . /app',
      'RUN apt-get update',
      'RUN apt-get install curl',
      'RUN npm install && npm install -g typescript',
      'ENV API_TOKEN=abc123',
      'COPY --from=builder /x /y',
      'CMD node main.js',
    ].join('\n');
    expect(rules(lintDockerfile(parseDockerfile(bad)))).toEqual(
      ['CH001', 'CH002', 'CH003', 'CH004', 'CH005', 'DL3000', 'DL3007', 'DL3008', 'DL3009', 'DL3014', 'DL3015', 'DL3016', 'DL3020', 'DL3022', 'DL3025'].sort(),
    );
  });

  it('the parser joins continuation lines and resolves ARG defaults in FROM', () => {
    const df = parseDockerfile('# c\nARG BASE=node:20.1.0-bookworm-slim\nFROM ${BASE} AS a\nRUN echo 1 \\\n  # inside\n && echo 2\nFROM a\nUSER node\n');
    expect(df.stages.map((s) => [s.image, s.name])).toEqual([['node:20.1.0-bookworm-slim', 'a'], ['a', undefined]]);
    expect(df.stages[0].instructions[0]).toEqual({ keyword: 'RUN', args: 'echo 1 && echo 2', line: 4 });
  });

  describe('the project rules catch drift in the real Dockerfiles', () => {
    const { file, exp } = images.api;
    const text = read(file);
    const ignore = read('.dockerignore');
    const check = (t: string, ig = ignore) => checkAppImage(parseDockerfile(t), { ...exp, dockerignore: ig });
    it('a workspace manifest not copied before npm ci (CH101)', () => {
      const f = check(text.replace('COPY libs/jobs/package.json libs/jobs/\n', ''));
      expect(show(f)).toContain('libs/jobs/package.json is not copied');
    });
    it('a library build output not collected (CH103)', () => {
      const f = check(text.replace('libs/results libs/jobs libs/config libs/paper apps/api', 'libs/results libs/config libs/paper apps/api'));
      expect(show(f)).toContain('libs/jobs (needed by apps/api, apps/cli) is not collected');
    });
    it('dev dependencies in the runtime image (CH104)', () => {
      expect(rules(check(text.replace('--ignore-scripts --omit=dev', '--ignore-scripts')))).toContain('CH104');
    });
    it('sources instead of the build (CH106)', () => {
      expect(rules(check(text.replace('CMD ["node", "apps/api/dist/main.js"]', 'CMD ["node", "-r", "@swc-node/register", "apps/api/src/main.ts"]')))).toContain('CH106');
    });
    it('root user (CH001) and a context path hidden by the .dockerignore (CH108)', () => {
      expect(rules(lintDockerfile(parseDockerfile(text.replace('USER node\n', ''))))).toContain('CH001');
      expect(show(check(text, `${ignore}\ndata\n`))).toContain('COPY source data/sample is excluded');
    });
  });

  it('the .dockerignore keeps build inputs and drops local artefacts', () => {
    const ignore = read('.dockerignore');
    for (const p of ['node_modules/x', 'libs/engine/dist/index.js', 'apps/api/node_modules/a', '.git/HEAD', 'coinhts-results/backtests/x', 'libs/engine/src/a.test.ts', '.env']) {
      expect({ p, ignored: isIgnored(p, ignore) }).toEqual({ p, ignored: true });
    }
    for (const p of ['package.json', 'package-lock.json', 'libs/engine/src/index.ts', 'apps/api/src/main.ts', 'data/sample/KRW-BTC', 'nx.json', 'tsconfig.base.json']) {
      expect({ p, ignored: isIgnored(p, ignore) }).toEqual({ p, ignored: false });
    }
    expect(readdirSync(join(root, 'docker')).filter((f) => f.endsWith('.dockerignore'))).toEqual([]);
  });
});

/** `docker compose` (v2) or `docker-compose` (v1); installs the Debian package when neither is there and we are root. */
function composeCli(): string[] {
  const works = (cmd: string[]) => spawnSync(cmd[0], [...cmd.slice(1), 'version'], { encoding: 'utf8', timeout: 30_000 }).status === 0;
  if (works(['docker', 'compose'])) return ['docker', 'compose'];
  if (works(['docker-compose'])) return ['docker-compose'];
  if (process.getuid?.() === 0) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { env, timeout: 180_000 });
    spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'docker-compose'], { env, timeout: 300_000 });
    if (works(['docker-compose'])) return ['docker-compose'];
  }
  throw new Error('Neither `docker compose` nor `docker-compose` is available and it could not be installed: `apt-get install docker-compose` (Debian) or install the Docker Compose plugin.');
}

describe('docker/compose.yml', () => {
  const composeFile = join(root, 'docker/compose.yml');
  const doc: unknown = parseYaml(read('docker/compose.yml'), { merge: true });
  let cli: string[];
  let tmp: string;
  beforeAll(() => {
    cli = composeCli();
    tmp = mkdtempSync(join(tmpdir(), 'coinhts-compose-'));
  }, 600_000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(POSTGRES_|MINIO_|DB_SCHEMA|S3_|RESULTS_STORE|QUEUE_PREFIX)/.test(k)));
  const config = (envFile: string) =>
    spawnSync(cli[0], [...cli.slice(1), '--env-file', envFile, '-f', composeFile, 'config'], { encoding: 'utf8', env: cleanEnv(), timeout: 60_000 });

  it('is valid for Docker Compose with .env.example, and resolves to 2 workers and an AOF Redis', () => {
    const r = config(join(root, '.env.example'));
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: expect.not.stringMatching(/ERROR|invalid/i) });
    const resolved = parseYaml(r.stdout) as { services: Record<string, { deploy?: { replicas?: number }; command?: string[]; environment?: Record<string, string> }> };
    expect(resolved.services['worker'].deploy?.replicas).toBe(2);
    expect(resolved.services['redis'].command?.join(' ')).toContain('--appendonly yes');
    expect(resolved.services['api'].environment?.['DATABASE_URL']).toBe('postgres://coinhts:change-me-postgres@postgres:5432/coinhts');
  });

  it('refuses to start without the required passwords', () => {
    const envFile = join(tmp, 'no-password.env');
    writeFileSync(envFile, read('.env.example').replace(/^POSTGRES_PASSWORD=.*$/m, ''));
    const r = config(envFile);
    expect(r.status).not.toBe(0);
    expect(`${r.stderr}${r.stdout}`).toContain('POSTGRES_PASSWORD');
  });

  it('passes the structural checks (services, order, persistence, one-shots, replicas, pinned images)', () => {
    expect(show(checkCompose(doc))).toBe('');
  });

  it('the structural checks catch a broken stack', () => {
    const broken = JSON.parse(JSON.stringify(doc)) as { services: Record<string, Record<string, unknown>> };
    (broken.services['worker']['deploy'] as Record<string, unknown>)['replicas'] = 1;
    broken.services['redis']['command'] = ['redis-server'];
    delete (broken.services['api']['depends_on'] as Record<string, unknown>)['migrate'];
    broken.services['postgres']['image'] = 'postgres:latest';
    broken.services['s3-init']['restart'] = 'always';
    broken.services['postgres']['healthcheck'] = { test: ['CMD-SHELL', 'pg_isready -U coinhts'] };
    broken.services['s3']['ports'] = ['9001:9001'];
    broken.services['migrate']['build'] = { context: '..', dockerfile: 'docker/api.Dockerfile' };
    broken.services['migrate']['command'] = ['node', 'apps/cli/dist/main.js', 'db', 'migrate'];
    expect(rules(checkCompose(broken))).toEqual(['CC010', 'CC011', 'CC013', 'CC021', 'CC031', 'CC032', 'CC033', 'CC036', 'CC040', 'CC060']);
  });
});

describe('docker/s3-init.sh', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'coinhts-aws-'));
    // A stand-in for `aws` that records its arguments and the lifecycle JSON it is given (file://…).
    writeFileSync(join(tmp, 'aws'), '#!/bin/sh\necho "$*" >> "$AWS_LOG"\nfor a in "$@"; do case "$a" in file://*) cat "${a#file://}" > "$AWS_IMPORT";; esac; done\ncase "$*" in *head-bucket*) exit 1;; esac\nexit 0\n');
    chmodSync(join(tmp, 'aws'), 0o755);
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const run = (env: Record<string, string>) => {
    const log = join(tmp, `log-${Object.values(env).join('-').replace(/[^A-Za-z0-9-]/g, '_')}`);
    const imported = `${log}.json`;
    const r = spawnSync('sh', [join(root, 'docker/s3-init.sh')], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { PATH: `${tmp}:${process.env['PATH'] ?? ''}`, AWS_LOG: log, AWS_IMPORT: imported, AWS_ACCESS_KEY_ID: 'u', AWS_SECRET_ACCESS_KEY: 'p', ...env },
    });
    return { status: r.status, stderr: r.stderr, calls: readFileSync(log, 'utf8').trim().split('\n'), lifecycle: JSON.parse(readFileSync(imported, 'utf8')) as { Rules: unknown[] } };
  };
  const api = (args: string) => `--endpoint-url http://s3:9000 --output json s3api ${args}`;

  it('waits for the S3 API, creates the bucket, enables versioning and puts the same lifecycle rules as bucket-setup (minus the multipart rule)', () => {
    const r = run({ RESULTS_STORE: 's3://coinhts-x/', ARCHIVE_EXPIRE_DAYS: '30', NONCURRENT_EXPIRE_DAYS: '7' });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.calls.slice(0, 5)).toEqual([
      api('list-buckets'),
      api('head-bucket --bucket coinhts-x'),
      api('create-bucket --bucket coinhts-x'),
      api('put-bucket-versioning --bucket coinhts-x --versioning-configuration Status=Enabled'),
      api('put-bucket-lifecycle-configuration --bucket coinhts-x --lifecycle-configuration file:///tmp/lifecycle.json'),
    ]);
    expect(r.lifecycle.Rules).toEqual(lifecycleRules({ archiveExpireDays: 30, noncurrentExpireDays: 7, abortMultipartDays: 0 }));
  });

  it('ARCHIVE_EXPIRE_DAYS=0 keeps run archives (no expiration rule); other days, the bucket and the prefix of RESULTS_STORE are honoured', () => {
    expect(run({ RESULTS_STORE: 'file:/data/results', S3_BUCKET: 'coinhts-y', ARCHIVE_EXPIRE_DAYS: '0', NONCURRENT_EXPIRE_DAYS: '3' }).lifecycle.Rules).toEqual(
      lifecycleRules({ archiveExpireDays: 0, noncurrentExpireDays: 3, abortMultipartDays: 0 }),
    );
    const prefixed = run({ RESULTS_STORE: 's3://coinhts-z/prod/', ARCHIVE_EXPIRE_DAYS: '90', NONCURRENT_EXPIRE_DAYS: '7' });
    expect(prefixed.calls).toContain(api('create-bucket --bucket coinhts-z'));
    expect(prefixed.lifecycle.Rules).toEqual(
      lifecycleRules({ archiveExpireDays: 90, noncurrentExpireDays: 7, abortMultipartDays: 0, keyPrefix: 'prod/' }),
    );
  });

  it('gives up with a clear message when the S3 API never answers (bounded wait)', () => {
    writeFileSync(join(tmp, 'aws'), '#!/bin/sh\necho "connection refused" >&2\nexit 255\n');
    const r = spawnSync('sh', [join(root, 'docker/s3-init.sh')], { encoding: 'utf8', timeout: 30_000, env: { PATH: `${tmp}:${process.env['PATH'] ?? ''}`, AWS_ACCESS_KEY_ID: 'u', AWS_SECRET_ACCESS_KEY: 'p', S3_INIT_WAIT_S: '1' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('s3-init: the S3 API at http://s3:9000 did not answer within 1 s');
  });
});

describe('.env.example', () => {
  // What each process reads, from the one configuration module (@coinhts/config).
  const configs = Object.entries(VARIABLES_BY_APP);
  const documented = dotenvNames(read('.env.example'));
  // Read by the AWS SDK itself, not by our config modules.
  const sdkVariables = ['AWS_REQUEST_CHECKSUM_CALCULATION', 'AWS_RESPONSE_CHECKSUM_VALIDATION', 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'];

  it('documents every variable the API, the worker, the CLI, the ops tools and the compose file read', () => {
    for (const [app, read_] of configs) {
      expect(read_.length).toBeGreaterThan(1);
      expect({ app, missing: read_.filter((v) => !documented.has(v)) }).toEqual({ app, missing: [] });
    }
    expect({ file: 'docker/compose.yml', missing: composeVariables(read('docker/compose.yml')).filter((v) => !documented.has(v)) }).toEqual({ file: 'docker/compose.yml', missing: [] });
  });

  it('documents nothing that no code reads (no stale variables)', () => {
    const used = new Set([...configs.flatMap(([, vars]) => vars), ...composeVariables(read('docker/compose.yml')), ...sdkVariables]);
    expect([...documented].filter((v) => !used.has(v))).toEqual([]);
  });

  it('docs/operations.md documents every variable of .env.example', () => {
    const doc = read('docs/operations.md');
    expect([...documented].filter((v) => !new RegExp(`\\b${v}\\b`).test(doc))).toEqual([]);
  });

  it('the compose scan finds interpolations but not $$ escapes (so the coverage check can fail)', () => {
    expect(composeVariables('a: ${A:-1}\nb: $${NOT}\nc: ${C:?x}')).toEqual(['A', 'C']);
  });
});

/** Variable names each app's configuration reads: the lists of the one configuration module (@coinhts/config). */
function appConfigVariables(app: 'api' | 'worker' | 'cli' | 'paper'): string[] {
  return [...VARIABLES_BY_APP[app]];
}

describe('docker/compose.yml passes every setting an app reads, and nothing else', () => {
  const doc = parseYaml(read('docker/compose.yml'), { merge: true }) as { services: Record<string, { environment?: Record<string, unknown> }> };
  const passed = (service: string) => Object.keys(doc.services[service]?.environment ?? {}).sort();
  const documented = dotenvNames(read('.env.example'));
  // Read by the AWS SDK itself (not by our config modules); compose sets them for every app.
  const sdkVariables = ['AWS_REQUEST_CHECKSUM_CALCULATION', 'AWS_RESPONSE_CHECKSUM_VALIDATION'];

  for (const [service, app] of [['api', 'api'], ['worker', 'worker'], ['paper', 'paper']] as const) {
    it(`${service}: compose passes exactly the variables apps/${app} reads`, () => {
      const reads = appConfigVariables(app);
      expect(reads.length).toBeGreaterThan(10);
      expect({ service, passedButNotRead: passed(service).filter((v) => !reads.includes(v) && !sdkVariables.includes(v)) }).toEqual({ service, passedButNotRead: [] });
      expect({ service, readButNotPassed: reads.filter((v) => !passed(service).includes(v)) }).toEqual({ service, readButNotPassed: [] });
    });
  }

  it('migrate: the CLI gets every variable it reads (but the debug switch and the alert settings of `alerts test`)', () => {
    const reads = appConfigVariables('cli').filter((v) => documented.has(v) && v !== 'COINHTS_DEBUG' && !/^(ALERT_|SMTP_)/.test(v));
    expect(reads).toEqual(expect.arrayContaining(['DATABASE_URL', 'RESULTS_STORE']));
    expect(reads.filter((v) => !passed('migrate').includes(v))).toEqual([]);
  });

  it('the comparison fails when compose drops or invents a variable', () => {
    const reads = appConfigVariables('worker');
    const dropped = passed('worker').filter((v) => v !== 'STOP_GRACE_MS');
    expect(reads.filter((v) => !dropped.includes(v))).toEqual(['STOP_GRACE_MS']);
    expect([...passed('worker'), 'NOT_READ_BY_ANYONE'].filter((v) => !reads.includes(v) && !sdkVariables.includes(v))).toEqual(['NOT_READ_BY_ANYONE']);
  });
});
