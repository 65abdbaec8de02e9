/**
 * The full-stack smoke scenario, independent of how the stack was started: async backtests over
 * HTTP on the workers → the stored runs and their tables → manifest SHA-256s against the archived
 * files, the downloads and the index row → a sweep fanned out over both workers → SIGTERM, every
 * process exits 0 and leaves no child behind. `full-stack.int.test.ts` runs it against OS
 * processes started from the build outputs; `tools/docker-emulate` against the compose topology
 * started from the emulated images.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Client } from 'pg';
import { alive, delay, waitFor } from './stack';

/** A running process of the stack (an OS process or an emulated container). */
export interface StackProc {
  readonly name: string;
  /** Output lines (stdout and stderr), the last 2,000. */
  readonly lines: string[];
  /** Resolves when the process (the container's init) has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends a signal to the process (a container's PID 1, as `docker stop` does). */
  signal(sig: NodeJS.Signals): void;
  /** Pids of every live process below it (sandbox children, …). */
  descendants(): number[];
}

/** A started stack as the scenario sees it. */
export interface SmokeStack {
  readonly store: 'local' | 's3';
  readonly apiUrl: string;
  /** Base URLs of the workers' /healthz and /metrics. */
  readonly workerUrls: readonly string[];
  /** An API key with read and run scopes. */
  readonly key: string;
  /** The results database, for checking index rows. */
  readonly databaseUrl: string;
  /** Where archives go: the bucket (s3) or the host folder of the results directory (local). */
  readonly bucket?: string;
  readonly s3?: S3Client;
  readonly resultsDir?: string;
  readonly api: StackProc;
  readonly workers: readonly StackProc[];
}

interface ManifestFile {
  readonly name: string;
  readonly sha256: string;
  readonly bytes?: number;
  readonly size?: number;
}

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

/** Registers the scenario's tests (inside a `describe`); `stack()` returns the stack started in `beforeAll`. */
export function smokeScenario(stack: () => SmokeStack, runTag: string): void {
  const dump = () => { const s = stack(); return [s.api, ...s.workers].map((p) => `--- ${p.name} (last lines)\n${p.lines.slice(-25).join('\n')}`).join('\n'); };
  const http = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${stack().apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${stack().key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  const json = async <T>(res: Response): Promise<T> => (await res.json()) as T;

  const request = (symbol: string, extra: Record<string, unknown> = {}) => ({
    strategy: 'volume_zone_breakout',
    params: { volume_window: 20, top_percentile: 0.2, breakout_buffer: 0 },
    symbols: [symbol],
    start_date: '2024-01-01',
    end_date: '2024-06-30',
    timeframe: '1h',
    options: { fee_rate: 0.0005, slippage_rate: 0.0002, initial_capital: 10_000_000, stop_loss_pct: 5 },
    ...extra,
  });

  interface TaskStatus {
    task_id: string;
    state: string;
    run_id?: string | null;
    error?: unknown;
    result?: unknown;
  }
  const pollCompleted = (path: string) =>
    waitFor(`${path} to complete`, async () => {
      const s = await json<TaskStatus>(await http('GET', path));
      if (s.state === 'failed' || s.state === 'cancelled') throw Object.assign(new Error(`${path}: ${s.state} ${JSON.stringify(s.error)}`), { fatal: true });
      return s.state === 'completed' ? s : undefined;
    }, 180_000, 300, dump);

  let runIds: string[] = [];

  it('runs async backtests submitted over HTTP on the workers and serves the stored runs', async () => {
    const symbols = ['KRW-BTC', 'KRW-ETH', 'KRW-XRP', 'KRW-BTC'];
    const submitted: string[] = [];
    for (const [i, s] of symbols.entries()) {
      const res = await http('POST', '/api/v1/backtests/async', i === 3 ? request(s, { timeframe: '1d' }) : request(s), { 'idempotency-key': `smoke-${runTag}-${i}` });
      const body = await json<{ task_id: string; state: string }>(res);
      // A free worker may pick the job up before the answer is written.
      expect({ status: res.status, state: body.state }).toEqual({ status: 202, state: expect.stringMatching(/^(queued|running)$/) });
      expect(res.headers.get('location')).toBe(`/api/v1/backtests/async/${body.task_id}/status`);
      submitted.push(body.task_id);
    }
    const done = await Promise.all(submitted.map((t) => pollCompleted(`/api/v1/backtests/async/${t}/status`)));
    runIds = done.map((s) => s.run_id as string);
    expect(runIds).toEqual(submitted); // run id = task id

    for (const [i, runId] of runIds.entries()) {
      const res = await http('GET', `/api/v1/backtests/${runId}`);
      expect(res.status).toBe(200);
      const run = await json<{ run_id: string; strategy: string; symbols: string[]; total_return_pct: number; trade_count: number }>(res);
      expect(run).toEqual(expect.objectContaining({ run_id: runId, strategy: 'volume_zone_breakout', symbols: [symbols[i]] }));
      expect({ returnIsNumber: Number.isFinite(run.total_return_pct), tradesCounted: Number.isInteger(run.trade_count) }).toEqual({ returnIsNumber: true, tradesCounted: true });
      const eq = await http('GET', `/api/v1/backtests/${runId}/equity?format=json`);
      expect(eq.status).toBe(200);
      expect(JSON.stringify(await eq.json()).length).toBeGreaterThan(100);
    }
  });

  it('archives each run with a manifest whose SHA-256s match the files, the HTTP downloads and the index row', async () => {
    const s = stack();
    expect(runIds.length).toBe(4);
    const pg = new Client({ connectionString: s.databaseUrl });
    await pg.connect();
    try {
      for (const runId of runIds) {
        const read = async (name: string): Promise<Buffer> => {
          // the local store keeps objects under objects/ (the LocalFsStorageProvider layout), keys as on S3
          if (s.store === 'local') return readFileSync(join(s.resultsDir as string, 'objects', 'backtests', runId, name));
          const o = await (s.s3 as S3Client).send(new GetObjectCommand({ Bucket: s.bucket, Key: `backtests/${runId}/${name}` }));
          return Buffer.from(await (o.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
        };
        const manifestBytes = await read('manifest.json');
        const manifest = JSON.parse(manifestBytes.toString('utf8')) as { files: ManifestFile[] };
        const names = manifest.files.map((f) => f.name).sort();
        expect(names).toEqual(expect.arrayContaining(['equity.parquet', 'signals.parquet', 'summary.json', 'trades.parquet']));
        for (const f of manifest.files) {
          const bytes = await read(f.name);
          expect({ runId, file: f.name, sha256: sha256(bytes), size: bytes.length }).toEqual({ runId, file: f.name, sha256: f.sha256, size: f.bytes ?? f.size });
        }
        for (const table of ['trades', 'equity', 'signals']) {
          const res = await http('GET', `/api/v1/backtests/${runId}/${table}?format=parquet`);
          expect({ table, status: res.status, type: res.headers.get('content-type') }).toEqual({ table, status: 200, type: expect.stringContaining('application/vnd.apache.parquet') });
          const body = Buffer.from(await res.arrayBuffer());
          const entry = manifest.files.find((f) => f.name === `${table}.parquet`);
          expect({ table, sha256: sha256(body) }).toEqual({ table, sha256: entry?.sha256 });
        }
        const row = await pg.query<{ manifest_sha256: string; archive_location: string }>('SELECT manifest_sha256, archive_location FROM backtest_runs WHERE id = $1', [runId]);
        expect(row.rows).toHaveLength(1);
        expect(row.rows[0].manifest_sha256.trim()).toBe(sha256(manifestBytes));
        expect(row.rows[0].archive_location).toContain(s.store === 'local' ? 'file://' : `s3://${s.bucket}/`);
      }
    } finally {
      await pg.end();
    }
  });

  it('fans a sweep out over the workers and ranks every combination', async () => {
    const res = await http('POST', '/api/v1/sweeps', {
      ...request('KRW-BTC', { timeframe: '1d', start_date: '2023-01-01', end_date: '2024-12-31' }),
      params: { top_percentile: 0.2, breakout_buffer: 0 },
      grid: { volume_window: [10, 15, 20, 25, 30, 40] },
      chunk_size: 1,
      rank_by: 'total_return_pct',
    });
    expect(res.status).toBe(202);
    const { task_id } = await json<{ task_id: string }>(res);
    const status = await pollCompleted(`/api/v1/sweeps/${task_id}/status`);
    expect(JSON.stringify(status.result)).toMatch(/volume_window/);
    // 4 backtests + 6 sweep chunks + the sweep's aggregate: with one job slot each, both workers
    // must have taken part (a worker that never gets a job is not connected to the same queues).
    const completedBy = stack().workers.map((w) => w.lines.filter((l) => l.includes('"msg":"job completed"')).length);
    expect({ completedBy, total: completedBy.reduce((a, b) => a + b, 0) }).toEqual({ completedBy: [expect.any(Number), expect.any(Number)], total: 11 });
    expect(Math.min(...completedBy)).toBeGreaterThan(0);
  });

  it('stops on SIGTERM: every process exits 0 and leaves no child behind', async () => {
    const s = stack();
    const procs = [s.api, ...s.workers];
    expect(procs).toHaveLength(3);
    const children = s.workers.flatMap((w) => w.descendants());
    for (const p of procs) p.signal('SIGTERM');
    const exits = await Promise.all(procs.map((p) => Promise.race([p.exited, delay(45_000, 'timeout' as const)])));
    expect(exits.map((e, i) => ({ name: procs[i].name, exit: e }))).toEqual(procs.map((p) => ({ name: p.name, exit: { code: 0, signal: null } })));
    await waitFor('child processes to exit', async () => (children.every((pid) => !alive(pid)) ? true : undefined), 10_000, 200, () => `still alive: ${children.filter(alive).join(', ')}`);
    expect(s.workers.every((w) => w.lines.some((l) => l.includes('"stopped"')))).toBe(true);
  }, 120_000);
}
