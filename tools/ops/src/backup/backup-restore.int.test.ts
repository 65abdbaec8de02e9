/**
 * Backup → wipe → restore on the real PostgreSQL and S3 of the environment: the results schema
 * (migrated, with rows in every table kind) is dumped to a fresh bucket, the schema is dropped,
 * the dump is restored, and row counts plus an MD5 of each table's ordered contents must match.
 * Also: a tampered dump is refused before the database is touched, retention deletes exactly the
 * expired dumps, and the command line (exit codes, messages) works end to end.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createDataSource, runMigrations } from '@coinhts/results';
import { S3StorageProvider } from '@coinhts/storage';
import { applyRetention, BackupIntegrityError, createBackup, listBackups, restoreBackup, sha256File } from './backup';
import { dumpName } from './retention';
import { createTestBucket, deleteBucketCompletely, randomSuffix, requireService, s3Connection, testS3Client, withPg } from '../testing/services';

// The root Jest run ignores per-project testTimeout, so long service round trips set it here.
jest.setTimeout(120_000);

const root = resolve(__dirname, '../../../..');

/** Row count and MD5 of the ordered rows of every table in `schema`. */
async function fingerprint(url: string, schema: string): Promise<Record<string, { rows: number; md5: string }>> {
  return withPg(url, async (c) => {
    const tables = (await c.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY 1", [schema])).rows.map((r) => r.table_name);
    const out: Record<string, { rows: number; md5: string }> = {};
    for (const t of tables) {
      const r = await c.query<{ n: string; md5: string | null }>(`SELECT count(*) AS n, md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '')) AS md5 FROM "${schema}"."${t}" x`);
      out[t] = { rows: Number(r.rows[0].n), md5: r.rows[0].md5 ?? '' };
    }
    return out;
  });
}

describe('PostgreSQL backup to S3 and restore', () => {
  const schema = `ops_backup_${randomSuffix()}`;
  const prefix = `backups/postgres-${randomSuffix()}/`;
  let dbUrl: string;
  let client: S3Client;
  let bucket: string;
  let storage: S3StorageProvider;
  let localDir: string;

  beforeAll(async () => {
    dbUrl = requireService('DATABASE_URL');
    requireService('S3_ENDPOINT');
    client = testS3Client();
    bucket = await createTestBucket(client, 'backup');
    storage = new S3StorageProvider({ bucket, ...s3Connection() });
    localDir = mkdtempSync(join(tmpdir(), 'coinhts-backup-test-'));
    await withPg(dbUrl, (c) => c.query(`CREATE SCHEMA "${schema}"`));
    const ds = createDataSource({ url: dbUrl, schema, poolSize: 1 });
    try {
      await runMigrations(ds);
    } finally {
      if (ds.isInitialized) await ds.destroy();
    }
    // Data in the results tables plus a table of our own with awkward values.
    await withPg(dbUrl, async (c) => {
      await c.query(`SET search_path TO "${schema}"`);
      await c.query(`CREATE TABLE extra (id int PRIMARY KEY, label text, amount numeric(20,8), at timestamptz, doc jsonb)`);
      await c.query(`INSERT INTO extra SELECT g, 'row ' || g || E' \\t ''quoted'' ✓', g * 1.12345678, '2024-01-01'::timestamptz + g * interval '1 hour', jsonb_build_object('g', g, 'tags', jsonb_build_array('a', g)) FROM generate_series(1, 5000) g`);
      await c.query(`INSERT INTO extra VALUES (0, NULL, NULL, NULL, NULL)`);
    });
  }, 120_000);

  afterAll(async () => {
    await withPg(dbUrl, (c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)).catch(() => undefined);
    storage?.destroy();
    if (client && bucket) await deleteBucketCompletely(client, bucket);
    client?.destroy();
    rmSync(localDir, { recursive: true, force: true });
  });

  let backupKey: string;

  it('backs up, wipes, restores: same tables, row counts and contents', async () => {
    const before = await fingerprint(dbUrl, schema);
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['backtest_runs', 'presets', 'results_migrations', 'extra']));
    expect(before['extra'].rows).toBe(5001);
    expect(before['results_migrations'].rows).toBeGreaterThan(0);

    const lines: string[] = [];
    const r = await createBackup({ databaseUrl: dbUrl, schema, compressLevel: 6, storage, prefix, localDir, retention: { keep: 5, maxAgeDays: 30 }, log: (l) => lines.push(l) });
    backupKey = r.key;
    expect(r.key.startsWith(prefix) && r.key.endsWith('.dump')).toBe(true);
    // The object carries the SHA-256 as metadata and the .sha256 file next to it says the same.
    expect((await storage.head(r.key)).sha256).toBe(r.sha256);
    expect(Buffer.from(await storage.getBytes(`${r.key}.sha256`)).toString()).toBe(`${r.sha256}  ${r.key.slice(prefix.length)}\n`);
    // Custom format ("PGDMP" magic), compressed: far smaller than the data.
    const local = join(localDir, r.key.slice(prefix.length));
    expect(readFileSync(local).subarray(0, 5).toString()).toBe('PGDMP');
    expect(await sha256File(local)).toBe(r.sha256);

    await withPg(dbUrl, (c) => c.query(`DROP SCHEMA "${schema}" CASCADE`));
    expect(await fingerprint(dbUrl, schema)).toEqual({});

    const restored = await restoreBackup({ storage, key: r.key, targetUrl: dbUrl });
    expect(restored.sha256).toBe(r.sha256);
    expect(await fingerprint(dbUrl, schema)).toEqual(before);
  });

  it('refuses a dump whose bytes changed in the bucket, before touching the database', async () => {
    const name = dumpName(`tampered.${schema}`, new Date());
    const key = `${prefix}${name}`;
    const original = await storage.getBytes(backupKey);
    const good = await storage.head(backupKey);
    // Same metadata (the recorded SHA-256 of the real dump), different bytes.
    const bad = Buffer.from(original);
    bad[bad.length - 10] ^= 0xff;
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bad, Metadata: { sha256: good.sha256 } }));
    await storage.put(`${key}.sha256`, Buffer.from(`${good.sha256}  ${name}\n`));
    const before = await fingerprint(dbUrl, schema);
    await expect(restoreBackup({ storage, key, targetUrl: dbUrl, clean: true })).rejects.toBeInstanceOf(BackupIntegrityError);
    expect(await fingerprint(dbUrl, schema)).toEqual(before);
    // The good dump restores over the existing schema with --clean and changes nothing.
    await restoreBackup({ storage, key: backupKey, targetUrl: dbUrl, clean: true });
    expect(await fingerprint(dbUrl, schema)).toEqual(before);
    // A dump whose .sha256 file is missing cannot be checked, so it is not restored either.
    const unchecked = `${prefix}${dumpName(`unchecked.${schema}`, new Date())}`;
    await storage.put(unchecked, original);
    await expect(restoreBackup({ storage, key: unchecked, targetUrl: dbUrl })).rejects.toThrow(/missing or unreadable/);
    await Promise.all([key, `${key}.sha256`, unchecked].map((k) => storage.delete(k)));
  });

  it('retention keeps the N newest, deletes dumps past the age limit, never the newest one', async () => {
    const p = `${prefix}retention/`;
    const now = new Date('2026-06-30T12:00:00Z');
    const ages = [0, 1, 2, 3, 10, 40, 41];
    for (const days of ages) {
      const name = dumpName('db', new Date(now.getTime() - days * 86_400_000));
      await storage.put(`${p}${name}`, Buffer.from(`dump ${days}`));
      await storage.put(`${p}${name}.sha256`, Buffer.from('x'));
    }
    const old = dumpName('other', new Date(now.getTime() - 400 * 86_400_000));
    await storage.put(`${p}${old}`, Buffer.from('the only dump of another database'));
    const deleted = await applyRetention(storage, p, { keep: 4, maxAgeDays: 30 }, now);
    expect(deleted.map((k) => k.slice(p.length))).toEqual([41, 40, 10].map((d) => dumpName('db', new Date(now.getTime() - d * 86_400_000))));
    const left = (await listBackups(storage, p)).map((b) => b.key.slice(p.length));
    expect(left).toEqual([old, ...[3, 2, 1, 0].map((d) => dumpName('db', new Date(now.getTime() - d * 86_400_000)))]);
    // The .sha256 of a deleted dump goes with it.
    await expect(storage.head(`${deleted[0]}.sha256`)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('the command line backs up with retention and restores the latest dump into a new database', async () => {
    const target = `coinhts_restore_${randomSuffix()}`;
    const targetUrl = (() => {
      const u = new URL(dbUrl);
      u.pathname = `/${target}`;
      return u.toString();
    })();
    const env = { ...process.env, RESULTS_STORE: `s3://${bucket}/`, BACKUP_PREFIX: `${prefix}cli/`, BACKUP_SCHEMA: schema, BACKUP_KEEP: '1', BACKUP_LOCAL_DIR: '' };
    const ops = (...args: string[]) => spawnSync(join(root, 'tools/ops/bin/coinhts-ops'), args, { encoding: 'utf8', env, timeout: 120_000 });
    try {
      for (let i = 0; i < 2; i++) {
        const r = ops('backup');
        expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
        expect(r.stdout).toMatch(/^backup backups\/.*\.dump \d+ bytes sha256 [0-9a-f]{64}/m);
      }
      const list = ops('backups');
      expect(list.stdout.trim().split('\n')).toHaveLength(1); // BACKUP_KEEP=1
      expect(ops('restore', '--latest').status).toBe(2); // no target: usage error, nothing restored
      const r = ops('restore', '--latest', '--target-url', targetUrl, '--create-db');
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
      expect(r.stdout).toContain('SHA-256 verified');
      expect(await fingerprint(targetUrl, schema)).toEqual(await fingerprint(dbUrl, schema));
      const bad = spawnSync(join(root, 'tools/ops/bin/coinhts-ops'), ['backup'], { encoding: 'utf8', env: { ...env, DATABASE_URL: 'mysql://x' }, timeout: 60_000 });
      expect({ status: bad.status, says: bad.stderr }).toEqual({ status: 2, says: expect.stringContaining('DATABASE_URL="mysql://x": must be a URL starting with postgres:// or postgresql://; fix: set DATABASE_URL to a postgres:// URL') });
    } finally {
      await withPg(dbUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${target} WITH (FORCE)`));
    }
  });
});
