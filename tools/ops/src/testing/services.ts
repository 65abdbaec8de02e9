/**
 * Test support: the services come from the environment (`source tools/services.sh`); a missing
 * one throws with that hint, so a test fails loudly instead of skipping. Each test file gets its
 * own randomly named bucket (versioned buckets are emptied version by version) and schema.
 */
import { randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectVersionsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Client } from 'pg';

/** Reads a required service variable or throws with the command to run. */
export function requireService(name: 'DATABASE_URL' | 'REDIS_URL' | 'S3_ENDPOINT'): string {
  const v = process.env[name];
  if (!v) {
    throw new Error(`${name} is not set, so this test has no server to talk to. Run \`source tools/services.sh\` (starts PostgreSQL, Redis and S3 and exports DATABASE_URL, REDIS_URL, S3_ENDPOINT, AWS_*) and run the tests again.`);
  }
  return v;
}

/** A short random suffix for names (schemas, buckets, prefixes). */
export function randomSuffix(): string {
  return randomBytes(5).toString('hex');
}

/** Connection settings of the test S3 server. */
export function s3Connection(): { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } } {
  return {
    endpoint: requireService('S3_ENDPOINT'),
    region: process.env['AWS_REGION'] ?? 'us-east-1',
    credentials: { accessKeyId: process.env['AWS_ACCESS_KEY_ID'] ?? 'S3RVER', secretAccessKey: process.env['AWS_SECRET_ACCESS_KEY'] ?? 'S3RVER' },
  };
}

/** A raw S3 client for the test server. */
export function testS3Client(): S3Client {
  return new S3Client({ ...s3Connection(), forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
}

/** Creates a bucket for one test file. */
export async function createTestBucket(client: S3Client, label: string): Promise<string> {
  const bucket = `coinhts-${label}-${randomSuffix()}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

/** Deletes every object version and delete marker, then the bucket (works on versioned buckets). */
export async function deleteBucketCompletely(client: S3Client, bucket: string): Promise<void> {
  for (let round = 0; round < 100; round++) {
    const page = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 1000 }));
    const ids = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({ Key: v.Key as string, VersionId: v.VersionId }));
    if (ids.length === 0) break;
    await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: ids, Quiet: true } }));
  }
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
}

/** Runs SQL on the test database. */
export async function withPg<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}
