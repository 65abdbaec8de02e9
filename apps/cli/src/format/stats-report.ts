import type { BacktestSummary } from '@coinhts/engine';
import { formatStatRow, formatValue, labelWithUnit, statsRows, unitLabel, type StatRow } from '@coinhts/report';
import { formatTable } from './text-table';

const kv = (rows: readonly StatRow[]): string => rows.map((r) => `${labelWithUnit(r).padEnd(30)}${formatStatRow(r, { unit: false })}`).join('\n') + '\n';

/**
 * The stats table of a run, in the spirit of backtesting.py's: period, exposure, returns, risk
 * ratios, drawdown, trade statistics, costs, then the signal study (the original coin_hts view).
 * Rows and number formats come from @coinhts/report (the HTML report shows the same rows).
 */
export function formatStats(s: BacktestSummary): string {
  const t = statsRows(s);
  let text = kv([...t.setup, ...t.performance]);
  if (s.symbols.length > 1) {
    const header = t.perSymbol.columns.map((c) => `${c.label.toUpperCase()}${unitLabel(c.kind) ? ` ${unitLabel(c.kind)}` : ''}`);
    const body = t.perSymbol.rows.map((r) => r.map((v, i) => formatValue(t.perSymbol.columns[i].kind, v, { unit: false, digits: t.perSymbol.columns[i].digits })));
    text += `\nPer symbol\n${formatTable([header, ...body], t.perSymbol.columns.map((c) => (c.kind === 'text' ? 'left' : 'right')))}`;
  }
  text += `\nSignal study (every Buy signal: close to close after ${s.signal_study.hold_period_bars} bar(s), no costs; the original coin_hts view)\n${kv(t.signalStudy)}`;
  return text;
}
