import { resolve } from 'node:path';
import type { Command } from 'commander';
import { runBacktest, serializeSummary } from '@coinhts/engine';
import { engineSeries, qualityNotes } from '../candle-input';
import { createProgressBar } from '../format/progress-bar';
import { formatStats } from '../format/stats-report';
import { resultTables, writeResultFiles } from '../result-tables';
import { backtestReportInput } from '@coinhts/report';
import { writeReport } from '../run-report';
import { LocalRunStore, type RunRecord } from '../run-store';
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
    .option('--no-save', `do not archive the run in the results store (${ctx.config.resultsStore?.url ?? ctx.config.resultsDir})`)
    .action(async (flags: BacktestFlags) => {
      const saveDir = flags.save ? ctx.config.resultsDir : undefined; // before the run: an unusable store is exit 2 at once
      const { strategy, params, options } = strategyInputs(flags);
      const bar = createProgressBar({ enabled: ctx.io.isTty, write: ctx.io.stderr, unit: '', counts: false, delayMs: 300 });
      const candles = await loadRunCandles(flags, ctx);
      for (const note of qualityNotes(candles)) ctx.io.stderr(`note: ${note}\n`);
      let result;
      try {
        result = runBacktest({
          strategy, params, options, series: engineSeries(candles),
          onProgress: (p) => bar.update(Math.round(p.fraction * 1000), 1000, p.stage),
        });
      } finally {
        bar.finish();
      }
      const summaryJson = `${serializeSummary(result.summary)}\n`;
      const tables = resultTables(result);
      const files = flags.out === undefined ? [] : await writeResultFiles(resolve(flags.out), summaryJson, tables);
      let record: RunRecord | undefined;
      if (saveDir !== undefined) record = await new LocalRunStore(saveDir).save(result.summary, summaryJson, tables, candles.source);

      let reportPath: string | undefined;
      if (flags.report !== undefined) {
        const file = typeof flags.report === 'string' ? flags.report : flags.out !== undefined ? `${flags.out}/report.html` : `${record?.run_id ?? 'report'}.html`;
        const series = engineSeries(candles);
        reportPath = await writeReport(file, backtestReportInput({
          meta: { id: record?.run_id ?? null, created_at: record?.created_at ?? null, source: candles.source },
          summary: result.summary,
          tables,
          candles: series.map((x) => ({ symbol: x.symbol, timeframe: x.timeframe, candles: x.candles })),
        }));
      }

      if (flags.json) {
        ctx.io.stdout(`${JSON.stringify({ run_id: record?.run_id ?? null, files, report: reportPath ?? null, summary: JSON.parse(summaryJson) as unknown }, null, 2)}\n`);
        return;
      }
      ctx.io.stdout(formatStats(result.summary));
      if (files.length) ctx.io.stdout(`\nwrote ${files.map((f) => f.split(/[\\/]/).pop()).join(', ')} to ${resolve(flags.out as string)}\n`);
      if (reportPath) ctx.io.stdout(`${files.length ? '' : '\n'}wrote report ${reportPath}\n`);
      if (record) ctx.io.stdout(`${files.length ? '' : '\n'}saved run ${record.run_id} in ${saveDir} (coinhts results show ${record.run_id})\n`);
    });
}
