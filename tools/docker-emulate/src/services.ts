/**
 * The third-party services of docker/compose.yml, started natively on free loopback ports with the
 * settings compose gives them (their images cannot be pulled here): PostgreSQL from the host's
 * PostgreSQL binaries, initialised as the postgres image's first start does (superuser
 * POSTGRES_USER with POSTGRES_PASSWORD, scram-sha-256 over TCP, database POSTGRES_DB) and run with
 * compose's `command` flags; redis-server with compose's `command` flags; an S3 stand-in for RustFS
 * (moto, or s3rver when moto is missing). Their compose healthchecks are run on demand.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ComposeService } from './compose';

/** A started service. */
export interface NativeService {
  readonly name: string;
  readonly port: number;
  /** Runs the service's compose healthcheck once; true when it passes. */
  healthy(): boolean;
  stop(): Promise<void>;
  log(): string;
}

const sh = (cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 120_000) => spawnSync(cmd, [...args], { encoding: 'utf8', env, timeout: timeoutMs });

function must(r: ReturnType<typeof sh>, what: string): string {
  if (r.status !== 0) throw new Error(`${what} failed (status ${r.status}): ${r.stdout}${r.stderr}${r.error ? r.error.message : ''}`);
  return r.stdout;
}

/** The folder of the newest installed PostgreSQL server binaries. */
function pgBin(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'postgres'))).sort((a, b) => Number(a) - Number(b)) : [];
  if (!versions.length) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql: run `source tools/services.sh` once (it installs them) or `apt-get install postgresql`');
  return join(base, versions[versions.length - 1], 'bin');
}

function healthcheckArgv(svc: ComposeService): readonly string[] {
  const test = svc.healthcheck?.test;
  if (!test?.length) throw new Error('service has no healthcheck');
  return test;
}

function childProc(child: ChildProcess): { log: string[]; exited: Promise<void> } {
  const log: string[] = [];
  child.stdout?.on('data', (b: Buffer) => log.push(b.toString()));
  child.stderr?.on('data', (b: Buffer) => log.push(b.toString()));
  return { log, exited: new Promise((r) => child.once('exit', () => r())) };
}

/** PostgreSQL as the compose `postgres` service. */
export function startPostgres(svc: ComposeService, dir: string, port: number): NativeService {
  const bin = pgBin();
  const e = svc.environment;
  mkdirSync(dir, { recursive: true });
  chownSync(dir, Number(must(sh('id', ['-u', 'postgres']), 'id -u postgres').trim()), Number(must(sh('id', ['-g', 'postgres']), 'id -g postgres').trim()));
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, `${e['POSTGRES_PASSWORD']}\n`, { mode: 0o600 });
  sh('chown', ['postgres', pwfile]);
  const asPg = (cmd: string) => must(sh('su', ['postgres', '-s', '/bin/sh', '-c', cmd], { PATH: process.env['PATH'] }, 180_000), cmd);
  asPg(`${bin}/initdb -D ${dir}/data -U '${e['POSTGRES_USER']}' --pwfile=${pwfile} --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null`);
  const command = (svc.command ?? []).slice(1).map((a) => `'${a}'`).join(' ');
  asPg(`${bin}/pg_ctl -D ${dir}/data -l ${dir}/postgres.log -w -t 60 -o "-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 ${command}" start >/dev/null`);
  must(sh('psql', ['-q', '-h', '127.0.0.1', '-p', String(port), '-U', e['POSTGRES_USER'], '-d', 'postgres', '-c', `CREATE DATABASE "${e['POSTGRES_DB']}"`], { PATH: process.env['PATH'], PGPASSWORD: e['POSTGRES_PASSWORD'] }), 'create the database');
  return {
    name: 'postgres',
    port,
    healthy: () => {
      const [kind, ...rest] = healthcheckArgv(svc);
      const env = { PATH: `${bin}:${process.env['PATH'] ?? ''}`, PGPORT: String(port), ...e };
      const r = kind === 'CMD-SHELL' ? sh('sh', ['-c', rest.join(' ')], env, 10_000) : sh(rest[0], rest.slice(1), env, 10_000);
      return r.status === 0;
    },
    stop: async () => {
      sh('su', ['postgres', '-s', '/bin/sh', '-c', `${bin}/pg_ctl -D ${dir}/data -m fast stop`], { PATH: process.env['PATH'] });
    },
    log: () => '',
  };
}

/** redis-server as the compose `redis` service. */
export function startRedis(svc: ComposeService, dir: string, port: number): NativeService {
  mkdirSync(dir, { recursive: true });
  const args = [...(svc.command ?? ['redis-server']).slice(1), '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no', '--save', ''];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const p = childProc(child);
  return {
    name: 'redis',
    port,
    healthy: () => {
      const [kind, cmd, ...rest] = healthcheckArgv(svc);
      if (kind !== 'CMD' || cmd !== 'redis-cli') throw new Error(`unexpected redis healthcheck ${String(kind)} ${String(cmd)}`);
      return sh('redis-cli', ['-p', String(port), ...rest], process.env, 10_000).stdout.trim() === 'PONG';
    },
    stop: async () => {
      child.kill('SIGTERM');
      await p.exited;
    },
    log: () => p.log.join(''),
  };
}

/** The S3 stand-in for the compose `s3` service (RustFS): moto, or s3rver when moto is not installed. */
export function startS3(dir: string, port: number, repoRoot: string): NativeService & { impl: string } {
  mkdirSync(dir, { recursive: true });
  const moto = sh('python3', ['-c', 'import moto.server, flask, flask_cors']).status === 0;
  const child = moto
    ? spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, [join(repoRoot, 'node_modules/s3rver/bin/s3rver.js'), '-d', dir, '-a', '127.0.0.1', '-p', String(port), '--no-vhost-buckets', '-s'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const p = childProc(child);
  return {
    name: 's3',
    impl: moto ? 'moto' : 's3rver',
    port,
    healthy: () => sh('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${port}/`], process.env, 5_000).stdout.trim() !== '000',
    stop: async () => {
      child.kill('SIGTERM');
      await p.exited;
    },
    log: () => p.log.join(''),
  };
}
