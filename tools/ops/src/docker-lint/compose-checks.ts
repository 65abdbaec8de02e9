/**
 * Structural checks of docker/compose.yml (after YAML parsing with merge keys): the services the
 * stack needs, start order, persistence, one-shot jobs, replicas, health checks, pinned images.
 */
import type { LintFinding } from './dockerfile';

type Json = Record<string, unknown>;

const asObj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const asList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? v.split(/\s+/) : []);

/** The services the stack must have. */
export const REQUIRED_SERVICES = ['postgres', 'redis', 's3', 's3-init', 'migrate', 'api', 'worker'] as const;

function dependsOn(svc: Json, other: string): string | undefined {
  const d = svc['depends_on'];
  if (Array.isArray(d)) return d.includes(other) ? 'service_started' : undefined;
  const entry = asObj(d)[other];
  return entry === undefined ? undefined : String(asObj(entry)['condition'] ?? 'service_started');
}

/** Checks a parsed compose document; `raw` is the file text (for interpolation checks). */
export function checkCompose(doc: unknown): LintFinding[] {
  const f: LintFinding[] = [];
  const add = (rule: string, message: string) => f.push({ rule, line: 0, message });
  const services = asObj(asObj(doc)['services']);
  for (const s of REQUIRED_SERVICES) if (!(s in services)) add('CC001', `service ${s} is missing`);
  const svc = (name: string) => asObj(services[name]);

  const env = (name: string): Json => {
    const e = svc(name)['environment'];
    if (Array.isArray(e)) return Object.fromEntries(e.map((x: string) => [x.split('=')[0], x.split('=').slice(1).join('=')]));
    return asObj(e);
  };

  // Redis keeps the queues: AOF on, and BullMQ keys must never be evicted.
  const redisCmd = asList(svc('redis')['command']).join(' ');
  if (!/--appendonly\s+yes/.test(redisCmd)) add('CC010', 'redis must run with --appendonly yes (queued jobs survive a restart)');
  if (!/--maxmemory-policy\s+noeviction/.test(redisCmd)) add('CC011', 'redis must run with --maxmemory-policy noeviction (BullMQ requirement)');
  if (!asList(svc('redis')['volumes']).some((v) => v.endsWith(':/data'))) add('CC012', 'redis /data (the AOF) must be on a volume');
  if (!asList(svc('postgres')['volumes']).some((v) => v.includes(':/var/lib/postgresql/data'))) add('CC012', 'postgres data must be on a volume');
  if (!asList(svc('s3')['volumes']).some((v) => v.endsWith(':/data'))) add('CC012', 's3 /data must be on a volume');

  // Backups and restore run from the host (docs/operations.md section 7): PostgreSQL and the S3 API on loopback.
  for (const [name, port] of [['postgres', '5432'], ['s3', '9000']] as const) {
    if (!asList(svc(name)['ports']).some((p) => p.startsWith('127.0.0.1:') && p.endsWith(`:${port}`))) add('CC013', `${name} must publish ${port} on 127.0.0.1 (backups from the host)`);
  }

  // Bucket set-up is a one-shot AWS CLI job once the S3 server runs (the script waits for the API, bounded).
  const init = svc('s3-init');
  if (!String(init['image'] ?? '').includes('aws-cli')) add('CC020', 's3-init must use the AWS CLI image');
  if (String(init['restart'] ?? 'no') !== 'no') add('CC021', 's3-init is one-shot: restart "no"');
  if (!dependsOn(init, 's3')) add('CC022', 's3-init must start after s3');
  if (!asList(init['volumes']).some((v) => /s3-init\.sh:/.test(v)) || !asList(init['entrypoint']).join(' ').includes('s3-init.sh')) {
    add('CC023', 's3-init must run docker/s3-init.sh');
  }
  for (const k of ['RESULTS_STORE', 'ARCHIVE_EXPIRE_DAYS', 'NONCURRENT_EXPIRE_DAYS']) if (!(k in env('s3-init'))) add('CC024', `s3-init needs ${k} (bucket/prefix, lifecycle days are configurable)`);
  if (env('s3-init')['RESULTS_STORE'] !== env('api')['RESULTS_STORE']) add('CC025', 's3-init must set up the bucket of the RESULTS_STORE api and workers use');

  // Migrations run once, before the API and the workers.
  const mig = svc('migrate');
  if (String(mig['restart'] ?? 'no') !== 'no') add('CC030', 'migrate is one-shot: restart "no"');
  if (!/db migrate --wait \S+/.test(asList(mig['command']).join(' '))) add('CC031', 'migrate must run `coinhts db migrate --wait N` (PostgreSQL may still refuse TCP right after its healthcheck)');
  if (svc('migrate')['build'] !== undefined || mig['image'] !== svc('api')['image']) add('CC036', 'migrate must reuse the api image without a build section (the image is built once)');
  if (!/-h\s+127\.0\.0\.1/.test(asList(asObj(svc('postgres')['healthcheck'])['test']).join(' '))) add('CC032', 'the postgres healthcheck must use TCP (pg_isready -h 127.0.0.1): the Unix socket answers during first-time init');
  if (dependsOn(mig, 'postgres') !== 'service_healthy') add('CC032', 'migrate must wait for postgres to be healthy');
  for (const app of ['api', 'worker']) {
    if (dependsOn(svc(app), 'migrate') !== 'service_completed_successfully') add('CC033', `${app} must start after migrate completed successfully`);
    for (const dep of ['postgres', 'redis']) if (dependsOn(svc(app), dep) !== 'service_healthy') add('CC034', `${app} must wait for ${dep} to be healthy`);
    const e = env(app);
    for (const k of ['DATABASE_URL', 'REDIS_URL', 'DATA_ROOT', 'QUEUE_PREFIX', 'RESULTS_STORE']) if (!(k in e)) add('CC035', `${app} environment lacks ${k}`);
    if (!svc(app)['build'] && !svc(app)['image']) add('CC036', `${app} has neither build nor image`);
  }
  for (const app of ['api', 'worker']) if (dependsOn(svc(app), 's3-init') !== 'service_completed_successfully') add('CC033', `${app} must start after s3-init completed (the bucket exists)`);
  if (env('api')['QUEUE_PREFIX'] !== env('worker')['QUEUE_PREFIX']) add('CC037', 'api and worker must use the same QUEUE_PREFIX');
  if (env('api')['RESULTS_STORE'] !== env('worker')['RESULTS_STORE']) add('CC038', 'api and worker must name the same RESULTS_STORE (the API reads what workers archive)');
  const vols = (name: string) => asList(svc(name)['volumes']);
  for (const target of ['/data/results', '/data/candles']) {
    const a = vols('api').find((v) => v.split(':')[1] === target)?.split(':')[0];
    const w = vols('worker').find((v) => v.split(':')[1] === target)?.split(':')[0];
    if (!a || a !== w) add('CC039', `api and worker must mount the same volume at ${target}`);
  }

  // Two workers by default; no fixed host port on the worker (replicas would collide).
  const replicas = asObj(svc('worker')['deploy'])['replicas'];
  if (Number(replicas) !== 2) add('CC040', `worker must run 2 replicas (deploy.replicas is ${String(replicas)})`);
  if (svc('worker')['ports'] !== undefined) add('CC041', 'worker must not publish host ports (replicas would collide)');
  if (svc('worker')['container_name'] !== undefined) add('CC041', 'worker must not set container_name (replicas would collide)');
  const grace = String(svc('worker')['stop_grace_period'] ?? '10s');
  if (parseSeconds(grace) < 30) add('CC042', `worker stop_grace_period ${grace} is shorter than the 25 s shutdown window`);

  // Long-running services are health-checked (or inherit the image's HEALTHCHECK) and restart.
  for (const name of ['postgres', 'redis']) if (!svc(name)['healthcheck']) add('CC050', `${name} needs a healthcheck`);
  for (const name of ['postgres', 'redis', 's3', 'api', 'worker']) {
    const r = String(svc(name)['restart'] ?? 'no');
    if (r === 'no') add('CC051', `${name} should restart (unless-stopped / always / on-failure)`);
  }

  // Third-party images are pinned; our own images may be :latest locally-built tags.
  for (const [name, value] of Object.entries(services)) {
    const image = String(asObj(value)['image'] ?? '');
    if (!image || /^coinhts-/.test(image)) continue;
    if (!/:[^/]+$/.test(image) || /:latest$/.test(image)) add('CC060', `${name} image ${image} is not pinned to a version`);
  }

  // No secrets written into the file: credentials come from the env file.
  for (const [name, value] of Object.entries(services)) {
    const e = asObj(asObj(value)['environment']);
    for (const [k, v] of Object.entries(e)) {
      if (/PASSWORD|SECRET/.test(k) && v !== null && v !== '' && !String(v).includes('${')) add('CC070', `${name}.${k} is hard-coded; take it from the env file`);
    }
  }
  return f;
}

function parseSeconds(s: string): number {
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(h|m|s|ms)/g)) total += Number(m[1]) * ({ h: 3600, m: 60, s: 1, ms: 0.001 } as const)[m[2] as 'h' | 'm' | 's' | 'ms'];
  return total;
}
