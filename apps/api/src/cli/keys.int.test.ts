/**
 * Key management against PostgreSQL: the command functions, and the real script as documented
 * (`node --conditions=@coinhts/source -r @swc-node/register apps/api/src/cli/keys.ts …`).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createDataSource, runMigrations } from '@coinhts/results';
import type { DataSource } from 'typeorm';
import { ApiKeyRepository } from '../auth/api-key-store';
import { freshSchema, REPO_ROOT } from '../testing/test-app';
import { parseKeysArgs, runKeysCommand } from './keys';

const run = promisify(execFile);
let db: Awaited<ReturnType<typeof freshSchema>>;
let ds: DataSource;
let repo: ApiKeyRepository;

beforeAll(async () => {
  db = await freshSchema('keys');
  ds = createDataSource({ url: db.url, schema: db.schema });
  await ds.initialize();
  await runMigrations(ds);
  repo = new ApiKeyRepository(ds);
}, 30_000);
afterAll(async () => {
  await ds?.destroy();
  await db?.drop();
});

describe('keys command', () => {
  it('parses create/list/revoke and refuses anything else', () => {
    expect(parseKeysArgs(['create', '--name', 'ci', '--scopes', 'read,run'])).toEqual({ kind: 'create', name: 'ci', scopes: ['read', 'run'] });
    expect(parseKeysArgs(['create', '--name=ci', '--scopes=admin'])).toEqual({ kind: 'create', name: 'ci', scopes: ['admin'] });
    expect(parseKeysArgs(['list'])).toEqual({ kind: 'list' });
    expect(parseKeysArgs(['revoke', 'chts_abc'])).toEqual({ kind: 'revoke', key: 'chts_abc' });
    expect(() => parseKeysArgs(['create', '--name', 'x'])).toThrow(/--scopes/);
    expect(() => parseKeysArgs(['drop'])).toThrow(/Usage/);
  });

  it('create prints the key once; only its SHA-256 is stored; list shows it; revoke by prefix marks it revoked', async () => {
    const out = await runKeysCommand(repo, { kind: 'create', name: 'grafana', scopes: ['read'] });
    const key = out.split('\n')[0];
    expect(key).toMatch(/^chts_[A-Za-z0-9_-]{43}$/);
    const rows = (await ds.query(`SELECT key_hash, prefix, scopes FROM api_keys WHERE name = 'grafana'`)) as { key_hash: string; prefix: string; scopes: string[] }[];
    expect(rows[0].key_hash).toBe(createHash('sha256').update(key).digest('hex'));
    expect(rows[0].prefix).toBe(key.slice(0, 13));
    expect((await repo.findByKey(key))?.scopes).toEqual(['read']);
    expect(await runKeysCommand(repo, { kind: 'list' })).toContain(`${rows[0].prefix}\tgrafana\tread`);
    expect(await runKeysCommand(repo, { kind: 'revoke', key: rows[0].prefix })).toMatch(/^revoked /);
    expect((await repo.findByKey(key))?.revokedAt).toEqual(expect.any(Number));
    await expect(runKeysCommand(repo, { kind: 'revoke', key: 'chts_nothere' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(runKeysCommand(repo, { kind: 'create', name: 'x', scopes: ['root'] })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
  });

  it('the documented command line works end to end', async () => {
    const script = join(REPO_ROOT, 'apps/api/src/cli/keys.ts');
    const env = { ...process.env, DB_SCHEMA: db.schema };
    const args = ['--conditions=@coinhts/source', '-r', '@swc-node/register', script];
    const created = await run(process.execPath, [...args, 'create', '--name', 'cli-test', '--scopes', 'read,run'], { cwd: REPO_ROOT, env });
    const key = created.stdout.split('\n')[0];
    expect((await repo.findByKey(key))?.name).toBe('cli-test');
    const bad = await run(process.execPath, [...args, 'frobnicate'], { cwd: REPO_ROOT, env }).catch((e: { code: number; stderr: string }) => e);
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringContaining('Usage') });
  }, 60_000);
});
