/**
 * S3StorageProvider against the real S3-compatible server of the test environment (moto or s3rver,
 * started by `source tools/services.sh`). One fresh bucket per describe block.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { describeStorageProviderContract } from '../testing/contract';
import { createS3TestBucket, type S3TestBucket } from '../testing/s3-test-bucket';
import { S3StorageProvider, type S3StorageProviderOptions } from './s3-storage-provider';

const MiB = 1024 * 1024;
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function providerFor(b: S3TestBucket, extra: Partial<S3StorageProviderOptions> = {}): S3StorageProvider {
  return new S3StorageProvider({
    bucket: b.bucket,
    endpoint: b.connection.endpoint,
    region: b.connection.region,
    credentials: b.connection.credentials,
    // 5 MiB parts from 5 MiB up, so the contract's 12 MiB object goes up in 3 parts.
    multipartThresholdBytes: 5 * MiB,
    partSizeBytes: 5 * MiB,
    ...extra,
  });
}

/** Records the names of the commands the provider's client sends until `stop()`. */
function recordCommands(p: S3StorageProvider): { names: string[]; stop(): void } {
  const names: string[] = [];
  const name = `record-${randomUUID()}`;
  p.client.middlewareStack.add((next, context) => (args) => {
    names.push(context.commandName as string);
    return next(args);
  }, { step: 'initialize', name });
  return { names, stop: () => void p.client.middlewareStack.remove(name) };
}

/** A TCP port that was free a moment ago and has nothing listening on it now. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  await new Promise<void>((ok) => server.close(() => ok()));
  return port;
}

describeStorageProviderContract('S3StorageProvider (S3_ENDPOINT server)', async () => {
  const bucket = await createS3TestBucket(process.env);
  const provider = providerFor(bucket);
  return {
    provider,
    // Replace the object with a raw PutObject: one byte flipped, the old sha256 metadata kept.
    async tamper(key) {
      const original = await bucket.client.send(new GetObjectCommand({ Bucket: bucket.bucket, Key: key }));
      const bytes = Buffer.from(await original.Body!.transformToByteArray());
      bytes[10] ^= 0xff;
      await bucket.client.send(new PutObjectCommand({
        Bucket: bucket.bucket, Key: key, Body: bytes, Metadata: original.Metadata, ContentType: original.ContentType,
      }));
    },
    async dispose() {
      provider.destroy();
      await bucket.dispose();
    },
  };
});

describe('S3StorageProvider specifics', () => {
  let bucket: S3TestBucket;
  let provider: S3StorageProvider;
  let scratch: string;

  beforeAll(async () => {
    bucket = await createS3TestBucket(process.env);
    provider = providerFor(bucket);
    scratch = await mkdtemp(join(tmpdir(), 'coinhts-s3-'));
  });
  afterAll(async () => {
    provider?.destroy();
    await bucket?.dispose();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('stores the SHA-256 as x-amz-meta-sha256 and URI-encodes user metadata values', async () => {
    const bytes = Buffer.from('hello, bucket');
    await provider.put('meta/raw.txt', bytes, { contentType: 'text/plain', metadata: { note: 'é ✓' } });
    const head = await bucket.client.send(new HeadObjectCommand({ Bucket: bucket.bucket, Key: 'meta/raw.txt' }));
    expect(head.Metadata).toEqual({ sha256: sha256(bytes), note: encodeURIComponent('é ✓') });
    expect(head.ContentType).toBe('text/plain');
    expect(head.ContentLength).toBe(bytes.byteLength);
  });

  it('uploads 12 MiB as a multipart upload of three 5 MiB parts, from a stream and from a file', async () => {
    const bytes = randomBytes(12 * MiB);
    const file = join(scratch, 'big.bin');
    await writeFile(file, bytes);
    for (const [key, source] of [
      ['multi/stream.bin', Readable.from([bytes.subarray(0, 7 * MiB), bytes.subarray(7 * MiB)])],
      ['multi/file.bin', { filePath: file }],
    ] as const) {
      const sent = recordCommands(provider);
      await provider.put(key, source);
      expect(sent.names).toEqual(['CreateMultipartUploadCommand', 'UploadPartCommand', 'UploadPartCommand', 'UploadPartCommand', 'CompleteMultipartUploadCommand']);
      sent.stop();
      const head = await bucket.client.send(new HeadObjectCommand({ Bucket: bucket.bucket, Key: key }));
      expect(head.Metadata?.['sha256']).toBe(sha256(bytes));
      // moto gives multipart objects S3's "<md5 of part md5s>-<part count>" ETag (s3rver does not).
      if (process.env['S3_IMPL'] === 'moto') expect(head.ETag).toMatch(/-3"?$/);
      expect(sha256(await provider.getBytes(key))).toBe(sha256(bytes));
    }
  }, 60_000);

  it('uploads below the threshold with a single PutObject', async () => {
    const sent = recordCommands(provider);
    await provider.put('single/x.bin', randomBytes(MiB));
    sent.stop();
    expect(sent.names).toEqual(['PutObjectCommand']);
  });

  it('an upload aborted while its parts are in flight is aborted server-side and leaves no object', async () => {
    const controller = new AbortController();
    const names: string[] = [];
    const name = `abort-${randomUUID()}`;
    // Abort as soon as the first part goes out (bytes source: no spooling, the upload starts at once).
    provider.client.middlewareStack.add((next, context) => (args) => {
      names.push(context.commandName as string);
      if (context.commandName === 'UploadPartCommand') controller.abort(new Error('cancelled mid-upload'));
      return next(args);
    }, { step: 'initialize', name });
    try {
      await expect(provider.put('aborted/big.bin', randomBytes(20 * MiB), { signal: controller.signal })).rejects.toThrow('cancelled mid-upload');
    } finally {
      provider.client.middlewareStack.remove(name);
    }
    expect(names[0]).toBe('CreateMultipartUploadCommand');
    expect(names).toContain('UploadPartCommand');
    expect(names).not.toContain('CompleteMultipartUploadCommand');
    await expect(provider.head('aborted/big.bin')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await provider.list({ prefix: 'aborted/' })).items).toEqual([]);
    // The multipart upload itself must be gone too (moto lists uploads like S3; s3rver cannot list them).
    const uploads = await bucket.client.send(new ListMultipartUploadsCommand({ Bucket: bucket.bucket })).catch((e: Error) => e);
    if (uploads instanceof Error) expect(uploads.name).toBe('NotImplemented');
    else expect(uploads.Uploads ?? []).toEqual([]);
  }, 60_000);

  it('an object written without x-amz-meta-sha256 is INTEGRITY_MISMATCH on head, get and verify', async () => {
    await bucket.client.send(new PutObjectCommand({ Bucket: bucket.bucket, Key: 'foreign/x.bin', Body: Buffer.from('foreign') }));
    await expect(provider.head('foreign/x.bin')).rejects.toMatchObject({ code: 'INTEGRITY_MISMATCH' });
    await expect(provider.getBytes('foreign/x.bin')).rejects.toMatchObject({ code: 'INTEGRITY_MISMATCH' });
    await expect(provider.verify('foreign/x.bin')).rejects.toMatchObject({ code: 'INTEGRITY_MISMATCH' });
  });

  it('keyPrefix keeps a provider inside its prefix of the bucket', async () => {
    const scoped = providerFor(bucket, { keyPrefix: 'tenant-a/' });
    try {
      await scoped.put('runs/1.json', Buffer.from('{}'));
      const raw = await bucket.client.send(new HeadObjectCommand({ Bucket: bucket.bucket, Key: 'tenant-a/runs/1.json' }));
      expect(raw.ContentLength).toBe(2);
      expect((await scoped.list({ prefix: 'runs/' })).items.map((i) => i.key)).toEqual(['runs/1.json']);
      expect((await provider.list({ prefix: 'tenant-a/' })).items.map((i) => i.key)).toEqual(['tenant-a/runs/1.json']);
      await scoped.delete('runs/1.json');
      await expect(provider.head('tenant-a/runs/1.json')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      scoped.destroy();
    }
  });

  it('a bucket that does not exist is NOT_FOUND', async () => {
    const missing = new S3StorageProvider({ ...providerOptions(bucket), bucket: `missing-${randomUUID().slice(0, 8)}` });
    try {
      await expect(missing.head('x')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(missing.put('x', Buffer.from('x'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(missing.list()).rejects.toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      missing.destroy();
    }
  });

  it('a server that is not listening is UNAVAILABLE on every operation, with the network error as cause', async () => {
    const port = await closedPort();
    const down = new S3StorageProvider({
      ...providerOptions(bucket), endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1, connectionTimeoutMs: 1000,
    });
    try {
      for (const op of [
        () => down.put('x', Buffer.from('x')), () => down.getBytes('x'), () => down.head('x'), () => down.list(),
        () => down.delete('x'), () => down.verify('x'),
      ]) {
        const error = await op().then(() => undefined, (e: unknown) => e);
        expect(error).toMatchObject({ code: 'UNAVAILABLE' });
        // The refused connection itself (not a timeout that waited): the failure is immediate by cause, not by a stopwatch.
        expect(JSON.stringify((error as Error).cause, Object.getOwnPropertyNames((error as Error).cause ?? {})) + String((error as Error).cause)).toMatch(/ECONNREFUSED/);
      }
    } finally {
      down.destroy();
    }
  });
});

describe('S3StorageProvider when the server accepts connections but never answers', () => {
  it('times out as UNAVAILABLE (requestTimeoutMs)', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((ok) => silent.listen(0, '127.0.0.1', ok));
    const { port } = silent.address() as { port: number };
    const stuck = new S3StorageProvider({
      bucket: 'any', endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      maxAttempts: 1, requestTimeoutMs: 300,
    });
    try {
      for (const op of [() => stuck.head('x'), () => stuck.getBytes('x')]) {
        const error = await op().then(() => undefined, (e: unknown) => e as Error);
        expect(error).toMatchObject({ code: 'UNAVAILABLE' });
        // Ended by the configured request timeout on its one attempt (the cause says so; how fast is
        // requestTimeoutMs's business, not a stopwatch's on a loaded CI machine).
        expect((error as Error).cause).toMatchObject({ code: 'ETIMEDOUT', message: expect.stringContaining('300 ms requestTimeout'), $metadata: { attempts: 1 } });
      }
      expect(sockets).toHaveLength(2); // one connection per operation: no retry
    } finally {
      stuck.destroy();
      for (const s of sockets) s.destroy();
      await new Promise<void>((ok) => silent.close(() => ok()));
    }
  }, 10_000);
});

function providerOptions(b: S3TestBucket): S3StorageProviderOptions {
  return { bucket: b.bucket, endpoint: b.connection.endpoint, region: b.connection.region, credentials: b.connection.credentials };
}
