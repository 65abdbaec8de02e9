/**
 * bucket-setup against the S3 server of the environment (moto in CI; it implements
 * GetBucketVersioning and GetBucketLifecycleConfiguration): versioning and the lifecycle rules read
 * back as applied, a second run changes nothing, other day values replace the rules, and the
 * command line prints what the bucket reports.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { type S3Client } from '@aws-sdk/client-s3';
import { lifecycleRules, readBucketState, RULE_IDS, setupBucket } from './bucket-setup';
import { createTestBucket, deleteBucketCompletely, randomSuffix, requireService, testS3Client } from '../testing/services';

// The root Jest run ignores per-project testTimeout, so long service round trips set it here.
jest.setTimeout(120_000);

const root = resolve(__dirname, '../../../..');

describe('bucket-setup', () => {
  let client: S3Client;
  const buckets: string[] = [];
  beforeAll(() => {
    requireService('S3_ENDPOINT');
    client = testS3Client();
  });
  afterAll(async () => {
    for (const b of buckets) await deleteBucketCompletely(client, b).catch(() => undefined);
    client?.destroy();
  });

  it('turns versioning on and applies the lifecycle rules; reading back gives exactly them; a second run is a no-op', async () => {
    const bucket = await createTestBucket(client, 'setup');
    buckets.push(bucket);
    const before = await readBucketState(client, bucket);
    expect(before.versioning).not.toBe('Enabled');
    expect(before.rules).toEqual([]);
    const settings = { archiveExpireDays: 30, noncurrentExpireDays: 7, abortMultipartDays: 2 };
    const first = await setupBucket({ client, bucket, ...settings });
    expect(first.versioning).toBe('Enabled');
    expect(first.rules).toEqual(expect.arrayContaining(lifecycleRules(settings).map((r) => expect.objectContaining(r))));
    expect(first.rules.map((r) => r.ID).sort()).toEqual([RULE_IDS.multipart, RULE_IDS.archives, RULE_IDS.noncurrent, RULE_IDS.deleteMarkers].sort());
    expect(first.rules.find((r) => r.ID === RULE_IDS.deleteMarkers)).toEqual(expect.objectContaining({ Filter: { Prefix: '' }, Expiration: { ExpiredObjectDeleteMarker: true } }));
    const archive = first.rules.find((r) => r.ID === RULE_IDS.archives);
    expect({ prefix: archive?.Filter?.Prefix, days: archive?.Expiration?.Days }).toEqual({ prefix: 'backtests/', days: 30 });
    const second = await setupBucket({ client, bucket, ...settings });
    expect(second).toEqual(first);
  });

  it('other settings replace the rules (no duplicates); 0 days removes the archive expiry; the worker key prefix is honoured', async () => {
    const bucket = await createTestBucket(client, 'setup');
    buckets.push(bucket);
    await setupBucket({ client, bucket, archiveExpireDays: 30, noncurrentExpireDays: 7, abortMultipartDays: 2 });
    const changed = await setupBucket({ client, bucket, archiveExpireDays: 90, noncurrentExpireDays: 3, abortMultipartDays: 0, keyPrefix: 'prod/' });
    expect(changed.rules).toHaveLength(3);
    expect(changed.rules.find((r) => r.ID === RULE_IDS.archives)).toEqual(expect.objectContaining({ Filter: { Prefix: 'prod/backtests/' }, Expiration: expect.objectContaining({ Days: 90 }) }));
    expect(changed.rules.find((r) => r.ID === RULE_IDS.noncurrent)?.NoncurrentVersionExpiration?.NoncurrentDays).toBe(3);
    const off = await setupBucket({ client, bucket, archiveExpireDays: 0, noncurrentExpireDays: 7, abortMultipartDays: 0 });
    expect(off.rules.map((r) => r.ID)).toEqual([RULE_IDS.noncurrent, RULE_IDS.deleteMarkers]);
  });

  it('a missing bucket is an error unless --create; the command line prints the read-back', async () => {
    const bucket = `coinhts-setup-${randomSuffix()}`;
    await expect(setupBucket({ client, bucket, archiveExpireDays: 30, noncurrentExpireDays: 7, abortMultipartDays: 2 })).rejects.toThrow(/does not exist/);
    const run = (...args: string[]) => spawnSync(join(root, 'tools/ops/bin/coinhts-ops'), ['bucket-setup', ...args], { encoding: 'utf8', env: { ...process.env, RESULTS_STORE: `s3://${bucket}/`, ARCHIVE_EXPIRE_DAYS: '45' }, timeout: 60_000 });
    expect(run().status).toBe(1);
    buckets.push(bucket);
    const r = run('--create');
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout).toContain(`bucket ${bucket} (created): versioning Enabled`);
    expect(r.stdout).toContain('expire-run-archives [Enabled] prefix "backtests/": objects expire after 45 d');
    expect((await readBucketState(client, bucket)).rules.find((x) => x.ID === RULE_IDS.archives)?.Expiration?.Days).toBe(45);
  });
});
