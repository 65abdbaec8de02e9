import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { randomUUID } from 'node:crypto';
import {
  dimensionValues, parseDimension, SWEEP_METRICS, sweepParamSets, walkForward,
  type ParamDimension, type ParamSpace, type ParamValue, type SweepMode, type SweepResult, type SweepRow, type WalkForwardResult,
} from '@coinhts/engine';
import { parseSweepRequest, saveEngineSweep, saveWalkForward, type RunService, type SweepRequest, type SweepSearch } from '@coinhts/runs';
import { storeOf, withRuns } from '../open-runs';
import { runSweepParallel } from '@coinhts/engine/parallel';
import { engineSeries, qualityNotes } from '../candle-input';
import { CliUsageError } from '../errors';
import { collect, intFlag, resolveNames } from '../flag-values';
import { createProgressBar } from '../format/progress-bar';
import { formatHeatmap } from '../format/heatmap';
import { fixed, formatTable, pctOfFraction, utc } from '../format/text-table';
import type { CommandContext } from './context';
import { addRunFlags, loadRunCandles, strategyInputs, type RunFlags } from './run-flags';

interface SweepFlags extends RunFlags {
  readonly space?: readonly string[];
  readonly random?: number;
  readonly seed?: number;
  readonly rankBy: string;
  readonly direction?: 'max' | 'min';
  readonly top: number;
  readonly workers?: number;
  readonly walkForward?: boolean;
  readonly inSampleBars?: number;
  readonly outOfSampleBars?: number;
  readonly stepBars?: number;
  readonly anchored?: boolean;
  readonly out?: string;
  readonly json?: boolean;
  readonly heatmap?: string;
  readonly save: boolean;
}

/**
 * The sweep as a request of the one schema (what the API's sweeps record): the swept values per
 * parameter as `grid` (a random search: the values its samples drew), the data range actually
 * run, the options with the engine's defaults filled in.
 */
function sweepRequestOf(flags: SweepFlags, base: { strategy: string; params: Record<string, unknown>; options: Record<string, unknown>; symbols: string[]; timeframe: string; from: string; to: string }, space: ParamSpace, mode: SweepMode): SweepRequest {
  const grid: Record<string, ParamValue[]> = {};
  if (mode.kind === 'grid') {
    for (const [name, d] of Object.entries(space)) grid[name] = [...dimensionValues(d)];
  } else {
    // The engine draws the same samples from the same seed (every fold of a walk-forward too).
    const sets = sweepParamSets(space, mode);
    for (const name of Object.keys(space)) grid[name] = [...new Set(sets.map((p) => p[name] as ParamValue))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
  return parseSweepRequest({
    strategy: base.strategy, params: base.params, grid, symbols: base.symbols, timeframe: base.timeframe, options: base.options,
    start_date: flags.from ?? base.from, end_date: flags.to ?? base.to, rank_by: flags.rankBy, ...(flags.direction ? { direction: flags.direction } : {}),
  });
}

/** Metric columns of sweep.csv, in order. */
const CSV_METRICS = SWEEP_METRICS;

const csvCell = (v: unknown): string => {
  if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return '';
  const t = String(v);
  return /[",\r\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
};

function parseSpace(entries: readonly string[] | undefined, paramNames: readonly string[], strategy: string, fixedParams: Readonly<Record<string, unknown>>): ParamSpace {
  if (!entries?.length) throw new CliUsageError(`name at least one parameter to sweep: --space name=min:max:step or --space name=a,b,c (parameters of ${strategy}: ${paramNames.join(', ')})`);
  const raw: Record<string, string> = {};
  for (const e of entries) {
    const eq = e.indexOf('=');
    if (eq <= 0) throw new CliUsageError(`--space expects name=min:max:step or name=a,b,c (got "${e}")`);
    const name = e.slice(0, eq).trim();
    if (name in raw) throw new CliUsageError(`--space ${name} is given twice`);
    raw[name] = e.slice(eq + 1);
  }
  const space: Record<string, ParamDimension> = {};
  for (const [name, text] of Object.entries(resolveNames(raw, paramNames))) {
    if (!paramNames.includes(name)) throw new CliUsageError(`--space ${name}: not a parameter of ${strategy}; its parameters are ${paramNames.join(', ')}`);
    if (name in fixedParams) throw new CliUsageError(`${name} is both a --param and a --space; sweep it or fix it`);
    space[name] = parseDimension(name, text);
  }
  return space;
}

function rowCells(r: SweepRow, names: readonly string[]): unknown[] {
  return [...names.map((n) => r.params[n]), r.score, ...CSV_METRICS.map((m) => r.metrics?.[m] ?? null), r.error?.message ?? ''];
}

function sweepCsv(res: SweepResult, names: readonly string[]): string {
  const lines = [['rank', 'index', ...names, 'score', ...CSV_METRICS, 'error'].join(',')];
  res.rows.forEach((r, i) => lines.push([i + 1, r.index, ...rowCells(r, names)].map(csvCell).join(',')));
  return `${lines.join('\n')}\n`;
}

function walkForwardCsv(wf: WalkForwardResult, names: readonly string[]): string {
  const lines = [['fold', 'in_sample_start', 'in_sample_end', 'out_of_sample_start', 'out_of_sample_end', ...names, 'in_sample_score', 'out_of_sample_score', ...CSV_METRICS.map((m) => `oos_${m}`)].join(',')];
  for (const f of wf.folds) {
    const iso = (ms: number) => new Date(ms).toISOString();
    lines.push([f.fold, iso(f.inSample.start_ms), iso(f.inSample.end_ms), iso(f.outOfSample.start_ms), iso(f.outOfSample.end_ms),
      ...names.map((n) => f.bestParams?.[n] ?? null), f.inSampleScore, f.outOfSampleScore, ...CSV_METRICS.map((m) => f.outOfSampleMetrics?.[m] ?? null)].map(csvCell).join(','));
  }
  return `${lines.join('\n')}\n`;
}

function formatSweep(res: SweepResult, names: readonly string[], top: number): string {
  const head = `${res.strategy}: ${res.total} combination(s), ${res.evaluated} ran, ${res.failed} rejected; ranked by ${res.rankBy} (${res.direction})\n`;
  const firstError = res.rows.find((r) => r.error)?.error;
  // The ranking metric first, then the usual ones (without repeating it).
  const shown = ([['total_return_pct', 'RETURN %', 2], ['sharpe', 'SHARPE', 3], ['max_drawdown_pct', 'MAX DD %', 2], ['trade_count', 'TRADES', 0], ['win_rate', 'WIN %', -1]] as const)
    .filter(([m]) => m !== res.rankBy);
  const rows = [['#', ...names, res.rankBy.toUpperCase(), ...shown.map(([, label]) => label)]];
  res.rows.filter((r) => !r.error).slice(0, top).forEach((r, i) => {
    const m = r.metrics;
    rows.push([String(i + 1), ...names.map((n) => String(r.params[n])), fixed(r.score, 4), ...shown.map(([k, , d]) => (d < 0 ? pctOfFraction(m?.[k]) : fixed(m?.[k], d)))]);
  });
  const table = rows.length > 1 ? formatTable(rows, rows[0].map((_, c) => (c === 0 || c > names.length ? 'right' : 'left'))) : 'no combination could run\n';
  return `${head}${firstError ? `rejected combinations, e.g.: ${firstError.message}\n` : ''}\n${table}${formatVerdict(res)}${res.heatmap ? `\n${formatHeatmap(res.heatmap)}` : ''}`;
}

/** The overfitting verdict next to the best set (docs/metrics.md). */
function formatVerdict(res: SweepResult): string {
  const v = res.verdict;
  if (!v) return '';
  const d = v.deflated_sharpe;
  const dsr = d ? `deflated Sharpe ratio ${fixed(d.dsr, 3)} (best per-bar Sharpe ${fixed(d.sharpe_per_bar, 4)} vs ${fixed(d.expected_max_sharpe, 4)} expected from ${v.trials} unskilled trials)` : 'deflated Sharpe ratio -';
  const pbo = v.pbo ? `probability of backtest overfitting ${fixed(v.pbo.pbo, 3)} (CSCV, ${v.pbo.blocks} blocks, ${v.pbo.splits} splits)` : 'probability of backtest overfitting -';
  return `\noverfitting verdict of the best set: ${dsr}; ${pbo}\n`;
}

function formatWalkForward(wf: WalkForwardResult, names: readonly string[]): string {
  const rows = [['FOLD', 'IN-SAMPLE', 'OUT-OF-SAMPLE', ...names, `IS ${wf.rankBy.toUpperCase()}`, `OOS ${wf.rankBy.toUpperCase()}`, 'OOS RETURN %']];
  for (const f of wf.folds) {
    rows.push([String(f.fold + 1), `${utc(f.inSample.start_ms)} .. ${utc(f.inSample.end_ms)}`, `${utc(f.outOfSample.start_ms)} .. ${utc(f.outOfSample.end_ms)}`,
      ...names.map((n) => String(f.bestParams?.[n] ?? '-')), fixed(f.inSampleScore, 4), fixed(f.outOfSampleScore, 4), fixed(f.outOfSampleMetrics?.total_return_pct)]);
  }
  return `${formatTable(rows)}\nout-of-sample return, compounded over folds [%]: ${fixed(wf.oosCompoundedReturnPct)}\n` +
    `mean ${wf.rankBy}: in-sample ${fixed(wf.isMeanScore, 4)}, out-of-sample ${fixed(wf.oosMeanScore, 4)} (the gap shows how much the optimisation overfits)\n` +
    `parameter stability: the chosen set changed in ${wf.stability.changes} of ${Math.max(0, wf.folds.filter((f) => f.bestParams).length - 1)} fold transitions; ` +
    `the most frequent set was chosen in ${pctOfFraction(wf.stability.modalShare, 0)} % of folds; ` +
    `${wf.stability.params.map((p) => `${p.name}: ${p.distinct} distinct${p.relativeStd !== null ? `, relative sd ${fixed(p.relativeStd, 2)}` : ''}`).join('; ')}\n`;
}

/**
 * `coinhts sweep`: grid or random search over a strategy's parameters on worker threads (Ctrl-C
 * cancels), ranked by a metric; or a walk-forward analysis with `--walk-forward`.
 */
export function register(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('sweep')
    .description('search a strategy\'s parameters (grid or random) and rank the combinations; --walk-forward for out-of-sample folds');
  addRunFlags(cmd, ctx, 'volume_zone_breakout')
    .option('--space <name=spec>', 'swept parameter, repeatable: name=min:max:step (10:40:5) or name=a,b,c; a unique prefix of the name is enough', collect)
    .option('--random <n>', 'random search: n combinations drawn from the space instead of the full grid', intFlag('--random', 1, 1_000_000))
    .option('--seed <n>', 'seed of --random (default 1)', intFlag('--seed', 0, 2 ** 32 - 1))
    .addOption(new Option('--rank-by <metric>', 'metric to rank by').choices([...SWEEP_METRICS]).default('sharpe'))
    .addOption(new Option('--direction <dir>', 'max or min (default: min for drawdown, volatility and fees, max otherwise)').choices(['max', 'min']))
    .option('--top <n>', 'rows shown', intFlag('--top', 1), 10)
    .option('--workers <n>', 'worker threads (default: all cores)', intFlag('--workers', 1, 256))
    .option('--walk-forward', 'walk-forward analysis: optimise on each in-sample window, evaluate on the next out-of-sample window')
    .option('--in-sample-bars <n>', 'bars per in-sample window (walk-forward)', intFlag('--in-sample-bars', 1))
    .option('--out-of-sample-bars <n>', 'bars per out-of-sample window (walk-forward)', intFlag('--out-of-sample-bars', 1))
    .option('--step-bars <n>', 'bars the windows move per fold (walk-forward; default the out-of-sample size)', intFlag('--step-bars', 1))
    .option('--anchored', 'walk-forward with every in-sample window starting at the first bar')
    .option('--out <dir>', 'write sweep.csv and sweep.json into this folder')
    .option('--json', 'print the result as JSON')
    .option('--heatmap <x,y>', 'print a heat map of two swept parameters against the ranking metric (e.g. fast_period,slow_period)')
    .option('--no-save', `do not store the result as a run (store: RESULTS_STORE, now ${storeOf(ctx)})`)
    // The store is opened before the work, so an unusable one is exit 2 before any run.
    .action((flags: SweepFlags) => (flags.save ? withRuns(ctx, (runs) => sweep(flags, runs)) : sweep(flags, undefined)));

  async function sweep(flags: SweepFlags, runs: RunService | undefined): Promise<void> {
      const { strategy, params, options, paramNames } = strategyInputs(flags);
      const space = parseSpace(flags.space, paramNames, strategy.name, params);
      if (flags.seed !== undefined && flags.random === undefined) throw new CliUsageError('--seed applies to --random; add --random N');
      const mode: SweepMode = flags.random === undefined ? { kind: 'grid' } : { kind: 'random', samples: flags.random, seed: flags.seed ?? 1 };
      const wfFlags = [flags.inSampleBars, flags.outOfSampleBars, flags.stepBars, flags.anchored];
      if (!flags.walkForward && wfFlags.some((f) => f !== undefined)) throw new CliUsageError('--in-sample-bars, --out-of-sample-bars, --step-bars and --anchored need --walk-forward');
      if (flags.walkForward && (flags.inSampleBars === undefined || flags.outOfSampleBars === undefined)) throw new CliUsageError('--walk-forward needs --in-sample-bars N and --out-of-sample-bars M');
      const names = Object.keys(space).sort();
      let heatmap: [string, string] | undefined;
      if (flags.heatmap !== undefined) {
        const parts = flags.heatmap.split(',').map((x) => x.trim());
        const picked = parts.length === 2 ? Object.keys(resolveNames(Object.fromEntries(parts.map((x) => [x, x])), names)) : [];
        if (picked.length !== 2 || picked.some((x) => !names.includes(x))) throw new CliUsageError(`--heatmap expects two different swept parameters as x,y (swept: ${names.join(', ')}); got "${flags.heatmap}"`);
        if (flags.walkForward) throw new CliUsageError('--heatmap applies to a sweep, not to --walk-forward');
        heatmap = [picked[0], picked[1]];
      }

      const candles = await loadRunCandles(flags, ctx);
      for (const note of qualityNotes(candles)) ctx.io.stderr(`note: ${note}\n`);
      const series = engineSeries(candles);
      const common = { baseParams: params, space, mode, series, options, rankBy: flags.rankBy as (typeof SWEEP_METRICS)[number], direction: flags.direction };
      const meta = {
        strategy: strategy.name, symbols: series.map((s) => s.symbol), timeframe: series[0].timeframe, source: candles.source,
        from: new Date(Math.min(...series.map((s) => s.candles.timestamp[0]))).toISOString(),
        to: new Date(Math.max(...series.map((s) => s.candles.timestamp[s.candles.timestamp.length - 1]))).toISOString(),
        base_params: params, options, space, mode,
      };
      // Parsed before any work: what cannot be stored as a request is refused (exit 2) up front.
      const request = runs ? sweepRequestOf(flags, { strategy: strategy.name, params, options, symbols: meta.symbols, timeframe: meta.timeframe, from: meta.from, to: meta.to }, space, mode) : undefined;
      const search: SweepSearch = mode.kind === 'random' ? { kind: 'random', samples: mode.samples, seed: mode.seed ?? 1 } : { kind: 'grid' };
      const startedAt = Date.now();

      if (flags.walkForward) {
        // walkForward runs on this thread: Ctrl-C keeps its default (end the process at once).
        const bar = createProgressBar({ enabled: ctx.io.isTty, write: ctx.io.stderr, unit: 'folds' });
        let wf: WalkForwardResult;
        try {
          wf = walkForward({ ...common, strategy, inSampleBars: flags.inSampleBars as number, outOfSampleBars: flags.outOfSampleBars as number, stepBars: flags.stepBars, anchored: flags.anchored, onProgress: (p) => bar.update(p.fold, p.folds) });
        } finally {
          bar.finish();
        }
        const result = { ...wf, oosEquity: { timestamp: Array.from(wf.oosEquity.timestamp), equity: Array.from(wf.oosEquity.equity) } };
        const geometry = { inSampleBars: flags.inSampleBars as number, outOfSampleBars: flags.outOfSampleBars as number, stepBars: flags.stepBars ?? (flags.outOfSampleBars as number), anchored: flags.anchored ?? false };
        const doc = { ...meta, walk_forward: { in_sample_bars: geometry.inSampleBars, out_of_sample_bars: geometry.outOfSampleBars, step_bars: geometry.stepBars, anchored: geometry.anchored }, result };
        let runId: string | undefined;
        if (runs && request) {
          runId = randomUUID();
          await saveWalkForward(runs, { runId, request, result: wf, geometry, search, initialCapital: request.options.initial_capital, timing: { startedAt, finishedAt: Date.now() } });
        }
        if (flags.out !== undefined) await writeOut(flags.out, walkForwardCsv(wf, names), doc);
        ctx.io.stdout(flags.json ? `${JSON.stringify({ run_id: runId ?? null, ...doc }, null, 2)}\n` : formatWalkForward(wf, names));
        if (flags.out !== undefined && !flags.json) ctx.io.stdout(`wrote sweep.csv and sweep.json to ${resolve(flags.out)}\n`);
        if (runId && !flags.json) ctx.io.stdout(`saved run ${runId} in ${storeOf(ctx)} (coinhts results show ${runId})\n`);
        return;
      }

      const ac = new AbortController();
      const onSigint = (): void => ac.abort(new Error('interrupted'));
      process.once('SIGINT', onSigint);
      const bar = createProgressBar({ enabled: ctx.io.isTty, write: ctx.io.stderr, unit: 'sets' });
      let res: SweepResult;
      try {
        res = await runSweepParallel({ ...common, strategy: strategy.name, workers: flags.workers, heatmap, signal: ac.signal, onProgress: (p) => bar.update(p.done, p.total) });
      } finally {
        bar.finish();
        process.removeListener('SIGINT', onSigint);
      }
      let runId: string | undefined;
      if (runs && request) {
        runId = randomUUID();
        await saveEngineSweep(runs, { runId, request, result: res, search, timing: { startedAt, finishedAt: Date.now() } });
      }
      const doc = { ...meta, rank_by: res.rankBy, direction: res.direction, total: res.total, evaluated: res.evaluated, failed: res.failed, verdict: res.verdict, ...(res.heatmap ? { heatmap: res.heatmap } : {}), rows: res.rows.map((r, i) => ({ rank: i + 1, ...r })) };
      if (flags.out !== undefined) await writeOut(flags.out, sweepCsv(res, names), doc);
      ctx.io.stdout(flags.json ? `${JSON.stringify({ run_id: runId ?? null, ...doc }, null, 2)}\n` : formatSweep(res, names, flags.top));
      if (flags.out !== undefined && !flags.json) ctx.io.stdout(`\nwrote sweep.csv and sweep.json to ${resolve(flags.out)}\n`);
      if (runId && !flags.json) ctx.io.stdout(`${flags.out !== undefined ? '' : '\n'}saved run ${runId} in ${storeOf(ctx)} (coinhts results show ${runId})\n`);
  }
}

async function writeOut(dir: string, csv: string, doc: unknown): Promise<void> {
  const out = resolve(dir);
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'sweep.csv'), csv);
  await writeFile(join(out, 'sweep.json'), `${JSON.stringify(doc, null, 2)}\n`);
}
