import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BacktestResult } from '@coinhts/engine';
import type { ColumnarTable } from '@coinhts/storage';

/** The three tables of a run, by archive name. */
export type ResultTables = Readonly<Record<'signals' | 'trades' | 'equity', ColumnarTable>>;

/**
 * A run's tables in the archive's columnar form (the same columns the HTTP API stores):
 * signals (one row per Buy signal of the signal study), trades, equity (one row per bar).
 */
export function resultTables(r: BacktestResult): ResultTables {
  const s = r.signals, t = r.trades, e = r.equity;
  return {
    signals: {
      schema: { symbol: 'utf8', index: 'i32', timestamp: 'timestamp_ms', price: 'f64', entry: 'f64', exit: 'f64', return_pct: 'f64', confidence: 'f64', level: 'f64' },
      columns: { symbol: s.symbol, index: s.index, timestamp: s.timestamp, price: s.price, entry: s.entry, exit: s.exit, return_pct: s.return_pct, confidence: s.confidence, level: s.level },
    },
    trades: {
      schema: { symbol: 'utf8', entry_time: 'timestamp_ms', exit_time: 'timestamp_ms', entry_price: 'f64', exit_price: 'f64', quantity: 'f64', fees: 'f64', pnl: 'f64', pnl_pct: 'f64', bars_held: 'i32', exit_reason: 'utf8' },
      columns: {
        symbol: t.symbol, entry_time: t.entry_time, exit_time: t.exit_time, entry_price: t.entry_price, exit_price: t.exit_price,
        quantity: t.quantity, fees: t.fees, pnl: t.pnl, pnl_pct: t.pnl_pct, bars_held: t.bars_held, exit_reason: t.exit_reason,
      },
    },
    equity: {
      schema: { timestamp: 'timestamp_ms', equity: 'f64', cash: 'f64', drawdown_pct: 'f64' },
      columns: { timestamp: e.timestamp, equity: e.equity, cash: e.cash, drawdown_pct: e.drawdown_pct },
    },
  };
}

const quote = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/**
 * CSV of a columnar table: header of the schema's columns; timestamps ISO 8601 UTC; numbers in
 * JavaScript's shortest round-trip form (parsing them back gives the same doubles); NaN and
 * missing values empty.
 */
export function tableCsv(t: ColumnarTable): string {
  const names = Object.keys(t.schema);
  const cols = names.map((c) => t.columns[c] as ArrayLike<unknown>);
  const n = cols.length ? cols[0].length : 0;
  const out: string[] = [names.join(','), '\n'];
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < names.length; c++) {
      const v = cols[c][i];
      const type = t.schema[names[c]];
      let cell: string;
      if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) cell = '';
      else if (type === 'timestamp_ms') cell = new Date(v as number).toISOString();
      else if (type === 'bool') cell = v ? 'true' : 'false';
      else cell = typeof v === 'string' ? quote(v) : String(v);
      out.push(c === 0 ? cell : `,${cell}`);
    }
    out.push('\n');
  }
  return out.join('');
}

/** File names written by {@link writeResultFiles}. */
export const RESULT_FILES = ['summary.json', 'signals.csv', 'trades.csv', 'equity.csv'] as const;

/** Writes summary.json (as given) and the three tables as CSV into `dir` (created if needed). */
export async function writeResultFiles(dir: string, summaryJson: string, tables: ResultTables): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: [string, string][] = [
    ['summary.json', summaryJson],
    ['signals.csv', tableCsv(tables.signals)],
    ['trades.csv', tableCsv(tables.trades)],
    ['equity.csv', tableCsv(tables.equity)],
  ];
  await Promise.all(files.map(([name, text]) => writeFile(join(dir, name), text)));
  return files.map(([name]) => join(dir, name));
}
