import { DEFAULT_RETRY, minRetryWindowMs } from './queues';

describe('retry budget', () => {
  it('the default retries outlast a 60 s outage (docs/jobs.md)', () => {
    // Smallest jittered waits with 2 s backoff, 50 % jitter, 7 attempts: 1 + 2 + 4 + 8 + 16 + 32 s.
    expect(minRetryWindowMs()).toBe(63_000);
    expect(minRetryWindowMs(DEFAULT_RETRY)).toBeGreaterThanOrEqual(60_000);
  });

  it('computes the window of other settings by hand', () => {
    // 3 attempts from 30 s without jitter: 30 + 60 s.
    expect(minRetryWindowMs({ attempts: 3, backoffMs: 30_000, jitter: 0 })).toBe(90_000);
    expect(minRetryWindowMs({ attempts: 1 })).toBe(0);
  });
});
