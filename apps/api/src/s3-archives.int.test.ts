/**
 * `RESULTS_STORE=s3`: the API archives runs in S3 exactly as the worker does (same key layout,
 * same location in the row) and serves their tables from there; runs archived in the local
 * folder stay readable; damaged objects answer a typed 500 (`INTEGRITY_MISMATCH`), never a stack.
 * Runs against the S3-compatible server of S3_ENDPOINT (moto) in a fresh bucket.
 */
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, ListObjectsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getStrategy, runBacktest } from '@coinhts/engine';
import { QUEUE_NAMES } from '@coinhts/jobs';
import { ParquetCandleStore, parseDateBound } from '@coinhts/market-data';
import { PgRunIndex } from '@coinhts/results';
import { openStore, RunArchive, RunService, ServiceRunStore, type RunRequest, type StoreLocation } from '@coinhts/runs';
import request from 'supertest';
import { expectErrorShape, startTestApp, startTestWorker, waitFor, type TestApp } from './testing/test-app';

function requireEnv(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set. The S3 archive tests need an S3-compatible server: run \`source tools/services.sh\` (it starts moto and exports S3_ENDPOINT and AWS_*), then run the tests again.`);
  return v;
}

const S3_ENDPOINT = requireEnv('S3_ENDPOINT');
const REGION = process.env.AWS_REGION ?? 'us-east-1';
const credentials = { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'test', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'test' };
const bucket = `coinhts-api-${randomUUID().slice(0, 8)}`;
const KEY_PREFIX = 'api-test/';
const auth = (key: string) => ({ Authorization: `Bearer ${key}` });

let s3: S3Client;
let t: TestApp;

beforeAll(async () => {
  s3 = new S3Client({ endpoint: S3_ENDPOINT, region: REGION, credentials, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  t = await startTestApp('s3', {
    env: { RESULTS_STORE: `s3://${bucket}/${KEY_PREFIX}`, S3_ENDPOINT, AWS_REGION: REGION, AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey },
  });
}, 60_000);

afterAll(async () => {
  await t?.close();
  if (s3) {
    for (;;) {
      const page = await s3.send(new ListObjectsCommand({ Bucket: bucket }));
      const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key as string }));
      if (keys.length === 0) break;
      await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
    }
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    s3.destroy();
  }
}, 30_000);

const BODY = {
  strategy: 'volume_zone_breakout',
  params: { volume_window: 20, top_percentile: 0.2, breakout_buffer: 0 },
  symbols: ['KRW-BTC'],
  start_date: '2024-01-01',
  end_date: '2024-06-30',
  timeframe: '1d',
  options: { fee_rate: 0.0005, slippage_rate: 0.0002, initial_capital: 10_000_000 },
};

const keysUnder = async (prefix: string): Promise<string[]> =>
  ((await s3.send(new ListObjectsCommand({ Bucket: bucket, Prefix: prefix }))).Contents ?? []).map((o) => (o.Key as string).slice(prefix.length)).sort();
const getObject = async (key: string): Promise<Buffer> => Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray());
const archiveLocation = async (id: string): Promise<string> =>
  ((await t.services.dataSource.query(`SELECT archive_location FROM "${t.schema}".backtest_runs WHERE id = $1`, [id])) as { archive_location: string }[])[0].archive_location;

describe('RESULTS_STORE=s3', () => {
  let runId: string;
  let created: { period: { bars: number }; portfolio: { trade_count: number } };

  it('readiness checks the bucket', async () => {
    const r = await request(t.app).get('/readyz').expect(200);
    expect(r.body.checks.storage).toBe('ok');
  });

  it('a synchronous backtest is archived in S3 under the worker layout, not in the local folder', async () => {
    const r = await request(t.app).post('/api/v1/backtests').set(auth(t.keys.run)).send(BODY).expect(201);
    runId = r.body.run_id;
    created = r.body;
    // The layout and location the worker writes (apps/worker: `s3://{bucket}/{S3_KEY_PREFIX}backtests/{id}/`).
    expect(await keysUnder(`${KEY_PREFIX}backtests/${runId}/`)).toEqual(['equity.parquet', 'manifest.json', 'signals.parquet', 'summary.json', 'trades.parquet']);
    expect(await archiveLocation(runId)).toBe(`s3://${bucket}/${KEY_PREFIX}backtests/${runId}/`);
    await expect(stat(join(t.config.resultsDir, 'backtests', runId))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('its tables read back from S3 and equal what the engine computes on the same candles', async () => {
    const zone = 'Asia/Seoul';
    const candles = await new ParquetCandleStore({ root: t.dataRoot }).load({ symbol: 'KRW-BTC', timeframe: '1d', from: parseDateBound(BODY.start_date, { zone }), to: parseDateBound(BODY.end_date, { zone, end: true }) });
    const direct = runBacktest({ strategy: getStrategy(BODY.strategy), params: BODY.params, series: [{ symbol: 'KRW-BTC', timeframe: '1d', candles }], options: { fee_rate: 0.0005, slippage_rate: 0.0002, initial_capital: 10_000_000 } });
    // 2024-01-01 … 2024-06-30 in Asia/Seoul: 31 + 29 + 31 + 30 + 31 + 30 = 182 daily candles.
    expect(created.period.bars).toBe(182);

    const equity = await request(t.app).get(`/api/v1/backtests/${runId}/equity`).set(auth(t.keys.read)).expect(200);
    expect(equity.body.count).toBe(182);
    expect(equity.body.rows.map((r: { equity: number }) => r.equity)).toEqual([...direct.equity.equity]);
    expect(equity.body.rows.map((r: { timestamp: number }) => r.timestamp)).toEqual([...direct.equity.timestamp]);
    const trades = await request(t.app).get(`/api/v1/backtests/${runId}/trades`).set(auth(t.keys.read)).expect(200);
    expect(trades.body.count).toBe(direct.trades.pnl.length);
    expect(trades.body.count).toBe(created.portfolio.trade_count);
    expect(trades.body.rows.map((r: { pnl: number }) => r.pnl)).toEqual([...direct.trades.pnl]);
    const signals = await request(t.app).get(`/api/v1/backtests/${runId}/signals?format=csv`).set(auth(t.keys.read)).expect(200);
    expect(signals.text.trim().split('\n')).toHaveLength(direct.signals.timestamp.length + 1);
    // Parquet is the archived object, byte for byte.
    const parquet = await request(t.app).get(`/api/v1/backtests/${runId}/trades?format=parquet`).set(auth(t.keys.read)).buffer(true).parse(binary).expect(200);
    expect(Buffer.compare(parquet.body as Buffer, await getObject(`${KEY_PREFIX}backtests/${runId}/trades.parquet`))).toBe(0);
  });

  it('a corrupted object answers 500 INTEGRITY_MISMATCH with the typed error body (no stack); the intact tables still read', async () => {
    const key = `${KEY_PREFIX}backtests/${runId}/trades.parquet`;
    const original = await getObject(key);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    // Bit rot: one byte flipped, the object's own checksum record left as it was.
    const damaged = Buffer.from(original);
    damaged[Math.floor(damaged.length / 2)] ^= 0xff;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: damaged, Metadata: head.Metadata, ContentType: head.ContentType }));
    for (const format of ['json', 'parquet']) {
      const r = await request(t.app).get(`/api/v1/backtests/${runId}/trades?format=${format}`).set(auth(t.keys.read)).set('X-Request-Id', `corrupt-${format}`).expect(500);
      const e = expectErrorShape(r.body, 'INTEGRITY_MISMATCH');
      expect(e.details).toEqual({ key: `backtests/${runId}/trades.parquet` });
      expect(e.message).toMatch(/trades\.parquet/);
      expect(JSON.stringify(r.body)).not.toMatch(/\n\s+at /);
      expect(t.logs).toContainEqual(expect.objectContaining({ level: 50, req_id: `corrupt-${format}`, code: 'INTEGRITY_MISMATCH' }));
    }
    await request(t.app).get(`/api/v1/backtests/${runId}/equity`).set(auth(t.keys.read)).expect(200);
  });

  it('an object replaced wholesale (its own checksum consistent) is caught by the manifest: 500 INTEGRITY_MISMATCH', async () => {
    // The equity table, with its own correct checksum metadata, copied over the signals table.
    const from = `${KEY_PREFIX}backtests/${runId}/equity.parquet`;
    const to = `${KEY_PREFIX}backtests/${runId}/signals.parquet`;
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: from }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: to, Body: await getObject(from), Metadata: head.Metadata, ContentType: head.ContentType }));
    const r = await request(t.app).get(`/api/v1/backtests/${runId}/signals`).set(auth(t.keys.read)).expect(500);
    expect(expectErrorShape(r.body, 'INTEGRITY_MISMATCH').details).toEqual({ key: `backtests/${runId}/signals.parquet` });
  });

  it('a table deleted from the store answers 500 ARCHIVE_MISSING (the row says it exists)', async () => {
    await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: `${KEY_PREFIX}backtests/${runId}/equity.parquet` }] } }));
    const r = await request(t.app).get(`/api/v1/backtests/${runId}/equity`).set(auth(t.keys.read)).expect(500);
    expect(expectErrorShape(r.body, 'ARCHIVE_MISSING').details).toEqual({ run_id: runId, key: `backtests/${runId}/equity.parquet` });
  });

  it('DELETE removes the row and the S3 objects', async () => {
    await request(t.app).delete(`/api/v1/backtests/${runId}`).set(auth(t.keys.run)).expect(204);
    expect(await keysUnder(`${KEY_PREFIX}backtests/${runId}/`)).toEqual([]);
    await request(t.app).get(`/api/v1/backtests/${runId}/trades`).set(auth(t.keys.read)).expect(404);
  });
});

describe('runs in other stores', () => {
  async function saveElsewhere(url: string, location: StoreLocation): Promise<string> {
    const store = openStore(location);
    try {
      const runs = new RunService(new RunArchive(store.provider, store.url), new PgRunIndex(t.services.dataSource));
      const req = { ...BODY, options: { ...BODY.options } } as unknown as RunRequest;
      const execution = await t.services.deps.executor.run(req, { signal: new AbortController().signal, progress: () => undefined });
      const runId = randomUUID();
      await new ServiceRunStore(runs, 'async').save({ runId, request: req, execution, startedAt: 0, finishedAt: 1 });
      expect(await archiveLocation(runId)).toBe(`${url}backtests/${runId}/`);
      return runId;
    } finally {
      store.close();
    }
  }

  it('a run archived in a local folder is listed, and its tables answer 500 ARCHIVE_UNREACHABLE naming the store', async () => {
    const runId = await saveElsewhere(`file://${t.config.resultsDir}/`, { kind: 'local', dir: t.config.resultsDir, url: `file://${t.config.resultsDir}` });
    const list = await request(t.app).get('/api/v1/backtests').set(auth(t.keys.read)).expect(200);
    expect(list.body.items.map((r: { run_id: string }) => r.run_id)).toContain(runId);
    const r = await request(t.app).get(`/api/v1/backtests/${runId}/equity`).set(auth(t.keys.read)).expect(500);
    const e = expectErrorShape(r.body, 'ARCHIVE_UNREACHABLE');
    expect(e.message).toMatch(/not in this store/);
    expect(e.details).toEqual({ run_id: runId, location: `file://${t.config.resultsDir}/backtests/${runId}/` });
  });

  it('a run archived under another S3 prefix answers 500 ARCHIVE_UNREACHABLE', async () => {
    const runId = await saveElsewhere(`s3://${bucket}/elsewhere/`, { kind: 's3', bucket, endpoint: S3_ENDPOINT, region: REGION, credentials, keyPrefix: 'elsewhere/', url: `s3://${bucket}/elsewhere/` });
    const r = await request(t.app).get(`/api/v1/backtests/${runId}/trades`).set(auth(t.keys.read)).expect(500);
    expect(expectErrorShape(r.body, 'ARCHIVE_UNREACHABLE').details).toEqual({ run_id: runId, location: `s3://${bucket}/elsewhere/backtests/${runId}/` });
  });

  it('a sweep run by a worker on the same S3 configuration is read back from S3; a damaged ranking is a typed 500', async () => {
    const worker = await startTestWorker(t, QUEUE_NAMES.sweep);
    try {
      const s = await request(t.app).post('/api/v1/sweeps').set(auth(t.keys.run)).send({ ...BODY, params: {}, strategy: 'sma_crossover', grid: { fast_period: [5, 10], slow_period: [30] }, rank_by: 'total_return_pct' }).expect(202);
      const id = s.body.task_id as string;
      await waitFor('sweep completion', async () => {
        const st = await request(t.app).get(`/api/v1/sweeps/${id}/status`).set(auth(t.keys.read)).expect(200);
        return st.body.state === 'completed' ? st.body : null;
      }, 60_000);
      expect(await archiveLocation(id)).toBe(`s3://${bucket}/${KEY_PREFIX}backtests/${id}/`);
      const full = await request(t.app).get(`/api/v1/sweeps/${id}`).set(auth(t.keys.read)).expect(200);
      expect(full.body.ranking).toMatchObject({ rank_by: 'total_return_pct', direction: 'max', total: 2, evaluated: 2, failed: 0 });
      expect(full.body.ranking.rows.map((r: { params: Record<string, number> }) => r.params.fast_period).sort((a: number, b: number) => a - b)).toEqual([5, 10]);

      const key = `${KEY_PREFIX}backtests/${id}/summary.json`;
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      const text = (await getObject(key)).toString('utf8').replace('"total_return_pct"', '"sharpe"          ');
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: text, Metadata: head.Metadata, ContentType: head.ContentType }));
      expectErrorShape((await request(t.app).get(`/api/v1/sweeps/${id}`).set(auth(t.keys.read)).expect(500)).body, 'INTEGRITY_MISMATCH');
    } finally {
      await worker.close();
    }
  }, 90_000);
});

function binary(res: request.Response, cb: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  (res as unknown as NodeJS.ReadableStream).on('data', (c: Buffer) => chunks.push(c));
  (res as unknown as NodeJS.ReadableStream).on('end', () => cb(null, Buffer.concat(chunks)));
}
