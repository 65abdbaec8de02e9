/** The result archive on the S3 server of the test environment (S3_ENDPOINT): same behaviour as locally. */
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { S3StorageProvider } from '../s3/s3-storage-provider';
import { createS3TestBucket, type S3TestBucket } from '../testing/s3-test-bucket';
import { sampleArchiveInput } from '../testing/sample-archive';
import { ArchiveReader, ArchiveWriter } from './result-archive';

describe('result archive on S3', () => {
  let bucket: S3TestBucket;
  let storage: S3StorageProvider;

  beforeAll(async () => {
    bucket = await createS3TestBucket(process.env);
    storage = new S3StorageProvider({ bucket: bucket.bucket, endpoint: bucket.connection.endpoint, region: bucket.connection.region, credentials: bucket.connection.credentials });
  });
  afterAll(async () => {
    storage?.destroy();
    await bucket?.dispose();
  });

  it('round-trips, lists, detects a flipped byte and deletes', async () => {
    const writer = new ArchiveWriter(storage);
    const reader = new ArchiveReader(storage);
    const input = sampleArchiveInput();
    await writer.write('s3-run', input);
    const back = await reader.read('s3-run');
    expect(back.summary).toEqual(input.summary);
    const price = back.tables.signals.columns['price'] as Float64Array;
    expect(Buffer.from(price.buffer, price.byteOffset, price.byteLength))
      .toEqual(Buffer.from((input.tables.signals.columns['price'] as Float64Array).buffer));
    expect((await reader.listArchives()).map((r) => [r.runId, r.complete])).toEqual([['s3-run', true]]);

    // Flip one byte of trades.parquet with a raw PutObject that keeps the old metadata.
    const key = 'backtests/s3-run/trades.parquet';
    const raw = await bucket.client.send(new GetObjectCommand({ Bucket: bucket.bucket, Key: key }));
    const bytes = Buffer.from(await raw.Body!.transformToByteArray());
    bytes[bytes.length >> 1] ^= 0x01;
    await bucket.client.send(new PutObjectCommand({ Bucket: bucket.bucket, Key: key, Body: bytes, Metadata: raw.Metadata }));
    await expect(reader.readTable('s3-run', 'trades')).rejects.toMatchObject({ code: 'INTEGRITY_MISMATCH' });
    await expect(reader.verifyArchive('s3-run')).rejects.toMatchObject({ code: 'INTEGRITY_MISMATCH' });

    await writer.deleteArchive('s3-run');
    await expect(reader.read('s3-run')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await reader.listArchives()).toEqual([]);
  });
});
