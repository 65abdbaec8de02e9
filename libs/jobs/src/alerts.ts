/**
 * Alerts for jobs that failed for good: a Slack incoming webhook and/or e-mail (SMTP), each
 * optional. Failures are batched: the first one opens a window (default 60 s) and when it closes
 * ONE summary of everything that failed in it goes out, so a burst of 500 failures is one
 * message, not 500. The window and the pending list live in Redis, so with several worker
 * processes a burst still gives one summary.
 */
import { createTransport, type Transporter } from 'nodemailer';
import { AlertDeliveryError } from './errors';
import type { DeadLetterEntry } from './dead-letter';
import type { RedisClient } from './redis';

/** Severity of an alert (colours follow the original's notifier). */
export type AlertLevel = 'info' | 'warning' | 'error' | 'critical';

/** A message to send. */
export interface AlertMessage {
  readonly level: AlertLevel;
  /** One line. */
  readonly title: string;
  /** Plain-text body (several lines). */
  readonly text: string;
  /** Key facts, shown as a table. */
  readonly fields: readonly { readonly title: string; readonly value: string }[];
}

/** Somewhere alerts go. */
export interface AlertChannel {
  /** `slack`, `email`, … */
  readonly name: string;
  /** Sends `message`; throws `AlertDeliveryError` when the channel refused it. */
  send(message: AlertMessage): Promise<void>;
}

const COLOURS: Readonly<Record<AlertLevel, string>> = { info: '#36a64f', warning: '#ff9900', error: '#e74c3c', critical: '#c0392b' };
const EMOJI: Readonly<Record<AlertLevel, string>> = { info: 'ℹ️', warning: '⚠️', error: '❌', critical: '🚨' };

/** Options of {@link SlackWebhookChannel}. */
export interface SlackWebhookOptions {
  /** Incoming-webhook URL (`https://hooks.slack.com/services/…`). */
  readonly webhookUrl: string;
  /** Channel override (most webhooks ignore it). */
  readonly channel?: string;
  /** Request timeout, ms (default 10 000). */
  readonly timeoutMs?: number;
  /** `fetch` to use (default the global one). */
  readonly fetch?: typeof fetch;
  /** Clock, epoch ms (for the attachment timestamp). */
  readonly clock?: () => number;
}

/** Posts alerts to a Slack incoming webhook as one attachment (the original notifier's layout). */
export class SlackWebhookChannel implements AlertChannel {
  readonly name = 'slack';
  constructor(private readonly options: SlackWebhookOptions) {}

  async send(message: AlertMessage): Promise<void> {
    const body = {
      text: `${EMOJI[message.level]} ${message.title}`,
      ...(this.options.channel ? { channel: this.options.channel } : {}),
      attachments: [
        {
          fallback: message.text,
          color: COLOURS[message.level],
          title: message.title,
          text: message.text,
          fields: message.fields.map((f) => ({ title: f.title, value: f.value, short: f.value.length < 50 })),
          footer: 'coin-hts worker',
          ts: Math.floor((this.options.clock ?? Date.now)() / 1000),
        },
      ],
    };
    const doFetch = this.options.fetch ?? fetch;
    let res: Response;
    try {
      res = await doFetch(this.options.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new AlertDeliveryError(this.name, (err as Error).message, { cause: err });
    }
    if (!res.ok) throw new AlertDeliveryError(this.name, `webhook answered HTTP ${res.status}`);
  }
}

/** Options of {@link EmailChannel}. */
export interface EmailOptions {
  /** SMTP server. */
  readonly host: string;
  /** Port (default 587). */
  readonly port?: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS is used when offered (default false). */
  readonly secure?: boolean;
  /** Login, when the server wants one. */
  readonly user?: string;
  readonly password?: string;
  /** Sender address. */
  readonly from: string;
  /** Recipients. */
  readonly to: readonly string[];
  /** Connection and send timeout, ms (default 10 000). */
  readonly timeoutMs?: number;
  /** A ready transport (tests); overrides host/port/auth. */
  readonly transport?: Transporter;
}

/** Sends alerts by e-mail (plain text + HTML). */
export class EmailChannel implements AlertChannel {
  readonly name = 'email';
  private readonly transport: Transporter;
  constructor(private readonly options: EmailOptions) {
    const t = options.timeoutMs ?? 10_000;
    this.transport =
      options.transport ??
      createTransport({
        host: options.host,
        port: options.port ?? 587,
        secure: options.secure ?? false,
        auth: options.user ? { user: options.user, pass: options.password ?? '' } : undefined,
        connectionTimeout: t,
        greetingTimeout: t,
        socketTimeout: t,
      });
  }

  async send(message: AlertMessage): Promise<void> {
    const rows = message.fields.map((f) => `<tr><th align="left">${escapeHtml(f.title)}</th><td>${escapeHtml(f.value)}</td></tr>`).join('');
    try {
      await this.transport.sendMail({
        from: this.options.from,
        to: [...this.options.to],
        subject: `[${message.level.toUpperCase()}] ${message.title}`,
        text: `${message.text}\n\n${message.fields.map((f) => `${f.title}: ${f.value}`).join('\n')}\n`,
        html: `<p><b>${escapeHtml(message.title)}</b></p><pre>${escapeHtml(message.text)}</pre><table>${rows}</table>`,
      });
    } catch (err) {
      throw new AlertDeliveryError(this.name, (err as Error).message, { cause: err });
    }
  }

  /** Closes the SMTP connection pool. */
  close(): void {
    this.transport.close();
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** The short form of a failed job kept while a window is open. */
export interface FailureNote {
  readonly queue: string;
  readonly jobId: string;
  readonly code: string;
  readonly message: string;
  readonly attemptsMade: number;
  readonly failedAt: number;
}

/** Where pending notes and the window live. */
export interface AlertWindowStore {
  /** Appends a note. */
  push(note: FailureNote): Promise<void>;
  /** Opens a window of `ms` unless one is open; true when this call opened it. */
  tryOpenWindow(ms: number): Promise<boolean>;
  /** Takes (and removes) every pending note. */
  drain(): Promise<FailureNote[]>;
}

/** {@link AlertWindowStore} in one process's memory (single-process use and unit tests). */
export class MemoryAlertWindowStore implements AlertWindowStore {
  private notes: FailureNote[] = [];
  private openUntil = 0;
  constructor(private readonly clock: () => number = Date.now) {}
  async push(note: FailureNote): Promise<void> {
    this.notes.push(note);
  }
  async tryOpenWindow(ms: number): Promise<boolean> {
    const now = this.clock();
    if (now < this.openUntil) return false;
    this.openUntil = now + ms;
    return true;
  }
  async drain(): Promise<FailureNote[]> {
    const out = this.notes;
    this.notes = [];
    return out;
  }
}

/** {@link AlertWindowStore} in Redis, shared by every worker process of a deployment. */
export class RedisAlertWindowStore implements AlertWindowStore {
  private readonly listKey: string;
  private readonly windowKey: string;
  constructor(private readonly redis: RedisClient, prefix: string) {
    this.listKey = `${prefix}:coinhts-alerts:pending`;
    this.windowKey = `${prefix}:coinhts-alerts:window`;
  }
  async push(note: FailureNote): Promise<void> {
    await this.redis.rPush(this.listKey, JSON.stringify(note));
    // Pending notes of a window whose owner died are picked up by the next window; cap them.
    await this.redis.lTrim(this.listKey, -10_000, -1);
  }
  async tryOpenWindow(ms: number): Promise<boolean> {
    return (await this.redis.set(this.windowKey, String(Date.now()), { condition: 'NX', expiration: { type: 'PX', value: ms } })) === 'OK';
  }
  async drain(): Promise<FailureNote[]> {
    const [items] = (await this.redis.multi().lRange(this.listKey, 0, -1).del(this.listKey).exec()) as unknown as [string[], number];
    return (items ?? []).map((s) => JSON.parse(s) as FailureNote);
  }
}

/** Options of {@link FailureAlerter}. */
export interface FailureAlerterOptions {
  /** Where alerts go (none: alerts are only logged through `onSent`). */
  readonly channels: readonly AlertChannel[];
  /** Shared window state (default: in memory). */
  readonly store?: AlertWindowStore;
  /** Length of a batching window, ms (default 60 000). */
  readonly windowMs?: number;
  /** Jobs listed by id in one summary; the rest are counted (default 20). */
  readonly maxListed?: number;
  /** Called after each summary with the channels that failed (for logs and metrics). */
  readonly onSent?: (summary: AlertMessage, failures: readonly AlertDeliveryError[]) => void;
  /** Clock, epoch ms. */
  readonly clock?: () => number;
}

/**
 * Batches failures into summaries (see the module comment). {@link FailureAlerter.notify} never
 * throws; delivery problems are reported through `onSent`.
 */
export class FailureAlerter {
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly store: AlertWindowStore;
  private readonly windowMs: number;

  constructor(private readonly options: FailureAlerterOptions) {
    this.store = options.store ?? new MemoryAlertWindowStore(options.clock);
    this.windowMs = options.windowMs ?? 60_000;
  }

  /** Records a dead-lettered job; the summary containing it goes out when the window closes. */
  async notify(entry: DeadLetterEntry): Promise<void> {
    await this.store.push({
      queue: entry.queue,
      jobId: entry.jobId,
      code: entry.error.code,
      message: entry.error.message,
      attemptsMade: entry.attemptsMade,
      failedAt: entry.failedAt,
    });
    if (await this.store.tryOpenWindow(this.windowMs)) {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flushing = this.flushing.then(() => this.flush());
      }, this.windowMs);
      this.timer.unref?.();
    }
  }

  /** Sends a summary of everything pending now (also on shutdown). Resolves when sent (or failed). */
  async flush(): Promise<void> {
    const notes = await this.store.drain();
    if (notes.length === 0) return;
    const summary = summarize(notes, this.options.maxListed ?? 20);
    const results = await Promise.allSettled(this.options.channels.map((c) => c.send(summary)));
    const failures = results
      .map((r, i) => (r.status === 'rejected' ? (r.reason instanceof AlertDeliveryError ? r.reason : new AlertDeliveryError(this.options.channels[i].name, String(r.reason))) : null))
      .filter((e): e is AlertDeliveryError => e !== null);
    this.options.onSent?.(summary, failures);
  }

  /** Stops the window timer and sends what is pending of this process's window. */
  async close(): Promise<void> {
    const hadTimer = this.timer !== undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flushing;
    if (hadTimer) await this.flush();
  }
}

/** Builds the summary message of a window's failures. */
export function summarize(notes: readonly FailureNote[], maxListed: number): AlertMessage {
  const byCode = countBy(notes, (n) => n.code);
  const byQueue = countBy(notes, (n) => n.queue);
  const listed = notes.slice(0, maxListed).map((n) => `• ${n.queue} ${n.jobId} — ${n.code}: ${truncate(n.message, 200)} (attempts: ${n.attemptsMade})`);
  if (notes.length > maxListed) listed.push(`… and ${notes.length - maxListed} more`);
  const first = Math.min(...notes.map((n) => n.failedAt));
  const last = Math.max(...notes.map((n) => n.failedAt));
  return {
    level: notes.length >= 10 ? 'critical' : 'error',
    title: `coin-hts: ${notes.length} job${notes.length === 1 ? '' : 's'} failed for good and went to the dead-letter queue`,
    text: listed.join('\n'),
    fields: [
      { title: 'Failed jobs', value: String(notes.length) },
      { title: 'By error code', value: Object.entries(byCode).map(([k, v]) => `${k}: ${v}`).join(', ') },
      { title: 'By queue', value: Object.entries(byQueue).map(([k, v]) => `${k}: ${v}`).join(', ') },
      { title: 'Between', value: `${new Date(first).toISOString()} and ${new Date(last).toISOString()}` },
    ],
  };
}

function countBy<T>(items: readonly T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[key(i)] = (out[key(i)] ?? 0) + 1;
  return out;
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}
