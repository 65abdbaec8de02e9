/**
 * A run's result tables, built once from the engine's result and rendered once for people:
 * the three archive tables (signals, trades, equity), their rows as JSON objects, and CSV.
 */
import type { BacktestResult } from '@coinhts/engine';
import type { ColumnarTable } from '@coinhts/storage';

/** Names of a run's tables, in archive order. */
export const RESULT_TABLE_NAMES = ['signals', 'trades', 'equity'] as const;
/** One of {@link RESULT_TABLE_NAMES}. */
export type ResultTableName = (typeof RESULT_TABLE_NAMES)[number];
/** The three tables of a run, by name. */
export type ResultTables = Readonly<Record<ResultTableName, ColumnarTable>>;

/**
 * A run's tables in the archive's columnar form:
 * - signals: one row per Buy signal of the signal study (`return_pct` in percent);
 * - trades: one row per closed (or open at the end) trade; times epoch ms, `fees` and `pnl` in KRW, `pnl_pct` in percent;
 * - equity: one row per bar; `equity` and `cash` in KRW, `drawdown_pct` in percent.
 * The typed arrays are shared with the result, not copied.
 * @param r - the engine's backtest result
 */
export function resultTables(r: BacktestResult): ResultTables {
  const s = r.signals, t = r.trades, e = r.equity;
  return {
    signals: {
      schema: { symbol: 'utf8', index: 'i32', timestamp: 'timestamp_ms', price: 'f64', entry: 'f64', exit: 'f64', return_pct: 'f64', confidence: 'f64', level: 'f64' },
      columns: { symbol: [...s.symbol], index: s.index, timestamp: s.timestamp, price: s.price, entry: s.entry, exit: s.exit, return_pct: s.return_pct, confidence: s.confidence, level: s.level },
    },
    trades: {
      schema: { symbol: 'utf8', entry_time: 'timestamp_ms', exit_time: 'timestamp_ms', entry_price: 'f64', exit_price: 'f64', quantity: 'f64', fees: 'f64', pnl: 'f64', pnl_pct: 'f64', bars_held: 'i32', exit_reason: 'utf8' },
      columns: {
        symbol: [...t.symbol], entry_time: t.entry_time, exit_time: t.exit_time, entry_price: t.entry_price, exit_price: t.exit_price,
        quantity: t.quantity, fees: t.fees, pnl: t.pnl, pnl_pct: t.pnl_pct, bars_held: t.bars_held, exit_reason: [...t.exit_reason],
      },
    },
    equity: {
      schema: { timestamp: 'timestamp_ms', equity: 'f64', cash: 'f64', drawdown_pct: 'f64' },
      columns: { timestamp: e.timestamp, equity: e.equity, cash: e.cash, drawdown_pct: e.drawdown_pct },
    },
  };
}

/** Tables of a run without signals, trades or equity (a sweep: its ranking is in the summary). */
export function emptyResultTables(): ResultTables {
  const f64 = () => new Float64Array(0);
  return {
    signals: { schema: { symbol: 'utf8', timestamp: 'timestamp_ms' }, columns: { symbol: [], timestamp: f64() } },
    trades: { schema: { symbol: 'utf8', pnl: 'f64' }, columns: { symbol: [], pnl: f64() } },
    equity: { schema: { timestamp: 'timestamp_ms', equity: 'f64' }, columns: { timestamp: f64(), equity: f64() } },
  };
}

/** A JSON cell: numbers stay numbers (NaN and ±Infinity become null), timestamps epoch ms, i64 as numbers, bool as booleans. */
export type JsonCell = string | number | boolean | null;

/**
 * Rows of a table as plain objects (the API's JSON form).
 * @param t - the table
 */
export function tableRows(t: ColumnarTable): Record<string, JsonCell>[] {
  const names = Object.keys(t.schema);
  const cols = names.map((c) => t.columns[c] as ArrayLike<unknown>);
  const n = cols.length ? cols[0].length : 0;
  const rows = new Array<Record<string, JsonCell>>(n);
  for (let i = 0; i < n; i++) {
    const row: Record<string, JsonCell> = {};
    for (let c = 0; c < names.length; c++) {
      const v = cols[c][i];
      const type = t.schema[names[c]];
      row[names[c]] = typeof v === 'bigint' ? Number(v)
        : typeof v === 'number' ? (!Number.isFinite(v) ? null : type === 'bool' ? v === 1 : v)
        : (v as string | null | undefined) ?? null;
    }
    rows[i] = row;
  }
  return rows;
}

const quote = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/**
 * CSV of a table: a header of the schema's columns, one line per row, `\n` line ends;
 * timestamps ISO 8601 UTC; numbers in JavaScript's shortest round-trip form (parsing them back
 * gives the same doubles; i64 exactly); booleans `true`/`false`; NaN and missing values empty.
 * @param t - the table
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
