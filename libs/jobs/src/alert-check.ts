/**
 * A test message through every configured alert channel (Slack incoming webhook, SMTP e-mail),
 * using the same channel classes the workers use, so a message that arrives proves the settings.
 * Behind `coinhts alerts test` and `coinhts-ops alerts-test`.
 */
import { z } from 'zod';
import { EmailChannel, SlackWebhookChannel, type AlertChannel, type AlertMessage } from './alerts';

/** Alert channels as configured (each optional). */
export interface AlertSettings {
  readonly slack?: { readonly webhookUrl: string; readonly channel?: string };
  readonly email?: { readonly host: string; readonly port: number; readonly secure: boolean; readonly user?: string; readonly password?: string; readonly from: string; readonly to: readonly string[] };
}

/** Outcome of one channel. */
export interface ChannelResult {
  readonly channel: string;
  readonly ok: boolean;
  /** Why it failed. */
  readonly error?: string;
  readonly durationMs: number;
}

/** The test message (level info, so nobody mistakes it for an incident). */
export function testMessage(now: Date, host: string): AlertMessage {
  return {
    level: 'info',
    title: 'coin-hts: alert channel test',
    text: `This is a test of the coin-hts alert settings, sent by \`alerts-test\` from ${host}. No job failed.`,
    fields: [
      { title: 'Sent at', value: now.toISOString() },
      { title: 'Host', value: host },
    ],
  };
}

/** Channels for the configured alert settings (none when nothing is configured). */
export function channelsFor(alerts: AlertSettings, options: { readonly timeoutMs?: number; readonly fetch?: typeof fetch } = {}): AlertChannel[] {
  const out: AlertChannel[] = [];
  if (alerts.slack) out.push(new SlackWebhookChannel({ webhookUrl: alerts.slack.webhookUrl, channel: alerts.slack.channel, timeoutMs: options.timeoutMs, fetch: options.fetch }));
  if (alerts.email) out.push(new EmailChannel({ ...alerts.email, timeoutMs: options.timeoutMs }));
  return out;
}

/** Sends `message` through each channel at once; never throws (failures are results). */
export async function sendTestAlerts(channels: readonly AlertChannel[], message: AlertMessage): Promise<ChannelResult[]> {
  return Promise.all(
    channels.map(async (c) => {
      const t0 = Date.now();
      try {
        await c.send(message);
        return { channel: c.name, ok: true, durationMs: Date.now() - t0 };
      } catch (err) {
        const cause = (err as { cause?: unknown }).cause;
        const detail = cause instanceof Error && !(err as Error).message.includes(cause.message) ? ` (${cause.message})` : '';
        return { channel: c.name, ok: false, error: `${(err as Error).message}${detail}`, durationMs: Date.now() - t0 };
      } finally {
        if (c instanceof EmailChannel) c.close();
      }
    }),
  );
}

const csv = z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

/**
 * The alert variables every process reads (the worker's names): ALERT_SLACK_WEBHOOK_URL,
 * ALERT_SLACK_CHANNEL, SMTP_HOST, SMTP_PORT (587), SMTP_SECURE (false), SMTP_USER, SMTP_PASSWORD,
 * ALERT_EMAIL_FROM, ALERT_EMAIL_TO (comma-separated). Validates them as a set.
 */
export const AlertEnvSchema = z.object({
  ALERT_SLACK_WEBHOOK_URL: z.url({ protocol: /^https?$/, error: () => 'must be an http(s) URL' }).optional(),
  ALERT_SLACK_CHANNEL: z.string().min(1).optional(),
  SMTP_HOST: z.string().min(1).optional(),
  SMTP_PORT: z.coerce.number({ error: () => 'must be a port number' }).int().min(1).max(65_535).default(587),
  SMTP_SECURE: z.enum(['true', 'false', '1', '0'], { error: () => 'must be true or false' }).transform((v) => v === 'true' || v === '1').default(false),
  SMTP_USER: z.string().min(1).optional(),
  SMTP_PASSWORD: z.string().min(1).optional(),
  ALERT_EMAIL_FROM: z.email({ error: () => 'must be an e-mail address' }).optional(),
  ALERT_EMAIL_TO: csv.pipe(z.array(z.email({ error: () => 'each recipient must be an e-mail address' }))).optional(),
}).superRefine((e, ctx) => {
  if (e.SMTP_HOST && !e.ALERT_EMAIL_FROM) ctx.addIssue({ code: 'custom', path: ['ALERT_EMAIL_FROM'], message: 'is required when SMTP_HOST is set' });
  if (e.SMTP_HOST && !(e.ALERT_EMAIL_TO && e.ALERT_EMAIL_TO.length)) ctx.addIssue({ code: 'custom', path: ['ALERT_EMAIL_TO'], message: 'is required when SMTP_HOST is set' });
  if (e.SMTP_USER && !e.SMTP_PASSWORD) ctx.addIssue({ code: 'custom', path: ['SMTP_PASSWORD'], message: 'is required when SMTP_USER is set' });
});

/**
 * Alert settings from environment-style variables (passed in, never read here). Returns the
 * settings, or the list of problems naming each variable.
 */
export function alertSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): { readonly settings: AlertSettings; readonly problems: readonly string[] } {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const r = AlertEnvSchema.safeParse(cleaned);
  if (!r.success) return { settings: {}, problems: r.error.issues.map((i) => `${String(i.path[0] ?? 'environment')}: ${i.message}`) };
  const e = r.data;
  return {
    problems: [],
    settings: {
      slack: e.ALERT_SLACK_WEBHOOK_URL ? { webhookUrl: e.ALERT_SLACK_WEBHOOK_URL, channel: e.ALERT_SLACK_CHANNEL } : undefined,
      email: e.SMTP_HOST
        ? { host: e.SMTP_HOST, port: e.SMTP_PORT, secure: e.SMTP_SECURE, user: e.SMTP_USER, password: e.SMTP_PASSWORD, from: e.ALERT_EMAIL_FROM as string, to: e.ALERT_EMAIL_TO ?? [] }
        : undefined,
    },
  };
}
