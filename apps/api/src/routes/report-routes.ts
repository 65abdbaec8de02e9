import { buildReportData, renderReportHtml } from '@coinhts/report';
import { z } from 'zod';
import type { RouteDef } from '../http/route-table';
import { parseInput } from '../http/validate';
import { loadRunForReport, REPORT_ROUTE_CSP } from '../services/run-report';
import type { RouteDeps } from './deps';
import { RunIdParamsSchema } from './schemas';

/** `?format=` of the report route. */
export const ReportQuerySchema = z.strictObject({
  format: z.enum(['html', 'json']).default('html').describe('html: the self-contained report file; json: the data the report page renders (the console uses it)'),
  download: z.enum(['true', 'false']).default('false').describe('true: sent as an attachment named {id}.html'),
});

/** The HTML report of a stored run (backtest or sweep). */
export function reportRoutes(deps: RouteDeps): RouteDef[] {
  return [
    {
      method: 'get',
      path: '/api/v1/backtests/:id/report',
      operationId: 'getBacktestReport',
      summary: 'A self-contained HTML report of a stored run',
      description:
        'One HTML file with charts (candles with entry/exit markers, equity with buy and hold, drawdown, return histograms; for a sweep the heat map), the stats, the parameters and the trades; it opens offline and requests nothing. Charts are downsampled (min/max per pixel column); every number shown is exact. `?format=json` returns the data the page renders. Served with a CSP that allows only the page\'s own script (by hash).',
      tags: ['backtests'],
      scope: 'read',
      request: { params: RunIdParamsSchema, query: ReportQuerySchema },
      responses: {
        200: { description: 'The report (text/html), or its data (application/json)', contentTypes: ['text/html', 'application/json'] },
        404: { description: 'No such run (`NOT_FOUND`)' },
        500: { description: 'The archive is damaged or unreachable (`INTEGRITY_MISMATCH`, `CORRUPT_ARCHIVE`, `ARCHIVE_MISSING`, `ARCHIVE_UNREACHABLE`)' },
      },
      handler: async (req, res) => {
        const { id } = parseInput(RunIdParamsSchema, req.params, 'params');
        const q = parseInput(ReportQuerySchema, req.query, 'query');
        const input = await loadRunForReport(deps, id);
        if (q.format === 'json') {
          res.json(buildReportData(input));
          return;
        }
        res.setHeader('Content-Security-Policy', REPORT_ROUTE_CSP);
        res.setHeader('Content-Type', 'text/html; charset=utf-8');
        if (q.download === 'true') res.setHeader('Content-Disposition', `attachment; filename="${id}.html"`);
        res.send(renderReportHtml(input));
      },
    },
  ];
}
