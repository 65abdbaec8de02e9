import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import {
  IMPORT_FIELDS, ParquetCandleStore, UPBIT_BASE_URL, NoDataError, candleOpenAt, checkQuality, collectUpbitCandles,
  importFiles, importLegacyDataRoot, inventory, normalizeSymbol, normalizeTimeframe, parseDateBound,
  type CollectProgress, type ImportField, type ImportResult, type QualityReport,
} from '@coinhts/market-data';
import { CliUsageError, ExitCode } from '../errors';
import type { CommandContext } from './index';

const iso = (t: number | undefined): string => (t === undefined ? '-' : new Date(t).toISOString().replace(':00.000Z', 'Z').replace('.000Z', 'Z'));
const size = (n: number): string => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`);

/**
 * Registers `coinhts data fetch | import | inventory | check`. Every sub-command takes `--data DIR`
 * (default DATA_ROOT, or the bundled sample set).
 */
export function register(program: Command, ctx: CommandContext): void {
  const data = program.command('data').description('candle store: fetch from Upbit, import files, list, check quality');
  const storeFor = (dir: string | undefined): ParquetCandleStore => new ParquetCandleStore({ root: resolve(dir ?? ctx.config.dataRoot) });
  // Without DATA_ROOT the CLI reads the bundled sample set; writing there would silently change
  // the repository's synthetic data, so writes need an explicit destination.
  const writableStoreFor = (dir: string | undefined): ParquetCandleStore => {
    const store = storeFor(dir);
    if (store.root === resolve(ctx.config.repoRoot, 'data', 'sample')) {
      throw new CliUsageError(`refusing to write into the bundled sample data (${store.root}); set DATA_ROOT or pass --data DIR`);
    }
    return store;
  };

  data
    .command('fetch')
    .description('collect Upbit candles into the store (resumable: only ranges not fetched before are requested)')
    .requiredOption('--symbol <market>', 'Upbit market, e.g. KRW-BTC (legacy BTC_KRW accepted)')
    .requiredOption('--timeframe <tf>', '1m 3m 5m 10m 15m 30m 1h 4h 1d 1w 1mo')
    .requiredOption('--from <date>', `first candle: YYYY-MM-DD (${ctx.config.timeZone}) or ISO 8601`)
    .option('--to <date>', 'last candle, inclusive (default: the last closed candle)')
    .option('--data <dir>', 'DATA_ROOT to write to')
    .option('--base-url <url>', 'Upbit API base URL', UPBIT_BASE_URL)
    .option('--full', 'fetch the whole range again (upsert), ignoring what was fetched before')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { symbol: string; timeframe: string; from: string; to?: string; data?: string; baseUrl: string; full?: boolean; json?: boolean }) => {
      const store = writableStoreFor(opts.data);
      const zone = ctx.config.timeZone;
      const from = parseDateBound(opts.from, { zone });
      const to = opts.to === undefined ? undefined : parseDateBound(opts.to, { zone, end: true });
      if (to !== undefined && from > to) throw new CliUsageError(`--from ${opts.from} is after --to ${opts.to}`);
      const bar = progressBar(ctx);
      const ac = new AbortController();
      const onSigint = (): void => ac.abort(new CliUsageError('interrupted; run the same command again to resume'));
      process.once('SIGINT', onSigint);
      try {
        const res = await collectUpbitCandles(store, {
          symbol: opts.symbol, timeframe: opts.timeframe, from, to, resume: !opts.full,
          client: { baseUrl: opts.baseUrl }, onProgress: bar.update, signal: ac.signal,
        });
        bar.done();
        if (opts.json) { ctx.io.stdout(`${JSON.stringify(res, null, 2)}\n`); return; }
        const range = res.range ? `${iso(res.range[0])} .. ${iso(res.range[1])}` : 'nothing to fetch (the range has no closed candle yet)';
        ctx.io.stdout(`${res.symbol} ${res.timeframe} ${range}: fetched ${res.fetched} candles (${res.inserted} new, ${res.replaced} replaced) in ${res.stats.requests} requests (${res.stats.retries} retries) into ${store.root}\n`);
        if (res.range && res.fetchedRanges.length === 0) ctx.io.stdout('everything in this range was fetched before (use --full to fetch it again)\n');
      } finally {
        bar.done();
        process.removeListener('SIGINT', onSigint);
      }
    });

  data
    .command('import')
    .description('import CSV/Parquet files, or the original system\'s data folder (BTC_KRW/1D/2024.parquet ...), into the store')
    .argument('<paths...>', 'files, or one data folder')
    .option('--symbol <market>', 'symbol of the data (default: from the path or a symbol/market column)')
    .option('--timeframe <tf>', 'timeframe (default: from the path, a timeframe column or the row spacing)')
    .option('--map <field=column...>', `source column for a field (${IMPORT_FIELDS.join(', ')}), e.g. --map timestamp=Date`)
    .option('--tz <zone>', 'zone of timestamps without offset', ctx.config.timeZone)
    .option('--repair', 'drop invalid rows and duplicate timestamps (keep the last) instead of refusing the file')
    .option('--ignore-quality', 'import even when the quality report says invalid')
    .option('--dry-run', 'read and check only, write nothing')
    .option('--data <dir>', 'DATA_ROOT to write to')
    .option('--json', 'print the result as JSON')
    .action(async (paths: string[], opts: { symbol?: string; timeframe?: string; map?: string[]; tz: string; repair?: boolean; ignoreQuality?: boolean; dryRun?: boolean; data?: string; json?: boolean }) => {
      if (opts.repair && opts.ignoreQuality) throw new CliUsageError('use either --repair or --ignore-quality, not both');
      const store = opts.dryRun ? storeFor(opts.data) : writableStoreFor(opts.data);
      const common = { zone: opts.tz, quality: opts.repair ? 'repair' as const : opts.ignoreQuality ? 'ignore' as const : 'refuse' as const, dryRun: opts.dryRun };
      const kinds = await Promise.all(paths.map(async (p) => (await stat(p).catch(() => undefined))?.isDirectory() ?? false));
      let result: ImportResult;
      if (kinds.some(Boolean)) {
        if (paths.length > 1) throw new CliUsageError('import either files or one data folder, not both');
        if (opts.symbol || opts.timeframe || opts.map) throw new CliUsageError('a data folder names symbols and timeframes itself; --symbol, --timeframe and --map apply to files');
        result = await importLegacyDataRoot(store, paths[0], common);
      } else {
        result = await importFiles(store, paths, { ...common, symbol: opts.symbol, timeframe: opts.timeframe, map: parseMap(opts.map) });
      }
      if (opts.json) { ctx.io.stdout(`${JSON.stringify(result, null, 2)}\n`); return; }
      for (const f of result.files) {
        ctx.io.stdout(`${f.file}: ${f.symbol} ${f.timeframe}, ${f.rows} rows, timestamps ${f.timestampFormat}, quality ${f.quality.verdict}\n`);
        for (const i of f.quality.issues) ctx.io.stdout(`  ${i.severity}: ${i.message}\n`);
        if (f.repair) ctx.io.stdout(`  repaired: dropped ${f.repair.droppedCount} invalid rows, ${f.repair.duplicatesRemoved} duplicates${f.repair.reordered ? ', sorted' : ''}\n`);
      }
      for (const s of result.skipped) ctx.io.stdout(`skipped ${s.path}: ${s.reason}\n`);
      if (opts.dryRun) { ctx.io.stdout('dry run: nothing written\n'); return; }
      for (const w of result.writes) ctx.io.stdout(`wrote ${w.symbol} ${w.timeframe}: ${w.inserted} new, ${w.replaced} replaced, ${w.files.length} year files in ${store.root}\n`);
    });

  data
    .command('inventory')
    .description('list stored symbols, timeframes, years, rows, first/last candle and size')
    .option('--symbol <market>', 'only this symbol')
    .option('--timeframe <tf>', 'only this timeframe')
    .option('--data <dir>', 'DATA_ROOT to list')
    .option('--json', 'print JSON')
    .action(async (opts: { symbol?: string; timeframe?: string; data?: string; json?: boolean }) => {
      const inv = await inventory(storeFor(opts.data), { symbol: opts.symbol, timeframe: opts.timeframe });
      if (opts.json) { ctx.io.stdout(`${JSON.stringify(inv, null, 2)}\n`); return; }
      if (inv.series.length === 0) ctx.io.stdout(`no candles under ${inv.root}\n`);
      else {
        const rows = [['SYMBOL', 'TF', 'YEARS', 'ROWS', 'FIRST', 'LAST', 'SIZE']];
        for (const s of inv.series) {
          const years = s.files.map((f) => f.year);
          rows.push([s.symbol, s.timeframe, years.length > 1 ? `${years[0]}-${years[years.length - 1]}` : String(years[0]), String(s.rows), iso(s.first), iso(s.last), size(s.bytes)]);
        }
        ctx.io.stdout(table(rows));
        ctx.io.stdout(`${inv.totals.series} series, ${inv.totals.files} files, ${inv.totals.rows} rows, ${size(inv.totals.bytes)} in ${inv.root}\n`);
        for (const s of inv.series) for (const f of s.files) if (f.error) ctx.io.stdout(`unreadable ${f.path}: ${f.error}\n`);
      }
      for (const u of inv.unrecognised) ctx.io.stdout(`not in store layout: ${u.path} (${u.reason})\n`);
    });

  data
    .command('check')
    .description('data-quality report of a series; exits with 2 when it is invalid')
    .requiredOption('--symbol <market>', 'symbol')
    .requiredOption('--timeframe <tf>', 'timeframe')
    .option('--from <date>', 'first candle (date-only = start of day)')
    .option('--to <date>', 'last candle, inclusive (date-only = the whole day)')
    .option('--outlier-k <k>', 'outlier threshold in MADs', (v) => {
      const k = Number(v);
      if (!(k > 0)) throw new CliUsageError(`--outlier-k must be a positive number (got "${v}")`);
      return k;
    })
    .option('--data <dir>', 'DATA_ROOT to read')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { symbol: string; timeframe: string; from?: string; to?: string; outlierK?: number; data?: string; json?: boolean }) => {
      const store = storeFor(opts.data);
      const symbol = normalizeSymbol(opts.symbol);
      const timeframe = normalizeTimeframe(opts.timeframe);
      const zone = ctx.config.timeZone;
      const from = opts.from === undefined ? undefined : parseDateBound(opts.from, { zone });
      let to = opts.to === undefined ? undefined : parseDateBound(opts.to, { zone, end: true });
      if (from !== undefined && to !== undefined && from > to) throw new CliUsageError(`--from ${opts.from} is after --to ${opts.to}`);
      const candles = await store.loadSeries({ symbol, timeframe, from, to });
      if (candles.timestamp.length === 0) throw new NoDataError(`no ${symbol} ${timeframe} candles${from !== undefined || to !== undefined ? ` in ${iso(from)} .. ${iso(to)}` : ''} under ${store.root}`);
      // Candles that have not closed yet cannot be missing.
      if (to !== undefined) to = Math.min(to, candleOpenAt(timeframe, Date.now()) - 1);
      const coverage = (await store.readCoverage(symbol, timeframe))?.intervals;
      const report = checkQuality(candles, { timeframe, coverage, range: { from, to }, outlierK: opts.outlierK });
      ctx.io.stdout(opts.json ? `${JSON.stringify({ symbol, ...report }, null, 2)}\n` : formatReport(symbol, report));
      if (report.verdict === 'invalid') ctx.setExitCode(ExitCode.BadInput);
    });
}

function parseMap(entries: readonly string[] | undefined): Partial<Record<ImportField, string>> | undefined {
  if (!entries) return undefined;
  const map: Partial<Record<ImportField, string>> = {};
  for (const e of entries) {
    const eq = e.indexOf('=');
    const field = e.slice(0, eq).trim() as ImportField;
    const column = e.slice(eq + 1);
    if (eq <= 0 || !column || !(IMPORT_FIELDS as readonly string[]).includes(field)) {
      throw new CliUsageError(`--map expects field=column with field one of ${IMPORT_FIELDS.join(', ')} (got "${e}")`);
    }
    map[field] = column;
  }
  return map;
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === 3 || c === 6 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd()).join('\n') + '\n';
}

function formatReport(symbol: string, r: QualityReport): string {
  const lines = [
    `${symbol} ${r.timeframe}: ${r.rows} candles, ${iso(r.first)} .. ${iso(r.last)}`,
    `verdict: ${r.verdict}`,
  ];
  for (const i of r.issues) lines.push(`  ${i.severity.padEnd(7)} ${i.kind}: ${i.message}`);
  for (const g of r.gaps.examples) lines.push(`  gap ${iso(g.from)} .. ${iso(g.to)}: ${g.missing} missing (${g.kind})`);
  if (r.gaps.count > r.gaps.examples.length) lines.push(`  … ${r.gaps.count - r.gaps.examples.length} more gaps`);
  for (const f of [r.invalidValues, r.ohlc, r.duplicates, r.nonMonotonic, r.misaligned]) {
    for (const e of f.examples) lines.push(`  row ${e.row} (${iso(e.timestamp)}): ${e.detail}`);
  }
  for (const o of r.outliers.examples) lines.push(`  outlier row ${o.row} (${iso(o.timestamp)}): ${o.detail}`);
  return lines.join('\n') + '\n';
}

/** A progress bar on stderr when it is a terminal; silent otherwise. */
function progressBar(ctx: CommandContext): { update: (p: CollectProgress) => void; done: () => void } {
  let drawn = false;
  let last = '';
  return {
    update: (p) => {
      if (!ctx.io.isTty) return;
      const frac = p.estimatedTotal > 0 ? Math.min(1, p.fetched / p.estimatedTotal) : 1;
      const width = 30;
      const filled = Math.round(frac * width);
      const line = `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${p.fetched}/~${p.estimatedTotal} candles, ${p.requests} requests`;
      if (line !== last) { ctx.io.stderr(line); last = line; drawn = true; }
    },
    done: () => {
      if (drawn) { ctx.io.stderr('\n'); drawn = false; }
    },
  };
}
