/**
 * The one place the API reads a stored run for a report: index row and archive files through
 * `@coinhts/runs` (files checked against the manifest). The report itself does not care where
 * the run was stored.
 */
import { createHash } from 'node:crypto';
import type { BacktestSummary } from '@coinhts/engine';
import type { ParquetCandleStore } from '@coinhts/market-data';
import { backtestReportInput, REPORT_PAGE_SCRIPT, sweepReportInput, walkForwardReportInput, type ReportCandles, type ReportInput } from '@coinhts/report';
import type { RunService } from '@coinhts/runs';

/**
 * CSP of a served report: the page's one inline script is allowed by its SHA-256 and nothing can
 * be loaded from anywhere (no connect, no images but data:), so a report served by the API is as
 * closed as the file on disk. Inline styles are allowed: the chart library positions its canvases
 * with them.
 */
export const REPORT_ROUTE_CSP = [
  "default-src 'none'",
  `script-src 'sha256-${createHash('sha256').update(REPORT_PAGE_SCRIPT).digest('base64')}'`,
  "style-src 'unsafe-inline'",
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Candles of the run's symbols from the store (left out when the store no longer has them). */
async function candlesOf(store: ParquetCandleStore, s: BacktestSummary): Promise<ReportCandles[]> {
  const out: ReportCandles[] = [];
  for (const x of s.symbols) {
    const c = await store.loadSeries({ symbol: x.symbol, timeframe: x.timeframe, from: x.start_ms, to: x.end_ms }).catch(() => null);
    if (c && c.timestamp.length > 0) out.push({ symbol: x.symbol, timeframe: x.timeframe, candles: c });
  }
  return out;
}

/**
 * Reads a stored run (backtest, sweep, or walk-forward analysis — a sweep run whose summary holds
 * `walk_forward`, libs/runs/README.md) as a report input. 404 for an unknown run (from the index).
 */
export async function loadRunForReport(deps: { readonly runs: RunService; readonly candles: ParquetCandleStore }, id: string): Promise<ReportInput> {
  const run = await deps.runs.get(id);
  const meta = { id: run.id, created_at: new Date(run.createdAt).toISOString() };
  if (run.kind === 'sweep') {
    const doc = (await deps.runs.readSummary(run)) as Record<string, unknown>;
    if (doc.walk_forward !== undefined) {
      const { contents } = await deps.runs.read(id);
      return walkForwardReportInput({ meta, strategy: run.strategy, document: doc, tables: contents.tables });
    }
    return sweepReportInput({ meta, strategy: run.strategy, document: doc });
  }
  const { contents } = await deps.runs.read(id);
  const doc = contents.summary as Record<string, unknown>;
  const summary = (doc.summary ?? doc) as BacktestSummary;
  return backtestReportInput({ meta, summary, tables: contents.tables, candles: Array.isArray(summary.symbols) ? await candlesOf(deps.candles, summary) : [] });
}
