import type { BacktestSummary, ParameterStability, PortfolioMetrics, WalkForwardResult } from '@coinhts/engine';
import { DEFAULT_BUCKETS, downsampleMinMax, downsampleOhlc, type OhlcSeries, type XySeries } from './downsample';

/** Where a run came from (shown in the report's header). */
export interface ReportRunMeta {
  /** Run id in its store, or null for a run that was not stored. */
  readonly id: string | null;
  /** When the run was stored, ISO 8601 UTC, or null. */
  readonly created_at: string | null;
  /** Where the candles came from (`store:DIR`, `csv:FILE`), when known. */
  readonly source?: string | null;
}

/** Candles of one symbol (epoch-ms timestamps, prices KRW per unit). */
export interface ReportCandles {
  readonly symbol: string;
  readonly timeframe: string;
  readonly candles: {
    readonly timestamp: ArrayLike<number>;
    readonly open: ArrayLike<number>;
    readonly high: ArrayLike<number>;
    readonly low: ArrayLike<number>;
    readonly close: ArrayLike<number>;
  };
}

/** The trades table of a run (the archive's `trades` columns). Money KRW, times epoch ms. */
export interface ReportTrades {
  readonly symbol: ArrayLike<string>;
  readonly entry_time: ArrayLike<number>;
  readonly exit_time: ArrayLike<number>;
  readonly entry_price: ArrayLike<number>;
  readonly exit_price: ArrayLike<number>;
  readonly quantity: ArrayLike<number>;
  readonly fees: ArrayLike<number>;
  readonly pnl: ArrayLike<number>;
  /** Percent of the entry notional. */
  readonly pnl_pct: ArrayLike<number>;
  readonly bars_held: ArrayLike<number>;
  readonly exit_reason: ArrayLike<string>;
}

/**
 * Everything a backtest report shows, independent of where the run was stored: the summary and
 * the tables as the archive holds them, plus the candles when the store still has them.
 */
export interface BacktestReportInput {
  readonly kind: 'backtest';
  readonly run: ReportRunMeta;
  readonly summary: BacktestSummary;
  readonly trades: ReportTrades;
  /** Equity curve: bar time (epoch ms), equity (KRW), drawdown (percent, >= 0). */
  readonly equity: { readonly timestamp: ArrayLike<number>; readonly equity: ArrayLike<number>; readonly drawdown_pct: ArrayLike<number> };
  /** Signal-study rows: return per Buy signal in percent. */
  readonly signals: { readonly symbol: ArrayLike<string>; readonly timestamp: ArrayLike<number>; readonly return_pct: ArrayLike<number> };
  /** Candles per symbol for the price charts; a symbol without candles gets no price chart. */
  readonly candles?: readonly ReportCandles[];
}

/** One ranked row of a sweep (as the archive's `ranking.rows`). */
export interface SweepReportRow {
  readonly index: number;
  readonly params: Readonly<Record<string, unknown>>;
  readonly score: number | null;
  readonly metrics: Readonly<Record<string, number | null>> | null;
  readonly error?: { readonly code: string; readonly message: string };
}

/** A parameter sweep: the request and its ranking (every row, best first). */
export interface SweepReportInput {
  readonly kind: 'sweep';
  readonly run: ReportRunMeta;
  readonly strategy: string;
  readonly request: Readonly<Record<string, unknown>>;
  readonly ranking: {
    readonly rankBy: string;
    readonly direction: 'max' | 'min';
    readonly total: number;
    readonly evaluated: number;
    readonly failed: number;
    readonly rows: readonly SweepReportRow[];
  };
  /** Overfitting figures (e.g. in-sample vs out-of-sample scores), shown as given when present. */
  readonly overfitting?: Readonly<Record<string, number | null>>;
}

/**
 * A walk-forward analysis: the engine's `WalkForwardResult` (from `walkForward` or
 * `walkForwardOnPool`) and what it was run on. The stitched equity may come as typed arrays (a
 * result in memory) or plain arrays (a result read back from JSON).
 */
export interface WalkForwardReportInput {
  readonly kind: 'walk-forward';
  readonly run: ReportRunMeta;
  readonly strategy: string;
  /** The request as submitted (symbols, dates, grid, window sizes), shown as given. */
  readonly request: Readonly<Record<string, unknown>>;
  readonly result: Omit<WalkForwardResult, 'oosEquity'> & {
    readonly oosEquity: { readonly timestamp: ArrayLike<number>; readonly equity: ArrayLike<number> };
  };
}

/** What a report is made from. */
export type ReportInput = BacktestReportInput | SweepReportInput | WalkForwardReportInput;

/** Format tag of {@link ReportData}. */
export const REPORT_DATA_FORMAT = 'coinhts-report/1';

/** Price chart data of one symbol: candles merged per bucket. */
export interface ReportPriceSeries extends OhlcSeries {
  readonly symbol: string;
  readonly timeframe: string;
  /** Candles before downsampling. */
  readonly bars: number;
}

/**
 * The JSON a report page renders (embedded in the HTML file; served as JSON to the console).
 * Charts get downsampled series; tables and stats get the exact stored numbers.
 */
export type ReportData = BacktestReportData | SweepReportData | WalkForwardReportData;

/** {@link ReportData} of a backtest. */
export interface BacktestReportData {
  readonly format: typeof REPORT_DATA_FORMAT;
  readonly kind: 'backtest';
  readonly title: string;
  readonly run: ReportRunMeta;
  readonly summary: BacktestSummary;
  /** Equity (KRW), min/max per bucket. */
  readonly equity: XySeries & { readonly points: number };
  /** Drawdown as a negative percent, min/max per bucket. */
  readonly drawdown: XySeries;
  /** Buy and hold of each symbol: initial capital × close / first close (KRW), min/max per bucket. */
  readonly buyAndHold: readonly (XySeries & { readonly symbol: string })[];
  readonly prices: readonly ReportPriceSeries[];
  /** Every trade, exact (columns as in the archive; times epoch ms). */
  readonly trades: { readonly [K in keyof ReportTrades]: (ReportTrades[K] extends ArrayLike<infer E> ? E : never)[] };
  /** Every signal's return, percent (signal-study histogram). */
  readonly signalReturnsPct: number[];
}

/** {@link ReportData} of a sweep. */
export interface SweepReportData {
  readonly format: typeof REPORT_DATA_FORMAT;
  readonly kind: 'sweep';
  readonly title: string;
  readonly run: ReportRunMeta;
  readonly strategy: string;
  readonly request: Readonly<Record<string, unknown>>;
  readonly ranking: SweepReportInput['ranking'];
  /** Names of the swept parameters (those taking more than one value), in first-seen order. */
  readonly sweptParams: readonly string[];
  readonly overfitting: Readonly<Record<string, number | null>> | null;
}

/** One fold of {@link WalkForwardReportData} (windows as epoch ms, [start, end)). */
export interface WalkForwardFoldData {
  readonly fold: number;
  readonly inSample: { readonly start_ms: number; readonly end_ms: number };
  readonly outOfSample: { readonly start_ms: number; readonly end_ms: number };
  /** Best parameters of the in-sample sweep; null when no combination ran. */
  readonly bestParams: Readonly<Record<string, unknown>> | null;
  readonly inSampleScore: number | null;
  readonly outOfSampleScore: number | null;
  /** The best parameters' metrics on the out-of-sample window (the engine's portfolio metrics), or null. */
  readonly outOfSampleMetrics: PortfolioMetrics | null;
}

/** {@link ReportData} of a walk-forward analysis. */
export interface WalkForwardReportData {
  readonly format: typeof REPORT_DATA_FORMAT;
  readonly kind: 'walk-forward';
  readonly title: string;
  readonly run: ReportRunMeta;
  readonly strategy: string;
  readonly request: Readonly<Record<string, unknown>>;
  readonly rankBy: string;
  readonly direction: 'max' | 'min';
  readonly folds: readonly WalkForwardFoldData[];
  /** Stitched out-of-sample equity (KRW), min/max per bucket; `first`/`last` are the exact end values (null when empty). */
  readonly equity: XySeries & { readonly points: number; readonly first: number | null; readonly last: number | null };
  /** Out-of-sample returns compounded over folds, percent. */
  readonly oosCompoundedReturnPct: number | null;
  readonly oosMeanScore: number | null;
  readonly isMeanScore: number | null;
  readonly stability: ParameterStability;
}

/** Options of {@link buildReportData}. */
export interface ReportDataOptions {
  /** Buckets of the downsampled chart series (default {@link DEFAULT_BUCKETS}). */
  readonly buckets?: number;
}

const arr = <T>(x: ArrayLike<T>): T[] => Array.from(x);

/** Turns a report input into the data a report page renders (downsampling the chart series only). */
export function buildReportData(input: ReportInput, options: ReportDataOptions = {}): ReportData {
  const buckets = options.buckets ?? DEFAULT_BUCKETS;
  if (input.kind === 'sweep') return sweepData(input);
  if (input.kind === 'walk-forward') return walkForwardData(input, buckets);
  const s = input.summary;
  const e = input.equity;
  const negDd = Float64Array.from(e.drawdown_pct, (x) => (x === 0 ? 0 : -x));
  const capital = s.portfolio.initial_capital_krw;
  const candles = input.candles ?? [];
  const buyAndHold = candles.map((c) => {
    const close = c.candles.close;
    const first = close.length > 0 ? close[0] : NaN;
    const value = Float64Array.from(close, (x) => (capital * x) / first);
    return { symbol: c.symbol, ...downsampleMinMax(c.candles.timestamp, value, buckets) };
  });
  const t = input.trades;
  return {
    format: REPORT_DATA_FORMAT,
    kind: 'backtest',
    title: `${s.strategy.name} on ${s.symbols.map((x) => `${x.symbol} ${x.timeframe}`).join(', ')}`,
    run: input.run,
    summary: s,
    equity: { points: e.timestamp.length, ...downsampleMinMax(e.timestamp, e.equity, buckets) },
    drawdown: downsampleMinMax(e.timestamp, negDd, buckets),
    buyAndHold,
    prices: candles.map((c) => ({ symbol: c.symbol, timeframe: c.timeframe, bars: c.candles.timestamp.length, ...downsampleOhlc(c.candles, buckets) })),
    trades: {
      symbol: arr(t.symbol), entry_time: arr(t.entry_time), exit_time: arr(t.exit_time), entry_price: arr(t.entry_price),
      exit_price: arr(t.exit_price), quantity: arr(t.quantity), fees: arr(t.fees), pnl: arr(t.pnl), pnl_pct: arr(t.pnl_pct),
      bars_held: arr(t.bars_held), exit_reason: arr(t.exit_reason),
    },
    signalReturnsPct: arr(input.signals.return_pct),
  };
}

function sweepData(input: SweepReportInput): SweepReportData {
  const values = new Map<string, Set<string>>();
  for (const r of input.ranking.rows) {
    for (const [k, v] of Object.entries(r.params)) {
      let set = values.get(k);
      if (!set) values.set(k, (set = new Set()));
      set.add(JSON.stringify(v));
    }
  }
  return {
    format: REPORT_DATA_FORMAT,
    kind: 'sweep',
    title: `Sweep of ${input.strategy}, ranked by ${input.ranking.rankBy}`,
    run: input.run,
    strategy: input.strategy,
    request: input.request,
    ranking: input.ranking,
    sweptParams: [...values].filter(([, set]) => set.size > 1).map(([k]) => k),
    overfitting: input.overfitting ?? null,
  };
}

function walkForwardData(input: WalkForwardReportInput, buckets: number): WalkForwardReportData {
  const r = input.result;
  const { timestamp, equity } = r.oosEquity;
  const n = timestamp.length;
  return {
    format: REPORT_DATA_FORMAT,
    kind: 'walk-forward',
    title: `Walk-forward of ${input.strategy}, ${r.folds.length} folds ranked by ${r.rankBy}`,
    run: input.run,
    strategy: input.strategy,
    request: input.request,
    rankBy: r.rankBy,
    direction: r.direction,
    folds: r.folds.map((f) => ({
      fold: f.fold, inSample: f.inSample, outOfSample: f.outOfSample, bestParams: f.bestParams,
      inSampleScore: f.inSampleScore, outOfSampleScore: f.outOfSampleScore, outOfSampleMetrics: f.outOfSampleMetrics,
    })),
    equity: { points: n, first: n ? equity[0] : null, last: n ? equity[n - 1] : null, ...downsampleMinMax(timestamp, equity, buckets) },
    oosCompoundedReturnPct: r.oosCompoundedReturnPct,
    oosMeanScore: r.oosMeanScore,
    isMeanScore: r.isMeanScore,
    stability: r.stability,
  };
}

/** A table as the run archive holds it: named columns (structurally `@coinhts/storage`'s ColumnarTable). */
export interface ArchivedTable {
  readonly columns: Readonly<Record<string, ArrayLike<unknown>>>;
}

/** Thrown when stored tables lack a column the report needs (an archive of another format). */
export class ReportInputError extends Error {
  override readonly name = 'ReportInputError';
  readonly code = 'REPORT_INPUT_INVALID';
}

function columnsOf<K extends string>(table: ArchivedTable | undefined, name: string, keys: readonly K[]): Record<K, ArrayLike<never>> {
  if (!table) throw new ReportInputError(`the run has no ${name} table; a report needs summary, trades, equity and signals`);
  const missing = keys.filter((k) => !(k in table.columns));
  if (missing.length) throw new ReportInputError(`the ${name} table lacks column(s) ${missing.join(', ')}; it was not written by this version of coin-hts`);
  return table.columns as Record<K, ArrayLike<never>>;
}

/**
 * A backtest report input from a stored run: its summary and the archive's `trades`, `equity`
 * and `signals` tables (any store; column names as the archive writes them), plus candles when
 * available. Throws {@link ReportInputError} when a table or column is missing.
 */
export function backtestReportInput(run: {
  readonly meta: ReportRunMeta;
  readonly summary: BacktestSummary;
  readonly tables: Readonly<Record<string, ArchivedTable | undefined>>;
  readonly candles?: readonly ReportCandles[];
}): BacktestReportInput {
  if (typeof run.summary?.portfolio !== 'object' || !Array.isArray(run.summary?.symbols)) throw new ReportInputError('the summary is not a backtest summary (no portfolio metrics or symbols)');
  const trades = columnsOf(run.tables.trades, 'trades', ['symbol', 'entry_time', 'exit_time', 'entry_price', 'exit_price', 'quantity', 'fees', 'pnl', 'pnl_pct', 'bars_held', 'exit_reason'] as const);
  const equity = columnsOf(run.tables.equity, 'equity', ['timestamp', 'equity', 'drawdown_pct'] as const);
  const signals = columnsOf(run.tables.signals, 'signals', ['symbol', 'timestamp', 'return_pct'] as const);
  return { kind: 'backtest', run: run.meta, summary: run.summary, trades, equity, signals, candles: run.candles };
}

type Json = Readonly<Record<string, unknown>>;
const obj = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
const numOrNull = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
const windowOf = (x: unknown, what: string): { start_ms: number; end_ms: number } => {
  if (!obj(x) || typeof x.start_ms !== 'number' || typeof x.end_ms !== 'number') throw new ReportInputError(`${what} is not a window {start_ms, end_ms}`);
  return { start_ms: x.start_ms, end_ms: x.end_ms };
};

/**
 * A walk-forward report input from a stored walk-forward run, as libs/runs/README.md describes it
 * ("Walk-forward analyses"): the archive summary's `walk_forward` (snake_case; windows epoch ms)
 * and `request`, and the run's `equity` table (the stitched out-of-sample equity: `timestamp`
 * epoch ms, `equity` KRW). Throws {@link ReportInputError} naming what is missing or malformed.
 */
export function walkForwardReportInput(run: {
  readonly meta: ReportRunMeta;
  readonly strategy: string;
  /** The parsed `summary.json` of the run. */
  readonly document: Json;
  readonly tables: Readonly<Record<string, ArchivedTable | undefined>>;
}): WalkForwardReportInput {
  const wf = run.document.walk_forward;
  if (!obj(wf)) throw new ReportInputError('the run has no walk_forward object in its summary; it is not a walk-forward analysis');
  if (!Array.isArray(wf.folds)) throw new ReportInputError('walk_forward.folds is not a list');
  if (!obj(wf.stability) || !Array.isArray(wf.stability.params)) throw new ReportInputError('walk_forward.stability lacks its params list');
  if (typeof wf.rank_by !== 'string' || (wf.direction !== 'max' && wf.direction !== 'min')) throw new ReportInputError('walk_forward lacks rank_by or direction (max/min)');
  const folds = wf.folds.map((f: unknown, i: number) => {
    if (!obj(f)) throw new ReportInputError(`walk_forward.folds.${i} is not an object`);
    return {
      fold: typeof f.fold === 'number' ? f.fold : i,
      inSample: windowOf(f.in_sample, `walk_forward.folds.${i}.in_sample`),
      outOfSample: windowOf(f.out_of_sample, `walk_forward.folds.${i}.out_of_sample`),
      bestParams: obj(f.best_params) ? (f.best_params as WalkForwardResult['folds'][number]['bestParams']) : null,
      inSampleScore: numOrNull(f.in_sample_score),
      outOfSampleScore: numOrNull(f.out_of_sample_score),
      outOfSampleMetrics: obj(f.out_of_sample_metrics) ? (f.out_of_sample_metrics as unknown as PortfolioMetrics) : null,
    };
  });
  const st = wf.stability;
  const stability: ParameterStability = {
    changes: typeof st.changes === 'number' ? st.changes : 0,
    modalShare: numOrNull(st.modal_share),
    params: (st.params as unknown[]).map((p, i) => {
      if (!obj(p) || typeof p.name !== 'string' || !Array.isArray(p.values)) throw new ReportInputError(`walk_forward.stability.params.${i} lacks its name or values`);
      return {
        name: p.name, values: p.values as ParameterStability['params'][number]['values'], distinct: typeof p.distinct === 'number' ? p.distinct : 0,
        mean: numOrNull(p.mean), std: numOrNull(p.std), relativeStd: numOrNull(p.relative_std),
      };
    }),
  };
  const equity = columnsOf(run.tables.equity, 'equity', ['timestamp', 'equity'] as const);
  return {
    kind: 'walk-forward',
    run: run.meta,
    strategy: run.strategy,
    request: obj(run.document.request) ? run.document.request : {},
    result: {
      rankBy: wf.rank_by as WalkForwardResult['rankBy'], direction: wf.direction, folds,
      oosCompoundedReturnPct: numOrNull(wf.oos_compounded_return_pct), oosMeanScore: numOrNull(wf.oos_mean_score), isMeanScore: numOrNull(wf.is_mean_score),
      oosEquity: { timestamp: equity.timestamp, equity: equity.equity },
      stability,
    },
  };
}

/**
 * A sweep report input from a stored sweep run: the archive summary's `ranking` (rows best first)
 * and `request` (libs/runs/README.md "Sweeps"). Throws {@link ReportInputError} without a ranking.
 */
export function sweepReportInput(run: { readonly meta: ReportRunMeta; readonly strategy: string; readonly document: Json }): SweepReportInput {
  const ranking = run.document.ranking;
  if (!obj(ranking) || !Array.isArray(ranking.rows)) throw new ReportInputError(`sweep run ${run.meta.id ?? '(not stored)'} has no ranking in its archive`);
  return { kind: 'sweep', run: run.meta, strategy: run.strategy, request: obj(run.document.request) ? run.document.request : {}, ranking: ranking as unknown as SweepReportInput['ranking'] };
}
