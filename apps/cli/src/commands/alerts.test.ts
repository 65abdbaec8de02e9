/**
 * `coinhts alerts test` against a local fake Slack webhook (node:http) and an SMTP sink
 * (smtp-server): the message arrives on every configured channel, a failing channel exits 1,
 * and missing or incomplete settings exit 2 naming the variable.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { runCoinhts, tempDirs } from '../../test/cli-harness';

const dirs = tempDirs('cli-alerts');
afterAll(() => dirs.cleanup());

async function webhook(status: number) {
  const bodies: { text?: string; attachments?: { title: string }[] }[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      bodies.push(JSON.parse(text) as (typeof bodies)[number]);
      res.statusCode = status;
      res.end(status === 200 ? 'ok' : 'invalid_token');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/services/T0/B0/X`, bodies, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function smtp() {
  const mails: { to: string[]; raw: string }[] = [];
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS'], logger: false,
    onData(stream, session, cb) {
      let raw = '';
      stream.on('data', (c: Buffer) => (raw += c.toString()));
      stream.on('end', () => { mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw }); cb(); });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.server.address() as AddressInfo;
  return { port, mails, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const run = (env: Record<string, string>, ...args: string[]) => runCoinhts(['alerts', 'test', ...args], { env: { RESULTS_STORE: `file:${dirs.make('r')}`, ...env } });

describe('coinhts alerts test', () => {
  it('sends one info message to Slack and by e-mail and exits 0', async () => {
    const hook = await webhook(200);
    const mail = await smtp();
    try {
      const r = await run({ ALERT_SLACK_WEBHOOK_URL: hook.url, SMTP_HOST: '127.0.0.1', SMTP_PORT: String(mail.port), ALERT_EMAIL_FROM: 'coinhts@example.com', ALERT_EMAIL_TO: 'ops@example.com' });
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^slack: sent \(\d+ ms\)$/m);
      expect(r.out).toMatch(/^email: sent \(\d+ ms\)$/m);
      expect(hook.bodies).toHaveLength(1);
      expect(hook.bodies[0].attachments?.[0].title).toBe('coin-hts: alert channel test');
      expect(mail.mails).toHaveLength(1);
      expect(mail.mails[0].to).toEqual(['ops@example.com']);
      expect(mail.mails[0].raw).toContain('No job failed.');
    } finally {
      await hook.close();
      await mail.close();
    }
  });

  it('exits 1 and names the channel when the webhook refuses the message', async () => {
    const hook = await webhook(403);
    try {
      const r = await run({ ALERT_SLACK_WEBHOOK_URL: hook.url });
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/^slack: FAILED: .*403/m);
    } finally {
      await hook.close();
    }
  });

  it('exits 2 when nothing is configured or the e-mail settings are incomplete', async () => {
    const none = await run({});
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/no alert channel is configured; set ALERT_SLACK_WEBHOOK_URL/);
    const partial = await run({ SMTP_HOST: 'smtp.example.com', ALERT_EMAIL_FROM: 'a@example.com' });
    expect(partial.code).toBe(2);
    expect(partial.err).toMatch(/ALERT_EMAIL_TO \(not set\): is required when SMTP_HOST is set/);
    const badUrl = await run({ ALERT_SLACK_WEBHOOK_URL: 'not a url' });
    expect(badUrl.code).toBe(2);
    expect(badUrl.err).toMatch(/ALERT_SLACK_WEBHOOK_URL \(set, value hidden\): must be a URL starting with http:\/\/ or https:\/\//);
    expect(badUrl.err).not.toContain('not a url');
  });
});
