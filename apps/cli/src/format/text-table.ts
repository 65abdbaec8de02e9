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

/** A number with `digits` decimals, or `-` when undefined. */
export function fixed(x: number | null | undefined, digits = 2): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits);
}

/** A fraction 0..1 as a percent with `digits` decimals, or `-`. */
export function pctOfFraction(x: number | null | undefined, digits = 2): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '-' : (x * 100).toFixed(digits);
}

/** An amount with thousands separators (no decimals from 1,000 up), or `-`. */
export function money(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '-';
  return x.toLocaleString('en-US', { maximumFractionDigits: Math.abs(x) >= 1000 ? 0 : 2 });
}

/** A time span in ms as `12d 3h`, `5h 30m`, `45m` (bars of a finer timeframe still read well). */
export function span(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '-';
  const m = Math.round(ms / 60_000);
  const d = Math.floor(m / 1440), h = Math.floor((m % 1440) / 60), mi = m % 60;
  if (d > 0) return h > 0 ? `${d}d ${h}h` : `${d}d`;
  if (h > 0) return mi > 0 ? `${h}h ${mi}m` : `${h}h`;
  return `${mi}m`;
}

/** An epoch-ms time as `2024-01-01 09:00 UTC` (seconds only when not zero). */
export function utc(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, iso.endsWith(':00.000Z') ? 16 : 19)} UTC`;
}
