/**
 * The real process: refuses to start without configuration, starts on the documented command,
 * serves, and on SIGTERM finishes an in-flight request before exiting 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDataSource } from '@coinhts/results';
import { ApiKeyRepository } from './auth/api-key-store';
import { freshSchema, REPO_ROOT, requireServiceEnv } from './testing/test-app';

const MAIN = join(REPO_ROOT, 'apps/api/src/main.ts');
const ARGS = ['--conditions=@coinhts/source', '-r', '@swc-node/register', MAIN];

function collect(child: ChildProcess): { out: () => string; exited: Promise<number | null> } {
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  return { out: () => out, exited: new Promise((r) => child.on('exit', (code) => r(code))) };
}

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('apps/api/src/main.ts', () => {
  it('exits 2 with a message naming the missing variables', async () => {
    const env = { PATH: process.env.PATH ?? '' };
    const child = spawn(process.execPath, ARGS, { cwd: REPO_ROOT, env });
    const c = collect(child);
    expect(await c.exited).toBe(2);
    expect(c.out()).toContain('DATABASE_URL (not set): is required but not set; fix: set DATABASE_URL');
    expect(c.out()).toContain('DATA_ROOT (not set): is required but not set; fix: set DATA_ROOT');
  }, 30_000);

  it('exits 2 with the loader\'s message (no stack trace) when a strategy plugin module is unusable', async () => {
    const { databaseUrl, redisUrl } = requireServiceEnv();
    const bad = join(REPO_ROOT, 'apps/api/src/config.ts'); // loads, but exports no strategy definition
    const env = {
      ...process.env, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, DATA_ROOT: join(REPO_ROOT, 'data/sample'),
      PORT: '0', HOST: '127.0.0.1', COINHTS_STRATEGY_MODULES: bad,
    };
    const child = spawn(process.execPath, ARGS, { cwd: REPO_ROOT, env });
    const c = collect(child);
    expect(await c.exited).toBe(2);
    expect(c.out()).toContain(`The API cannot start: Strategy module ${bad}: exports no strategy definition`);
    expect(c.out()).not.toMatch(/\n\s+at /); // no stack trace
  }, 30_000);

  it('serves, and on SIGTERM lets the in-flight request finish, then exits 0', async () => {
    const { databaseUrl, redisUrl } = requireServiceEnv();
    const db = await freshSchema('main');
    const resultsDir = join(tmpdir(), `coinhts-main-${db.schema}`);
    const env = {
      ...process.env, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, DB_SCHEMA: db.schema, DATA_ROOT: join(REPO_ROOT, 'data/sample'),
      RESULTS_STORE: `file:${resultsDir}`, PORT: '0', HOST: '127.0.0.1', QUEUE_PREFIX: `t-api-main-${db.schema}`,
    };
    const child = spawn(process.execPath, ARGS, { cwd: REPO_ROOT, env });
    const c = collect(child);
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no listening line: ${c.out()}`)), 20_000);
        const check = () => {
          const m = /"port":(\d+)[^\n]*coinhts API listening/.exec(c.out());
          if (m) {
            clearTimeout(timer);
            resolve(Number(m[1]));
          } else setTimeout(check, 50);
        };
        check();
      });
      expect((await get(port, '/healthz')).status).toBe(200);
      expect((await get(port, '/readyz')).status).toBe(200);
      // An in-flight request: headers and half the body sent, then SIGTERM, then the rest of the body.
      const ds = createDataSource({ url: databaseUrl, schema: db.schema });
      await ds.initialize();
      const { key } = await new ApiKeyRepository(ds).create({ name: 'main-test', scopes: ['run'] });
      await ds.destroy();
      const body = JSON.stringify({ name: 'inflight', strategy: 'volume_long_candle', params: {} });
      const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path: '/api/v1/presets', method: 'POST', headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) } }, (res) => {
          let text = '';
          res.on('data', (ch: Buffer) => (text += ch.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        });
        req.on('error', reject);
        req.write(body.slice(0, 10));
        setTimeout(() => {
          child.kill('SIGTERM');
          setTimeout(() => req.end(body.slice(10)), 300);
        }, 300);
      });
      const done = await answer;
      expect(done.status).toBe(201);
      expect(JSON.parse(done.body).name).toBe('inflight');
      expect(await c.exited).toBe(0);
      expect(c.out()).toContain('"msg":"stopped"');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await db.drop();
      await rm(resultsDir, { recursive: true, force: true });
    }
  }, 60_000);
});
