import { FailureAlerter, MemoryAlertWindowStore, summarize, type AlertChannel, type AlertMessage, type FailureNote } from './alerts';
import type { DeadLetterEntry } from './dead-letter';

const entry = (i: number, code = 'UNAVAILABLE'): DeadLetterEntry => ({
  v: 1,
  queue: 'backtest',
  jobId: `job-${i}`,
  name: 'backtest',
  data: {},
  error: { code, message: `boom ${i}`, retryable: code === 'UNAVAILABLE' },
  attemptsMade: 5,
  maxAttempts: 5,
  history: [],
  stacktrace: [],
  createdAt: 0,
  failedAt: Date.UTC(2024, 0, 1, 0, 0, i),
});

class Recorder implements AlertChannel {
  readonly name = 'recorder';
  readonly sent: AlertMessage[] = [];
  async send(m: AlertMessage): Promise<void> {
    this.sent.push(m);
  }
}

describe('FailureAlerter', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('sends ONE summary for a burst of failures inside a window, and a new one for the next burst', async () => {
    const ch = new Recorder();
    let now = 0;
    const alerter = new FailureAlerter({ channels: [ch], store: new MemoryAlertWindowStore(() => now), windowMs: 1000 });
    for (let i = 0; i < 7; i++) await alerter.notify(entry(i, i < 5 ? 'UNAVAILABLE' : 'INVALID_PARAMS'));
    expect(ch.sent).toHaveLength(0);
    now = 1000;
    await jest.advanceTimersByTimeAsync(1000);
    expect(ch.sent).toHaveLength(1);
    expect(ch.sent[0].title).toBe('coin-hts: 7 jobs failed for good and went to the dead-letter queue');
    expect(ch.sent[0].fields.find((f) => f.title === 'By error code')?.value).toBe('UNAVAILABLE: 5, INVALID_PARAMS: 2');
    await alerter.notify(entry(9));
    now = 2500;
    await jest.advanceTimersByTimeAsync(1000);
    expect(ch.sent).toHaveLength(2);
    expect(ch.sent[1].title).toBe('coin-hts: 1 job failed for good and went to the dead-letter queue');
  });

  it('keeps alerting on the other channels when one fails, and reports the failure', async () => {
    const ok = new Recorder();
    const broken: AlertChannel = { name: 'slack', send: async () => { throw new Error('HTTP 500'); } };
    const reports: string[][] = [];
    const alerter = new FailureAlerter({ channels: [broken, ok], windowMs: 10, onSent: (_s, f) => reports.push(f.map((e) => e.channel)) });
    await alerter.notify(entry(1));
    await alerter.close();
    expect(ok.sent).toHaveLength(1);
    expect(reports).toEqual([['slack']]);
  });
});

describe('summarize', () => {
  it('lists at most maxListed jobs and counts the rest', () => {
    const notes: FailureNote[] = Array.from({ length: 25 }, (_, i) => ({ queue: 'backtest', jobId: `j${i}`, code: 'NO_DATA', message: 'x', attemptsMade: 1, failedAt: 1000 * i }));
    const s = summarize(notes, 20);
    const lines = s.text.split('\n');
    expect(lines).toHaveLength(21);
    expect(lines[20]).toBe('… and 5 more');
    expect(s.level).toBe('critical');
    expect(s.fields.find((f) => f.title === 'Between')?.value).toBe('1970-01-01T00:00:00.000Z and 1970-01-01T00:00:24.000Z');
  });
});
