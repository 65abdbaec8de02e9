/**
 * Result tables (trades, equity, signals) as HTTP bodies: JSON rows, CSV, Arrow IPC stream or
 * the archived Parquet bytes as they are.
 */
import { tableToIPC, type Table } from 'apache-arrow';
import { CorruptArchiveError, decodeParquet, fromArrowTable, type ColumnarTable } from '@coinhts/storage';

/** Formats a table can be downloaded in. */
export const TABLE_FORMATS = ['json', 'csv', 'arrow', 'parquet'] as const;
/** One of {@link TABLE_FORMATS}. */
export type TableFormat = (typeof TABLE_FORMATS)[number];

/** Media type of each format. */
export const TABLE_MEDIA_TYPES: Readonly<Record<TableFormat, string>> = {
  json: 'application/json',
  csv: 'text/csv',
  arrow: 'application/vnd.apache.arrow.stream',
  parquet: 'application/vnd.apache.parquet',
};

/** One JSON cell: numbers stay numbers, NaN becomes null, timestamps stay epoch ms. */
function cell(values: ColumnarTable['columns'][string], i: number): string | number | boolean | null {
  const v = (values as ArrayLike<unknown>)[i];
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  return v as string | null;
}

/** Rows of a columnar table as plain objects. */
export function tableRows(t: ColumnarTable): Record<string, string | number | boolean | null>[] {
  const names = Object.keys(t.schema);
  const n = names.length ? (t.columns[names[0]] as ArrayLike<unknown>).length : 0;
  const rows = new Array<Record<string, string | number | boolean | null>>(n);
  for (let i = 0; i < n; i++) {
    const row: Record<string, string | number | boolean | null> = {};
    for (const c of names) {
      const v = cell(t.columns[c], i);
      row[c] = t.schema[c] === 'bool' && v !== null ? v === 1 : v;
    }
    rows[i] = row;
  }
  return rows;
}

const csvText = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** CSV with a header; timestamps as ISO 8601 UTC, missing values empty. */
export function tableCsv(t: ColumnarTable): string {
  const names = Object.keys(t.schema);
  const lines = [names.join(',')];
  for (const row of tableRows(t)) {
    lines.push(
      names
        .map((c) => {
          const v = row[c];
          if (v === null) return '';
          if (t.schema[c] === 'timestamp_ms') return new Date(v as number).toISOString();
          return typeof v === 'string' ? csvText(v) : String(v);
        })
        .join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** A run's archived table (verified Parquet bytes) in one format: body bytes or JSON-able value. */
export function tableBody(bytes: Uint8Array, runId: string, table: 'trades' | 'equity' | 'signals', format: TableFormat): { body: Uint8Array | string | object; mediaType: string } {
  if (format === 'parquet') return { body: bytes, mediaType: TABLE_MEDIA_TYPES.parquet };
  let arrowTable: Table;
  try {
    arrowTable = decodeParquet(bytes);
  } catch (cause) {
    throw new CorruptArchiveError(`archive ${JSON.stringify(runId)}: ${table}.parquet is not readable Parquet`, { key: `backtests/${runId}/${table}.parquet`, cause });
  }
  if (format === 'arrow') return { body: tableToIPC(arrowTable, 'stream'), mediaType: TABLE_MEDIA_TYPES.arrow };
  const columnar = fromArrowTable(arrowTable);
  if (format === 'csv') return { body: tableCsv(columnar), mediaType: `${TABLE_MEDIA_TYPES.csv}; charset=utf-8` };
  const rows = tableRows(columnar);
  return { body: { run_id: runId, table, columns: columnar.schema, count: rows.length, rows }, mediaType: TABLE_MEDIA_TYPES.json };
}
