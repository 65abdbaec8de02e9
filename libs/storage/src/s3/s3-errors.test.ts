import { NoSuchBucket, NoSuchKey, NotFound, S3ServiceException } from '@aws-sdk/client-s3';
import { IntegrityMismatchError, StorageError } from '../errors';
import { mapS3Error } from './s3-errors';

const meta = (httpStatusCode: number) => ({ httpStatusCode, attempts: 1, totalRetryDelay: 0 });
const service = (name: string, status: number) =>
  new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: meta(status), message: name });
const sysError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code, syscall: 'connect' });

describe('mapS3Error (SDK exceptions and socket errors → storage codes)', () => {
  it.each([
    ['NoSuchKey', new NoSuchKey({ $metadata: meta(404), message: 'gone' }), 'NOT_FOUND'],
    ['NotFound (HEAD 404)', new NotFound({ $metadata: meta(404), message: '' }), 'NOT_FOUND'],
    ['NoSuchBucket', new NoSuchBucket({ $metadata: meta(404), message: '' }), 'NOT_FOUND'],
    ['bare 404', service('UnknownError', 404), 'NOT_FOUND'],
    ['AccessDenied 403', service('AccessDenied', 403), 'ACCESS_DENIED'],
    ['InvalidAccessKeyId', service('InvalidAccessKeyId', 403), 'ACCESS_DENIED'],
    ['SignatureDoesNotMatch', service('SignatureDoesNotMatch', 403), 'ACCESS_DENIED'],
    ['bare 401', service('Unauthorized', 401), 'ACCESS_DENIED'],
    ['ECONNREFUSED', sysError('ECONNREFUSED'), 'UNAVAILABLE'],
    ['ECONNRESET', sysError('ECONNRESET'), 'UNAVAILABLE'],
    ['ENOTFOUND (DNS)', sysError('ENOTFOUND'), 'UNAVAILABLE'],
    ['ETIMEDOUT', sysError('ETIMEDOUT'), 'UNAVAILABLE'],
    ['TimeoutError', Object.assign(new Error('timed out'), { name: 'TimeoutError' }), 'UNAVAILABLE'],
    ['AggregateError of refusals', Object.assign(new AggregateError([sysError('ECONNREFUSED'), sysError('ECONNREFUSED')]), {}), 'UNAVAILABLE'],
    ['SDK wrapper of a foreign-realm socket error', new Error('AWS SDK error wrapper for Error: connect ECONNREFUSED 127.0.0.1:9'), 'UNAVAILABLE'],
    ['SlowDown 503', service('SlowDown', 503), 'UNAVAILABLE'],
    ['InternalError 500', service('InternalError', 500), 'UNAVAILABLE'],
    ['throttled 429', service('TooManyRequests', 429), 'UNAVAILABLE'],
    ['InvalidArgument 400', service('InvalidArgument', 400), 'UNEXPECTED'],
    ['a plain Error', new Error('weird'), 'UNEXPECTED'],
    ['a thrown string', 'boom', 'UNEXPECTED'],
  ])('%s → %s', (_label, error, code) => {
    const mapped = mapS3Error(error, 'k/1', 'get');
    expect(mapped).toBeInstanceOf(StorageError);
    expect(mapped.code).toBe(code);
    expect(mapped.cause).toBe(error);
    expect(mapped.key).toBe('k/1');
    expect(mapped.message).toContain('"k/1"');
  });

  it('passes storage errors through unchanged', () => {
    const original = new IntegrityMismatchError('bad');
    expect(mapS3Error(original, 'k', 'get')).toBe(original);
  });

  it('does not read codes out of ordinary messages (only out of the SDK wrapper)', () => {
    expect(mapS3Error(new Error('the word ECONNREFUSED in a message'), 'k', 'get').code).toBe('UNEXPECTED');
  });
});
