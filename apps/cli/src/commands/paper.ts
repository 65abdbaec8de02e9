import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { UpbitClient } from '@coinhts/market-data';
import { PaperService, upbitMarketCheck } from '@coinhts/paper';
import { PaperSessionRepository, PaperSessionStatus, type PaperSessionRecord } from '@coinhts/results';
import { CliUsageError } from '../errors';
import { collect, FRIENDLY_FLAGS, parseKeyValues, portfolioOptionsFromFlags, type FriendlyOptionFlags } from '../flag-values';
import type { CommandContext } from './context';
import { withResultsDatabase } from './db';

interface StartFlags extends FriendlyOptionFlags {
  readonly name?: string;
  readonly pair?: readonly string[];
  readonly timeframe?: string;
  readonly request?: string;
  readonly noMarketCheck?: boolean;
}

/**
 * `--pair SYMBOL:STRATEGY[:key=value,key=value]` → a pair of the start request. Values are
 * numbers, true/false or text, as `--param`.
 */
export function parsePairFlag(text: string): { symbol: string; strategy: string; params: Record<string, unknown> } {
  const [symbol, strategy, ...rest] = text.split(':');
  if (!symbol || !strategy) throw new CliUsageError(`--pair ${text}: write SYMBOL:STRATEGY[:key=value,key=value], e.g. KRW-BTC:sma_crossover:fast_period=10,slow_period=30`);
  const params = rest.length > 0 ? parseKeyValues(rest.join(':').split(',').filter((x) => x.length > 0), '--pair') : {};
  return { symbol, strategy, params };
}

const line = (s: PaperSessionRecord): string => `${s.id}  ${s.status.padEnd(8)}  ${s.name}  owner=${s.owner ?? '-'}  created=${new Date(s.createdAt).toISOString()}`;

/**
 * `coinhts paper start|stop|status|list`: control live paper-trading sessions stored in
 * PostgreSQL (DATABASE_URL, DB_SCHEMA). The sessions run in the `apps/paper` process.
 */
export function register(program: Command, ctx: CommandContext): void {
  const paper = program.command('paper').description('live paper trading on Upbit (sessions run in the apps/paper process)');
  const start = paper.command('start')
    .description('validate and start a session (exit 2 on bad input: unknown market, bad params, a running name, capital below 5,000 KRW per pair)')
    .option('--name <name>', 'session name, unique among live sessions')
    .option('--pair <SYMBOL:STRATEGY[:k=v,...]>', 'a (symbol, strategy, params) pair, repeatable', collect)
    .option('--timeframe <tf>', 'candle timeframe: 1m 3m 5m 10m 15m 30m 1h 4h (default 1m)')
    .option('--option <key=value>', 'portfolio option, repeatable (as for backtest; paper defaults: fee_rate=0.0005, order_rules=upbit-krw)', collect)
    .option('--request <file.json>', 'the whole start request as JSON (name, pairs, timeframe, options) instead of the flags')
    .option('--no-market-check', 'do not ask Upbit whether the markets exist (offline use)');
  for (const [flag, key, help] of FRIENDLY_FLAGS) start.option(flag, `${help} [${key}]`);
  start.action(async (flags: StartFlags & { marketCheck?: boolean }) => {
    let body: unknown;
    if (flags.request !== undefined) {
      if (flags.pair || flags.name) throw new CliUsageError('use either --request FILE or --name/--pair flags, not both');
      try {
        body = JSON.parse(await readFile(flags.request, 'utf8'));
      } catch (err) {
        throw new CliUsageError(`--request ${flags.request}: ${err instanceof Error ? err.message : String(err)}`);
      }
    } else {
      if (!flags.name) throw new CliUsageError('--name is required (a name for the session, e.g. --name btc-sma)');
      if (!flags.pair?.length) throw new CliUsageError('give at least one --pair SYMBOL:STRATEGY, e.g. --pair KRW-BTC:sma_crossover');
      body = { name: flags.name, pairs: flags.pair.map(parsePairFlag), timeframe: flags.timeframe, options: portfolioOptionsFromFlags(flags) };
    }
    await withResultsDatabase(ctx, async (ds) => {
      const markets = flags.marketCheck === false ? undefined : upbitMarketCheck(new UpbitClient({ baseUrl: ctx.config.upbitBaseUrl, maxRetries: 2 }));
      const s = await new PaperService(new PaperSessionRepository(ds), markets).start(body);
      ctx.io.stdout(`started ${s.id} (${s.name}); the paper process runs it — follow with: coinhts paper status ${s.id}\n`);
    });
  });
  paper.command('stop <id>')
    .description('stop a running session (open positions are closed at the last close with close_at_end)')
    .action(async (id: string) => {
      await withResultsDatabase(ctx, async (ds) => {
        const s = await new PaperService(new PaperSessionRepository(ds)).stop(id);
        ctx.io.stdout(`stopping ${s.id} (${s.name}); it is stopped once its process has closed it\n`);
      });
    });
  paper.command('status <id>')
    .description('a session: status, pairs, equity, open positions, trades')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      await withResultsDatabase(ctx, async (ds) => {
        const v = await new PaperService(new PaperSessionRepository(ds)).status(id);
        if (opts.json) { ctx.io.stdout(`${JSON.stringify(v, null, 2)}\n`); return; }
        ctx.io.stdout(`${line(v.session)}\nequity ${v.equity.toFixed(0)} KRW · ${v.trades} trade(s) · ${v.positions.length} open position(s)\n`);
        for (const p of v.pairs) {
          ctx.io.stdout(`  #${p.pairIndex} ${p.symbol} ${p.strategy}  equity ${p.equity.toFixed(0)}  cash ${p.cash.toFixed(0)}  last candle ${p.lastCandleTime === null ? '-' : new Date(p.lastCandleTime).toISOString()}\n`);
        }
        for (const p of v.positions) ctx.io.stdout(`  open: ${p.symbol} ${p.quantity} @ ${p.entryFillPrice} since ${new Date(p.entryTime).toISOString()}  unrealized ${p.unrealizedPnl.toFixed(0)} KRW\n`);
      });
    });
  paper.command('list')
    .description('sessions, newest first')
    .option('--status <status>', `only this status: ${Object.values(PaperSessionStatus).join(', ')}`)
    .option('--json', 'print JSON')
    .action(async (opts: { status?: string; json?: boolean }) => {
      if (opts.status !== undefined && !(Object.values(PaperSessionStatus) as string[]).includes(opts.status)) {
        throw new CliUsageError(`--status ${opts.status}: use one of ${Object.values(PaperSessionStatus).join(', ')}`);
      }
      await withResultsDatabase(ctx, async (ds) => {
        const list = await new PaperService(new PaperSessionRepository(ds)).list(opts.status as PaperSessionStatus | undefined);
        if (opts.json) { ctx.io.stdout(`${JSON.stringify(list, null, 2)}\n`); return; }
        if (list.length === 0) ctx.io.stdout('no paper sessions\n');
        for (const s of list) ctx.io.stdout(`${line(s)}\n`);
      });
    });
}
