import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobRecordRepository } from './job-record-repository';
import { LocalDirArchiveStore } from './local-archive-store';
import { ResultRepository } from './result-repository';
import { useTestSchema } from '../test/pg-schema';

const db = useTestSchema();
let clock = Date.UTC(2025, 3, 1);
const jobs = () => new JobRecordRepository(db.ds, { now: () => clock });
const RUN = '00000000-0000-4000-8000-000000000777';

describe('JobRecordRepository', () => {
  it('records a job through its states, keeping fields an update does not mention', async () => {
    const queued = await jobs().upsert({ jobId: 'job-1', queue: 'backtests', state: 'queued' });
    expect(queued).toMatchObject({ progress: 0, attempts: 0, stage: null, runId: null, createdAt: clock, updatedAt: clock });
    clock += 1000;
    await jobs().upsert({ jobId: 'job-1', queue: 'backtests', state: 'running', progress: 0.2, stage: 'loading', attempts: 1, startedAt: clock });
    clock += 1000;
    const done = await jobs().upsert({ jobId: 'job-1', queue: 'backtests', state: 'completed', progress: 1 });
    const { rows } = await db.pg.query(`SELECT state, progress, stage, attempts, (extract(epoch from created_at) * 1000)::bigint::text AS c, (extract(epoch from started_at) * 1000)::bigint::text AS s FROM job_records`);
    expect(rows).toEqual([{ state: 'completed', progress: 1, stage: 'loading', attempts: 1, c: String(Date.UTC(2025, 3, 1)), s: String(Date.UTC(2025, 3, 1) + 1000) }]);
    expect(done.updatedAt).toBe(clock);
  });

  it('lists newest first by queue and state, and gives NOT_FOUND for an unknown job', async () => {
    clock += 1000;
    await jobs().upsert({ jobId: 'job-2', queue: 'backtests', state: 'failed', error: { code: 'INVALID_CANDLES', message: 'bad' } });
    clock += 1000;
    await jobs().upsert({ jobId: 'job-3', queue: 'ingest', state: 'queued' });
    expect((await jobs().list()).map((j) => j.jobId)).toEqual(['job-3', 'job-2', 'job-1']);
    expect((await jobs().list({ queue: 'backtests', state: 'failed' })).map((j) => j.error)).toEqual([{ code: 'INVALID_CANDLES', message: 'bad' }]);
    await expect(jobs().get('nope')).rejects.toMatchObject({ code: 'NOT_FOUND', entity: 'job' });
  });

  it('rejects progress outside [0, 1] and unknown states', async () => {
    await expect(jobs().upsert({ jobId: 'x', queue: 'q', state: 'queued', progress: 1.5 })).rejects.toMatchObject({ code: 'INVALID_PARAMS', issues: [{ field: 'progress' }] });
    await expect(jobs().upsert({ jobId: 'x', queue: 'q', state: 'waiting' as never })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
  });

  it('keeps the job record but clears its run id when the run is deleted', async () => {
    const root = await mkdtemp(join(tmpdir(), 'results-jobs-'));
    try {
      const runs = new ResultRepository(db.ds, new LocalDirArchiveStore({ root }));
      await runs.save({ id: RUN, kind: 'async', status: 'completed', strategy: 's', symbols: ['A'] }, { summary: 1 });
      await jobs().upsert({ jobId: 'job-4', queue: 'backtests', state: 'completed', runId: RUN });
      await runs.delete(RUN);
      expect((await jobs().get('job-4')).runId).toBeNull();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
