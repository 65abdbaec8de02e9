/**
 * Local stand-ins for alert destinations: a Slack-like incoming webhook (node:http) and an SMTP
 * sink (smtp-server), both on 127.0.0.1 with a random port, recording what they receive.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** A fake incoming webhook answering `status`. */
export async function webhookSink(status = 200): Promise<{ url: string; calls: { path: string; body: unknown }[]; close(): Promise<void> }> {
  const calls: { path: string; body: unknown }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // keep the text
      }
      calls.push({ path: req.url ?? '', body });
      res.statusCode = status;
      res.end(status === 200 ? 'ok' : 'invalid_token');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/services/T000/B000/XXXX`, calls, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** An SMTP server accepting every message (no TLS, optional login recorded). */
export async function smtpSink(): Promise<{ port: number; mails: { from: string; to: string[]; user?: string; raw: string }[]; close(): Promise<void> }> {
  const mails: { from: string; to: string[]; user?: string; raw: string }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user as string | undefined,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return { port, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
