import type { BacktestSummary, SymbolSummary } from '@coinhts/engine';
import { formatFractionAsPercent, formatValue, unitLabel, type ValueKind } from './format';

/**
 * One line of a stats table: a label, the raw value and its kind (which fixes unit and format).
 * The CLI prints `label [unit]  value`; the report prints `label  value unit`. Both come from
 * {@link statsRows}, so the two never disagree about what a number means.
 */
export interface StatRow {
  /** Path of the value in the summary (e.g. `portfolio.sharpe`), or null for composed rows. */
  readonly key: string | null;
  readonly label: string;
  readonly kind: ValueKind;
  readonly value: unknown;
  /** Decimals, when not the kind's default. */
  readonly digits?: number;
  /** Text after the value (e.g. ` (12 bars)`). */
  readonly suffix?: string;
}

/** A column of {@link StatsTables.perSymbol}. */
export interface StatColumn {
  readonly label: string;
  readonly kind: ValueKind;
  readonly digits?: number;
}

/** Every stats table of a backtest summary. */
export interface StatsTables {
  /** Strategy, parameters, trading rules (fees, slippage, exits), symbols, data range. */
  readonly setup: readonly StatRow[];
  /** Returns, risk ratios, drawdowns, trade statistics, costs. */
  readonly performance: readonly StatRow[];
  /** The signal study: every Buy signal, close to close, no costs (the original's view). */
  readonly signalStudy: readonly StatRow[];
  /** One row per symbol (values in column order). */
  readonly perSymbol: { readonly columns: readonly StatColumn[]; readonly rows: readonly (readonly unknown[])[] };
}

const compact = (v: unknown): string => (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));

/** The trading rules of a run in one line: fee, slippage, fill, exits, sizing. */
export function tradingRules(s: BacktestSummary): string {
  const o = s.options;
  const rules = [`fee ${formatFractionAsPercent(o.fee_rate, { digits: 3 })} per leg`, `slippage ${formatFractionAsPercent(o.slippage_rate, { digits: 3 })}`, `fill ${o.fill}`];
  rules.push(s.resolved.hold_bars === null ? 'no time exit' : `exit after ${s.resolved.hold_bars} bar(s)`);
  if (o.stop_loss_pct !== null) rules.push(`stop-loss ${o.stop_loss_pct} %`);
  if (o.take_profit_pct !== null) rules.push(`take-profit ${o.take_profit_pct} %`);
  if (o.trailing_stop_pct !== null) rules.push(`trailing stop ${o.trailing_stop_pct} %`);
  if (!o.exit_on_sell) rules.push('sell signals ignored');
  if (o.sizing.kind !== 'equity-fraction' || o.sizing.fraction !== 1) rules.push(`sizing ${compact(o.sizing)}`);
  return rules.join(', ');
}

const text = (label: string, value: string): StatRow => ({ key: null, label, kind: 'text', value });

/** The stats tables of a summary, in the spirit of backtesting.py's (see docs/metrics.md for the formulas). */
export function statsRows(s: BacktestSummary): StatsTables {
  const p = s.portfolio;
  const single = s.symbols.length === 1 ? s.symbols[0] : undefined;
  const setup: StatRow[] = [
    text('Strategy', `${s.strategy.name} (${s.strategy.title})`),
    text('Parameters', Object.entries(s.params).map(([k, v]) => `${k}=${compact(v)}`).join(' ')),
    text('Trading rules', tradingRules(s)),
    text('Symbols', s.symbols.map((x) => `${x.symbol} ${x.timeframe}`).join(', ')),
    { key: 'period.start_ms', label: 'Start', kind: 'time_ms', value: s.period.start_ms },
    { key: 'period.end_ms', label: 'End', kind: 'time_ms', value: s.period.end_ms },
    { key: null, label: 'Duration', kind: 'duration_ms', value: s.period.end_ms - s.period.start_ms + s.resolved.bar_ms },
    { key: 'period.bars', label: 'Bars', kind: 'count', value: s.period.bars },
  ];
  const performance: StatRow[] = [
    { key: 'portfolio.exposure', label: 'Exposure Time', kind: 'fraction', value: p.exposure },
    { key: 'portfolio.initial_capital_krw', label: 'Equity Start', kind: 'krw', value: p.initial_capital_krw },
    { key: 'portfolio.final_equity_krw', label: 'Equity Final', kind: 'krw', value: p.final_equity_krw },
    { key: 'portfolio.total_return_pct', label: 'Return', kind: 'percent', value: p.total_return_pct },
  ];
  if (single) performance.push({ key: 'symbols.0.buy_and_hold_return_pct', label: 'Buy & Hold Return', kind: 'percent', value: single.buy_and_hold_return_pct });
  else s.symbols.forEach((x, i) => performance.push({ key: `symbols.${i}.buy_and_hold_return_pct`, label: `Buy & Hold ${x.symbol}`, kind: 'percent', value: x.buy_and_hold_return_pct }));
  performance.push(
    { key: 'portfolio.cagr_pct', label: 'CAGR', kind: 'percent', value: p.cagr_pct },
    { key: 'portfolio.volatility_ann_pct', label: 'Volatility (Ann.)', kind: 'percent', value: p.volatility_ann_pct },
    { key: 'portfolio.sharpe', label: 'Sharpe Ratio', kind: 'ratio', value: p.sharpe },
    { key: 'portfolio.sortino', label: 'Sortino Ratio', kind: 'ratio', value: p.sortino },
    { key: 'portfolio.calmar', label: 'Calmar Ratio', kind: 'ratio', value: p.calmar },
    // Drawdown is stored as a positive depth; shown negative, as backtesting.py does.
    { key: 'portfolio.max_drawdown_pct', label: 'Max. Drawdown', kind: 'percent', value: p.max_drawdown_pct === 0 ? 0 : -p.max_drawdown_pct },
    { key: 'portfolio.max_drawdown_duration_ms', label: 'Max. Drawdown Duration', kind: 'duration_ms', value: p.max_drawdown_duration_ms, suffix: ` (${p.max_drawdown_duration_bars} bars)` },
    { key: 'portfolio.longest_drawdown_ms', label: 'Longest Drawdown Duration', kind: 'duration_ms', value: p.longest_drawdown_ms, suffix: ` (${p.longest_drawdown_bars} bars)` },
    { key: 'portfolio.trade_count', label: '# Trades', kind: 'count', value: p.trade_count },
    { key: 'portfolio.win_rate', label: 'Win Rate', kind: 'fraction', value: p.win_rate },
    { key: 'portfolio.best_trade_pct', label: 'Best Trade', kind: 'percent', value: p.best_trade_pct },
    { key: 'portfolio.worst_trade_pct', label: 'Worst Trade', kind: 'percent', value: p.worst_trade_pct },
    { key: 'portfolio.avg_trade_pct', label: 'Avg. Trade', kind: 'percent', value: p.avg_trade_pct },
    { key: 'portfolio.avg_bars_held', label: 'Avg. Bars Held', kind: 'ratio', value: p.avg_bars_held, digits: 1 },
    { key: 'portfolio.profit_factor', label: 'Profit Factor', kind: 'ratio', value: p.profit_factor },
    { key: 'portfolio.expectancy_pct', label: 'Expectancy', kind: 'percent', value: p.expectancy_pct },
    { key: 'portfolio.expectancy_krw', label: 'Expectancy', kind: 'krw', value: p.expectancy_krw },
    { key: 'portfolio.sqn', label: 'SQN', kind: 'ratio', value: p.sqn },
    { key: 'portfolio.fees_paid_krw', label: 'Fees', kind: 'krw', value: p.fees_paid_krw },
  );
  if (p.entries_skipped > 0) performance.push({ key: 'portfolio.entries_skipped', label: 'Entries Skipped', kind: 'count', value: p.entries_skipped, suffix: ' (not enough cash or below one lot)' });

  const st = s.signal_study;
  const signalStudy: StatRow[] = [
    { key: 'signal_study.signals', label: 'Signals', kind: 'count', value: st.signals },
    { key: 'signal_study.hold_period_bars', label: 'Hold [bars]', kind: 'count', value: st.hold_period_bars },
    { key: 'signal_study.win_rate', label: 'Win Rate', kind: 'fraction', value: st.win_rate },
    { key: 'signal_study.avg_return_pct', label: 'Avg. Return', kind: 'percent', value: st.avg_return_pct, digits: 4 },
    { key: 'signal_study.legacy_max_drawdown_pct', label: 'Max. Drawdown, additive', kind: 'percent', value: st.legacy_max_drawdown_pct },
  ];
  return { setup, performance, signalStudy, perSymbol: perSymbolTable(s.symbols) };
}

function perSymbolTable(symbols: readonly SymbolSummary[]): StatsTables['perSymbol'] {
  const columns: StatColumn[] = [
    { label: 'Symbol', kind: 'text' }, { label: 'TF', kind: 'text' }, { label: 'Bars', kind: 'count' },
    { label: 'B&H', kind: 'percent' }, { label: 'Exposure', kind: 'fraction' }, { label: 'Trades', kind: 'count' },
    { label: 'Win', kind: 'fraction' }, { label: 'Avg. Trade', kind: 'percent' }, { label: 'Net P&L', kind: 'krw' },
    { label: 'Signals', kind: 'count' }, { label: 'Sig. Win', kind: 'fraction' }, { label: 'Sig. Avg.', kind: 'percent', digits: 4 },
  ];
  const rows = symbols.map((x) => [
    x.symbol, x.timeframe, x.bars, x.buy_and_hold_return_pct, x.exposure, x.trades.trade_count, x.trades.win_rate,
    x.trades.avg_trade_pct, x.trades.net_pnl_krw, x.signal_study.signals, x.signal_study.win_rate, x.signal_study.avg_return_pct,
  ]);
  return { columns, rows };
}

/** A row's label with its unit in brackets, as a plain-text table shows it: `Return [%]`. */
export function labelWithUnit(row: Pick<StatRow, 'label' | 'kind'>): string {
  const unit = unitLabel(row.kind);
  return unit ? `${row.label} [${unit}]` : row.label;
}

/** A row's value as text: `unit: false` for tables whose label names the unit (the CLI's). */
export function formatStatRow(row: StatRow, options: { readonly unit?: boolean } = {}): string {
  return `${formatValue(row.kind, row.value, { digits: row.digits, unit: options.unit })}${row.suffix ?? ''}`;
}
