import type { Command } from 'commander';
import { checkNoLookahead, parseStrategyParams } from '@coinhts/engine';
import { CliUsageError, ExitCode } from '../errors';
import { addRunFlags, loadRunCandles, strategyInputs, type RunFlags } from './run-flags';
import type { CommandContext } from './context';

interface CheckFlags extends RunFlags {
  readonly maxPrefixes?: string;
  readonly json?: boolean;
}

/**
 * `coinhts check-strategy`: runs the engine's look-ahead check (`checkNoLookahead`) of a strategy
 * (built-in or plugin) over stored or CSV candles. Exit 0 when every decision depends only on
 * past bars, 1 with the first bar that reads the future.
 */
export function register(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('check-strategy')
    .description('check that a strategy decides each bar from past bars only (batch vs streaming vs truncated prefixes)');
  addRunFlags(cmd, ctx, 'sma_crossover')
    .option('--max-prefixes <n>', 'most truncated prefixes to run (default 400)')
    .option('--json', 'print the report as JSON')
    .action(async (flags: CheckFlags) => {
      const { strategy, params } = strategyInputs(flags);
      const maxPrefixes = flags.maxPrefixes === undefined ? undefined : Number(flags.maxPrefixes);
      if (maxPrefixes !== undefined && !(Number.isInteger(maxPrefixes) && maxPrefixes >= 1)) throw new CliUsageError(`--max-prefixes must be a whole number >= 1, got ${flags.maxPrefixes}`);
      const candles = await loadRunCandles(flags, ctx);
      const parsed = parseStrategyParams(strategy, params);
      let failed = false;
      const reports = candles.series.map((s) => ({ symbol: s.symbol, report: checkNoLookahead(strategy, s.candles, parsed, { maxPrefixes }) }));
      for (const { symbol, report } of reports) {
        if (report.ok) {
          if (!flags.json) ctx.io.stdout(`${symbol}: ok: ${strategy.name} decides all ${report.bars} bars from past bars only (${report.signals} signals; batch = streaming form; ${report.prefixes} truncated prefixes agree)\n`);
        } else {
          failed = true;
          if (!flags.json) ctx.io.stdout(`${symbol}: LOOK-AHEAD at bar ${report.bar} (${new Date(s(candles, symbol).timestamp[report.bar]).toISOString()}): ${report.message}\n`);
        }
      }
      if (flags.json) ctx.io.stdout(`${JSON.stringify(reports, null, 2)}\n`);
      if (failed) ctx.setExitCode(ExitCode.Failure);
    });
}

function s(candles: { series: readonly { symbol: string; candles: { timestamp: Float64Array } }[] }, symbol: string): { timestamp: Float64Array } {
  return (candles.series.find((x) => x.symbol === symbol) ?? candles.series[0]).candles;
}
