import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPORT_PAGE_STYLE } from '@coinhts/report';
import type { RouteDef } from '../http/route-table';

/** Folder of the console's built files (apps/console/static; from src/routes and dist/routes alike). */
export const CONSOLE_STATIC_DIR = resolve(__dirname, '..', '..', '..', 'console', 'static');

const FILES = {
  'index.html': 'text/html; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'console-charts.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
} as const;

/**
 * The web console under /console: three static files read once at start-up. The page is public
 * (it holds no data); every call it makes to /api/v1 carries the key the user typed, kept in the
 * tab's sessionStorage. It has no inline script, so it runs under the API's default CSP.
 */
export function consoleRoutes(dir = CONSOLE_STATIC_DIR): RouteDef[] {
  // A runtime without the console's files (an image that left them out) still serves the API.
  const read = (name: keyof typeof FILES): Buffer | null => { try { return readFileSync(join(dir, name)); } catch { return null; } };
  const files = Object.fromEntries((Object.keys(FILES) as (keyof typeof FILES)[]).map((n) => [n, read(n)])) as Record<keyof typeof FILES, Buffer | null>;
  const serve = (name: keyof typeof FILES): RouteDef['handler'] => (_req, res) => {
    if (!files[name]) {
      res.status(404).type('text/plain').send(`The console is not installed here: ${join(dir, name)} is missing (build it with: node tools/scripts/build-browser-bundles.cjs)`);
      return;
    }
    res.setHeader('Content-Type', FILES[name]);
    res.setHeader('Cache-Control', 'no-cache');
    res.send(files[name]);
  };
  const def = (path: string, name: keyof typeof FILES, summary: string): RouteDef => ({
    method: 'get', path, operationId: `console${name.replace(/[^a-z]/gi, '')}`, summary, tags: ['console'], scope: null,
    responses: { 200: { description: summary, contentTypes: [FILES[name].split(';')[0]] } },
    handler: serve(name),
  });
  return [
    def('/console', 'index.html', 'The web console (runs, reports, new backtests, comparisons, data)'),
    def('/console/console.js', 'console.js', 'The console script'),
    def('/console/console-charts.js', 'console-charts.js', 'The console\'s chart script (loaded when a report or a comparison is shown)'),
    def('/console/console.css', 'console.css', 'The console stylesheet (its layout and forms; loaded after report.css)'),
    {
      // The report's own stylesheet, as inlined into every report file: one stylesheet for both.
      method: 'get', path: '/console/report.css', operationId: 'consolereportcss', summary: 'The report stylesheet the console shares with report files', tags: ['console'], scope: null,
      responses: { 200: { description: 'The report stylesheet', contentTypes: ['text/css'] } },
      handler: (_req, res) => {
        res.setHeader('Content-Type', 'text/css; charset=utf-8');
        res.setHeader('Cache-Control', 'no-cache');
        res.send(REPORT_PAGE_STYLE);
      },
    },
  ];
}
