/**
 * A fresh, randomly named bucket on the S3-compatible server the tests run against, for one test
 * file. The connection comes from an environment object the test passes in (normally
 * `process.env`, as exported by `source tools/services.sh`); when `S3_ENDPOINT` is missing this
 * throws, so the tests fail loudly instead of skipping.
 */
import { randomUUID } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { S3Credentials } from '../s3/s3-storage-provider';

/** Connection settings read from the test environment. */
export interface S3TestConnection {
  /** Endpoint URL of the S3-compatible server. */
  readonly endpoint: string;
  /** Region. */
  readonly region: string;
  /** Credentials (moto and s3rver accept any; `S3RVER`/`S3RVER` by default). */
  readonly credentials: S3Credentials;
}

/** A bucket made for one test file. */
export interface S3TestBucket {
  /** Bucket name (random). */
  readonly bucket: string;
  /** Connection settings, to build providers with. */
  readonly connection: S3TestConnection;
  /** A raw client for direct S3 calls (tampering, inspecting metadata). */
  readonly client: S3Client;
  /** Deletes every object and unfinished multipart upload, the bucket, and closes the client. */
  dispose(): Promise<void>;
}

/**
 * Reads `S3_ENDPOINT`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` from `env`.
 * @param env - the environment (tests pass `process.env`)
 * @throws Error naming the command to run when `S3_ENDPOINT` is not set
 */
export function s3TestConnection(env: Readonly<Record<string, string | undefined>>): S3TestConnection {
  const endpoint = env['S3_ENDPOINT'];
  if (!endpoint) {
    throw new Error(
      'S3_ENDPOINT is not set, so the S3 integration tests have no server to talk to. ' +
        'Run `source tools/services.sh` (starts moto or s3rver and exports S3_ENDPOINT and AWS_*) and run the tests again.',
    );
  }
  return {
    endpoint,
    region: env['AWS_REGION'] ?? 'us-east-1',
    credentials: { accessKeyId: env['AWS_ACCESS_KEY_ID'] ?? 'S3RVER', secretAccessKey: env['AWS_SECRET_ACCESS_KEY'] ?? 'S3RVER' },
  };
}

/**
 * Creates a bucket with a random name on the server named by `env`.
 * @param env - the environment (tests pass `process.env`)
 */
export async function createS3TestBucket(env: Readonly<Record<string, string | undefined>>): Promise<S3TestBucket> {
  const connection = s3TestConnection(env);
  const client = new S3Client({
    endpoint: connection.endpoint,
    region: connection.region,
    credentials: connection.credentials,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const bucket = `coinhts-test-${randomUUID().slice(0, 13).replace('-', '')}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    bucket,
    connection,
    client,
    async dispose() {
      try {
        // ListObjects v1 with a marker: s3rver cannot make v2 continuation tokens on Node 20.
        let truncated = true;
        while (truncated) {
          const page = await client.send(new ListObjectsCommand({ Bucket: bucket }));
          const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key as string }));
          if (keys.length > 0) await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
          truncated = page.IsTruncated === true && keys.length > 0;
        }
        try {
          const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
          for (const u of uploads.Uploads ?? []) {
            await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId }));
          }
        } catch (error) {
          // s3rver does not implement listing multipart uploads (and keeps none after an abort).
          if ((error as { name?: string }).name !== 'NotImplemented') throw error;
        }
        await client.send(new DeleteBucketCommand({ Bucket: bucket }));
      } finally {
        client.destroy();
      }
    },
  };
}
