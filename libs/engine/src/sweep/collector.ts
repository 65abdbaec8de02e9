import { InvalidParamsError } from '../core/errors';
import {
  binomial, deflatedSharpeRatio, MAX_CSCV_WORK, probabilityOfBacktestOverfitting, shapeOfReturns, type ReturnBlockStats,
} from '../metrics/overfitting';
import type { ParamSet, ParamValue } from './param-space';

/** The metric a sweep ranks by (see SWEEP_METRICS); a string here to keep this module below run-sweep. */
type MetricName = string;

/** A row as the collector needs it (the shape of SweepRow). */
export interface CollectedRow {
  readonly index: number;
  readonly params: ParamSet;
  readonly score: number | null;
  readonly metrics: object | null;
  readonly error?: { readonly code: string; readonly message: string };
}

/** Default number of CSCV time blocks of the overfitting verdict (C(8, 4) = 70 splits). */
export const DEFAULT_VERDICT_BLOCKS = 8;

/** The deflated Sharpe ratio of a sweep's best set (per-bar Sharpe ratios, not annualised). */
export interface DeflatedSharpeVerdict {
  /** Per-bar Sharpe ratio of the best set's bar returns. */
  readonly sharpe_per_bar: number;
  /** Bar returns behind it (T). */
  readonly bars: number;
  readonly skewness: number;
  /** Not excess (3 for normal returns). */
  readonly kurtosis: number;
  /** Variance of the per-bar Sharpe ratios across the sweep's sets (sample variance). */
  readonly trial_sharpe_variance: number;
  /** Expected maximum per-bar Sharpe of that many unskilled sets (SR₀). */
  readonly expected_max_sharpe: number;
  /** Probability (0..1) that the best set's true Sharpe exceeds SR₀. */
  readonly dsr: number | null;
}

/** Probability of backtest overfitting of a sweep, by CSCV. */
export interface PboVerdict {
  /** Time blocks S. */
  readonly blocks: number;
  /** C(S, S/2). */
  readonly splits: number;
  /** Fraction (0..1) of splits where the in-sample best set ranks in the lower half out of sample. */
  readonly pbo: number;
}

/** The overfitting verdict reported next to a sweep's best set (docs/metrics.md). */
export interface OverfittingVerdict {
  /** Sets whose bar returns had a spread (the trials of both measures). */
  readonly trials: number;
  /** Null with fewer than 2 trials, or when the best set's returns have no spread. */
  readonly deflated_sharpe: DeflatedSharpeVerdict | null;
  /** Null with fewer than 2 trials or blocks off. */
  readonly pbo: PboVerdict | null;
}

/**
 * Orders rows best first: scores by direction (`sign` −1 for max, 1 for min), null scores (and
 * rejected sets) last, ties by generation index.
 */
export function compareRows(a: CollectedRow, b: CollectedRow, sign: number): number {
  if (a.score === null || b.score === null) return a.score === null ? (b.score === null ? a.index - b.index : 1) : -1;
  return a.score === b.score ? a.index - b.index : sign * (a.score - b.score);
}

/**
 * Drops the metrics of rows that cannot be among the best `top` of a sweep because `top` rows of
 * the same chunk rank above them (what a worker sends back, so the calling thread does not copy
 * metrics it would throw away). Rows keep their order.
 */
export function trimChunkRows<R extends CollectedRow>(rows: readonly R[], top: number | undefined, direction: 'max' | 'min'): R[] {
  if (top === undefined || rows.length <= top) return [...rows];
  const sign = direction === 'max' ? -1 : 1;
  const keep = new Set([...rows].sort((a, b) => compareRows(a, b, sign)).slice(0, top));
  return rows.map((r) => (keep.has(r) ? r : { ...r, metrics: null }));
}

/** Values one task sends per set: bars, Σr..Σr⁴, then S block sums and S block sums of squares. */
export function packedStride(blocks: number): number {
  return 5 + 2 * blocks;
}

/** Writes one set's {@link ReturnBlockStats} into a packed buffer at `at` (NaN bars when absent). */
export function packStats(out: Float64Array, at: number, stats: ReturnBlockStats | null, blocks: number): void {
  if (!stats) { out[at] = NaN; return; }
  out[at] = stats.bars;
  for (let k = 0; k < 4; k++) out[at + 1 + k] = stats.moments[k];
  out.set(stats.blockSum, at + 5);
  out.set(stats.blockSumSq, at + 5 + blocks);
}

/**
 * The blocks the verdict will use: `requested` if given (refused when CSCV over `sets` sets would
 * exceed MAX_CSCV_WORK), else the largest even number <= 8 that fits. Checked before any work.
 */
export function resolveVerdictBlocks(requested: number | undefined, sets: number): number {
  const work = (s: number): number => sets * binomial(s, s / 2) * s;
  if (requested !== undefined) {
    if (requested === 0) return 0;
    if (!(Number.isInteger(requested) && requested >= 2 && requested % 2 === 0 && requested <= 32)) {
      throw new InvalidParamsError([{ field: 'verdict_blocks', message: `must be 0 (no verdict) or an even integer from 2 to 32, got ${requested}` }], 'sweep');
    }
    if (work(requested) > MAX_CSCV_WORK) {
      throw new InvalidParamsError([{ field: 'verdict_blocks', message: `${sets} sets x C(${requested}, ${requested / 2}) splits exceed the CSCV limit of ${MAX_CSCV_WORK} set-block evaluations; use fewer blocks` }], 'sweep');
    }
    return requested;
  }
  for (let s = DEFAULT_VERDICT_BLOCKS; s >= 2; s -= 2) if (work(s) <= MAX_CSCV_WORK) return s;
  return 0;
}

/** Cells of a two-parameter heat map: the best score over the other parameters per (x, y). */
export interface SweepHeatmap {
  readonly x: string;
  readonly y: string;
  /** Distinct values of x (ascending for numbers, then first-seen order). */
  readonly xValues: readonly ParamValue[];
  readonly yValues: readonly ParamValue[];
  /** `cells[j][i]`: best ranking score at (xValues[i], yValues[j]) over the other parameters; null when none ran. */
  readonly cells: readonly (readonly (number | null)[])[];
  readonly rankBy: MetricName;
  readonly direction: 'max' | 'min';
}

/**
 * Collects a sweep's rows as they arrive, in any order, in bounded memory: the full rows of the best
 * `top` only (a heap), and per set a compact summary (score, status, bar-return moments and
 * block sums: 41 + 16·S bytes, 169 bytes per set with S = 8). From those it ranks, and
 * computes the overfitting verdict and heat maps.
 */
export class SweepCollector {
  private readonly score: Float64Array;
  /** 0 = not seen, 1 = ran, 2 = rejected. */
  private readonly status: Uint8Array;
  private readonly moments: Float64Array;
  private readonly blockSum: Float64Array;
  private readonly blockSumSq: Float64Array;
  private bars = 0;
  private readonly keep: CollectedRow[] = [];
  private best: CollectedRow | null = null;
  private failed = 0;
  private seen = 0;
  private readonly sign: number;

  constructor(
    readonly total: number,
    readonly blocks: number,
    readonly direction: 'max' | 'min',
    /** Full rows kept (all when undefined). */
    readonly top: number | undefined,
  ) {
    this.score = new Float64Array(total).fill(NaN);
    this.status = new Uint8Array(total);
    this.moments = new Float64Array(total * 4);
    this.blockSum = new Float64Array(total * blocks);
    this.blockSumSq = new Float64Array(total * blocks);
    this.sign = direction === 'max' ? -1 : 1;
  }

  /** Sets collected so far. */
  get done(): number {
    return this.seen;
  }

  /** Orders rows best first (see {@link compareRows}). */
  readonly compare = (a: CollectedRow, b: CollectedRow): number => compareRows(a, b, this.sign);

  /** Adds a row and its packed return statistics (`packed[at..]`, see {@link packStats}). */
  add(row: CollectedRow, packed: Float64Array | null, at = 0): void {
    const i = row.index;
    this.seen++;
    this.status[i] = row.error ? 2 : 1;
    if (row.error) this.failed++;
    else {
      if (row.score !== null) this.score[i] = row.score;
      if (this.best === null || this.compare(row, this.best) < 0) this.best = row;
    }
    if (packed && !Number.isNaN(packed[at])) {
      this.bars = packed[at];
      for (let k = 0; k < 4; k++) this.moments[i * 4 + k] = packed[at + 1 + k];
      const S = this.blocks;
      for (let k = 0; k < S; k++) {
        this.blockSum[i * S + k] = packed[at + 5 + k];
        this.blockSumSq[i * S + k] = packed[at + 5 + S + k];
      }
    } else {
      this.moments[i * 4] = NaN;
    }
    this.offer(row);
  }

  /** Keeps `row` if it is among the best `top` (a max-heap on "worse": the root is the worst kept). */
  private offer(row: CollectedRow): void {
    const h = this.keep;
    if (this.top === undefined) { h.push(row); return; }
    if (this.top === 0) return;
    const worse = (a: CollectedRow, b: CollectedRow): boolean => this.compare(a, b) > 0;
    if (h.length < this.top) {
      h.push(row);
      let c = h.length - 1;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!worse(h[c], h[p])) break;
        [h[c], h[p]] = [h[p], h[c]];
        c = p;
      }
      return;
    }
    if (!worse(h[0], row)) return;
    h[0] = row;
    let p = 0;
    for (;;) {
      const l = 2 * p + 1, r = l + 1;
      let m = p;
      if (l < h.length && worse(h[l], h[m])) m = l;
      if (r < h.length && worse(h[r], h[m])) m = r;
      if (m === p) break;
      [h[m], h[p]] = [h[p], h[m]];
      p = m;
    }
  }

  /** The kept rows, best first. */
  rows(): CollectedRow[] {
    return [...this.keep].sort(this.compare);
  }

  /** The best row that ran (not rejected), or null. */
  bestRow(): CollectedRow | null {
    return this.best;
  }

  /** Rejected sets. */
  failedCount(): number {
    return this.failed;
  }

  /** The overfitting verdict of the sets collected (null when no set ran). */
  verdict(): OverfittingVerdict | null {
    const ids: number[] = [];
    const sharpe: number[] = [];
    for (let i = 0; i < this.total; i++) {
      if (this.status[i] !== 1 || Number.isNaN(this.moments[i * 4])) continue;
      const shape = shapeOfReturns([this.moments[i * 4], this.moments[i * 4 + 1], this.moments[i * 4 + 2], this.moments[i * 4 + 3]], this.bars);
      if (!shape) continue;
      ids.push(i);
      sharpe.push(shape.sharpe);
    }
    const N = ids.length;
    if (N === 0) return null;
    let dsr: DeflatedSharpeVerdict | null = null;
    const b = this.best;
    const bestShape = b && !Number.isNaN(this.moments[b.index * 4])
      ? shapeOfReturns([this.moments[b.index * 4], this.moments[b.index * 4 + 1], this.moments[b.index * 4 + 2], this.moments[b.index * 4 + 3]], this.bars)
      : null;
    if (bestShape && N >= 2) {
      const mean = sharpe.reduce((a, x) => a + x, 0) / N;
      const v = sharpe.reduce((a, x) => a + (x - mean) ** 2, 0) / (N - 1);
      const r = deflatedSharpeRatio({ sharpe: bestShape.sharpe, bars: this.bars, skewness: bestShape.skewness, kurtosis: bestShape.kurtosis, trials: N, trialSharpeVariance: v });
      dsr = {
        sharpe_per_bar: bestShape.sharpe, bars: this.bars, skewness: bestShape.skewness, kurtosis: bestShape.kurtosis,
        trial_sharpe_variance: v, expected_max_sharpe: r.expectedMaxSharpe, dsr: Number.isFinite(r.dsr) ? r.dsr : null,
      };
    }
    let pbo: PboVerdict | null = null;
    const S = this.blocks;
    if (S >= 2 && N >= 2) {
      const sum = new Float64Array(N * S), sumSq = new Float64Array(N * S);
      ids.forEach((i, n) => {
        sum.set(this.blockSum.subarray(i * S, i * S + S), n * S);
        sumSq.set(this.blockSumSq.subarray(i * S, i * S + S), n * S);
      });
      const count = new Float64Array(S);
      for (let k = 0; k < S; k++) count[k] = Math.ceil(((k + 1) * this.bars) / S) - Math.ceil((k * this.bars) / S);
      const r = probabilityOfBacktestOverfitting({ blocks: S, trials: N, sum, sumSq, count });
      pbo = { blocks: S, splits: r.splits, pbo: r.pbo };
    }
    return { trials: N, deflated_sharpe: dsr, pbo };
  }

  /**
   * Heat map of parameters `x` and `y` against the ranking score: per cell the best score (by the
   * sweep's direction) over every other parameter. `setAt(i)` gives the parameters of set i.
   */
  heatmap(x: string, y: string, rankBy: MetricName, setAt: (i: number) => ParamSet): SweepHeatmap {
    const xs = new Map<string, ParamValue>(), ys = new Map<string, ParamValue>();
    const cells = new Map<string, number>();
    for (let i = 0; i < this.total; i++) {
      const set = setAt(i);
      const xv = set[x], yv = set[y];
      xs.set(JSON.stringify(xv), xv);
      ys.set(JSON.stringify(yv), yv);
      const s = this.score[i];
      if (this.status[i] !== 1 || Number.isNaN(s)) continue;
      const key = `${JSON.stringify(xv)}|${JSON.stringify(yv)}`;
      const old = cells.get(key);
      if (old === undefined || this.sign * (s - old) < 0) cells.set(key, s);
    }
    const order = (m: Map<string, ParamValue>): ParamValue[] => {
      const v = [...m.values()];
      return v.every((a) => typeof a === 'number') ? (v as number[]).sort((a, b) => a - b) : v;
    };
    const xValues = order(xs), yValues = order(ys);
    return {
      x, y, xValues, yValues, rankBy, direction: this.direction,
      cells: yValues.map((yv) => xValues.map((xv) => cells.get(`${JSON.stringify(xv)}|${JSON.stringify(yv)}`) ?? null)),
    };
  }
}
