import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { BacktestSummary } from '@coinhts/engine';
import { CliUsageError } from '../errors';
import { formatStats } from '../format/stats-report';
import { fixed, formatTable } from '../format/text-table';
import { writeResultFiles, type ResultTables } from '../result-tables';
import { LocalRunStore } from '../run-store';
import type { CommandContext } from './context';

/**
 * Registers `coinhts results list | show | export` on the `results` command, creating it when no
 * other module has (so `results import-legacy` from results-legacy.ts lands on the same command
 * whichever registers first).
 */
export function register(program: Command, ctx: CommandContext): void {
  const results = program.commands.find((c) => c.name() === 'results') ?? program.command('results').description('stored backtest results');
  const store = (): LocalRunStore => new LocalRunStore(ctx.config.resultsDir);

  results
    .command('list')
    .description(`list saved runs, newest first (results store: RESULTS_STORE, now ${ctx.config.resultsStore?.url ?? ctx.config.resultsDir})`)
    .option('--strategy <name>', 'only runs of this strategy')
    .option('--json', 'print the runs as JSON')
    .action(async (opts: { strategy?: string; json?: boolean }) => {
      const runs = (await store().list()).filter((r) => opts.strategy === undefined || r.strategy === opts.strategy);
      if (opts.json) { ctx.io.stdout(`${JSON.stringify(runs, null, 2)}\n`); return; }
      if (runs.length === 0) {
        ctx.io.stdout(`no saved runs${opts.strategy ? ` of ${opts.strategy}` : ''} in ${ctx.config.resultsDir}\n`);
        return;
      }
      const rows = [['RUN ID', 'CREATED', 'STRATEGY', 'SYMBOLS', 'TF', 'BARS', 'RETURN %', 'SHARPE', 'MAX DD %', 'TRADES', 'SIGNALS']];
      for (const r of runs) {
        rows.push([
          r.archived ? r.run_id : `${r.run_id} (archive missing)`, r.created_at.replace('T', ' ').replace(/\.\d+Z$/, 'Z'), r.strategy, r.symbols.join(','), r.timeframe,
          String(r.bars), fixed(r.total_return_pct), fixed(r.sharpe, 3), fixed(r.max_drawdown_pct), String(r.trades), String(r.signals),
        ]);
      }
      ctx.io.stdout(formatTable(rows, ['left', 'left', 'left', 'left', 'left', 'right', 'right', 'right', 'right', 'right', 'right']));
    });

  results
    .command('show')
    .description('show a saved run: its stats table (every file is checked against the archive manifest)')
    .argument('<run-id>', 'run id (see `coinhts results list`)')
    .option('--json', 'print the stored summary.json')
    .action(async (runId: string, opts: { json?: boolean }) => {
      const run = await store().read(runId);
      if (opts.json) { ctx.io.stdout(`${JSON.stringify(run.summary, null, 2)}\n`); return; }
      const rows = (t: keyof ResultTables) => run.manifest.files.find((f) => f.table === t)?.rows ?? 0;
      ctx.io.stdout(`run ${runId}, saved ${run.manifest.createdAt}; archive verified: ${run.manifest.files.length} files, SHA-256 match\n\n`);
      ctx.io.stdout(formatStats(run.summary as unknown as BacktestSummary));
      ctx.io.stdout(`\ntables: ${rows('signals')} signals, ${rows('trades')} trades, ${rows('equity')} equity rows (coinhts results export ${runId} --out DIR)\n`);
    });

  results
    .command('export')
    .description('write a saved run to a folder: summary.json and the signals/trades/equity tables as CSV or Parquet')
    .argument('<run-id>', 'run id (see `coinhts results list`)')
    .requiredOption('--out <dir>', 'folder to write into (created if needed)')
    .addOption(new Option('--format <format>', 'csv: summary.json + *.csv (as `backtest --out`); parquet: the archive files as stored, manifest included').choices(['csv', 'parquet']).default('csv'))
    .action(async (runId: string, opts: { out: string; format: 'csv' | 'parquet' }) => {
      const dir = resolve(opts.out);
      let written: string[];
      if (opts.format === 'csv') {
        const run = await store().read(runId);
        written = await writeResultFiles(dir, `${JSON.stringify(run.summary, null, 2)}\n`, run.tables);
      } else {
        const { files } = await store().readVerifiedFiles(runId);
        await mkdir(dir, { recursive: true });
        written = await Promise.all(files.map(async (f) => {
          await writeFile(join(dir, f.name), f.bytes);
          return join(dir, f.name);
        }));
      }
      if (written.length === 0) throw new CliUsageError(`run ${runId} has no files`);
      ctx.io.stdout(`exported run ${runId}: ${written.map((f) => f.split(/[\\/]/).pop()).join(', ')} to ${dir}\n`);
    });
}
