import { createServer } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDataSource, runMigrations } from './data-source';
import { DatabaseUnavailableError, isConnectionFailure, toResultsError } from './errors';
import { LocalDirArchiveStore } from './local-archive-store';
import { ResultRepository } from './result-repository';

/** A TCP port on 127.0.0.1 that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const { port } = server.address() as { port: number };
  await new Promise<void>((res) => server.close(() => res()));
  return port;
}

describe('database down', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'results-down-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('makes every repository call fail with UNAVAILABLE (not a raw driver error), keeping the cause', async () => {
    const ds = createDataSource({ url: `postgres://postgres@127.0.0.1:${await closedPort()}/none`, connectTimeoutMs: 2000 });
    const repo = new ResultRepository(ds, new LocalDirArchiveStore({ root }));
    const err = await repo.get('3b241101-e2bb-4255-8caf-4136c566a962').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    expect(err).toMatchObject({ code: 'UNAVAILABLE', name: 'DatabaseUnavailableError' });
    expect((err as Error).cause).toBeDefined();
    await expect(repo.list({ strategy: 'x' })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(runMigrations(ds)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('refuses a save before writing its archive when the database is already down at the start', async () => {
    const store = new LocalDirArchiveStore({ root });
    const ds = createDataSource({ url: `postgres://postgres@127.0.0.1:${await closedPort()}/none`, connectTimeoutMs: 2000 });
    const runId = '00000000-0000-4000-8000-0000000000aa';
    await expect(
      new ResultRepository(ds, store).save({ id: runId, kind: 'sync', status: 'completed', strategy: 's', symbols: ['A'] }, { summary: 1 }),
    ).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(await store.exists(runId)).toBe(false);
  });
});

describe('error classification', () => {
  it.each([
    ['socket refused', 'UNAVAILABLE', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })],
    ['AggregateError of refused sockets', 'UNAVAILABLE', new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })], 'all failed')],
    ['server shutting down (57P01)', 'UNAVAILABLE', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })],
    ['too many connections (53300)', 'UNAVAILABLE', Object.assign(new Error('sorry, too many clients already'), { code: '53300' })],
    ['TypeORM wrapper of a refused socket', 'UNAVAILABLE', Object.assign(new Error('QueryFailedError'), { driverError: { code: 'ECONNRESET' } })],
    ['undefined table (42P01)', 'QUERY_FAILED', Object.assign(new Error('relation "x" does not exist'), { code: '42P01' })],
    ['a plain bug', 'QUERY_FAILED', new TypeError('x is not a function')],
  ] as const)('%s → %s', (_name, code, err) => {
    expect(toResultsError(err, 'do it').code).toBe(code);
    expect(isConnectionFailure(err)).toBe(code === 'UNAVAILABLE');
  });

  it('keeps the SQLSTATE of a query failure', () => {
    expect(toResultsError(Object.assign(new Error('x'), { code: '42P01' }), 'read')).toMatchObject({ sqlState: '42P01', message: 'Could not read: x' });
  });
});
