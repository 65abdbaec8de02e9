import type { Timeframe } from '@coinhts/engine';
import { DEFAULT_ZONE, parseDateBound } from './dates';
import { DataQualityError, InvalidRangeError, NoDataError } from './errors';
import { checkQuality, repairSeries, type QualityPolicy, type QualityReport, type RepairResult } from './quality';
import type { CandleSeries } from './series';
import type { ParquetCandleStore } from './store';
import { normalizeSymbol } from './symbol';
import { normalizeTimeframe } from './timeframe';

/** Options of {@link loadSeriesForBacktest}. */
export interface BacktestLoadOptions {
  /** Symbol in any accepted spelling. */
  readonly symbol: string;
  /** Timeframe code or alias. */
  readonly timeframe: string;
  /** First candle: UTC ms, or text for `parseDateBound` (date-only = start of that day in `zone`). */
  readonly from?: number | string;
  /** Last candle, inclusive: UTC ms, or text (date-only = the whole day in `zone`). */
  readonly to?: number | string;
  /** Zone for date-only / offset-less text bounds. Default Asia/Seoul. */
  readonly zone?: string;
  /**
   * What to do with a series the quality report calls invalid: `refuse` (default) throws
   * DATA_QUALITY, `repair` drops bad rows and duplicates (see `repairSeries`), `ignore` passes it on.
   */
  readonly quality?: QualityPolicy;
  /** Outlier threshold for the report (see `QualityOptions.outlierK`). */
  readonly outlierK?: number;
}

/** What {@link loadSeriesForBacktest} returns. */
export interface BacktestSeries {
  readonly symbol: string;
  readonly timeframe: Timeframe;
  /** Candles to run on (repaired when `quality: 'repair'` had to act). */
  readonly candles: CandleSeries;
  /** Resolved bounds (UTC ms), when given. */
  readonly from?: number;
  readonly to?: number;
  /** Quality report of the series as loaded (before any repair). */
  readonly report: QualityReport;
  /** Present when the series was repaired. */
  readonly repair?: RepairResult;
}

/**
 * Loads a series for a backtest and runs the data-quality report on it. Invalid data is refused
 * (DATA_QUALITY, with the problems and the way out in the message) unless `quality` is `repair`
 * or `ignore`. An empty range is NO_DATA, naming what is stored instead.
 */
export async function loadSeriesForBacktest(
  store: Pick<ParquetCandleStore, 'loadSeries' | 'readCoverage' | 'bounds'>,
  options: BacktestLoadOptions,
): Promise<BacktestSeries> {
  const symbol = normalizeSymbol(options.symbol);
  const timeframe = normalizeTimeframe(options.timeframe);
  const zone = options.zone ?? DEFAULT_ZONE;
  const from = typeof options.from === 'string' ? parseDateBound(options.from, { zone }) : options.from;
  const to = typeof options.to === 'string' ? parseDateBound(options.to, { zone, end: true }) : options.to;
  if (from !== undefined && to !== undefined && from > to) {
    throw new InvalidRangeError(`The range starts after it ends: ${String(options.from)} > ${String(options.to)}`);
  }
  const candles = await store.loadSeries({ symbol, timeframe, from, to });
  const span = `${from === undefined ? 'the beginning' : new Date(from).toISOString()} .. ${to === undefined ? 'the end' : new Date(to).toISOString()}`;
  if (candles.timestamp.length === 0) {
    const b = await store.bounds(symbol, timeframe);
    const stored = b ? `stored: ${new Date(b.first).toISOString()} .. ${new Date(b.last).toISOString()}` : 'nothing is stored for it (fetch or import it first: coinhts data fetch / data import)';
    throw new NoDataError(`No ${symbol} ${timeframe} candles in ${span}; ${stored}`);
  }
  const coverage = (await store.readCoverage(symbol, timeframe))?.intervals;
  const report = checkQuality(candles, { timeframe, coverage, range: { from, to }, outlierK: options.outlierK });
  const policy = options.quality ?? 'refuse';
  if (report.verdict !== 'invalid' || policy === 'ignore') return { symbol, timeframe, candles, from, to, report };
  if (policy === 'repair') {
    const repair = repairSeries(candles);
    if (repair.rowsAfter === 0) throw new DataQualityError(`${symbol} ${timeframe}: no valid candles are left after repair in ${span}`, report);
    return { symbol, timeframe, candles: repair.series, from, to, report, repair };
  }
  const errors = report.issues.filter((i) => i.severity === 'error').map((i) => i.message).join('; ');
  throw new DataQualityError(`${symbol} ${timeframe} candles in ${span} are invalid: ${errors}. Repair them (--repair: drop bad rows, keep the last duplicate) or run anyway (--ignore-quality).`, report);
}
