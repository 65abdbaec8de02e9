import { createServer } from 'node:net';
import { createDataSource, runMigrations } from './data-source';
import { DatabaseUnavailableError, isConnectionFailure, toResultsError } from './errors';
import { PgRunIndex } from './pg-run-index';

/** A TCP port on 127.0.0.1 that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const { port } = server.address() as { port: number };
  await new Promise<void>((res) => server.close(() => res()));
  return port;
}

describe('database down', () => {
  it('makes every index call fail with UNAVAILABLE (not a raw driver error), keeping the cause', async () => {
    const ds = createDataSource({ url: `postgres://postgres@127.0.0.1:${await closedPort()}/none`, connectTimeoutMs: 2000 });
    const index = new PgRunIndex(ds);
    const err = await index.get('3b241101-e2bb-4255-8caf-4136c566a962').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    expect(err).toMatchObject({ code: 'UNAVAILABLE', name: 'DatabaseUnavailableError' });
    expect((err as Error).cause).toBeDefined();
    await expect(index.list({ strategy: 'x' })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(index.put({ id: '3b241101-e2bb-4255-8caf-4136c566a962', kind: 'sync', status: 'completed', strategy: 's', symbols: ['A'] }, null)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(runMigrations(ds)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
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
