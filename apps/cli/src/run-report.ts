import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { BacktestSummary } from '@coinhts/engine';
import { ParquetCandleStore } from '@coinhts/market-data';
import { backtestReportInput, renderReportHtml, sweepReportInput, walkForwardReportInput, type ReportCandles, type ReportInput } from '@coinhts/report';
import { CliUsageError } from './errors';
import { storeOf, withRuns } from './open-runs';
import type { CommandContext } from './commands/context';

/**
 * The one place the CLI reads a stored run for a report: through `@coinhts/runs` (the store
 * RESULTS_STORE names and its index), every file checked against the archive manifest. A sweep
 * run gives the sweep report, one holding `walk_forward` the walk-forward report.
 */
export async function loadRunForReport(ctx: CommandContext, runId: string, dataRoot: string): Promise<ReportInput> {
  const { run, contents } = await withRuns(ctx, (service) => service.read(runId)).catch((err: unknown) => {
    if ((err as { code?: unknown }).code === 'NOT_FOUND') throw new CliUsageError(`no run "${runId}" in ${storeOf(ctx)}; list the runs with: coinhts results list`);
    throw err;
  });
  const doc = contents.summary as { summary?: unknown; walk_forward?: unknown };
  const meta = { id: runId, created_at: new Date(run.createdAt).toISOString() };
  if (doc.walk_forward !== undefined) return walkForwardReportInput({ meta, strategy: run.strategy, document: contents.summary, tables: contents.tables });
  if (run.kind === 'sweep') return sweepReportInput({ meta, strategy: run.strategy, document: contents.summary });
  const summary = (doc.summary ?? doc) as unknown as BacktestSummary;
  return backtestReportInput({
    meta,
    summary,
    tables: contents.tables,
    candles: await storedCandles(summary, dataRoot),
  });
}

/**
 * The candles of a run's symbols over its period from the candle store, for the price charts;
 * a symbol the store no longer has (or a run from a CSV file) is left out and the report says so.
 */
export async function storedCandles(summary: BacktestSummary, dataRoot: string): Promise<ReportCandles[]> {
  const store = new ParquetCandleStore({ root: dataRoot });
  const out: ReportCandles[] = [];
  for (const s of summary.symbols) {
    try {
      const c = await store.loadSeries({ symbol: s.symbol, timeframe: s.timeframe, from: s.start_ms, to: s.end_ms });
      if (c.timestamp.length > 0) out.push({ symbol: s.symbol, timeframe: s.timeframe, candles: c });
    } catch {
      // Not in this store (another DATA_ROOT, a CSV run): the report is drawn without its prices.
    }
  }
  return out;
}

/** Writes a report file (folders created as needed) and returns its absolute path. */
export async function writeReport(file: string, input: ReportInput): Promise<string> {
  const path = resolve(file);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, renderReportHtml(input));
  return path;
}
