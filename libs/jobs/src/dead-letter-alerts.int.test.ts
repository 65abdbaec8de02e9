/**
 * Permanent failures → dead-letter queue → ONE alert summary per burst, delivered to a local fake
 * Slack webhook and a local SMTP sink, with two workers (two alerters) sharing the window in Redis.
 */
import { EmailChannel, FailureAlerter, RedisAlertWindowStore, SlackWebhookChannel } from './alerts';
import { Queue, type ConnectionOptions } from 'bullmq';
import { DeadLetterForwarder, redisEntryClaims } from './dead-letter';
import { JobQueues } from './job-queues';
import { FIXTURE_REQUESTS } from './testing/fixture-requests';
import { startQueueWorker, type QueueWorker } from './queue-worker';
import { QUEUE_NAMES, qualifiedName } from './queues';
import { createRedisClient, ensureConnected, type RedisClient } from './redis';
import { defineProcessor } from './sandbox';
import { startSmtpSink, startWebhookSink } from './testing/alert-sinks';
import { deleteKeys, requireRedisUrl, sleep, testPrefix, waitFor } from './testing/env';

const url = requireRedisUrl();
const prefix = testPrefix('dlq');
let jobs: JobQueues;
let redis: RedisClient;
const workers: QueueWorker[] = [];
const alerters: FailureAlerter[] = [];
let webhook: Awaited<ReturnType<typeof startWebhookSink>>;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let emails: EmailChannel[] = [];

// Fails every job permanently (the code says: do not retry).
const alwaysInvalid = defineProcessor(() => null, async (ctx) => {
  throw Object.assign(new Error(`bad params in ${ctx.id}`), { code: 'INVALID_PARAMS' });
});

beforeAll(async () => {
  redis = createRedisClient({ url });
  await ensureConnected(redis);
  webhook = await startWebhookSink();
  smtp = await startSmtpSink();
  jobs = await JobQueues.connect({ redis: { url }, requests: FIXTURE_REQUESTS, prefix });
  for (let i = 0; i < 2; i++) {
    const email = new EmailChannel({ host: smtp.host, port: smtp.port, from: 'coinhts@example.test', to: ['ops@example.test'] });
    emails.push(email);
    const alerter = new FailureAlerter({
      channels: [new SlackWebhookChannel({ webhookUrl: webhook.url }), email],
      store: new RedisAlertWindowStore(redis, prefix),
      windowMs: 1_500,
    });
    alerters.push(alerter);
    workers.push(
      await startQueueWorker({
        redis: { url },
        prefix,
        queue: QUEUE_NAMES.backtest,
        processor: alwaysInvalid,
        concurrency: 2,
        events: { onDeadLetter: (e) => void alerter.notify(e) },
      }),
    );
  }
}, 30_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.close({ timeoutMs: 0 })));
  await Promise.all(alerters.map((a) => a.close()));
  emails.forEach((e) => e.close());
  emails = [];
  await jobs?.close();
  await webhook?.close();
  await smtp?.close();
  if (redis) {
    await deleteKeys(redis, prefix);
    await redis.close();
  }
}, 30_000);

const body = (n: number) => ({ strategy: 'x', params: { n }, symbols: ['KRW-BTC'], start_date: '2024-01-01', end_date: '2024-01-02' });

it('a burst of permanent failures across two workers gives one Slack post and one e-mail', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) ids.push((await jobs.backtests.submit(body(i))).jobId);
  await waitFor('6 dead-letter entries', async () => (await jobs.deadLetter.size()) === 6, 10_000);
  for (const id of ids) {
    expect(await jobs.backtests.status(id)).toMatchObject({ state: 'failed', attemptsMade: 1, error: { code: 'INVALID_PARAMS', retryable: false } });
  }
  await waitFor('the Slack summary', () => webhook.calls.length >= 1, 10_000);
  await waitFor('the e-mail summary', () => smtp.mails.length >= 1, 10_000);
  await sleep(1_000); // nothing else may arrive for this burst
  expect(webhook.calls).toHaveLength(1);
  expect(smtp.mails).toHaveLength(1);

  const post = webhook.calls[0];
  expect(post.contentType).toBe('application/json');
  const payload = post.body as { text: string; attachments: { color: string; title: string; text: string; fields: { title: string; value: string }[] }[] };
  expect(payload.text).toContain('6 jobs failed for good');
  expect(payload.attachments[0].fields).toEqual(expect.arrayContaining([{ title: 'By error code', value: 'INVALID_PARAMS: 6', short: true }]));
  for (const id of ids) expect(payload.attachments[0].text).toContain(id);

  const mail = smtp.mails[0];
  expect(mail.to).toEqual(['ops@example.test']);
  expect(mail.raw).toMatch(/Subject: \[ERROR\] coin-hts: 6 jobs failed for good/);
}, 30_000);

it('a cancelled job is not dead-lettered and raises no alert', async () => {
  const before = webhook.calls.length;
  const w = workers.splice(0);
  await Promise.all(w.map((x) => x.close({ timeoutMs: 0 })));
  const { jobId } = await jobs.backtests.submit(body(99));
  expect(await jobs.backtests.cancel(jobId)).toMatchObject({ cancelled: true, wasRunning: false });
  expect(await jobs.backtests.status(jobId)).toMatchObject({ state: 'cancelled' });
  await sleep(300);
  expect(await jobs.deadLetter.get(QUEUE_NAMES.backtest, jobId)).toBeNull();
  expect(webhook.calls.length).toBe(before);
});

it('the failed event on one worker and a reconciliation on another report a job once (the "7 for 6" alert)', async () => {
  // A failed job nobody forwarded yet: a worker with its dead-letter copy turned off.
  const p2 = testPrefix('dlq2');
  const jobs2 = await JobQueues.connect({ redis: { url }, requests: FIXTURE_REQUESTS, prefix: p2 });
  const w = await startQueueWorker({ redis: { url }, prefix: p2, queue: QUEUE_NAMES.backtest, processor: alwaysInvalid, deadLetter: false });
  const conns = [createRedisClient({ url }), createRedisClient({ url })];
  const queues: Queue[] = [];
  try {
    const { jobId } = await jobs2.backtests.submit(body(1));
    await waitFor('the job failed', async () => (await jobs2.backtests.status(jobId)).state === 'failed', 10_000);
    // Two forwarders as two workers build them: each with its own connection and queues.
    const forwarders = await Promise.all(conns.map(async (c) => {
      await ensureConnected(c);
      const source = new Queue(QUEUE_NAMES.backtest, { connection: c as unknown as ConnectionOptions, prefix: p2 });
      const dlq = new Queue(QUEUE_NAMES.deadLetter, { connection: c as unknown as ConnectionOptions, prefix: p2 });
      queues.push(source, dlq);
      return { source, f: new DeadLetterForwarder(source, dlq, Date.now, async () => false, redisEntryClaims(c, qualifiedName(p2, QUEUE_NAMES.deadLetter))) };
    }));
    for (let round = 0; round < 5; round++) {
      const jobsSeen = await Promise.all(forwarders.map(async ({ source }) => source.getJob(jobId)));
      const entries = await Promise.all(forwarders.map(({ f }, i) => f.forward(jobsSeen[i] as NonNullable<(typeof jobsSeen)[number]>)));
      // Exactly one report in the first round, none after: the entry exists and was claimed.
      expect(entries.filter((e) => e !== null)).toHaveLength(round === 0 ? 1 : 0);
    }
    expect(await jobs2.deadLetter.size()).toBe(1);
    // A retried-then-failed-again job is reported again: retry releases the claim.
    expect(await jobs2.deadLetter.retry(QUEUE_NAMES.backtest, jobId)).toBe(true);
    await waitFor('the job failed again', async () => (await jobs2.backtests.status(jobId)).state === 'failed', 10_000);
    const again = await forwarders[0].source.getJob(jobId);
    expect(await forwarders[0].f.forward(again as NonNullable<typeof again>)).not.toBeNull();
  } finally {
    await w.close({ timeoutMs: 0 });
    await Promise.all(queues.map((q) => q.close()));
    await jobs2.close();
    await deleteKeys(redis, p2);
    await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
  }
}, 30_000);
