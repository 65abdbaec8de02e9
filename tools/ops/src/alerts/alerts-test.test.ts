/**
 * `coinhts-ops alerts-test` against a local fake Slack webhook and an SMTP sink: the message
 * arrives on every configured channel in the format the workers use, a failing channel is named
 * and makes the exit status 1 while the other still sends, and no configuration is exit 2.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { runOps } from '../main';
import { smtpSink, webhookSink } from '../testing/alert-sinks';

const root = resolve(__dirname, '../../../..');

async function run(env: Record<string, string>, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runOps(['alerts-test', ...args], env, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('alerts-test', () => {
  it('sends one test message to Slack and by e-mail, in the workers\' format', async () => {
    const hook = await webhookSink();
    const smtp = await smtpSink();
    try {
      const r = await run({
        ALERT_SLACK_WEBHOOK_URL: hook.url,
        ALERT_SLACK_CHANNEL: '#coinhts-ops',
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(smtp.port),
        SMTP_USER: 'alerts',
        SMTP_PASSWORD: 'secret',
        ALERT_EMAIL_FROM: 'coinhts@example.com',
        ALERT_EMAIL_TO: 'ops@example.com, oncall@example.com',
      });
      expect(r).toEqual({ code: 0, out: expect.stringMatching(/^slack: sent \(\d+ ms\)\nemail: sent \(\d+ ms\)$/), err: '' });
      expect(hook.calls).toHaveLength(1);
      const body = hook.calls[0].body as { text: string; channel: string; attachments: { color: string; title: string; fields: { title: string }[] }[] };
      expect(hook.calls[0].path).toBe('/services/T000/B000/XXXX');
      expect(body.text).toBe('ℹ️ coin-hts: alert channel test');
      expect(body.channel).toBe('#coinhts-ops');
      expect(body.attachments[0]).toEqual(expect.objectContaining({ color: '#36a64f', title: 'coin-hts: alert channel test' }));
      expect(body.attachments[0].fields.map((f) => f.title)).toEqual(['Sent at', 'Host']);
      expect(smtp.mails).toHaveLength(1);
      expect(smtp.mails[0]).toEqual(expect.objectContaining({ from: 'coinhts@example.com', to: ['ops@example.com', 'oncall@example.com'], user: 'alerts' }));
      expect(smtp.mails[0].raw).toMatch(/^Subject: \[INFO\] coin-hts: alert channel test$/m);
      expect(smtp.mails[0].raw).toContain('No job failed.');
    } finally {
      await hook.close();
      await smtp.close();
    }
  });

  it('names a failing channel, still sends through the other, and exits 1', async () => {
    const hook = await webhookSink(403);
    const smtp = await smtpSink();
    try {
      const r = await run({ ALERT_SLACK_WEBHOOK_URL: hook.url, SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port), ALERT_EMAIL_FROM: 'a@example.com', ALERT_EMAIL_TO: 'b@example.com' });
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/^slack: FAILED: .*HTTP 403/m);
      expect(r.out).toMatch(/^email: sent/m);
      expect(smtp.mails).toHaveLength(1);
    } finally {
      await hook.close();
      await smtp.close();
    }
  });

  it('an unreachable SMTP server fails with exit 1, naming the refused connection', async () => {
    const port = await closedPort();
    const r = await run({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(port), ALERT_EMAIL_FROM: 'a@example.com', ALERT_EMAIL_TO: 'b@example.com' }, '--timeout-ms', '2000');
    // The cause is the refused connection, not a timeout that waited (no stopwatch on a loaded CI machine).
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^email: FAILED: .*(ECONNREFUSED|connect)/m);
  });

  it('exit 2 when nothing is configured or the configuration is incomplete', async () => {
    expect(await run({})).toEqual({ code: 2, out: '', err: expect.stringContaining('no alert channel is configured') });
    const r = await run({ SMTP_HOST: 'smtp.example.com', ALERT_EMAIL_FROM: 'a@example.com' });
    expect(r).toEqual({ code: 2, out: '', err: expect.stringContaining('ALERT_EMAIL_TO (not set): is required when SMTP_HOST is set') });
  });

  it('the command line (tools/ops/bin/coinhts-ops alerts-test) sends and exits 0', async () => {
    const hook = await webhookSink();
    try {
      const child = spawn(join(root, 'tools/ops/bin/coinhts-ops'), ['alerts-test'], {
        env: { PATH: process.env['PATH'], HOME: process.env['HOME'], ALERT_SLACK_WEBHOOK_URL: hook.url },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
      clearTimeout(timer);
      expect({ code, out }).toEqual({ code: 0, out: expect.stringMatching(/^slack: sent/m) });
      expect(hook.calls).toHaveLength(1);
    } finally {
      await hook.close();
    }
  }, 90_000); // a cold start compiles the sources (swc) first: seconds on a loaded machine; the child has its own 60 s bound
});
