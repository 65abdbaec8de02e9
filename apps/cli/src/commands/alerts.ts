import { hostname } from 'node:os';
import { CLI_ALERTS_CONFIG, formatProblem } from '@coinhts/config';
import { channelsFor, sendTestAlerts, testMessage } from '@coinhts/jobs';
import { InvalidArgumentError, type Command } from 'commander';
import { ExitCode } from '../errors';
import type { CommandContext } from './context';

/** `coinhts alerts test`: one test message through every configured alert channel. */
export function register(program: Command, ctx: CommandContext): void {
  const alerts = program.command('alerts').description('alert channels (Slack webhook, SMTP e-mail) used by the workers');
  alerts
    .command('test')
    .description('send one test message to every configured channel (ALERT_SLACK_WEBHOOK_URL; SMTP_HOST, ALERT_EMAIL_FROM, ALERT_EMAIL_TO, ...)')
    .option('--timeout-ms <ms>', 'give up on a channel after this long', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 100 || n > 600_000) throw new InvalidArgumentError('must be an integer between 100 and 600000');
      return n;
    }, 10_000)
    .action(async (opts: { timeoutMs: number }) => {
      const parsed = CLI_ALERTS_CONFIG.parse(ctx.config.alertEnv ?? {});
      if (!parsed.ok) {
        ctx.io.stderr(`error: the alert settings are incomplete:\n${parsed.problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}\n`);
        ctx.setExitCode(ExitCode.BadInput);
        return;
      }
      const settings = parsed.value;
      const channels = channelsFor(settings, { timeoutMs: opts.timeoutMs });
      if (channels.length === 0) {
        ctx.io.stderr('error: no alert channel is configured; set ALERT_SLACK_WEBHOOK_URL and/or SMTP_HOST with ALERT_EMAIL_FROM and ALERT_EMAIL_TO (see .env.example)\n');
        ctx.setExitCode(ExitCode.BadInput);
        return;
      }
      const results = await sendTestAlerts(channels, testMessage(new Date(), hostname()));
      for (const r of results) ctx.io.stdout(r.ok ? `${r.channel}: sent (${r.durationMs} ms)\n` : `${r.channel}: FAILED: ${r.error}\n`);
      if (results.some((r) => !r.ok)) ctx.setExitCode(ExitCode.Failure);
    });
}
