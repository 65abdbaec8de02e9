/**
 * The common CSV — one header line, no quoting, a plain number in every cell but one text column
 * (the time) — read straight from the file's bytes into Float64Array columns, without a string per
 * cell: a 1,000,000-row file then costs its columns (~48 MB) instead of ~6 million strings. Anything
 * else (quotes, blank lines, a ragged row, a cell that is not a plain number, a byte-order mark
 * aside) makes {@link readCsvColumns} return undefined, and the caller parses the file with
 * {@link parseCsv}, whose errors name the line and column: both read every file they accept alike.
 */

/** The header line of a CSV file and where its data rows start. */
export interface CsvLayout {
  /** Column names, trimmed. */
  readonly header: readonly string[];
  readonly delimiter: number;
  /** Byte offset of the first data row. */
  readonly dataStart: number;
}

/** Columns read by {@link readCsvColumns}. */
export interface CsvColumns {
  readonly rows: number;
  /** Per column: the numbers (NaN for an empty cell); `undefined` for the text column. */
  readonly numbers: readonly (Float64Array | undefined)[];
  /** Per column: whether it has an empty cell. */
  readonly hasEmpty: readonly boolean[];
  /** Per column: whether every cell is an unsigned integer of at most 15 digits. */
  readonly integers: readonly boolean[];
  /** The cells of the text column, when one was named. */
  readonly texts?: readonly string[];
}

const COMMA = 44, SEMICOLON = 59, TAB = 9, LF = 10, CR = 13, QUOTE = 34;

/**
 * The header of `bytes` when the file can take the fast path: no quote character anywhere and a
 * non-blank first line (after an optional UTF-8 byte-order mark). The delimiter is the one of `,`
 * `;` or tab the header uses most (`,` if none), as {@link parseCsv} picks it.
 */
export function readCsvLayout(bytes: Uint8Array): CsvLayout | undefined {
  if (bytes.indexOf(QUOTE) >= 0) return undefined;
  const start = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  let nl = bytes.indexOf(LF, start);
  if (nl < 0) nl = bytes.length;
  const end = nl > start && bytes[nl - 1] === CR ? nl - 1 : nl;
  const line = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8');
  if (line.trim() === '') return undefined;
  const counts = [[COMMA, ','], [SEMICOLON, ';'], [TAB, '\t']].map(([code, ch]) => [code as number, line.split(ch as string).length - 1] as const);
  counts.sort((a, b) => b[1] - a[1]);
  const delimiter = counts[0][1] > 0 ? counts[0][0] : COMMA;
  return { header: line.split(String.fromCharCode(delimiter)).map((h) => h.trim()), delimiter, dataStart: Math.min(nl + 1, bytes.length) };
}

const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * Reads every data row of `bytes` (laid out as `layout` says) into columns. Numeric cells must be
 * `[+-]digits[.digits][e[+-]digits]` exactly (what {@link parseDecimal} accepts, without
 * surrounding spaces); column `textColumn` is kept as text. Returns undefined when a row is blank
 * or has another number of fields than the header, or a numeric cell is anything else.
 * Numbers equal `Number(cell)`: up to 15 significant digits without exponent they are computed
 * exactly (integer ÷ power of ten, one correctly rounded division), otherwise by `Number`.
 */
export function readCsvColumns(bytes: Uint8Array, layout: CsvLayout, textColumn?: number): CsvColumns | undefined {
  const width = layout.header.length;
  const d = layout.delimiter;
  const n = bytes.length;
  // Upper bound of the rows: one per line feed, plus a last line without one.
  let capacity = 1;
  for (let i = bytes.indexOf(LF, layout.dataStart); i >= 0; i = bytes.indexOf(LF, i + 1)) capacity++;
  const numbers = layout.header.map((_, c) => (c === textColumn ? undefined : new Float64Array(capacity)));
  const hasEmpty = layout.header.map(() => false);
  const integers = layout.header.map(() => true);
  const texts: string[] | undefined = textColumn === undefined ? undefined : [];
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let rows = 0;
  let pos = layout.dataStart;
  while (pos < n) {
    let lineEnd = bytes.indexOf(LF, pos);
    if (lineEnd < 0) lineEnd = n;
    const end = lineEnd > pos && bytes[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
    if (end === pos) {
      if (lineEnd === n - 1 || lineEnd === n) { pos = lineEnd + 1; continue; } // the file's final line break
      return undefined; // a blank line: the general parser skips it and keeps line numbers right
    }
    let c = 0;
    let s = pos;
    for (;;) {
      if (c >= width) return undefined;
      let e: number;
      if (c === textColumn) {
        e = s;
        while (e < end && bytes[e] !== d) e++;
        (texts as string[]).push(buf.toString('utf8', s, e));
      } else {
        const v = parseNumber(bytes, buf, s, end, d);
        if (v === undefined) return undefined;
        e = fieldEnd;
        if (s === e) hasEmpty[c] = true;
        else if (integers[c] && !lastWasShortInteger) integers[c] = false;
        (numbers[c] as Float64Array)[rows] = v;
      }
      c++;
      if (e >= end) break;
      s = e + 1;
    }
    if (c !== width) return undefined;
    rows++;
    pos = lineEnd + 1;
  }
  return { rows, numbers: numbers.map((col) => col?.subarray(0, rows)), hasEmpty, integers, texts };
}

/** Where the field {@link parseNumber} read last ended, and whether it was an unsigned integer of at most 15 digits. */
let fieldEnd = 0;
let lastWasShortInteger = false;

/**
 * The number in the field starting at `s` (ending at the delimiter `d` or `end`): NaN when empty,
 * undefined when not a plain decimal. Scans the field once; sets {@link fieldEnd}.
 */
function parseNumber(b: Uint8Array, buf: Buffer, s: number, end: number, d: number): number | undefined {
  let i = s;
  lastWasShortInteger = false;
  if (i === end || b[i] === d) { fieldEnd = i; return NaN; }
  let negative = false;
  let signed = false;
  if (b[i] === 43 || b[i] === 45) { negative = b[i] === 45; signed = true; i++; }
  let mantissa = 0;
  const intStart = i;
  let x = b[i];
  while (i < end && x >= 48 && x <= 57) { mantissa = mantissa * 10 + (x - 48); x = b[++i]; }
  const intDigits = i - intStart;
  let fracDigits = 0;
  if (i < end && x === 46) {
    const fracStart = ++i;
    x = b[i];
    while (i < end && x >= 48 && x <= 57) { mantissa = mantissa * 10 + (x - 48); x = b[++i]; }
    fracDigits = i - fracStart;
  }
  if (intDigits === 0 && fracDigits === 0) return undefined;
  if (i === end || x === d) {
    fieldEnd = i;
    if (intDigits + fracDigits <= 15) {
      lastWasShortInteger = fracDigits === 0 && !signed && b[i - 1] !== 46;
      const v = fracDigits === 0 ? mantissa : mantissa / POW10[fracDigits];
      return negative ? -v : v;
    }
    return Number(buf.toString('latin1', s, i));
  }
  if (x !== 101 && x !== 69) return undefined;
  i++;
  if (i < end && (b[i] === 43 || b[i] === 45)) i++;
  const expStart = i;
  while (i < end && b[i] >= 48 && b[i] <= 57) i++;
  if (i === expStart || (i < end && b[i] !== d)) return undefined;
  fieldEnd = i;
  return Number(buf.toString('latin1', s, i));
}
