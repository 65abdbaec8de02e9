/**
 * One run, one home (black box): the same backtest made through the CLI (a child process), the
 * synchronous API, the async API + a worker, the same sweep through the API (queue + worker) and
 * through the CLI (`coinhts sweep`), a CLI walk-forward analysis, and a legacy import — all against ONE store
 * (a local folder, then an S3 bucket) and ONE PostgreSQL index. Then `coinhts results list` and
 * the API list show every run, and `show` / `export` give the same summaries and tables as the
 * API does.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QUEUE_NAMES } from '@coinhts/jobs';
import { createS3TestBucket, type S3TestBucket } from '@coinhts/storage/testing';
import request from 'supertest';
import { REPO_ROOT, startTestApp, startTestWorker, waitFor, type TestApp } from './testing/test-app';

jest.setTimeout(180_000);

const CLI = ['--conditions=@coinhts/source', '-r', '@swc-node/register', join(REPO_ROOT, 'apps', 'cli', 'src', 'main.ts')];
const LEGACY = join(REPO_ROOT, 'libs', 'results', 'test', 'fixtures', 'legacy');
/** Legacy fixture runs that import (the other three files are broken on purpose). */
const LEGACY_IDS = ['0b7e3c1a-2d4f-4e5a-9b6c-7d8e9f0a1b2c', '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f', '6f1c2d3e-4a5b-4c6d-8e7f-901a2b3c4d5e', '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d'];
const BODY = {
  strategy: 'volume_zone_breakout', params: { volume_window: 20 }, symbols: ['KRW-BTC'],
  start_date: '2024-01-01', end_date: '2024-06-30', timeframe: '1d', options: { fee_rate: 0.0005, stop_loss_pct: 5 },
};

function cli(t: TestApp, args: readonly string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI, ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', SWC_NODE_PROJECT: join(REPO_ROOT, 'tsconfig.base.json'), DATABASE_URL: t.config.database.url, DB_SCHEMA: t.schema, DATA_ROOT: t.dataRoot, COINHTS_TZ: 'Asia/Seoul', ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

async function everyRunEverywhere(t: TestApp, storeEnv: Record<string, string>): Promise<void> {
  const auth = { Authorization: `Bearer ${t.keys.readRun}` };
  // 1. CLI
  const c = await cli(t, ['backtest', '--strategy', 'volume_zone_breakout', '--symbol', 'KRW-BTC', '--from', '2024-01-01', '--to', '2024-06-30', '--param', 'volume_window=20', '--option', 'fee_rate=0.0005', '--option', 'stop_loss_pct=5'], storeEnv);
  expect({ code: c.code, err: c.err }).toEqual({ code: 0, err: expect.not.stringMatching(/error/i) as unknown as string });
  const cliId = /saved run (\S+)/.exec(c.out)?.[1] as string;
  // 1b. the sweep the API makes below, through the CLI; and a walk-forward analysis
  const cs = await cli(t, ['sweep', '--strategy', 'volume_zone_breakout', '--symbol', 'KRW-BTC', '--from', '2024-01-01', '--to', '2024-06-30', '--space', 'volume_window=10,20',
    '--option', 'fee_rate=0.0005', '--option', 'stop_loss_pct=5', '--rank-by', 'total_return_pct', '--workers', '1'], storeEnv);
  expect({ code: cs.code, err: cs.err }).toEqual({ code: 0, err: expect.not.stringMatching(/error/i) as unknown as string });
  const cliSweepId = /saved run (\S+)/.exec(cs.out)?.[1] as string;
  const wf = await cli(t, ['sweep', '--strategy', 'volume_zone_breakout', '--symbol', 'KRW-BTC', '--from', '2024-01-01', '--to', '2024-06-30', '--space', 'volume_window=10,20',
    '--walk-forward', '--in-sample-bars', '100', '--out-of-sample-bars', '40'], storeEnv);
  expect({ code: wf.code, err: wf.err }).toEqual({ code: 0, err: expect.not.stringMatching(/error/i) as unknown as string });
  const wfId = /saved run (\S+)/.exec(wf.out)?.[1] as string;
  // 2. sync API
  const syncId = (await request(t.app).post('/api/v1/backtests').set(auth).send(BODY).expect(201)).body.run_id as string;
  // 3. async API + worker, 4. sweep + worker
  const backtests = await startTestWorker(t, QUEUE_NAMES.backtest);
  const sweeps = await startTestWorker(t, QUEUE_NAMES.sweep);
  let asyncId: string;
  let sweepId: string;
  try {
    asyncId = (await request(t.app).post('/api/v1/backtests/async').set(auth).send(BODY).expect(202)).body.task_id as string;
    sweepId = (await request(t.app).post('/api/v1/sweeps').set(auth).send({ ...BODY, params: {}, grid: { volume_window: [10, 20] } }).expect(202)).body.task_id as string;
    for (const [path, id] of [['backtests/async', asyncId], ['sweeps', sweepId]] as const) {
      await waitFor(`${path} ${id} completed`, async () => ((await request(t.app).get(`/api/v1/${path}/${id}/status`).set(auth).expect(200)).body.state === 'completed' ? true : null), 90_000);
    }
  } finally {
    await backtests.close();
    await sweeps.close();
  }
  // 5. legacy import
  const imp = await cli(t, ['results', 'import-legacy', LEGACY], storeEnv);
  expect(imp.out).toMatch(/^imported 4 of 7 run\(s\)/);

  const all = [cliId, syncId, asyncId, sweepId, cliSweepId, wfId, ...LEGACY_IDS].sort();
  const listed = await cli(t, ['results', 'list', '--json', '--limit', '100'], storeEnv);
  expect(listed.code).toBe(0);
  const cliRuns = JSON.parse(listed.out) as { run_id: string; total_return_pct: number | null; kind: string }[];
  expect(cliRuns.map((r) => r.run_id).sort()).toEqual(all);
  const apiRuns = (await request(t.app).get('/api/v1/backtests?limit=100').set(auth).expect(200)).body.items as { run_id: string; total_return_pct: number | null; kind: string }[];
  expect(apiRuns.map((r) => r.run_id).sort()).toEqual(all);
  // The same headline numbers on both sides, and the same backtest gives the same return however it was made.
  const byId = new Map(apiRuns.map((r) => [r.run_id, r]));
  for (const r of cliRuns) expect({ id: r.run_id, ret: r.total_return_pct, kind: r.kind }).toEqual({ id: r.run_id, ret: byId.get(r.run_id)?.total_return_pct, kind: byId.get(r.run_id)?.kind });
  expect(new Set([cliId, syncId, asyncId].map((id) => byId.get(id)?.total_return_pct)).size).toBe(1);

  // show / export through the CLI = what the API serves, for runs made by the API and by the CLI.
  for (const id of [cliId, syncId, asyncId]) {
    const shown = await cli(t, ['results', 'show', id, '--json'], storeEnv);
    expect(shown.code).toBe(0);
    const doc = JSON.parse(shown.out) as { run: { id: string; totalReturnPct: number }; summary: { portfolio: { trade_count: number } } };
    const api = (await request(t.app).get(`/api/v1/backtests/${id}`).set(auth).expect(200)).body as { total_return_pct: number; trade_count: number };
    expect({ ret: doc.run.totalReturnPct, trades: doc.summary.portfolio.trade_count }).toEqual({ ret: api.total_return_pct, trades: api.trade_count });
    const out = await mkdtemp(join(tmpdir(), 'one-home-export-'));
    try {
      expect((await cli(t, ['results', 'export', id, '--out', out], storeEnv)).code).toBe(0);
      const csv = (await request(t.app).get(`/api/v1/backtests/${id}/trades?format=csv`).set(auth).expect(200)).text;
      expect(await readFile(join(out, 'trades.csv'), 'utf8')).toBe(csv);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }
  // The CLI's sweep and the API's sweep of the same request are stored alike: the same request (the
  // one schema), the same index fields, the same ranked rows; the API serves the CLI's ranking.
  type SweepDoc = { run: Record<string, unknown>; request: unknown; ranking: { rows: unknown[] } & Record<string, unknown> };
  const docOf = async (id: string): Promise<SweepDoc> => {
    const shown = await cli(t, ['results', 'show', id, '--json'], storeEnv);
    expect(shown.code).toBe(0);
    return JSON.parse(shown.out) as SweepDoc;
  };
  const [apiSweep, cliSweep] = [await docOf(sweepId), await docOf(cliSweepId)];
  expect(cliSweep.request).toEqual(apiSweep.request);
  const sameFields = ({ id: _i, durationMs: _d, startedAt: _s, finishedAt: _f, createdAt: _c, idempotencyKey: _k, ...rest }: Record<string, unknown>) => rest;
  expect(sameFields(cliSweep.run)).toEqual(sameFields(apiSweep.run));
  const { sweepId: _a, ...apiRanking } = apiSweep.ranking;
  const { sweepId: _b, ...cliRanking } = cliSweep.ranking;
  expect(cliRanking).toEqual(apiRanking);
  const served = async (id: string) => (await request(t.app).get(`/api/v1/sweeps/${id}`).set(auth).expect(200)).body as { ranking: unknown; request: unknown };
  const [apiServed, cliServed] = [await served(sweepId), await served(cliSweepId)];
  expect({ ranking: cliServed.ranking, request: cliServed.request }).toEqual({ ranking: apiServed.ranking, request: apiServed.request });
  // The walk-forward run: a sweep-kind run whose equity table is the stitched out-of-sample curve.
  const wfDoc = (await docOf(wfId)) as SweepDoc & { walk_forward: { folds: unknown[] } };
  expect(wfDoc.run).toMatchObject({ kind: 'sweep', metrics: { analysis: 'walk-forward', folds: wfDoc.walk_forward.folds.length } });
  const wfOut = await mkdtemp(join(tmpdir(), 'one-home-wf-'));
  try {
    expect((await cli(t, ['results', 'export', wfId, '--out', wfOut], storeEnv)).code).toBe(0);
    expect(await readFile(join(wfOut, 'equity.csv'), 'utf8')).toMatch(/^timestamp,equity\n\d{4}-/);
  } finally {
    await rm(wfOut, { recursive: true, force: true });
  }

  const check = await cli(t, ['results', 'check', '--min-age', '0'], storeEnv);
  expect({ code: check.code, out: check.out }).toEqual({ code: 0, out: expect.stringContaining('no problems') as unknown as string });
}

describe('one run, one home', () => {
  it('on a local folder with the PostgreSQL index', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'one-home-store-'));
    const store = { RESULTS_STORE: `file:${dir}` };
    const t = await startTestApp('onehome', { env: store });
    try {
      await everyRunEverywhere(t, store);
    } finally {
      await t.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('on S3 with the PostgreSQL index', async () => {
    const s3: S3TestBucket = await createS3TestBucket(process.env);
    const store = {
      RESULTS_STORE: `s3://${s3.bucket}/${randomUUID().slice(0, 8)}/`, S3_ENDPOINT: s3.connection.endpoint, AWS_REGION: s3.connection.region,
      AWS_ACCESS_KEY_ID: s3.connection.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.connection.credentials.secretAccessKey,
    };
    const t = await startTestApp('onehomes3', { env: store });
    try {
      await everyRunEverywhere(t, store);
    } finally {
      await t.close();
      await s3.dispose();
    }
  });
});
