import type { Command } from 'commander';
import { loadRunForReport, writeReport } from '../run-report';
import type { CommandContext } from './context';

/** `coinhts report RUN [--out FILE]`: a self-contained HTML report of a saved run. */
export function register(program: Command, ctx: CommandContext): void {
  program
    .command('report')
    .description('write a self-contained HTML report of a saved run (charts, stats, trades; opens offline from disk)')
    .argument('<run-id>', 'run id (see `coinhts results list`)')
    .option('--out <file>', 'report file (default: <run-id>.html in the current folder)')
    .option('--data <dir>', `candle store for the price charts (default DATA_ROOT, now ${ctx.config.dataRoot})`)
    .action(async (runId: string, opts: { out?: string; data?: string }) => {
      const input = await loadRunForReport(ctx, runId, opts.data ?? ctx.config.dataRoot);
      const path = await writeReport(opts.out ?? `${runId}.html`, input);
      ctx.io.stdout(`wrote report of run ${runId} to ${path}\n`);
    });
}
