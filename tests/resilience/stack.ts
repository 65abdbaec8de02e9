/**
 * The resilience suite's own stack, on loopback and free ports: PostgreSQL (initdb into a temp
 * folder), Redis (AOF), S3 (moto kept on disk by tools/s3-server.py), the API and two workers run
 * from the sources. Every service can be stopped and started again on the same port and data,
 * which is why the suite never uses the shared services.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the smoke test's process helpers (tools/smoke is not a library)
import { delay, freePort, startNode, waitFor, type Proc } from '../../tools/smoke/stack';

/** Repository root. */
export const ROOT = resolve(__dirname, '../..');
/** How a source-mode Node process is started (as the README does). */
export const SOURCE_ARGS = ['--conditions=@coinhts/source', '-r', '@swc-node/register'];
/** The API's V8 old-space cap in the suite, MB: several times what it uses (~100 MB of heap at ~300 MB RSS), far below what a per-request leak over 10,000 requests would reach. */
export const API_HEAP_MB = 384;

/** A daemon of ours (PostgreSQL is driven through pg_ctl instead). */
interface Daemon {
  child: ChildProcess;
  exited: Promise<unknown>;
}

function spawnDaemon(cmd: string, args: readonly string[], log: string[]): Daemon {
  const child = spawn(cmd, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const collect = (b: Buffer) => {
    for (const l of b.toString().split('\n')) if (l.trim()) log.push(l);
    if (log.length > 500) log.splice(0, log.length - 500);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return { child, exited: new Promise((r) => child.once('exit', r)) };
}

async function stopDaemon(d: Daemon | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!d || d.child.exitCode !== null || d.child.signalCode !== null) return;
  d.child.kill(signal);
  await Promise.race([d.exited, delay(15_000)]);
  if (d.child.exitCode === null && d.child.signalCode === null) {
    d.child.kill('SIGKILL');
    await d.exited;
  }
}

async function tcpUp(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolveUp) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolveUp(true);
    });
    s.once('error', () => resolveUp(false));
  });
}

/** Our PostgreSQL, Redis and S3. */
export class Services {
  readonly logs: string[] = [];
  pgPort = 0;
  redisPort = 0;
  s3Port = 0;
  private pgBin = '';
  private redis?: Daemon;
  private s3?: Daemon;

  constructor(readonly dir: string) {}

  get databaseUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.pgPort}/coinhts_resilience`;
  }
  get redisUrl(): string {
    return `redis://127.0.0.1:${this.redisPort}`;
  }
  get s3Endpoint(): string {
    return `http://127.0.0.1:${this.s3Port}`;
  }

  async start(): Promise<void> {
    [this.pgPort, this.redisPort, this.s3Port] = [await freePort(), await freePort(), await freePort()];
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(a) - Number(b));
    if (versions.length === 0) throw new Error('PostgreSQL is not installed: run `source tools/services.sh` once (it installs it), then run the tests again');
    this.pgBin = `/usr/lib/postgresql/${versions[versions.length - 1]}/bin`;
    const pgDir = join(this.dir, 'pg');
    mkdirSync(pgDir, { recursive: true });
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(pgDir, uid, gid);
    chmodSync(this.dir, 0o755);
    this.su(`${this.pgBin}/initdb -D ${pgDir}/data -U postgres --auth=trust -E UTF8 --locale=C.UTF-8`);
    await Promise.all([this.startPg(), this.startRedis(), this.startS3()]);
    execFileSync('psql', ['-q', '-h', '127.0.0.1', '-p', String(this.pgPort), '-U', 'postgres', '-c', 'CREATE DATABASE coinhts_resilience']);
  }

  private su(cmd: string): void {
    const r = spawnSync('su', ['postgres', '-c', cmd], { encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stdout}${r.stderr}`);
  }

  async startPg(): Promise<void> {
    const pgDir = join(this.dir, 'pg');
    this.su(`${this.pgBin}/pg_ctl -D ${pgDir}/data -l ${pgDir}/pg.log -w -t 60 -o '-p ${this.pgPort} -k ${pgDir} -c listen_addresses=127.0.0.1 -c max_connections=200' start`);
  }

  /** Stops PostgreSQL (fast shutdown: open connections are closed). */
  async stopPg(): Promise<void> {
    this.su(`${this.pgBin}/pg_ctl -D ${join(this.dir, 'pg')}/data -m fast -w stop`);
  }

  async startRedis(): Promise<void> {
    const dir = join(this.dir, 'redis');
    mkdirSync(dir, { recursive: true });
    this.redis = spawnDaemon('redis-server', ['--port', String(this.redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', dir], this.logs);
    await waitFor('Redis to listen', async () => ((await tcpUp(this.redisPort)) ? true : undefined), 30_000, 100);
  }

  /** Stops Redis with SIGTERM (it writes its AOF and exits) or SIGKILL. */
  async stopRedis(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await stopDaemon(this.redis, signal);
  }

  async startS3(): Promise<void> {
    this.s3 = spawnDaemon('python3', [join(ROOT, 'tools', 's3-server.py'), '--host', '127.0.0.1', '--port', String(this.s3Port), '--dir', join(this.dir, 's3')], this.logs);
    await waitFor('S3 to listen', async () => ((await tcpUp(this.s3Port)) ? true : undefined), 30_000, 100);
  }

  async stopS3(): Promise<void> {
    await stopDaemon(this.s3);
  }

  async stopAll(): Promise<void> {
    await Promise.allSettled([this.stopRedis(), this.stopS3(), this.stopPg()]);
  }
}

/** Resident set size of a process, bytes (from /proc). */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** The API and the workers, from the sources. */
export class Apps {
  api?: Proc;
  workers: (Proc | undefined)[] = [undefined, undefined];
  apiPort = 0;
  workerPorts: number[] = [];
  /** Every log line of every worker process ever started (restarts included), for exactly-once counts. */
  readonly workerLines: string[][] = [];

  constructor(readonly env: NodeJS.ProcessEnv) {}

  async start(): Promise<void> {
    this.apiPort = await freePort();
    this.workerPorts = [await freePort(), await freePort()];
    await this.startApi();
    await Promise.all([0, 1].map((i) => this.startWorker(i)));
  }

  async startApi(): Promise<void> {
    // The V8 heap is capped (API_HEAP_MB): memory the API kept per request would end the process
    // with "heap out of memory" during the hostile or load phase, which the suite reports as a crash.
    this.api = startNode('api', [`--max-old-space-size=${API_HEAP_MB}`, ...SOURCE_ARGS, 'apps/api/src/main.ts'], ROOT, { ...this.env, PORT: String(this.apiPort), HOST: '127.0.0.1' });
    await waitFor('the API to be ready', async () => ((await fetch(`http://127.0.0.1:${this.apiPort}/readyz`, { signal: AbortSignal.timeout(3000) })).status === 200 ? true : undefined), 120_000, 250, () => this.dump());
  }

  async startWorker(i: number): Promise<void> {
    const p = startNode(`worker-${i + 1}`, [...SOURCE_ARGS, 'apps/worker/src/main.ts'], ROOT, { ...this.env, METRICS_PORT: String(this.workerPorts[i]), METRICS_HOST: '127.0.0.1', SCHEDULER_ENABLED: 'false' });
    this.workers[i] = p;
    this.workerLines.push(p.lines);
    await waitFor(`worker ${i + 1} to be healthy`, async () => ((await fetch(`http://127.0.0.1:${this.workerPorts[i]}/healthz`, { signal: AbortSignal.timeout(3000) })).status === 200 ? true : undefined), 120_000, 250, () => this.dump());
  }

  /** Active jobs of worker `i` (its /healthz), or -1 when it does not answer. */
  async active(i: number): Promise<number> {
    try {
      const h = (await (await fetch(`http://127.0.0.1:${this.workerPorts[i]}/healthz`, { signal: AbortSignal.timeout(2000) })).json()) as { queues: Record<string, { active: number }> };
      return Object.values(h.queues).reduce((a, q) => a + q.active, 0);
    } catch {
      return -1;
    }
  }

  dump(): string {
    return [this.api, ...this.workers].filter((p): p is Proc => p !== undefined).map((p) => `--- ${p.name}\n${p.lines.slice(-20).join('\n')}`).join('\n');
  }

  async stopAll(): Promise<void> {
    const procs = [this.api, ...this.workers].filter((p): p is Proc => p !== undefined && p.child.exitCode === null && p.child.signalCode === null);
    for (const p of procs) p.child.kill('SIGTERM');
    await Promise.all(procs.map((p) => Promise.race([p.exited, delay(30_000)])));
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  }
}

/** True when the file exists (for clearer waits). */
export const exists = existsSync;
