import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { serializeSummary, type BacktestSummary } from '@coinhts/engine';
import type { StoredRun } from '@coinhts/results';
import { migrateLayout, type LayoutMigrationEvent, type ResultTables } from '@coinhts/runs';
import { CliUsageError, ExitCode } from '../errors';
import { formatStats } from '../format/stats-report';
import { fixed, formatTable } from '../format/text-table';
import { storeLocationOf, storeOf, withRuns } from '../open-runs';
import { writeResultFiles } from '../result-tables';
import type { CommandContext } from './context';

function limitFlag(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 100_000) throw new CliUsageError(`--limit must be a whole number from 1 to 100000 (got "${value}")`);
  return n;
}

const iso = (ms: number | null): string => (ms === null ? '' : new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z'));

/** One run as `results list --json` prints it (the API's field names). */
function runView(r: StoredRun): Record<string, unknown> {
  return {
    run_id: r.id, kind: r.kind, status: r.status, strategy: r.strategy, symbols: r.symbols, timeframe: r.timeframe,
    period_start: r.periodStart === null ? null : new Date(r.periodStart).toISOString(), period_end: r.periodEnd === null ? null : new Date(r.periodEnd).toISOString(),
    total_return_pct: r.totalReturnPct, sharpe: r.sharpe, max_drawdown_pct: r.maxDrawdownPct, trade_count: r.tradeCount,
    created_at: new Date(r.createdAt).toISOString(), archive: r.archive?.location ?? null,
  };
}

/** A run that is not in the index is a usage error (exit 2) that says how to find ids. */
async function known<T>(ctx: CommandContext, runId: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if ((err as { code?: unknown }).code === 'NOT_FOUND' && !/listed in the manifest/.test((err as Error).message)) {
      throw new CliUsageError(`no run "${runId}" in ${storeOf(ctx)}; list the runs with: coinhts results list`);
    }
    throw err;
  }
}

/** summary.json as `backtest --out` writes it (the engine's canonical summary), or the whole run document. */
function summaryText(doc: unknown): string {
  const summary = (doc as { summary?: unknown }).summary;
  return `${summary && typeof summary === 'object' ? serializeSummary(summary as BacktestSummary) : JSON.stringify(doc, null, 2)}\n`;
}

/**
 * Registers `coinhts results list | show | export | check` on the `results` command, creating it
 * when no other module has (so `results import-legacy` and `results migrate-layout` land on the
 * same command whichever registers first).
 */
export function register(program: Command, ctx: CommandContext): void {
  const results = program.commands.find((c) => c.name() === 'results') ?? program.command('results').description('stored backtest results');

  results
    .command('list')
    .description(`list stored runs, newest first: CLI, API, worker, sweeps and imports alike (store: RESULTS_STORE, now ${storeOf(ctx)}; index: ${ctx.config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : 'embedded'})`)
    .option('--strategy <name>', 'only runs of this strategy')
    .option('--symbol <market>', 'only runs that include this market')
    .addOption(new Option('--kind <kind>', 'only runs of this kind').choices(['sync', 'async', 'sweep']))
    .option('--limit <n>', 'at most this many runs (default 50)', limitFlag, 50)
    .option('--json', 'print the runs as JSON')
    .action(async (opts: { strategy?: string; symbol?: string; kind?: 'sync' | 'async' | 'sweep'; limit: number; json?: boolean }) => {
      const runs = await withRuns(ctx, async (service) => {
        const out: StoredRun[] = [];
        let cursor: string | null = null;
        do {
          const page = await service.list({ strategy: opts.strategy, symbol: opts.symbol?.toUpperCase(), kind: opts.kind }, { limit: Math.min(500, opts.limit - out.length), cursor });
          out.push(...page.items);
          cursor = page.nextCursor;
        } while (cursor !== null && out.length < opts.limit);
        return out;
      });
      if (opts.json) { ctx.io.stdout(`${JSON.stringify(runs.map(runView), null, 2)}\n`); return; }
      if (runs.length === 0) {
        ctx.io.stdout(`no saved runs${opts.strategy ? ` of ${opts.strategy}` : ''} in ${storeOf(ctx)}\n`);
        return;
      }
      const rows = [['RUN ID', 'CREATED', 'KIND', 'STRATEGY', 'SYMBOLS', 'TF', 'RETURN %', 'SHARPE', 'MAX DD %', 'TRADES']];
      for (const r of runs) {
        rows.push([r.id, iso(r.createdAt), r.kind, r.strategy, r.symbols.join(','), r.timeframe ?? '', fixed(r.totalReturnPct), fixed(r.sharpe, 3), fixed(r.maxDrawdownPct), r.tradeCount === null ? '' : String(r.tradeCount)]);
      }
      ctx.io.stdout(formatTable(rows, ['left', 'left', 'left', 'left', 'left', 'left', 'right', 'right', 'right', 'right']));
    });

  results
    .command('show')
    .description('show a stored run: its stats table (every file is checked against the archive manifest)')
    .argument('<run-id>', 'run id (see `coinhts results list`)')
    .option('--json', 'print the stored summary.json')
    .action(async (runId: string, opts: { json?: boolean }) => {
      const { run, contents } = await known(ctx, runId, () => withRuns(ctx, (service) => service.read(runId)));
      if (opts.json) { ctx.io.stdout(`${JSON.stringify(contents.summary, null, 2)}\n`); return; }
      const rows = (t: keyof ResultTables) => contents.manifest.files.find((f) => f.table === t)?.rows ?? 0;
      ctx.io.stdout(`run ${runId} (${run.kind}), saved ${contents.manifest.createdAt}; archive verified: ${contents.manifest.files.length} files, SHA-256 match\n\n`);
      const summary = (contents.summary as { summary?: unknown }).summary;
      if (summary && typeof summary === 'object') ctx.io.stdout(formatStats(summary as BacktestSummary));
      else ctx.io.stdout(`${run.strategy} on ${run.symbols.join(',')}: return ${fixed(run.totalReturnPct)} %, sharpe ${fixed(run.sharpe, 3)}, max drawdown ${fixed(run.maxDrawdownPct)} % (coinhts results show ${runId} --json for everything)\n`);
      ctx.io.stdout(`\ntables: ${rows('signals')} signals, ${rows('trades')} trades, ${rows('equity')} equity rows (coinhts results export ${runId} --out DIR)\n`);
    });

  results
    .command('export')
    .description('write a stored run to a folder: summary.json and the signals/trades/equity tables as CSV or Parquet')
    .argument('<run-id>', 'run id (see `coinhts results list`)')
    .requiredOption('--out <dir>', 'folder to write into (created if needed)')
    .addOption(new Option('--format <format>', 'csv: summary.json + *.csv (as `backtest --out`); parquet: the archive files as stored, manifest included').choices(['csv', 'parquet']).default('csv'))
    .action(async (runId: string, opts: { out: string; format: 'csv' | 'parquet' }) => {
      const dir = resolve(opts.out);
      let written: string[];
      if (opts.format === 'csv') {
        const { contents } = await known(ctx, runId, () => withRuns(ctx, (service) => service.read(runId)));
        written = await writeResultFiles(dir, summaryText(contents.summary), contents.tables);
      } else {
        const { files } = await known(ctx, runId, () => withRuns(ctx, (service) => service.readVerifiedFiles(runId)));
        await mkdir(dir, { recursive: true });
        written = await Promise.all(files.map(async (f) => {
          await writeFile(join(dir, f.name), f.bytes);
          return join(dir, f.name);
        }));
      }
      ctx.io.stdout(`exported run ${runId}: ${written.map((f) => f.split(/[\\/]/).pop()).join(', ')} to ${dir}\n`);
    });

  results
    .command('check')
    .description('compare the store with the index: archives without a row, rows without an archive, unfinished writes, damaged archives')
    .option('--repair', 'index archives that have no row, delete rows whose archive is gone, remove unfinished writes (damaged archives are only reported)')
    .option('--min-age <minutes>', 'leave archives younger than this alone: they may be in the middle of a save (default 10)', (v) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw new CliUsageError(`--min-age must be a number of minutes >= 0 (got "${v}")`);
      return n;
    }, 10)
    .option('--verify', 'also read every file of every archive and re-hash it against its manifest (reads the whole store)')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { repair?: boolean; minAge: number; verify?: boolean; json?: boolean }) => {
      const report = await withRuns(ctx, (service) => service.check({ repair: opts.repair ?? false, minAgeMs: opts.minAge * 60_000, verify: opts.verify ?? false }));
      if (opts.json) ctx.io.stdout(`${JSON.stringify(report, null, 2)}\n`);
      else {
        const verb = report.repaired ? 'repaired' : 'found';
        const lines = [`checked ${report.archives} archive(s) and ${report.rows} index row(s) of ${storeOf(ctx)}${opts.verify ? `; ${report.verified} archive(s) re-hashed and intact` : ''}`];
        for (const id of report.archivesWithoutRow) lines.push(`  archive without row: ${id}${report.repaired ? ' (indexed)' : ''}`);
        for (const id of report.rowsWithoutArchive) lines.push(`  row without archive: ${id}${report.repaired ? ' (row deleted)' : ''}`);
        for (const id of report.incomplete) lines.push(`  unfinished write: ${id}${report.repaired ? ' (removed)' : ''}`);
        for (const d of report.damaged) lines.push(`  DAMAGED: ${d.runId}: ${d.problem}`);
        for (const f of report.failures) lines.push(`  repair FAILED for ${f.runId}: ${f.message}`);
        const problems = report.archivesWithoutRow.length + report.rowsWithoutArchive.length + report.incomplete.length;
        lines.push(problems === 0 && report.damaged.length === 0 ? 'no problems' : `${verb} ${problems} orphan(s); ${report.damaged.length} damaged archive(s)${report.repaired ? '' : ' (coinhts results check --repair fixes orphans)'}`);
        ctx.io.stdout(`${lines.join('\n')}\n`);
      }
      if (report.failures.length > 0 || report.damaged.length > 0 || (!report.repaired && (report.archivesWithoutRow.length + report.rowsWithoutArchive.length + report.incomplete.length) > 0)) ctx.setExitCode(ExitCode.Failure);
    });

  results
    .command('migrate-layout')
    .description('move runs stored in the two older layouts of a local store folder (backtests/{uuid}/ of the old results store; objects/backtests/{stamp}-{strategy}-{hex}/ + runs.jsonl of the old CLI) into the one archive format and index; every file is checked before anything old is removed; safe to re-run and to interrupt')
    .option('--json', 'print the report as JSON (one event per line while it runs, the report last)')
    .action(async (opts: { json?: boolean }) => {
      const location = storeLocationOf(ctx);
      if (location.kind !== 'local') {
        throw new CliUsageError(`migrate-layout moves archives inside a local store folder, and RESULTS_STORE is ${location.url}; run it with RESULTS_STORE=file:DIR (the old folder), then copy to the new store`);
      }
      const line = (e: LayoutMigrationEvent): string => {
        if (opts.json) return JSON.stringify(e);
        if (e.type === 'skipped') return `skipped ${e.layout} ${e.oldId}: ${e.problem}`;
        return `${e.type} ${e.layout} ${e.oldId}${e.oldId === e.runId ? '' : ` -> ${e.runId}`}`;
      };
      const report = await withRuns(ctx, (service) => migrateLayout({ dir: location.dir, service, onEvent: (e) => ctx.io.stdout(`${line(e)}\n`) }));
      if (opts.json) ctx.io.stdout(`${JSON.stringify(report)}\n`);
      else {
        const moved = report.migrated + report.finished;
        ctx.io.stdout(moved === 0 && report.skipped.length === 0
          ? `nothing to migrate in ${location.dir}: every run is in the one format\n`
          : `migrated ${moved} run(s)${report.skipped.length > 0 ? `; ${report.skipped.length} left in place (damaged or unfinished, listed above)` : ''}${report.removedOldIndex ? '; removed the old index runs.jsonl' : ''}\n`);
      }
      if (report.skipped.length > 0) ctx.setExitCode(ExitCode.Failure);
    });
}
