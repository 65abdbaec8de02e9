/**
 * Local stand-ins for alert destinations: a Slack-like webhook (node:http on 127.0.0.1:0) and an
 * SMTP sink (smtp-server on 127.0.0.1:0). Both record what they receive.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** A received webhook call. */
export interface WebhookCall {
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: unknown;
}

/** A fake webhook that answers `status` (default 200). */
export async function startWebhookSink(status = 200): Promise<{ url: string; calls: WebhookCall[]; setStatus(s: number): void; close(): Promise<void> }> {
  const calls: WebhookCall[] = [];
  let answer = status;
  const server: Server = createServer((req, res) => {
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
      calls.push({ path: req.url ?? '', contentType: req.headers['content-type'], body });
      res.statusCode = answer;
      res.end(answer === 200 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/services/T000/B000/XXXX`,
    calls,
    setStatus: (s) => {
      answer = s;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A received e-mail. */
export interface ReceivedMail {
  readonly from: string;
  readonly to: string[];
  readonly raw: string;
}

/** An SMTP server that accepts every message without auth or TLS. */
export async function startSmtpSink(): Promise<{ host: string; port: number; mails: ReceivedMail[]; close(): Promise<void> }> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return { host: '127.0.0.1', port, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
