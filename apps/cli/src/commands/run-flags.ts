import type { Command } from 'commander';
import { getStrategy, parsePortfolioOptions, parseStrategyParams, type AnyStrategyDefinition } from '@coinhts/engine';
import { DEFAULT_SYMBOL, DEFAULT_TIMEFRAME, loadCandles, type LoadedCandles } from '../candle-input';
import { CliUsageError } from '../errors';
import { collect, FRIENDLY_FLAGS, parseKeyValues, portfolioOptionsFromFlags, resolveNames, type FriendlyOptionFlags } from '../flag-values';
import type { CommandContext } from './context';

/** Flags shared by `backtest` and `sweep`, as commander parses them. */
export interface RunFlags extends FriendlyOptionFlags {
  readonly strategy: string;
  readonly symbol?: readonly string[];
  readonly timeframe?: string;
  readonly from?: string;
  readonly to?: string;
  readonly param?: readonly string[];
  readonly csv?: string;
  readonly data?: string;
  readonly repair?: boolean;
  readonly ignoreQuality?: boolean;
}

/** Adds the strategy, data and portfolio flags to a command. */
export function addRunFlags(cmd: Command, ctx: CommandContext, defaultStrategy: string): Command {
  cmd
    .option('--strategy <name>', 'strategy name (see `coinhts strategies`)', defaultStrategy)
    .option('--symbol <market>', `market, repeatable for a multi-symbol run sharing one cash account (default ${DEFAULT_SYMBOL})`, collect)
    .option('--timeframe <tf>', `1m 3m 5m 10m 15m 30m 1h 4h 1d 1w 1mo (default ${DEFAULT_TIMEFRAME}; with --csv: the file's)`)
    .option('--from <date>', `first candle: YYYY-MM-DD (${ctx.config.timeZone}) or ISO 8601 (default: the first stored)`)
    .option('--to <date>', 'last candle, inclusive (default: the last stored)')
    .option('--param <key=value>', 'strategy parameter, repeatable (e.g. volume_window=20); values are numbers, true/false or text', collect)
    .option('--option <key=value>', 'portfolio option, repeatable (e.g. fee_rate=0.001, stop_loss_pct=2, fill=signal-close, sizing.kind=notional)', collect);
  for (const [flag, key, help] of FRIENDLY_FLAGS) cmd.option(flag, `${help} [${key}]`);
  return cmd
    .option('--csv <file>', 'candles from a CSV (or Parquet) file: timestamp (ISO 8601 or epoch ms), open, high, low, close, volume; read in memory, not stored')
    .option('--data <dir>', `candle store folder (default DATA_ROOT, or the bundled sample: ${ctx.config.dataRoot})`)
    .option('--repair', 'drop invalid rows and duplicate timestamps (keep the last) instead of refusing the data')
    .option('--ignore-quality', 'run even when the data-quality check says the data is invalid');
}

/** The strategy, raw params and raw options of a run, validated before any data is loaded. */
export interface StrategyInputs {
  readonly strategy: AnyStrategyDefinition;
  /** Parameters as given (names resolved); the engine applies defaults. */
  readonly params: Record<string, unknown>;
  /** Portfolio options as given; the engine applies defaults. */
  readonly options: Record<string, unknown>;
  /** Names of the strategy's parameters. */
  readonly paramNames: readonly string[];
}

/** Parses and validates `--strategy`, `--param` and the portfolio flags (errors name the field and its range). */
export function strategyInputs(flags: RunFlags): StrategyInputs {
  const strategy = getStrategy(flags.strategy);
  const paramNames = Object.keys((strategy.jsonSchema.properties ?? {}) as Record<string, unknown>);
  const params = resolveNames(parseKeyValues(flags.param, '--param'), paramNames);
  parseStrategyParams(strategy, params);
  const options = portfolioOptionsFromFlags(flags);
  parsePortfolioOptions(options);
  return { strategy, params, options, paramNames };
}

/** Loads the candles the flags ask for (store or CSV, through the quality gate). */
export function loadRunCandles(flags: RunFlags, ctx: CommandContext): Promise<LoadedCandles> {
  if (flags.csv !== undefined && flags.data !== undefined) throw new CliUsageError('use either --csv FILE or --data DIR, not both');
  if (flags.repair && flags.ignoreQuality) throw new CliUsageError('use either --repair or --ignore-quality, not both');
  return loadCandles({
    symbols: flags.symbol ?? [],
    timeframe: flags.timeframe,
    from: flags.from,
    to: flags.to,
    zone: ctx.config.timeZone,
    quality: flags.repair ? 'repair' : flags.ignoreQuality ? 'ignore' : 'refuse',
    csv: flags.csv,
    dataRoot: flags.data ?? ctx.config.dataRoot,
  });
}
