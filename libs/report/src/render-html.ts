import { REPORT_PAGE_SCRIPT, REPORT_PAGE_STYLE } from './generated/report-page-assets';
import { buildReportData, type ReportData, type ReportDataOptions, type ReportInput } from './report-data';

/**
 * Content-Security-Policy of a report file (also sent as a `<meta>` in the file): nothing may be
 * loaded from anywhere, only the page's own inline script and styles run. So an opened report
 * makes no network request even if a value in it were hostile.
 */
export const REPORT_FILE_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/** The inline script of every report file (for a hash-based CSP on a server that serves reports). */
export { REPORT_PAGE_SCRIPT };
/** The stylesheet inlined into every report file; the console loads the same one (`/console/report.css`). */
export { REPORT_PAGE_STYLE };

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * JSON safe inside a `<script type="application/json">` element: `<` is escaped so no value can
 * close the element, and U+2028/2029 so the text is also valid JavaScript.
 */
export function jsonForScript(x: unknown): string {
  return JSON.stringify(x).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * A self-contained HTML report: one file with the data, the page script (chart library included)
 * and the styles inlined. It opens from disk in any current browser, offline, and requests nothing.
 */
export function renderReportHtml(input: ReportInput | ReportData, options: ReportDataOptions = {}): string {
  const data = 'format' in input ? input : buildReportData(input, options);
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${REPORT_FILE_CSP}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(data.title)} · coin-hts report</title>`,
    `<style>${REPORT_PAGE_STYLE}</style>`,
    '</head>',
    '<body>',
    '<main id="report"><p>Loading the report… (it needs JavaScript)</p></main>',
    `<script type="application/json" id="coinhts-report-data">${jsonForScript(data)}</script>`,
    `<script>${REPORT_PAGE_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
