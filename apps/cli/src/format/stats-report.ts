import type { BacktestSummary } from '@coinhts/engine';
import { fixed, formatTable, money, pctOfFraction, span, utc } from './text-table';

const kv = (rows: [string, string][]): string => rows.map(([k, v]) => `${k.padEnd(30)}${v}`).join('\n') + '\n';

function compactValue(v: unknown): string {
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}

/**
 * The stats table of a run, in the spirit of backtesting.py's: period, exposure, returns, risk
 * ratios, drawdown, trade statistics, costs, then the signal study (the original coin_hts view).
 */
export function formatStats(s: BacktestSummary): string {
  const p = s.portfolio;
  const o = s.options;
  const single = s.symbols.length === 1 ? s.symbols[0] : undefined;
  const costs = [`fee ${(o.fee_rate * 100).toFixed(3).replace(/\.?0+$/, '')}%`, `slippage ${(o.slippage_rate * 100).toFixed(3).replace(/\.?0+$/, '')}%`, `fill ${o.fill}`];
  costs.push(s.resolved.hold_bars === null ? 'no time exit' : `exit after ${s.resolved.hold_bars} bar(s)`);
  if (o.stop_loss_pct !== null) costs.push(`stop-loss ${o.stop_loss_pct}%`);
  if (o.take_profit_pct !== null) costs.push(`take-profit ${o.take_profit_pct}%`);
  if (o.trailing_stop_pct !== null) costs.push(`trailing stop ${o.trailing_stop_pct}%`);
  if (!o.exit_on_sell) costs.push('sell signals ignored');
  if (o.sizing.kind !== 'equity-fraction' || o.sizing.fraction !== 1) costs.push(`sizing ${compactValue(o.sizing)}`);

  const rows: [string, string][] = [
    ['Strategy', `${s.strategy.name} (${s.strategy.title})`],
    ['Parameters', Object.entries(s.params).map(([k, v]) => `${k}=${compactValue(v)}`).join(' ')],
    ['Trading rules', costs.join(', ')],
    ['Symbols', s.symbols.map((x) => `${x.symbol} ${x.timeframe}`).join(', ')],
    ['Start', utc(s.period.start_ms)],
    ['End', utc(s.period.end_ms)],
    ['Duration', span(s.period.end_ms - s.period.start_ms + s.resolved.bar_ms)],
    ['Bars', String(s.period.bars)],
    ['Exposure Time [%]', pctOfFraction(p.exposure)],
    ['Equity Start [KRW]', money(p.initial_capital_krw)],
    ['Equity Final [KRW]', money(p.final_equity_krw)],
    ['Return [%]', fixed(p.total_return_pct)],
  ];
  if (single) rows.push(['Buy & Hold Return [%]', fixed(single.buy_and_hold_return_pct)]);
  else for (const x of s.symbols) rows.push([`Buy & Hold ${x.symbol} [%]`, fixed(x.buy_and_hold_return_pct)]);
  rows.push(
    ['CAGR [%]', fixed(p.cagr_pct)],
    ['Volatility (Ann.) [%]', fixed(p.volatility_ann_pct)],
    ['Sharpe Ratio', fixed(p.sharpe, 3)],
    ['Sortino Ratio', fixed(p.sortino, 3)],
    ['Calmar Ratio', fixed(p.calmar, 3)],
    ['Max. Drawdown [%]', fixed(-p.max_drawdown_pct === 0 ? 0 : -p.max_drawdown_pct)],
    ['Max. Drawdown Duration', `${span(p.max_drawdown_duration_ms)} (${p.max_drawdown_duration_bars} bars)`],
    ['Longest Drawdown Duration', `${span(p.longest_drawdown_ms)} (${p.longest_drawdown_bars} bars)`],
    ['# Trades', String(p.trade_count)],
    ['Win Rate [%]', pctOfFraction(p.win_rate)],
    ['Best Trade [%]', fixed(p.best_trade_pct)],
    ['Worst Trade [%]', fixed(p.worst_trade_pct)],
    ['Avg. Trade [%]', fixed(p.avg_trade_pct)],
    ['Avg. Bars Held', fixed(p.avg_bars_held, 1)],
    ['Profit Factor', fixed(p.profit_factor, 3)],
    ['Expectancy [%]', fixed(p.expectancy_pct)],
    ['Expectancy [KRW]', money(p.expectancy_krw)],
    ['SQN', fixed(p.sqn, 3)],
    ['Fees [KRW]', money(p.fees_paid_krw)],
  );
  if (p.entries_skipped > 0) rows.push(['Entries Skipped', `${p.entries_skipped} (not enough cash or below one lot)`]);

  const st = s.signal_study;
  const study: [string, string][] = [
    ['Signals', String(st.signals)],
    ['Hold [bars]', String(st.hold_period_bars)],
    ['Win Rate [%]', pctOfFraction(st.win_rate)],
    ['Avg. Return [%]', fixed(st.avg_return_pct, 4)],
    ['Max. Drawdown, additive [%]', fixed(st.legacy_max_drawdown_pct)],
  ];
  let text = kv(rows);
  if (!single) {
    const table = [['SYMBOL', 'TF', 'BARS', 'B&H %', 'EXPOSURE %', 'TRADES', 'WIN %', 'SIGNALS', 'SIG WIN %', 'SIG AVG %']];
    for (const x of s.symbols) {
      table.push([x.symbol, x.timeframe, String(x.bars), fixed(x.buy_and_hold_return_pct), pctOfFraction(x.exposure), String(x.trades.trade_count), pctOfFraction(x.trades.win_rate),
        String(x.signal_study.signals), pctOfFraction(x.signal_study.win_rate), fixed(x.signal_study.avg_return_pct, 4)]);
    }
    text += `\nPer symbol\n${formatTable(table, ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'])}`;
  }
  text += `\nSignal study (every Buy signal: close to close after ${st.hold_period_bars} bar(s), no costs; the original coin_hts view)\n${kv(study)}`;
  return text;
}
