import { JobRecordRepository } from './job-record-repository';
import { PgRunIndex } from './pg-run-index';
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
    const runs = new PgRunIndex(db.ds);
    await runs.put({ id: RUN, kind: 'async', status: 'completed', strategy: 's', symbols: ['A'] }, null);
    await jobs().upsert({ jobId: 'job-4', queue: 'backtests', state: 'completed', runId: RUN });
    await runs.delete(RUN);
    expect((await jobs().get('job-4')).runId).toBeNull();
  });
});
