import {
  getStrategy, parsePortfolioOptions, resolveHoldBars, zodIssuesToParamIssues, InvalidParamsError, UnknownStrategyError,
  type AnyStrategyDefinition, type ParamIssue, type PortfolioOptions, type Timeframe,
} from '@coinhts/engine';
import { normalizeSymbol, UPBIT_STREAM_TYPES, UpbitHttpError, type UpbitClient } from '@coinhts/market-data';
import { UPBIT_KRW_MIN_ORDER_KRW } from '@coinhts/positions';
import { z } from 'zod';

/**
 * Paper defaults that differ from a backtest's: Upbit's KRW fee (0.05 % per fill, per UPBIT.md's
 * "Trading rules"; a backtest keeps the original's 0.1 %) and Upbit's order rules (tick size,
 * 5,000 KRW minimum). Everything else is the backtest default (`PortfolioOptionsSchema`).
 */
export const PAPER_OPTION_DEFAULTS = { fee_rate: 0.0005, order_rules: 'upbit-krw' } as const;

/** Timeframes a session can run on (the ones Upbit streams as candles). */
export const PAPER_TIMEFRAMES = Object.keys(UPBIT_STREAM_TYPES) as Timeframe[];

/** One (symbol, strategy, params) pair as a caller writes it. */
export const PaperPairSchema = z.strictObject({
  /** Upbit market code, e.g. `KRW-BTC` (legacy `BTC_KRW` accepted). */
  symbol: z.string().min(1),
  /** Registered strategy name, e.g. `sma_crossover`. */
  strategy: z.string().min(1),
  /** Strategy parameters; validated by the strategy's own schema. */
  params: z.record(z.string(), z.unknown()).default({}),
});

/**
 * The start request of a paper session (CLI flags and the HTTP body parse into this). `options`
 * are the backtest's portfolio options (the engine's schema, not a copy) with
 * {@link PAPER_OPTION_DEFAULTS} applied; `options.initial_capital` is the session's capital,
 * split equally between the pairs (each pair trades its own share, so pairs never compete for
 * cash and each pair's result equals a backtest of that pair with its share).
 */
export const PaperSessionRequestSchema = z.strictObject({
  /** Unique among live sessions; letters, digits, `.`, `_`, `-`. */
  name: z.string().regex(/^[A-Za-z0-9._-]{1,200}$/, { error: 'must be 1-200 letters, digits, ".", "_" or "-"' }),
  pairs: z.array(PaperPairSchema).min(1, { error: 'give at least one (symbol, strategy) pair' }).max(200),
  timeframe: z.enum(PAPER_TIMEFRAMES as [Timeframe, ...Timeframe[]], { error: () => `must be one of ${PAPER_TIMEFRAMES.join(', ')}` }).default('1m'),
  options: z.record(z.string(), z.unknown()).default({}),
});
/** A start request as a caller writes it. */
export type PaperSessionRequestInput = z.input<typeof PaperSessionRequestSchema>;

/** A pair after validation. */
export interface ValidatedPair {
  readonly symbol: string;
  readonly strategy: AnyStrategyDefinition;
  /** Parsed params (defaults applied). */
  readonly params: Record<string, unknown>;
  readonly holdBars: number | null;
}

/** A start request after validation: what a session runs. */
export interface ValidatedPaperRequest {
  readonly name: string;
  readonly timeframe: Timeframe;
  /** Parsed portfolio options for each pair (`initial_capital` = the pair's share). */
  readonly pairOptions: PortfolioOptions;
  /** Session capital, KRW. */
  readonly capital: number;
  readonly pairs: readonly ValidatedPair[];
  /** The request as stored (JSON, symbols normalised, params parsed). */
  readonly stored: { name: string; timeframe: Timeframe; options: Record<string, unknown>; pairs: { symbol: string; strategy: string; params: Record<string, unknown> }[] };
}

/** Answers which of some markets Upbit does not list. */
export interface MarketCheck {
  unknownMarkets(symbols: readonly string[]): Promise<string[]>;
}

/**
 * {@link MarketCheck} through Upbit's REST candle endpoint: Upbit answers 404 ("Code not found")
 * for a market it does not list.
 */
export function upbitMarketCheck(client: UpbitClient): MarketCheck {
  return {
    async unknownMarkets(symbols) {
      const unknown: string[] = [];
      for (const s of symbols) {
        try {
          await client.getCandles({ market: s, timeframe: '1m', count: 1 });
        } catch (err) {
          if (err instanceof UpbitHttpError && (err.status === 404 || err.status === 400)) unknown.push(s);
          else throw err;
        }
      }
      return unknown;
    },
  };
}

/**
 * Validates a start request completely before anything is written: the shape, every symbol (and,
 * with `markets`, that Upbit lists it), every strategy and its params, the options, `fill`
 * (`next-open` only: a live order is placed after the candle closed), and the capital (each
 * pair's share must reach Upbit's 5,000 KRW minimum order). Throws {@link InvalidParamsError}
 * listing every problem with the field and how to fix it.
 */
export async function validatePaperRequest(raw: unknown, markets?: MarketCheck): Promise<ValidatedPaperRequest> {
  const r = PaperSessionRequestSchema.safeParse(raw);
  if (!r.success) throw new InvalidParamsError(zodIssuesToParamIssues(r.error.issues), 'paper session request');
  const req = r.data;
  const issues: ParamIssue[] = [];
  let options: PortfolioOptions | undefined;
  try {
    options = parsePortfolioOptions({ ...PAPER_OPTION_DEFAULTS, ...req.options });
  } catch (err) {
    if (!(err instanceof InvalidParamsError)) throw err;
    issues.push(...err.issues.map((i) => ({ field: `options.${i.field}`, message: i.message })));
  }
  if (options && options.fill !== 'next-open') issues.push({ field: 'options.fill', message: 'a live session fills at the next open (orders are placed after the candle closed); use "next-open"' });
  const pairs: ValidatedPair[] = [];
  const seen = new Set<string>();
  req.pairs.forEach((p, i) => {
    let symbol: string;
    try {
      symbol = normalizeSymbol(p.symbol);
    } catch (err) {
      issues.push({ field: `pairs.${i}.symbol`, message: err instanceof Error ? err.message : String(err) });
      return;
    }
    let strategy: AnyStrategyDefinition;
    try {
      strategy = getStrategy(p.strategy);
    } catch (err) {
      if (!(err instanceof UnknownStrategyError)) throw err;
      issues.push({ field: `pairs.${i}.strategy`, message: err.message });
      return;
    }
    const key = `${symbol}|${strategy.name}`;
    if (seen.has(key)) issues.push({ field: `pairs.${i}`, message: `${symbol} with ${strategy.name} is listed twice; each (symbol, strategy) pair may appear once` });
    seen.add(key);
    const params = strategy.paramsSchema.safeParse(p.params);
    if (!params.success) {
      issues.push(...zodIssuesToParamIssues(params.error.issues).map((x) => ({ field: `pairs.${i}.params.${x.field}`, message: x.message })));
      return;
    }
    const parsed = params.data as Record<string, unknown>;
    pairs.push({ symbol, strategy, params: parsed, holdBars: options ? resolveHoldBars(strategy, parsed, options) : null });
  });
  let pairOptions: PortfolioOptions | undefined;
  if (options) {
    const share = options.initial_capital / req.pairs.length;
    if (options.order_rules === 'upbit-krw' && share < UPBIT_KRW_MIN_ORDER_KRW) {
      issues.push({ field: 'options.initial_capital', message: `${options.initial_capital} KRW over ${req.pairs.length} pair(s) is ${share.toFixed(2)} KRW per pair, below Upbit's minimum order of ${UPBIT_KRW_MIN_ORDER_KRW} KRW; raise the capital to at least ${UPBIT_KRW_MIN_ORDER_KRW * req.pairs.length} KRW` });
    }
    pairOptions = { ...options, initial_capital: share };
  }
  if (issues.length === 0 && markets) {
    const unknown = await markets.unknownMarkets([...new Set(pairs.map((p) => p.symbol))]);
    for (const u of unknown) {
      const i = pairs.findIndex((p) => p.symbol === u);
      issues.push({ field: `pairs.${i}.symbol`, message: `Upbit does not list the market ${u}; use a listed KRW market such as KRW-BTC` });
    }
  }
  if (issues.length > 0 || !options || !pairOptions) throw new InvalidParamsError(issues, 'paper session request');
  return {
    name: req.name, timeframe: req.timeframe, pairOptions, capital: options.initial_capital, pairs,
    stored: { name: req.name, timeframe: req.timeframe, options: { ...options }, pairs: pairs.map((p) => ({ symbol: p.symbol, strategy: p.strategy.name, params: p.params })) },
  };
}
