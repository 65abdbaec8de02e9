import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BacktestSeries as EngineSeries } from '@coinhts/engine';
import {
  InvalidSymbolError, ParquetCandleStore, emptySeries, loadSeriesForBacktest, readCandleFile, takeRows,
  type BacktestSeries, type CandleSeries, type QualityPolicy, type SeriesQuery,
} from '@coinhts/market-data';
import { CliUsageError } from './errors';

/** Where candles come from and which ones, as the user asked. */
export interface CandleRequest {
  /** Symbols; empty = the default symbol. */
  readonly symbols: readonly string[];
  /** Timeframe; undefined = the default (store) or the file's own (CSV). */
  readonly timeframe?: string;
  readonly from?: string;
  readonly to?: string;
  /** Zone of date-only bounds and of CSV times without an offset. */
  readonly zone: string;
  readonly quality: QualityPolicy;
  /** A user CSV/Parquet file, read in memory (nothing is written to the store). */
  readonly csv?: string;
  /** Candle store root. */
  readonly dataRoot: string;
}

/** Defaults that make `coinhts backtest` alone run on the bundled sample. */
export const DEFAULT_SYMBOL = 'KRW-BTC';
export const DEFAULT_TIMEFRAME = '1d';

/** Loaded series plus a description of the source for the run record. */
export interface LoadedCandles {
  readonly series: readonly BacktestSeries[];
  /** `store:DIR` or `csv:FILE`. */
  readonly source: string;
}

/**
 * A user's file as the small part of the store's interface that `loadSeriesForBacktest` reads.
 * Rows stay in file order (an unsorted file must reach the quality check unsorted).
 */
function fileSource(parsed: CandleSeries): Pick<ParquetCandleStore, 'loadSeries' | 'readCoverage' | 'bounds'> {
  const ts = parsed.timestamp;
  return {
    loadSeries: async (q: SeriesQuery) => {
      const from = q.from ?? -Infinity, to = q.to ?? Infinity;
      const keep: number[] = [];
      for (let i = 0; i < ts.length; i++) if (ts[i] >= from && ts[i] <= to) keep.push(i);
      if (keep.length === ts.length) return parsed;
      return keep.length === 0 ? emptySeries() : takeRows(parsed, keep);
    },
    readCoverage: async () => undefined,
    bounds: async () => {
      let first = Infinity, last = -Infinity;
      for (let i = 0; i < ts.length; i++) { if (ts[i] < first) first = ts[i]; if (ts[i] > last) last = ts[i]; }
      return ts.length ? { first, last } : undefined;
    },
  };
}

/** Loads every requested series through market-data's quality gate (refuse / repair / ignore). */
export async function loadCandles(req: CandleRequest): Promise<LoadedCandles> {
  const common = { from: req.from, to: req.to, zone: req.zone, quality: req.quality };
  if (req.csv !== undefined) {
    if (req.symbols.length > 1) throw new CliUsageError('--csv holds one series: pass at most one --symbol to label it');
    const file = resolve(req.csv);
    if (!existsSync(file)) throw new CliUsageError(`--csv ${req.csv}: no such file`);
    const read = (symbol: string | undefined) => readCandleFile(file, { symbol, timeframe: req.timeframe, zone: req.zone });
    // Label a file without a symbol (column or --symbol) with the default symbol rather than refusing it.
    const parsed = await read(req.symbols[0]).catch((err: unknown) => {
      if (req.symbols.length === 0 && err instanceof InvalidSymbolError && err.symbol === '') return read(DEFAULT_SYMBOL);
      throw err;
    });
    const loaded = await loadSeriesForBacktest(fileSource(parsed.series), { ...common, symbol: parsed.symbol, timeframe: parsed.timeframe }).catch((err: unknown) => {
      // The library names the series; the user needs to know it is about their file.
      const code = (err as { code?: string }).code;
      if (code === 'DATA_QUALITY' || code === 'NO_DATA') throw new CliUsageError(`${req.csv}: ${(err as Error).message}`);
      throw err;
    });
    return { series: [loaded], source: `csv:${file}` };
  }
  const root = resolve(req.dataRoot);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new CliUsageError(`candle store ${root} does not exist: pass --data DIR (or set DATA_ROOT), or --csv FILE`);
  const store = new ParquetCandleStore({ root });
  const symbols = req.symbols.length ? req.symbols : [DEFAULT_SYMBOL];
  const series: BacktestSeries[] = [];
  for (const symbol of symbols) {
    const loaded = await loadSeriesForBacktest(store, { ...common, symbol, timeframe: req.timeframe ?? DEFAULT_TIMEFRAME });
    if (series.some((s) => s.symbol === loaded.symbol)) throw new CliUsageError(`--symbol ${symbol} is given twice`);
    series.push(loaded);
  }
  return { series, source: `store:${root}` };
}

/** The engine's view of loaded series. */
export function engineSeries(loaded: LoadedCandles): EngineSeries[] {
  return loaded.series.map((s) => ({ symbol: s.symbol, timeframe: s.timeframe, candles: s.candles }));
}

/** One line per data-quality note worth telling the user (warnings, repairs). */
export function qualityNotes(loaded: LoadedCandles): string[] {
  const notes: string[] = [];
  for (const s of loaded.series) {
    for (const issue of s.report.issues) if (issue.severity === 'warning') notes.push(`${s.symbol} ${s.timeframe}: ${issue.message}`);
    if (s.repair) {
      const r = s.repair;
      notes.push(`${s.symbol} ${s.timeframe}: repaired: dropped ${r.droppedCount} invalid row(s) and ${r.duplicatesRemoved} duplicate(s)${r.reordered ? ', sorted by time' : ''}; ${r.rowsAfter} of ${r.rowsBefore} rows used`);
    }
  }
  return notes;
}
