import { failureDecision, formatFailureMessage, parseFailureMessage } from './errors';

describe('failureDecision (the retry policy)', () => {
  it.each([
    // input is wrong: retrying cannot help
    ['INVALID_PARAMS', 'fail'], ['INVALID_CANDLES', 'fail'], ['UNKNOWN_STRATEGY', 'fail'], ['NO_DATA', 'fail'],
    ['INVALID_REQUEST', 'fail'], ['UNSUPPORTED_VERSION', 'fail'], ['DATA_QUALITY', 'fail'], ['INVALID_RANGE', 'fail'],
    // the outside world is down: retry
    ['UNAVAILABLE', 'retry'], ['STORAGE_FAILED', 'retry'], ['QUERY_FAILED', 'retry'], ['STORE_BUSY', 'retry'],
    ['ECONNREFUSED', 'retry'], ['ETIMEDOUT', 'retry'], ['INTERNAL', 'retry'],
    // somebody stopped it
    ['CANCELLED', 'cancelled'], ['ABORTED', 'cancelled'],
  ])('%s → %s', (code, decision) => {
    expect(failureDecision({ code })).toBe(decision);
  });

  it('treats an error without a code as transient', () => {
    expect(failureDecision(new TypeError('x is undefined'))).toBe('retry');
  });

  it.each([[400, 'fail'], [404, 'fail'], [408, 'retry'], [418, 'fail'], [429, 'retry'], [500, 'retry'], [0, 'retry']])(
    'an Upbit HTTP %i is %s',
    (status, decision) => {
      expect(failureDecision({ code: 'UPBIT_HTTP', status })).toBe(decision);
    },
  );
});

describe('failure messages', () => {
  it('carry the code through the queue and back', () => {
    const stored = formatFailureMessage('NO_DATA', 'No KRW-BTC 1d candles');
    expect(stored).toBe('[NO_DATA] No KRW-BTC 1d candles');
    expect(parseFailureMessage(stored)).toEqual({ code: 'NO_DATA', message: 'No KRW-BTC 1d candles' });
    expect(formatFailureMessage('INTERNAL', stored)).toBe(stored);
  });
  it('read a message without a code as INTERNAL', () => {
    expect(parseFailureMessage('job stalled more than allowable limit')).toEqual({ code: 'INTERNAL', message: 'job stalled more than allowable limit' });
    expect(parseFailureMessage(undefined)).toEqual({ code: 'INTERNAL', message: '' });
  });
});
