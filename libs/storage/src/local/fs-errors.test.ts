import { NotFoundError } from '../errors';
import { mapFsError } from './fs-errors';

const errno = (code: string) => Object.assign(new Error(`${code}: something`), { code, syscall: 'open' });

describe('mapFsError (errno → storage codes)', () => {
  it.each([
    ['ENOENT', 'NOT_FOUND'], ['ENOTDIR', 'NOT_FOUND'], ['EISDIR', 'NOT_FOUND'],
    ['EACCES', 'ACCESS_DENIED'], ['EPERM', 'ACCESS_DENIED'], ['EROFS', 'ACCESS_DENIED'],
    ['ENOSPC', 'UNAVAILABLE'], ['EDQUOT', 'UNAVAILABLE'], ['EIO', 'UNAVAILABLE'], ['EMFILE', 'UNAVAILABLE'], ['EBUSY', 'UNAVAILABLE'],
    ['ENAMETOOLONG', 'INVALID_KEY'], ['EXDEV', 'UNEXPECTED'],
  ])('%s → %s, original kept as cause', (code, expected) => {
    const error = errno(code);
    const mapped = mapFsError(error, 'a/b', 'write');
    expect(mapped.code).toBe(expected);
    expect(mapped.cause).toBe(error);
    expect(mapped.message).toContain('"a/b"');
  });

  it('names the file or folder the system refused, so an operator knows where to look', () => {
    const error = Object.assign(errno('EACCES'), { path: '/srv/results/tmp/x.data' });
    expect(mapFsError(error, 'backtests/r1/summary.json', 'create temporary file for').message)
      .toBe('local storage: create temporary file for "backtests/r1/summary.json" failed (EACCES at /srv/results/tmp/x.data)');
  });

  it('names the file it was writing when the error carries no path (a full disk fails write(2), which has none)', () => {
    const error = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
    expect(mapFsError(error, 'backtests/r1/summary.json', 'write', '/srv/results/tmp/w1.data').message)
      .toBe('local storage: write "backtests/r1/summary.json" failed (ENOSPC at /srv/results/tmp/w1.data)');
    // A path on the error itself wins.
    expect(mapFsError(Object.assign(error, { path: '/elsewhere' }), 'k', 'write', '/srv/x').message).toContain('at /elsewhere)');
  });

  it('passes storage errors through unchanged', () => {
    const original = new NotFoundError('x');
    expect(mapFsError(original, 'k', 'read')).toBe(original);
  });
});
