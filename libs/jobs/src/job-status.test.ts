import { readProgress, toJobStatus, type JobSnapshot } from './job-status';

const job = (over: Partial<JobSnapshot> = {}): JobSnapshot => ({ id: 'j', timestamp: 1000, attemptsMade: 0, opts: { attempts: 5 }, progress: 0, returnvalue: null, ...over });

describe('toJobStatus', () => {
  it('maps BullMQ states to the five caller states', () => {
    expect(toJobStatus('backtest', 'j', job(), 'waiting', null)).toMatchObject({ state: 'queued', waitingFor: 'worker', createdAt: 1000, maxAttempts: 5 });
    expect(toJobStatus('backtest', 'j', job({ attemptsMade: 1, failedReason: '[UNAVAILABLE] db down' }), 'delayed', null)).toMatchObject({
      state: 'queued', waitingFor: 'retry', lastError: { code: 'UNAVAILABLE', message: 'db down', retryable: true },
    });
    expect(toJobStatus('backtest', 'j', job({ progress: { fraction: 0.4, stage: 'simulate' }, processedOn: 2000 }), 'active', null)).toMatchObject({ state: 'running', progress: 0.4, stage: 'simulate', startedAt: 2000 });
    expect(toJobStatus('backtest', 'j', job({ returnvalue: { runId: 'r1' }, finishedOn: 3000, attemptsMade: 1 }), 'completed', null)).toMatchObject({ state: 'completed', runId: 'r1', finishedAt: 3000 });
    expect(toJobStatus('backtest', 'j', job({ failedReason: '[NO_DATA] nothing stored', finishedOn: 3000 }), 'failed', null)).toMatchObject({ state: 'failed', error: { code: 'NO_DATA', retryable: false } });
    expect(toJobStatus('backtest', 'j', job({ failedReason: '[CANCELLED] Job j was cancelled: user', finishedOn: 3000 }), 'failed', null)).toMatchObject({ state: 'cancelled' });
    expect(toJobStatus('backtest', 'j', null, 'unknown', null)).toBeNull();
  });

  it('lets the recorded outcome win over the queue state (a late worker cannot overwrite it)', () => {
    const cancelled = { state: 'cancelled' as const, reason: 'user', at: 5000 };
    expect(toJobStatus('backtest', 'j', job(), 'active', cancelled)).toMatchObject({ state: 'cancelled', reason: 'user', cancelledAt: 5000 });
    expect(toJobStatus('backtest', 'j', job({ returnvalue: { runId: 'j' } }), 'completed', cancelled)).toMatchObject({ state: 'cancelled' });
    // the job record was trimmed, the outcome remains
    expect(toJobStatus('backtest', 'j', null, 'unknown', { state: 'completed', runId: 'j', at: 7000 })).toMatchObject({ state: 'completed', runId: 'j', createdAt: null, finishedAt: 7000 });
  });
});

describe('readProgress', () => {
  it('reads {fraction, stage}, a 0..1 number, or a 0..100 percentage', () => {
    expect(readProgress({ fraction: 0.25, stage: 'x' })).toEqual({ fraction: 0.25, stage: 'x' });
    expect(readProgress(0.5)).toEqual({ fraction: 0.5, stage: '' });
    expect(readProgress(50)).toEqual({ fraction: 0.5, stage: '' });
    expect(readProgress('junk')).toEqual({ fraction: 0, stage: '' });
  });
});
