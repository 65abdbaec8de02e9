import { InvalidFileError } from './errors';
import type { CandleSeries } from './series';

/** A parsed CSV file: header names, one string array per column, and the line of each data row. */
export interface CsvTable {
  readonly header: readonly string[];
  /** `columns[c][r]` is the cell of data row r in column c. */
  readonly columns: readonly string[][];
  /** 1-based line number (header = line 1) of each data row, for error messages. */
  readonly lines: Int32Array;
  /** Field delimiter found in the header line. */
  readonly delimiter: string;
}

/**
 * Parses CSV text (RFC 4180: quoted fields, `""` escapes, CRLF or LF, line breaks inside quotes).
 * The first non-empty line is the header; the delimiter (`,`, `;` or tab) is the one it uses
 * most. Blank lines are skipped; a row with a different number of fields is an
 * {@link InvalidFileError} naming the file and line.
 */
export function parseCsv(text: string, file: string): CsvTable {
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const delimiter = detectDelimiter(s);
  const n = s.length;
  let header: string[] | undefined;
  let columns: string[][] = [];
  const lineNumbers: number[] = [];
  let line = 1;
  let pos = 0;
  while (pos < n) {
    const rowLine = line;
    let fields: string[];
    let nl = s.indexOf('\n', pos);
    if (nl < 0) nl = n;
    let end = nl;
    if (end > pos && s.charCodeAt(end - 1) === 13) end--;
    const raw = s.slice(pos, end);
    if (raw.indexOf('"') < 0 && raw.indexOf('\r') < 0) {
      // Fast path: no quoting on this line, so a native split is exact.
      fields = raw.split(delimiter);
      pos = nl + 1;
      line++;
    } else {
      const rec = parseRecord(s, pos, delimiter.charCodeAt(0), file, rowLine);
      fields = rec.fields;
      pos = rec.next;
      line += rec.lines;
    }
    if (fields.length === 1 && fields[0].trim() === '') continue; // blank line
    if (!header) {
      header = fields.map((h) => h.trim());
      columns = header.map(() => []);
      continue;
    }
    if (fields.length !== header.length) {
      throw new InvalidFileError({ file, line: rowLine }, `has ${fields.length} fields but the header has ${header.length}`);
    }
    for (let c = 0; c < fields.length; c++) columns[c].push(fields[c]);
    lineNumbers.push(rowLine);
  }
  if (!header) throw new InvalidFileError({ file }, 'the file is empty (no header line)');
  return { header, columns, lines: Int32Array.from(lineNumbers), delimiter };
}

/**
 * One record starting at `i`, with RFC 4180 quoting (fields may contain delimiters, `""` and line
 * breaks). Returns the fields, the index after the record's line break and the lines consumed.
 */
function parseRecord(s: string, i: number, d: number, file: string, rowLine: number): { fields: string[]; next: number; lines: number } {
  const n = s.length;
  const fields: string[] = [];
  let lines = 0;
  for (;;) {
    let field: string;
    if (s.charCodeAt(i) === 34 /* " */) {
      let j = i + 1;
      field = '';
      for (;;) {
        const q = s.indexOf('"', j);
        if (q < 0) throw new InvalidFileError({ file, line: rowLine }, 'a quoted field is never closed');
        const chunk = s.slice(j, q);
        for (let k = chunk.indexOf('\n'); k >= 0; k = chunk.indexOf('\n', k + 1)) lines++;
        field += chunk;
        if (s.charCodeAt(q + 1) === 34) { field += '"'; j = q + 2; continue; }
        i = q + 1;
        break;
      }
      // Text after a closing quote up to the next delimiter is kept (lenient, like most readers).
      let j2 = i;
      while (j2 < n) { const c = s.charCodeAt(j2); if (c === d || c === 10 || c === 13) break; j2++; }
      field += s.slice(i, j2);
      i = j2;
    } else {
      let j = i;
      while (j < n) { const c = s.charCodeAt(j); if (c === d || c === 10 || c === 13) break; j++; }
      field = s.slice(i, j);
      i = j;
    }
    fields.push(field);
    const c = s.charCodeAt(i);
    if (c === d) { i++; continue; }
    if (c === 13) i += s.charCodeAt(i + 1) === 10 ? 2 : 1;
    else if (c === 10) i++;
    return { fields, next: i, lines: lines + 1 };
  }
}

function detectDelimiter(s: string): string {
  const end = s.search(/\r?\n/);
  const first = end < 0 ? s : s.slice(0, end);
  const counts = [',', ';', '\t'].map((d) => [d, first.split(d).length - 1] as const);
  counts.sort((a, b) => b[1] - a[1]);
  return counts[0][1] > 0 ? counts[0][0] : ',';
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Parses a CSV cell as a number: plain decimal or scientific notation only (no thousands
 * separators, no `NaN`/`Infinity`). Returns NaN for anything else.
 */
export function parseDecimal(cell: string): number {
  const t = cell.trim();
  return DECIMAL.test(t) ? Number(t) : NaN;
}

/**
 * Formats a series as CSV with header `timestamp,open,high,low,close,volume[,value]` and
 * timestamps as epoch milliseconds (what the importer reads back without a zone).
 */
export function formatCandlesCsv(s: CandleSeries): string {
  const parts: string[] = [s.value ? 'timestamp,open,high,low,close,volume,value\n' : 'timestamp,open,high,low,close,volume\n'];
  const n = s.timestamp.length;
  for (let i = 0; i < n; i++) {
    let row = `${s.timestamp[i]},${s.open[i]},${s.high[i]},${s.low[i]},${s.close[i]},${s.volume[i]}`;
    if (s.value) row += `,${Number.isNaN(s.value[i]) ? '' : s.value[i]}`;
    parts.push(row, '\n');
  }
  return parts.join('');
}
