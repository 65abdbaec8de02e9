import { resolve } from 'node:path';
import type { Command } from 'commander';
import { runBacktest, serializeSummary } from '@coinhts/engine';
import { engineSeries, qualityNotes } from '../candle-input';
import { createProgressBar } from '../format/progress-bar';
import { formatStats } from '../format/stats-report';
import { randomUUID } from 'node:crypto';
import { backtestReportInput } from '@coinhts/report';
import { backtestRunInput, parseRunRequest, resultTables, runDocument, type RunService } from '@coinhts/runs';
import { storeOf, withRuns } from '../open-runs';
import { writeResultFiles } from '../result-tables';
import { writeReport } from '../run-report';
import { addRunFlags, loadRunCandles, strategyInputs, type RunFlags } from './run-flags';
import type { CommandContext } from './context';

interface BacktestFlags extends RunFlags {
  readonly out?: string;
  readonly json?: boolean;
  readonly save: boolean;
  readonly report?: string | true;
}

/**
 * `coinhts backtest`: one run of a strategy over stored (or CSV) candles; prints the stats table,
 * writes summary.json + signals/trades/equity CSV with `--out`, and archives the run in the
 * results folder unless `--no-save`.
 */
export function register(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('backtest')
    .description('backtest a strategy (defaults: volume_zone_breakout on the bundled KRW-BTC 1d sample, all of it)');
  addRunFlags(cmd, ctx, 'volume_zone_breakout')
    .option('--out <dir>', 'also write summary.json, signals.csv, trades.csv and equity.csv into this folder')
    .option('--json', 'print {run_id, files, summary} as JSON instead of the stats table')
    .option('--report [file]', 'also write a self-contained HTML report (default file: report.html in --out, else <run-id>.html)')
    .option('--no-save', `do not store the run (store: RESULTS_STORE, now ${storeOf(ctx)})`)
    // The store is opened before the run, so an unusable one is exit 2 before any work.
    .action((flags: BacktestFlags) => (flags.save ? withRuns(ctx, (runs) => backtest(flags, runs)) : backtest(flags, undefined)));

  async function backtest(flags: BacktestFlags, runs: RunService | undefined): Promise<void> {
      const { strategy, params, options } = strategyInputs(flags);
      const bar = createProgressBar({ enabled: ctx.io.isTty, write: ctx.io.stderr, unit: '', counts: false, delayMs: 300 });
      const candles = await loadRunCandles(flags, ctx);
      for (const note of qualityNotes(candles)) ctx.io.stderr(`note: ${note}\n`);
      const series = engineSeries(candles);
      // The run as a request of the one schema (what the API records): parsed before the run, so a
      // run that could not be stored is refused (exit 2) before any work.
      const request = runs ? parseRunRequest({
        strategy: strategy.name, params, options, symbols: series.map((x) => x.symbol), timeframe: series[0].timeframe,
        start_date: flags.from ?? new Date(Math.min(...series.map((x) => x.candles.timestamp[0]))).toISOString(),
        end_date: flags.to ?? new Date(Math.max(...series.map((x) => x.candles.timestamp[x.candles.timestamp.length - 1]))).toISOString(),
      }) : undefined;
      let result;
      const startedAt = Date.now();
      try {
        result = runBacktest({
          strategy, params, options, series,
          onProgress: (p) => bar.update(Math.round(p.fraction * 1000), 1000, p.stage),
        });
      } finally {
        bar.finish();
      }
      const summaryJson = `${serializeSummary(result.summary)}\n`;
      const tables = resultTables(result);
      const files = flags.out === undefined ? [] : await writeResultFiles(resolve(flags.out), summaryJson, tables);
      let runId: string | undefined;
      if (runs) {
        const run = backtestRunInput(result, { runId: randomUUID(), kind: 'sync', startedAt, finishedAt: Date.now() });
        await runs.save(run, { summary: runDocument(run, { request, summary: result.summary, source: candles.source }), tables });
        runId = run.id;
      }
      let reportPath: string | undefined;
      if (flags.report !== undefined) {
        const file = typeof flags.report === 'string' ? flags.report : flags.out !== undefined ? `${flags.out}/report.html` : `${runId ?? 'report'}.html`;
        reportPath = await writeReport(file, backtestReportInput({
          meta: { id: runId ?? null, created_at: runId ? new Date(startedAt).toISOString() : null, source: candles.source },
          summary: result.summary,
          tables,
          candles: series.map((x) => ({ symbol: x.symbol, timeframe: x.timeframe, candles: x.candles })),
        }));
      }

      if (flags.json) {
        ctx.io.stdout(`${JSON.stringify({ run_id: runId ?? null, files, report: reportPath ?? null, summary: JSON.parse(summaryJson) as unknown }, null, 2)}\n`);
        return;
      }
      ctx.io.stdout(formatStats(result.summary));
      if (files.length) ctx.io.stdout(`\nwrote ${files.map((f) => f.split(/[\\/]/).pop()).join(', ')} to ${resolve(flags.out as string)}\n`);
      if (runId) ctx.io.stdout(`${files.length ? '' : '\n'}saved run ${runId} in ${storeOf(ctx)} (coinhts results show ${runId})\n`);
      if (reportPath) ctx.io.stdout(`wrote report ${reportPath}\n`);
  }
}
