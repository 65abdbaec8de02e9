/**
 * The one code → status mapping, checked against the statuses the API promises (docs/api.md and
 * the issue: validation 422, unknown id 404, conflicts 409, auth 401/403, too big 413, malformed
 * JSON 400, rate limit 429, backing service down 503), using the libraries' real error classes.
 */
import { InvalidParamsError, UnknownStrategyError, InvalidCandlesError, BacktestAbortedError } from '@coinhts/engine';
import { IdempotencyConflictError, InvalidJobRequestError, JobNotFoundError, QueueUnavailableError } from '@coinhts/jobs';
import { DataQualityError, InvalidFileError, InvalidRangeError, NoDataError, StoreBusyError } from '@coinhts/market-data';
import { CorruptArchiveError, IntegrityMismatchError, StorageUnavailableError } from '@coinhts/storage';
import { DatabaseQueryError, DatabaseUnavailableError, ResultConflictError, ResultNotFoundError, ResultValidationError } from '@coinhts/results';
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { ApiError } from './api-error';
import { errorMiddleware, statusForCode } from './error-middleware';
import { requestContext } from './request-context';

function appThrowing(err: unknown) {
  const app = express();
  const logger = pino({ level: 'silent' });
  app.use(requestContext(logger, () => 'req-1'));
  app.post('/x', express.json(), () => {
    throw err;
  });
  app.use(errorMiddleware(logger));
  return app;
}

const cases: [string, unknown, number, string][] = [
  ['engine params', new InvalidParamsError([{ field: 'volume_window', message: 'must be >= 1' }]), 422, 'INVALID_PARAMS'],
  ['unknown strategy', new UnknownStrategyError('x', ['a', 'b']), 422, 'UNKNOWN_STRATEGY'],
  ['bad candles', new InvalidCandlesError([{ field: 'high', row: 3, message: 'high < low' }], 'KRW-BTC'), 422, 'INVALID_CANDLES'],
  ['jobs request', new InvalidJobRequestError([{ path: 'symbols', message: 'too short' }], 'backtest request'), 422, 'INVALID_REQUEST'],
  ['no data', new NoDataError('nothing'), 422, 'NO_DATA'],
  ['bad range', new InvalidRangeError('bad'), 422, 'INVALID_RANGE'],
  ['bad file', new InvalidFileError({ file: 'a.csv', line: 3, column: 'open' }, 'not a number'), 422, 'INVALID_FILE'],
  ['quality', new DataQualityError('bad', {}), 422, 'DATA_QUALITY'],
  ['results validation', new ResultValidationError([{ field: 'cursor', message: 'bad' }], 'page request'), 422, 'INVALID_PARAMS'],
  ['run not found', new ResultNotFoundError('run', 'abc'), 404, 'NOT_FOUND'],
  ['job not found', new JobNotFoundError('abc'), 404, 'JOB_NOT_FOUND'],
  ['preset conflict', new ResultConflictError('exists', 'preset_name'), 409, 'CONFLICT'],
  ['idempotency conflict', new IdempotencyConflictError('k', 'j'), 409, 'IDEMPOTENCY_CONFLICT'],
  ['database down', new DatabaseUnavailableError('down'), 503, 'UNAVAILABLE'],
  ['redis down', new QueueUnavailableError('down'), 503, 'UNAVAILABLE'],
  ['store busy', new StoreBusyError('/x.lock', 10), 503, 'STORE_BUSY'],
  // A database error that is not an outage is our bug: 500, and the SQL detail is not shown.
  ['database bug', new DatabaseQueryError('syntax error at or near "FROM"', '42601'), 500, 'INTERNAL'],
  ['aborted', new BacktestAbortedError(), 499, 'ABORTED'],
  // Damaged or unreachable archives: our fault, not the caller's, and not transient.
  ['damaged archive bytes', new IntegrityMismatchError('archive "x": trades.parquet is not the file its manifest lists', { key: 'backtests/x/trades.parquet' }), 500, 'INTEGRITY_MISMATCH'],
  ['undecodable archive', new CorruptArchiveError('archive "x": trades.parquet is not readable Parquet'), 500, 'CORRUPT_ARCHIVE'],
  ['archive missing', new ApiError('ARCHIVE_MISSING', 'gone'), 500, 'ARCHIVE_MISSING'],
  ['archive elsewhere', new ApiError('ARCHIVE_UNREACHABLE', 'elsewhere'), 500, 'ARCHIVE_UNREACHABLE'],
  ['storage outage', new StorageUnavailableError('S3 did not answer'), 503, 'UNAVAILABLE'],
  ['unauthenticated', new ApiError('UNAUTHENTICATED', 'no key'), 401, 'UNAUTHENTICATED'],
  ['forbidden', new ApiError('FORBIDDEN', 'no scope'), 403, 'FORBIDDEN'],
  ['rate limited', new ApiError('RATE_LIMITED', 'slow down'), 429, 'RATE_LIMITED'],
  ['too large', new ApiError('REQUEST_TOO_LARGE', 'big'), 413, 'REQUEST_TOO_LARGE'],
  ['already finished', new ApiError('ALREADY_FINISHED', 'done'), 409, 'ALREADY_FINISHED'],
];

describe('error middleware', () => {
  it.each(cases)('%s: mapped to its status and code in the common shape', async (_name, err, status, code) => {
    const r = await request(appThrowing(err)).post('/x').send({});
    expect(r.status).toBe(status);
    expect(r.body.error).toEqual(expect.objectContaining({ code, request_id: 'req-1', message: expect.any(String) }));
    expect('details' in r.body.error).toBe(true);
  });

  it('shows the message and key of a damaged archive (typed 500), never the stack', async () => {
    const r = await request(appThrowing(new IntegrityMismatchError('archive "x": trades.parquet is not the file its manifest lists', { key: 'backtests/x/trades.parquet', expectedSha256: 'a'.repeat(64) }))).post('/x').send({});
    expect(r.body.error).toEqual({ code: 'INTEGRITY_MISMATCH', message: 'archive "x": trades.parquet is not the file its manifest lists', details: { key: 'backtests/x/trades.parquet' }, request_id: 'req-1' });
  });

  it('keeps the issues of validation errors as {field, message}', async () => {
    const r = await request(appThrowing(new InvalidJobRequestError([{ path: 'symbols.0', message: 'bad code' }], 'backtest request'))).post('/x').send({});
    expect(r.body.error.details).toEqual({ issues: [{ field: 'body.symbols.0', message: 'bad code' }] });
    const c = await request(appThrowing(new InvalidCandlesError([{ field: 'high', row: 3, message: 'high < low' }]))).post('/x').send({});
    expect(c.body.error.details.issues).toEqual([{ field: 'high', row: 3, message: 'high < low' }]);
  });

  it('hides the message of unexpected errors (500 INTERNAL) and of errors with foreign codes', async () => {
    const r = await request(appThrowing(new Error('secret stack detail'))).post('/x').send({});
    expect(r.status).toBe(500);
    expect(r.body.error).toEqual({ code: 'INTERNAL', message: 'Internal server error', details: null, request_id: 'req-1' });
    const sys = await request(appThrowing(Object.assign(new Error('ENOENT /etc/x'), { code: 'ENOENT' }))).post('/x').send({});
    expect(sys.status).toBe(500);
    expect(sys.body.error.message).toBe('Internal server error');
  });

  it('maps body-parser failures: malformed JSON 400, too large 413', async () => {
    const r = await request(appThrowing(new Error('unreached'))).post('/x').set('Content-Type', 'application/json').send('{"a":');
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('MALFORMED_JSON');
    const app = express();
    app.use(requestContext(pino({ level: 'silent' }), () => 'r'));
    app.post('/x', express.json({ limit: 10 }), (_q, s) => { s.end(); });
    app.use(errorMiddleware(pino({ level: 'silent' })));
    const big = await request(app).post('/x').send({ a: 'x'.repeat(100) });
    expect(big.status).toBe(413);
    expect(big.body.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { limit_bytes: 10 } });
  });

  it('unknown codes are 500', () => {
    expect(statusForCode('SOMETHING_NEW')).toBe(500);
  });
});
