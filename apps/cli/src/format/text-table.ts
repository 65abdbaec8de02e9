import { formatFractionAsPercent } from '@coinhts/report';

// Numbers in CLI tables are formatted by @coinhts/report's formatting module (one rule for the CLI,
// the HTML report and the console); `fixed` and `utc` are its functions under the names the commands use.
export { formatNumber as fixed, formatUtcTime as utc } from '@coinhts/report';

/** Column alignment of {@link formatTable}. */
export type Align = 'left' | 'right';

/** A plain-text table: the first row is the header, columns padded to their widest cell, two spaces apart. */
export function formatTable(rows: readonly (readonly string[])[], align: readonly Align[] = []): string {
  if (rows.length === 0) return '';
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) => r.map((cell, c) => (align[c] === 'right' ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd())
    .join('\n') + '\n';
}

/** A fraction 0..1 as a percent number without the unit (the table header names it), or `-`. */
export function pctOfFraction(x: number | null | undefined, digits = 2): string {
  return formatFractionAsPercent(x, { digits, unit: false });
}
