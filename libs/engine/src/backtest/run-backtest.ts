import type { CandleColumns } from '../core/candles';
import type { ColumnCache } from '../core/columns';
import { BacktestAbortedError, InvalidParamsError, type ParamIssue } from '../core/errors';
import type { SignalColumns } from '../core/signals';
import { isSparseSignals } from '../core/sparse-signals';
import type { StrategyDefinition } from '../core/strategy';
import { barsPerYear, isTimeframe, TIMEFRAMES, type Timeframe } from '../core/timeframes';
import { equityMetrics, type EquityMetrics } from '../metrics/equity';
import { finiteOrNull } from '../metrics/finite';
import { tradeMetrics, type TradeMetrics } from '../metrics/trades';
import { StrategyContractError } from './errors';
import { validateSeriesCandles } from './fast-validate';
import { parsePortfolioOptions, zodIssuesToParamIssues, type PortfolioOptions } from './options';
import { buyIndices, signalStudy, signalStudyStats, type SignalStudyColumns, type SignalStudyStats } from './signal-study';
import { simulatePortfolio, type ChunkListener, type EquityColumns, type SimulationSeries, type TradeColumns } from './simulate';
import { ENGINE_VERSION } from './version';

/** One symbol's candles for a run. */
export interface BacktestSeries {
  /** Canonical symbol, e.g. `KRW-BTC`; unique within a run. */
  readonly symbol: string;
  readonly timeframe: Timeframe;
  readonly candles: CandleColumns;
}

/** Stages reported through {@link BacktestRequest.onProgress}. */
export const BacktestStage = {
  Validate: 'validate',
  Signals: 'signals',
  SignalStudy: 'signal-study',
  Simulate: 'simulate',
  Metrics: 'metrics',
  Done: 'done',
} as const;
/** One of {@link BacktestStage}'s values. */
export type BacktestStage = (typeof BacktestStage)[keyof typeof BacktestStage];

/** A progress report: `fraction` 0..1 of the whole run. */
export interface BacktestProgress {
  readonly fraction: number;
  readonly stage: BacktestStage;
}

/** Input of {@link runBacktest}. `P` is the strategy's parsed parameter type. */
export interface BacktestRequest<P extends object = Record<string, unknown>> {
  readonly strategy: StrategyDefinition<P>;
  /** Raw strategy params, validated (and defaulted) by `strategy.paramsSchema`. */
  readonly params?: unknown;
  /** One or more symbols; several symbols share one cash account. */
  readonly series: readonly BacktestSeries[];
  /** Raw options, validated by {@link PortfolioOptionsSchema}. */
  readonly options?: unknown;
  /** Cancels the run: checked between stages and every ~64k simulated bars. */
  readonly signal?: AbortSignal;
  /** Called at each stage and every ~64k simulated bars. */
  readonly onProgress?: (progress: BacktestProgress) => void;
  /** Indicator columns shared between runs over the same candles (sweeps pass one); results are identical with or without. */
  readonly columns?: ColumnCache;
}

/** Signal-study rows of every symbol (symbols in request order, bars in time order). */
export interface SignalTable extends SignalStudyColumns {
  readonly symbol: readonly string[];
}

/** Portfolio-level metrics: curve metrics + trade metrics + exposure. */
export interface PortfolioMetrics extends EquityMetrics, TradeMetrics {
  /** Fraction (0..1) of timeline bars during which at least one position was open. */
  readonly exposure: number | null;
  /** Timeline bars with a position open. */
  readonly bars_in_market: number;
  /** Entries the book refused (not enough cash, below one lot, non-positive price). */
  readonly entries_skipped: number;
}

/** Per-symbol part of the summary. */
export interface SymbolSummary {
  readonly symbol: string;
  readonly timeframe: Timeframe;
  readonly bars: number;
  /** First bar time, epoch ms. */
  readonly start_ms: number;
  /** Last bar time, epoch ms. */
  readonly end_ms: number;
  /** close[last] / close[first] − 1, percent, no costs. */
  readonly buy_and_hold_return_pct: number | null;
  /** Fraction of this symbol's bars with its position open. */
  readonly exposure: number | null;
  readonly entries_skipped: number;
  readonly signal_study: SignalStudyStats;
  /** Metrics of this symbol's trades. */
  readonly trades: TradeMetrics;
}

/**
 * The JSON summary of a run. Plain data only (no typed arrays), no NaN/Infinity (undefined metrics
 * are null). Serialize with {@link serializeSummary} for a canonical byte-identical form.
 */
export interface BacktestSummary {
  readonly engine_version: string;
  readonly strategy: { readonly name: string; readonly title: string };
  /** Strategy params after validation and defaults. */
  readonly params: Readonly<Record<string, unknown>>;
  /** Portfolio options after validation and defaults. */
  readonly options: PortfolioOptions;
  /** Values derived from the options and the data. */
  readonly resolved: {
    /** Holding period of the simulation in bars (null = no time exit). */
    readonly hold_bars: number | null;
    /** Holding period of the signal study in bars (the strategy's). */
    readonly study_hold_bars: number;
    /** Bars per year used for annualisation: `options.bars_per_year`, or a 24/7 year of the finest timeframe's bars. */
    readonly bars_per_year: number;
    /** `24/7` (bars_per_year from the timeframe) or `custom` (from options.bars_per_year). */
    readonly calendar: '24/7' | 'custom';
    /** Length of a bar of that timeframe, ms. */
    readonly bar_ms: number;
  };
  readonly period: {
    readonly start_ms: number;
    readonly end_ms: number;
    /** ISO 8601 UTC of start_ms. */
    readonly start: string;
    /** ISO 8601 UTC of end_ms. */
    readonly end: string;
    /** Bars of the merged timeline. */
    readonly bars: number;
  };
  /** Signal study over all symbols (legacy drawdown over all signals in time order). */
  readonly signal_study: SignalStudyStats;
  readonly portfolio: PortfolioMetrics;
  readonly symbols: readonly SymbolSummary[];
}

/** Everything a run produces: a JSON summary and three columnar tables. */
export interface BacktestResult {
  readonly summary: BacktestSummary;
  /** Signal study rows (what the original reported). */
  readonly signals: SignalTable;
  /** Simulated trades. */
  readonly trades: TradeColumns;
  /** Equity curve, one row per bar of the merged timeline. */
  readonly equity: EquityColumns;
}

function invalid(issues: ParamIssue[], context: string): never {
  throw new InvalidParamsError(issues, context);
}

function validateSeriesList(series: unknown): readonly BacktestSeries[] {
  if (!Array.isArray(series) || series.length === 0) invalid([{ field: 'series', message: 'must be a non-empty array of { symbol, timeframe, candles }' }], 'backtest request');
  const issues: ParamIssue[] = [];
  const seen = new Set<string>();
  series.forEach((s: Partial<BacktestSeries> | null, i) => {
    if (typeof s?.symbol !== 'string' || s.symbol.length === 0) issues.push({ field: `series.${i}.symbol`, message: 'must be a non-empty string' });
    else if (seen.has(s.symbol)) issues.push({ field: `series.${i}.symbol`, message: `duplicate symbol ${s.symbol}; each symbol may appear once` });
    else seen.add(s.symbol);
    if (typeof s?.timeframe !== 'string' || !isTimeframe(s.timeframe)) issues.push({ field: `series.${i}.timeframe`, message: `must be one of ${Object.keys(TIMEFRAMES).join(', ')}` });
    if (typeof s?.candles !== 'object' || s.candles === null) issues.push({ field: `series.${i}.candles`, message: 'must be candle columns' });
  });
  if (issues.length > 0) invalid(issues, 'backtest request');
  return series as readonly BacktestSeries[];
}

function checkSignals(strategy: string, s: SignalColumns, n: number): void {
  const bad = (detail: string): never => { throw new StrategyContractError(strategy, detail); };
  if (!(s?.side instanceof Int8Array) || s.side.length !== n) bad(`generate() must return side as an Int8Array of ${n} values`);
  if (isSparseSignals(s)) return; // confidence and level are built from the signal list on first read: valid by construction
  if (!(s.confidence instanceof Float64Array) || s.confidence.length !== n) bad(`generate() must return confidence as a Float64Array of ${n} values`);
  if (s.level !== undefined && (!(s.level instanceof Float64Array) || s.level.length !== n)) bad(`generate() level, when present, must be a Float64Array of ${n} values`);
}

/**
 * The holding period the simulation uses, in bars: `hold_bars` itself, or for `'strategy'` the
 * strategy's hold period (at least 1) — none (null) for strategies that exit on their own Sell
 * signals. Shared by backtests and live sessions so both resolve it the same way.
 */
export function resolveHoldBars<P extends object>(strategy: StrategyDefinition<P>, params: P, options: PortfolioOptions): number | null {
  return options.hold_bars === 'strategy' ? (strategy.exitsOnSignal ? null : Math.max(1, strategy.holdPeriodBars(params))) : options.hold_bars;
}

/**
 * Runs a backtest: validates the request, generates signals, runs the signal study (the original's
 * view) and the portfolio simulation (fees, slippage, sizing, exits) through @coinhts/positions, and
 * computes metrics. Synchronous and deterministic: identical inputs give identical results.
 *
 * Throws {@link InvalidParamsError} (bad params, options or series list), InvalidCandlesError,
 * {@link StrategyContractError}, {@link BacktestAbortedError}.
 */
export function runBacktest<P extends object>(req: BacktestRequest<P>): BacktestResult {
  const { strategy, signal, onProgress } = req;
  const report = (fraction: number, stage: BacktestStage): void => {
    if (signal?.aborted) throw new BacktestAbortedError(signal.reason);
    onProgress?.({ fraction, stage });
  };
  report(0, BacktestStage.Validate);

  // -- validate
  const series = validateSeriesList(req.series);
  const parsedParams = strategy.paramsSchema.safeParse(req.params ?? {});
  if (!parsedParams.success) invalid(zodIssuesToParamIssues(parsedParams.error.issues), `parameters of strategy ${strategy.name}`);
  const params = parsedParams.data;
  const options = parsePortfolioOptions(req.options);
  for (const s of series) validateSeriesCandles(s.candles, s.symbol);
  const studyHold = strategy.holdPeriodBars(params);
  const holdBars = resolveHoldBars(strategy, params, options);

  let finest = series[0].timeframe;
  for (const s of series) if (TIMEFRAMES[s.timeframe].ms < TIMEFRAMES[finest].ms) finest = s.timeframe;
  const barMs = TIMEFRAMES[finest].ms;
  // The market calendar: a 24/7 year of the finest timeframe's bars unless the options say otherwise.
  const bpy = options.bars_per_year ?? barsPerYear(finest);
  const totalBars = series.reduce((a, s) => a + s.candles.timestamp.length, 0);

  // -- signals and the signal study
  report(0.05, BacktestStage.Signals);
  const simSeries: SimulationSeries[] = [];
  const studies: { columns: SignalStudyColumns; stats: SignalStudyStats }[] = [];
  let doneBars = 0;
  for (const s of series) {
    const n = s.candles.timestamp.length;
    const sig = req.columns ? strategy.generate(s.candles, params, { columns: req.columns }) : strategy.generate(s.candles, params);
    checkSignals(strategy.name, sig, n);
    const buys = buyIndices(sig.side);
    if (buys === null) throw new StrategyContractError(strategy.name, 'generate() returned a side other than -1, 0 or 1');
    studies.push(signalStudy(s.candles, sig, studyHold, buys));
    simSeries.push({ symbol: s.symbol, candles: s.candles, side: sig.side, buys: buys.length });
    doneBars += n;
    report(0.05 + 0.35 * (doneBars / totalBars), BacktestStage.SignalStudy);
  }

  // -- simulation (reports 'simulate' itself, from bar 0 and every ~64k bars)
  const sim = simulatePortfolio(simSeries, { strategy: strategy.name, options, holdBars, progress: new SimulationProgress(report) });

  // -- metrics
  report(0.9, BacktestStage.Metrics);
  const eq = sim.equity;
  const curve = equityMetrics({
    equity: eq.equity, timestamps: eq.timestamp, initialCapital: options.initial_capital,
    barsPerYear: bpy, barMs, riskFreeRatePct: options.risk_free_rate_pct,
  });
  const timelineBars = eq.timestamp.length;
  const allTrades = tradeMetrics(sim.trades);
  const portfolio: PortfolioMetrics = {
    ...curve,
    ...allTrades,
    exposure: timelineBars > 0 ? sim.barsInMarket / timelineBars : null,
    bars_in_market: sim.barsInMarket,
    entries_skipped: sim.symbolEntriesSkipped.reduce((a, b) => a + b, 0),
  };
  const symbols: SymbolSummary[] = series.map((s, k) => {
    const c = s.candles;
    const n = c.timestamp.length;
    return {
      symbol: s.symbol,
      timeframe: s.timeframe,
      bars: n,
      start_ms: c.timestamp[0],
      end_ms: c.timestamp[n - 1],
      buy_and_hold_return_pct: c.close[0] > 0 ? finiteOrNull((c.close[n - 1] / c.close[0] - 1) * 100) : null,
      exposure: sim.symbolBarsInMarket[k] / n,
      entries_skipped: sim.symbolEntriesSkipped[k],
      signal_study: studies[k].stats,
      trades: series.length === 1 ? allTrades : tradeMetrics(tradesOf(sim.trades, s.symbol)),
    };
  });
  const signals = concatStudies(series, studies);
  const startMs = Math.min(...symbols.map((s) => s.start_ms));
  const endMs = Math.max(...symbols.map((s) => s.end_ms));
  const summary: BacktestSummary = {
    engine_version: ENGINE_VERSION,
    strategy: { name: strategy.name, title: strategy.title },
    params: params as Readonly<Record<string, unknown>>,
    options,
    resolved: { hold_bars: holdBars, study_hold_bars: studyHold, bars_per_year: bpy, calendar: options.bars_per_year === null ? '24/7' : 'custom', bar_ms: barMs },
    period: { start_ms: startMs, end_ms: endMs, start: new Date(startMs).toISOString(), end: new Date(endMs).toISOString(), bars: timelineBars },
    signal_study: series.length === 1 ? studies[0].stats : signalStudyStats(chronological(signals), studyHold),
    portfolio,
    symbols,
  };
  report(1, BacktestStage.Done);
  return { summary, signals, trades: sim.trades, equity: eq };
}

/** Maps simulation chunks to the run's progress (fractions 0.4..0.9) and abort checks. */
class SimulationProgress implements ChunkListener {
  constructor(private readonly report: (fraction: number, stage: BacktestStage) => void) {}
  onChunk(done: number, total: number): void {
    this.report(0.4 + 0.5 * (done / total), BacktestStage.Simulate);
  }
}

/** The columns {@link tradeMetrics} needs, restricted to one symbol. */
function tradesOf(t: TradeColumns, symbol: string): { pnl: number[]; pnl_pct: number[]; bars_held: number[]; fees: number[] } {
  const out = { pnl: [] as number[], pnl_pct: [] as number[], bars_held: [] as number[], fees: [] as number[] };
  for (let i = 0; i < t.symbol.length; i++) {
    if (t.symbol[i] !== symbol) continue;
    out.pnl.push(t.pnl[i]);
    out.pnl_pct.push(t.pnl_pct[i]);
    out.bars_held.push(t.bars_held[i]);
    out.fees.push(t.fees[i]);
  }
  return out;
}

function concatStudies(series: readonly BacktestSeries[], studies: readonly { columns: SignalStudyColumns }[]): SignalTable {
  if (studies.length === 1) return { ...studies[0].columns, symbol: new Array<string>(studies[0].columns.index.length).fill(series[0].symbol) };
  const total = studies.reduce((a, s) => a + s.columns.index.length, 0);
  const out = {
    symbol: new Array<string>(total), index: new Int32Array(total), timestamp: new Float64Array(total), price: new Float64Array(total),
    entry: new Float64Array(total), exit: new Float64Array(total), return_pct: new Float64Array(total), confidence: new Float64Array(total),
    level: new Float64Array(total),
  };
  let off = 0;
  studies.forEach(({ columns: c }, k) => {
    const m = c.index.length;
    out.symbol.fill(series[k].symbol, off, off + m);
    for (const key of ['index', 'timestamp', 'price', 'entry', 'exit', 'return_pct', 'confidence', 'level'] as const) out[key].set(c[key], off);
    off += m;
  });
  return out;
}

/** Return_pct of all signal rows in time order (ties keep symbol order). */
function chronological(t: SignalTable): Float64Array {
  const order = Array.from({ length: t.timestamp.length }, (_, i) => i).sort((a, b) => t.timestamp[a] - t.timestamp[b] || a - b);
  return Float64Array.from(order, (i) => t.return_pct[i]);
}
