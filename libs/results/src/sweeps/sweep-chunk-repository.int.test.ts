import { PgRunIndex } from '../pg-run-index';
import { useTestSchema } from '../../test/pg-schema';
import { SweepChunkRepository } from './sweep-chunk-repository';

const db = useTestSchema();
let clock = Date.UTC(2026, 0, 1);
const repo = () => new SweepChunkRepository(db.ds, { now: () => clock });
const SWEEP = '00000000-0000-4000-8000-0000000000a1';
const key = (chunk: number) => ({ sweepId: SWEEP, chunk, firstIndex: chunk * 2, sets: 2 });
const rowsOf = (chunk: number, tag: string) => [{ index: chunk * 2, tag }, { index: chunk * 2 + 1, tag }];

describe('SweepChunkRepository', () => {
  it('counts attempts until a chunk finishes; the first finisher wins; a finished chunk records no further attempt', async () => {
    const first = await repo().begin(key(0));
    expect(first).toMatchObject({ attempts: 1, rows: null, finishedAt: null, startedAt: clock, firstIndex: 0, sets: 2 });
    clock += 1000;
    // A second attempt (the first one's worker died): attempts 2, start time moves.
    expect(await repo().begin(key(0))).toMatchObject({ attempts: 2, startedAt: clock });
    clock += 1000;
    const won = await repo().finish(key(0), rowsOf(0, 'second'));
    expect(won).toMatchObject({ attempts: 2, rows: rowsOf(0, 'second'), finishedAt: clock });
    // The stalled first attempt finishing late gets the stored rows, not its own.
    clock += 1000;
    expect(await repo().finish(key(0), rowsOf(0, 'first'))).toMatchObject({ rows: rowsOf(0, 'second'), finishedAt: clock - 1000 });
    // Resuming: begin on a finished chunk returns it unchanged (attempts stay 2).
    expect(await repo().begin(key(0))).toMatchObject({ attempts: 2, rows: rowsOf(0, 'second') });
  });

  it('lists the chunks of a sweep in chunk order, finished or not', async () => {
    await repo().begin(key(2));
    await repo().finish(key(1), rowsOf(1, 'x'));
    const list = await repo().list(SWEEP);
    expect(list.map((c) => [c.chunk, c.attempts, c.finishedAt !== null])).toEqual([[0, 2, true], [1, 1, true], [2, 1, false]]);
    expect(await repo().list('00000000-0000-4000-8000-0000000000ff')).toEqual([]);
    expect(await repo().list('not-a-uuid')).toEqual([]);
  });

  it('refuses a malformed key or a row count that does not match the chunk, naming the field', async () => {
    await expect(repo().begin({ sweepId: 'nope', chunk: -1, firstIndex: 0, sets: 0 })).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
      issues: [{ field: 'sweepId', message: 'must be a UUID' }, { field: 'chunk', message: 'must be an integer >= 0' }, { field: 'sets', message: 'must be an integer >= 1' }],
    });
    await expect(repo().finish(key(3), [{ index: 6 }])).rejects.toMatchObject({ issues: [{ field: 'rows', message: 'must hold one row per set (2), got 1' }] });
  });

  it('are deleted with the sweep run (and by delete)', async () => {
    const runs = new PgRunIndex(db.ds);
    await runs.put({ id: SWEEP, kind: 'sweep', status: 'completed', strategy: 's', symbols: ['KRW-BTC'] }, null);
    expect(await runs.delete(SWEEP)).toBe(true);
    expect(await repo().list(SWEEP)).toEqual([]);
    const other = '00000000-0000-4000-8000-0000000000b2';
    await repo().begin({ ...key(0), sweepId: other });
    expect(await repo().delete(other)).toBe(1);
    expect(await repo().delete(other)).toBe(0);
  });
});
