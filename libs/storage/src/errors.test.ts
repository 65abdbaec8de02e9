import {
  AccessDeniedError, CorruptArchiveError, IntegrityMismatchError, InvalidKeyError, InvalidMetadataError, isStorageError,
  NotFoundError, StorageError, StorageUnavailableError, UnexpectedStorageError,
} from './errors';

describe('storage errors', () => {
  it.each([
    [new NotFoundError('m', { key: 'k' }), 'NOT_FOUND', 'NotFoundError'],
    [new AccessDeniedError('m', { key: 'k' }), 'ACCESS_DENIED', 'AccessDeniedError'],
    [new IntegrityMismatchError('m', { key: 'k' }), 'INTEGRITY_MISMATCH', 'IntegrityMismatchError'],
    [new StorageUnavailableError('m', { key: 'k' }), 'UNAVAILABLE', 'StorageUnavailableError'],
    [new CorruptArchiveError('m', { key: 'k' }), 'CORRUPT_ARCHIVE', 'CorruptArchiveError'],
    [new InvalidKeyError('m', { key: 'k' }), 'INVALID_KEY', 'InvalidKeyError'],
    [new InvalidMetadataError('m', { key: 'k' }), 'INVALID_METADATA', 'InvalidMetadataError'],
    [new UnexpectedStorageError('m', { key: 'k' }), 'UNEXPECTED', 'UnexpectedStorageError'],
  ])('%s has code %s, its own name, the key, and is a StorageError', (error, code, name) => {
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe(code);
    expect(error.name).toBe(name);
    expect(error.key).toBe('k');
    expect(isStorageError(error, code as never)).toBe(true);
    expect(isStorageError(error, 'NOT_FOUND')).toBe(code === 'NOT_FOUND');
  });

  it('keeps the cause and the checksum context', () => {
    const cause = new Error('root');
    const error = new IntegrityMismatchError('bad', { key: 'k', cause, expectedSha256: 'a', actualSha256: 'b', expectedSize: 1, actualSize: 2 });
    expect(error.cause).toBe(cause);
    expect([error.expectedSha256, error.actualSha256, error.expectedSize, error.actualSize]).toEqual(['a', 'b', 1, 2]);
    expect(isStorageError(new Error('x'))).toBe(false);
  });
});
