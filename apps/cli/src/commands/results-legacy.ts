import type { Command } from 'commander';
import { importLegacyResults, type LegacyImportReport, type LegacyImportTarget } from '@coinhts/results';
import { legacyImportTarget } from '@coinhts/runs';
import { resolve } from 'node:path';
import { CliUsageError, ExitCode } from '../errors';
import { withRuns } from '../open-runs';
import type { CommandContext } from './index';

/**
 * Registers `coinhts results import-legacy` under the `results` command, creating that command
 * when no other module has registered it yet (so the registrar order does not matter as long as
 * the other module also reuses an existing `results` command).
 */
export function register(program: Command, ctx: CommandContext): void {
  const results = program.commands.find((c) => c.name() === 'results') ?? program.command('results').description('stored backtest results');
  registerImportLegacy(results, ctx);
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < 1 || n > 10_000) throw new CliUsageError(`--batch-size must be an integer from 1 to 10000 (got "${value}")`);
  return n;
}

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

/** `results import-legacy DIR [--dry-run] [--batch-size N] [--resume] [--json]` on an existing `results` command. */
export function registerImportLegacy(results: Command, ctx: CommandContext): void {
  results
    .command('import-legacy')
    .description("import the original coin_hts results (DIR = its DATA_ROOT, holding results/ and/or tasks/) into the store (RESULTS_STORE) and its index")
    .argument('<dir>', 'the original DATA_ROOT')
    .option('--dry-run', 'check and measure every file, write nothing')
    .option('--batch-size <n>', 'runs per batch (one id look-up and one progress line per batch)', positiveInt, 100)
    .option('--resume', 'skip runs that are already imported')
    .option('--json', 'print the full report as JSON')
    .action(async (dir: string, opts: { dryRun?: boolean; batchSize: number; resume?: boolean; json?: boolean }) => {
      const run = (target: LegacyImportTarget) =>
        importLegacyResults({
          dir: resolve(dir),
          target,
          dryRun: opts.dryRun ?? false,
          batchSize: opts.batchSize,
          resume: opts.resume ?? false,
          onProgress: ctx.io.isTty ? (p) => ctx.io.stderr(`\r${p.done}/${p.total} runs, ${p.failed} failed`) : undefined,
        });
      let report: LegacyImportReport;
      if (opts.dryRun && !opts.resume) {
        // A dry run reads only the legacy files; the index is needed only when --resume asks which ids exist.
        const unused = () => Promise.reject(new Error('a dry run writes nothing'));
        report = await run({ save: unused, existingIds: unused });
      } else {
        report = await withRuns(ctx, (runs) => run(legacyImportTarget(runs)));
      }
      if (ctx.io.isTty) ctx.io.stderr('\n');
      ctx.io.stdout(opts.json ? JSON.stringify(report, null, 2) + '\n' : formatReport(report));
      if (report.failed.length > 0 || report.aborted) ctx.setExitCode(ExitCode.Failure);
    });
}

/** Human-readable report: counts, each failure with its file, sizes. */
export function formatReport(r: LegacyImportReport): string {
  const lines = [
    `${r.dryRun ? 'dry run: would import' : 'imported'} ${r.imported.length} of ${r.scanned} run(s); skipped ${r.skipped.length} already imported; ${r.failed.length} failed`,
    ...r.failed.map((f) => `  FAILED ${f.file}: ${f.message}`),
    `legacy JSON ${kib(r.jsonBytes)} -> archives ${kib(r.archiveBytes)}${r.dryRun ? ' (payload, manifests excluded)' : ''} (${r.sizeRatio.toFixed(2)}x)`,
  ];
  if (r.aborted) lines.push(`STOPPED (${r.aborted.code}): ${r.aborted.message}; fix the cause and rerun with --resume`);
  return lines.join('\n') + '\n';
}
