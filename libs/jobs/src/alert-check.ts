/**
 * A test message through every configured alert channel (Slack incoming webhook, SMTP e-mail),
 * using the same channel classes the workers use, so a message that arrives proves the settings.
 * Behind `coinhts alerts test` and `coinhts-ops alerts-test`; the settings come from the `alerts`
 * fragment of `@coinhts/config` (one definition of the ALERT_* and SMTP_* variables).
 */
import type { AlertSettings } from '@coinhts/config';
import { EmailChannel, SlackWebhookChannel, type AlertChannel, type AlertMessage } from './alerts';

/** Alert channels as configured: parsed by the `alerts` fragment of `@coinhts/config`. */
export type { AlertSettings };

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
