import { ORDER_RULE_SETS } from '@coinhts/positions';
import { z } from 'zod';
import { InvalidParamsError, type ParamIssue } from '../core/errors';

/** Where signal-driven orders (entries, sell-signal and hold-period exits) fill. */
export const FillRule = {
  /** Decide at the bar's close, fill at the next bar's open (default; no look-ahead). */
  NextOpen: 'next-open',
  /** Fill at the close of the bar that produced the signal (the original coin_hts rule). */
  SignalClose: 'signal-close',
} as const;
/** One of {@link FillRule}'s values. */
export type FillRule = (typeof FillRule)[keyof typeof FillRule];

/** Allowed range of every option, in words; used in error messages and docs. */
export const PORTFOLIO_OPTION_RANGES: Readonly<Record<string, string>> = {
  initial_capital: 'a number in (0, 1e15] (KRW)',
  sizing: 'an object with kind "equity-fraction" | "quantity" | "notional"',
  'sizing.kind': '"equity-fraction", "quantity" or "notional"',
  'sizing.fraction': 'a number in (0, 1] (fraction of equity, entry fee included)',
  'sizing.quantity': 'a number in (0, 1e12] (base units, e.g. BTC)',
  'sizing.krw': 'a number in (0, 1e15] (KRW of notional per entry)',
  lot_step: 'a number in [0, 1e6] (base units; 0 = no rounding)',
  fee_rate: 'a number in [0, 0.1] (fraction of notional per leg; 0.001 = 0.1 %)',
  slippage_rate: 'a number in [0, 0.1] (fraction of price per fill; 0.0002 = 0.02 %)',
  fill: '"next-open" or "signal-close"',
  hold_bars: 'an integer in [1, 1e9], "strategy" (use the strategy\'s hold period) or null (no time exit)',
  stop_loss_pct: 'a number in (0, 100) (percent below the entry fill) or null',
  take_profit_pct: 'a number in (0, 1e6] (percent above the entry fill) or null',
  trailing_stop_pct: 'a number in (0, 100) (percent below the highest high since entry) or null',
  exit_on_sell: 'true or false',
  close_at_end: 'true or false',
  risk_free_rate_pct: 'a number in [-100, 100] (annual, percent)',
  order_rules: '"none" or "upbit-krw" (entries off the price band\'s tick or below 5,000 KRW are refused)',
  bars_per_year: 'a number in [1, 1e8] (bars in a year of trading, e.g. 252 for daily bars of a stock exchange) or null (the timeframe\'s, 24/7)',
};

const num = (field: string, min: number, max: number, { minExclusive = false, maxExclusive = false } = {}) => {
  const error = () => `must be ${PORTFOLIO_OPTION_RANGES[field]}`;
  let s = z.number({ error });
  s = minExclusive ? s.gt(min, { error }) : s.min(min, { error });
  s = maxExclusive ? s.lt(max, { error }) : s.max(max, { error });
  return s;
};

/** Sizing of entries: see `Sizing` in @coinhts/positions. */
export const SizingOptionSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('equity-fraction'), fraction: num('sizing.fraction', 0, 1, { minExclusive: true }).default(1) }),
  z.strictObject({ kind: z.literal('quantity'), quantity: num('sizing.quantity', 0, 1e12, { minExclusive: true }) }),
  z.strictObject({ kind: z.literal('notional'), krw: num('sizing.krw', 0, 1e15, { minExclusive: true }) }),
], { error: () => `must be ${PORTFOLIO_OPTION_RANGES['sizing.kind']}` });

const pctOrNull = (field: string, max: number, maxExclusive: boolean) =>
  num(field, 0, max, { minExclusive: true, maxExclusive }).nullable().default(null);

/**
 * Options of the portfolio simulation and metrics (snake_case: the same JSON travels through the
 * CLI, the HTTP API and job payloads, like strategy params). Unknown keys are rejected, so a typo
 * is an error rather than a silently ignored option. Defaults:
 *
 * | option | default | meaning |
 * |---|---|---|
 * | initial_capital | 10,000,000 | KRW |
 * | sizing | {kind: 'equity-fraction', fraction: 1} | all in (fee included) |
 * | lot_step | 1e-8 | base units; quantities are rounded down to it |
 * | fee_rate | 0.001 | 0.1 % of notional on entry AND exit |
 * | slippage_rate | 0.0002 | 0.02 % adverse on every fill |
 * | fill | 'next-open' | or 'signal-close' (the original) |
 * | hold_bars | 'strategy' | exit after this many bars; null = no time exit; 'strategy' = the strategy's hold period, or no time exit for strategies that exit on their own Sell signals |
 * | stop_loss_pct / take_profit_pct / trailing_stop_pct | null | percent |
 * | exit_on_sell | true | a Sell signal closes the position |
 * | close_at_end | true | an open position is closed at the last close |
 * | risk_free_rate_pct | 0 | annual percent, for Sharpe and Sortino |
 * | order_rules | 'none' | venue rules for entries: 'upbit-krw' refuses prices off the tick and orders below 5,000 KRW (see @coinhts/positions `upbitKrwRules`) |
 * | bars_per_year | null | the market calendar for annualising volatility, Sharpe and Sortino: null = a 24/7 market (365.2425 days of the finest timeframe's bars, right for crypto); 252 for daily bars of an exchange open 252 days a year, 252 × 6.5 for its hourly bars |
 */
export const PortfolioOptionsSchema = z.strictObject({
  initial_capital: num('initial_capital', 0, 1e15, { minExclusive: true }).default(10_000_000),
  sizing: SizingOptionSchema.default({ kind: 'equity-fraction', fraction: 1 }),
  lot_step: num('lot_step', 0, 1e6).default(1e-8),
  fee_rate: num('fee_rate', 0, 0.1).default(0.001),
  slippage_rate: num('slippage_rate', 0, 0.1).default(0.0002),
  fill: z.enum([FillRule.NextOpen, FillRule.SignalClose], { error: () => `must be ${PORTFOLIO_OPTION_RANGES.fill}` }).default(FillRule.NextOpen),
  hold_bars: z.union([
    z.literal('strategy'),
    z.null(),
    z.number().int().min(1).max(1e9),
  ], { error: () => `must be ${PORTFOLIO_OPTION_RANGES.hold_bars}` }).default('strategy'),
  stop_loss_pct: pctOrNull('stop_loss_pct', 100, true),
  take_profit_pct: pctOrNull('take_profit_pct', 1e6, false),
  trailing_stop_pct: pctOrNull('trailing_stop_pct', 100, true),
  exit_on_sell: z.boolean({ error: () => `must be ${PORTFOLIO_OPTION_RANGES.exit_on_sell}` }).default(true),
  close_at_end: z.boolean({ error: () => `must be ${PORTFOLIO_OPTION_RANGES.close_at_end}` }).default(true),
  risk_free_rate_pct: num('risk_free_rate_pct', -100, 100).default(0),
  order_rules: z.enum(ORDER_RULE_SETS, { error: () => `must be ${PORTFOLIO_OPTION_RANGES.order_rules}` }).default('none'),
  bars_per_year: num('bars_per_year', 1, 1e8).nullable().default(null),
});

/** Parsed portfolio options (defaults applied). */
export type PortfolioOptions = z.output<typeof PortfolioOptionsSchema>;
/** Portfolio options as a caller may write them (every field optional). */
export type PortfolioOptionsInput = z.input<typeof PortfolioOptionsSchema>;

/**
 * Turns zod issues into {@link ParamIssue}s: dotted field path, and a message that names the
 * allowed range when `ranges` knows the field. Unknown keys become one issue per key.
 */
export function zodIssuesToParamIssues(issues: readonly z.core.$ZodIssue[], ranges: Readonly<Record<string, string>> = {}): ParamIssue[] {
  const out: ParamIssue[] = [];
  for (const iss of issues) {
    const path = iss.path.map(String).join('.');
    if (iss.code === 'unrecognized_keys') {
      const known = Object.keys(ranges).filter((k) => !k.includes('.'));
      for (const key of iss.keys) {
        out.push({ field: path ? `${path}.${key}` : key, message: `unknown option${known.length ? `; allowed options: ${known.join(', ')}` : ''}` });
      }
      continue;
    }
    const range = ranges[path] ?? ranges[path.replace(/\.\d+(?=\.|$)/g, '')];
    const msg = iss.message;
    out.push({ field: path || '(root)', message: range && !msg.includes(range) ? `${msg}; allowed: ${range}` : msg });
  }
  return out;
}

/** Parses raw options (undefined = all defaults) or throws {@link InvalidParamsError} naming each bad field and its range. */
export function parsePortfolioOptions(raw: unknown): PortfolioOptions {
  const r = PortfolioOptionsSchema.safeParse(raw ?? {});
  if (!r.success) throw new InvalidParamsError(zodIssuesToParamIssues(r.error.issues, PORTFOLIO_OPTION_RANGES), 'backtest options');
  return r.data;
}
