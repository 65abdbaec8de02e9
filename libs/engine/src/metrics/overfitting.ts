/**
 * How much of a sweep's best result is luck: the deflated Sharpe ratio (Bailey & López de Prado,
 * "The Deflated Sharpe Ratio", 2014) and the probability of backtest overfitting by combinatorially
 * symmetric cross-validation (Bailey, Borwein, López de Prado & Zhu, "The Probability of Backtest
 * Overfitting", 2015). Formulas and conventions: docs/metrics.md ("Overfitting verdict").
 */
import { InvalidParamsError } from '../core/errors';

const SQRT_2PI = Math.sqrt(2 * Math.PI);
/** Euler–Mascheroni constant. */
const EULER_GAMMA = 0.5772156649015329;

/** Standard normal density φ(z). */
export function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z) / SQRT_2PI;
}

/**
 * Standard normal CDF Φ(z), to about 1e-15 absolute: Marsaglia's series
 * Φ(z) = ½ + φ(z)·(z + z³/3 + z⁵/(3·5) + …) for |z| < 5, and the continued fraction
 * Φ(−z) = φ(z) / (z + 1/(z + 2/(z + 3/(z + …)))) in the tails (full relative accuracy there).
 */
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  if (z === Infinity) return 1;
  if (z === -Infinity) return 0;
  const a = Math.abs(z);
  if (a < 5) {
    let term = z, sum = z;
    const z2 = z * z;
    for (let k = 1; k < 500 && Math.abs(term) > 1e-17 * Math.abs(sum); k++) {
      term *= z2 / (2 * k + 1);
      sum += term;
    }
    return 0.5 + normalPdf(z) * sum;
  }
  // tail: evaluate the continued fraction from the back (120 levels is ample for a >= 5)
  let f = a;
  for (let k = 120; k >= 1; k--) f = a + k / f;
  const tail = normalPdf(a) / f;
  return z > 0 ? 1 - tail : tail;
}

/**
 * Inverse standard normal CDF Φ⁻¹(p) for 0 < p < 1 (−∞ at 0, +∞ at 1): Acklam's rational
 * approximation (relative error < 1.2e-9) refined by two Halley steps on {@link normalCdf}.
 */
export function normalInv(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  for (let k = 0; k < 2; k++) {
    // Halley: e = Φ(x) − p, u = e / φ(x); x ← x − u / (1 + x·u/2). In the upper tail work on 1 − p.
    const e = p > 0.5 ? (1 - p) - normalCdf(-x) : normalCdf(x) - p;
    const u = e / normalPdf(x);
    x -= u / (1 + (x * u) / 2);
  }
  return x;
}

/** Input of {@link deflatedSharpeRatio}: every Sharpe ratio is per bar (not annualised). */
export interface DeflatedSharpeInput {
  /** Sharpe ratio of the selected (best) trial, per bar: mean / standard deviation of its bar returns. */
  readonly sharpe: number;
  /** Number of bar returns behind `sharpe` (T). */
  readonly bars: number;
  /** Skewness of those returns (γ₃; 0 for normal returns). */
  readonly skewness: number;
  /** Kurtosis of those returns (γ₄, not excess: 3 for normal returns). */
  readonly kurtosis: number;
  /** Number of independent trials behind the selection (N >= 1). */
  readonly trials: number;
  /** Variance of the per-bar Sharpe ratios across the trials (V[SR_n]). */
  readonly trialSharpeVariance: number;
}

/** The deflated Sharpe ratio and its parts. */
export interface DeflatedSharpeResult {
  /** Expected maximum per-bar Sharpe of `trials` unskilled trials (SR₀). */
  readonly expectedMaxSharpe: number;
  /**
   * Probability (0..1) that the true Sharpe exceeds SR₀ given the observed one: the probabilistic
   * Sharpe ratio against SR₀. Near 1: the best result is unlikely to be luck of the many trials.
   */
  readonly dsr: number;
}

/**
 * Deflated Sharpe ratio:
 * SR₀ = √V · ((1 − γ)·Φ⁻¹(1 − 1/N) + γ·Φ⁻¹(1 − 1/(N·e))) (γ the Euler–Mascheroni constant; SR₀ = 0 for N = 1),
 * DSR = Φ((SR − SR₀)·√(T − 1) / √(1 − γ₃·SR + (γ₄ − 1)/4·SR²)).
 * @throws InvalidParamsError when T < 2, N < 1, V < 0 or a value is not finite.
 */
export function deflatedSharpeRatio(input: DeflatedSharpeInput): DeflatedSharpeResult {
  const { sharpe, bars, skewness, kurtosis, trials, trialSharpeVariance: v } = input;
  const issues = [];
  if (!(Number.isInteger(bars) && bars >= 2)) issues.push({ field: 'bars', message: `must be an integer >= 2, got ${bars}` });
  if (!(Number.isInteger(trials) && trials >= 1)) issues.push({ field: 'trials', message: `must be an integer >= 1, got ${trials}` });
  if (!(Number.isFinite(v) && v >= 0)) issues.push({ field: 'trialSharpeVariance', message: `must be a number >= 0, got ${v}` });
  for (const [f, x] of [['sharpe', sharpe], ['skewness', skewness], ['kurtosis', kurtosis]] as const) {
    if (!Number.isFinite(x)) issues.push({ field: f, message: `must be a finite number, got ${x}` });
  }
  if (issues.length) throw new InvalidParamsError(issues, 'deflated Sharpe ratio');
  const sr0 = trials === 1 ? 0 : Math.sqrt(v) * ((1 - EULER_GAMMA) * normalInv(1 - 1 / trials) + EULER_GAMMA * normalInv(1 - 1 / (trials * Math.E)));
  const denom = 1 - skewness * sharpe + ((kurtosis - 1) / 4) * sharpe * sharpe;
  const dsr = denom > 0 ? normalCdf(((sharpe - sr0) * Math.sqrt(bars - 1)) / Math.sqrt(denom)) : NaN;
  return { expectedMaxSharpe: sr0, dsr };
}

/**
 * Per-block return sums of many trials over the same S time blocks, the input of CSCV:
 * `sum[n·S + s]` and `sumSq[n·S + s]` are Σr and Σr² of trial n's bar returns in block s, and
 * `count[s]` the bars of block s (the same for every trial).
 */
export interface BlockReturnSums {
  readonly blocks: number;
  readonly trials: number;
  readonly sum: Float64Array;
  readonly sumSq: Float64Array;
  readonly count: Float64Array;
}

/** Result of {@link probabilityOfBacktestOverfitting}. */
export interface PboResult {
  /** Fraction (0..1) of the C(S, S/2) splits where the in-sample best ranks in the lower half out of sample (logit ≤ 0). */
  readonly pbo: number;
  /** Number of splits, C(S, S/2). */
  readonly splits: number;
  /** Logit λ = ln(ω / (1 − ω)) of the in-sample best's relative out-of-sample rank ω, per split (combination order). */
  readonly logits: readonly number[];
}

/** Largest trials × C(S, S/2) × S the CSCV will do (about a second of work). */
export const MAX_CSCV_WORK = 2e8;

/** n choose k. */
export function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Math.round(r);
}

/**
 * Probability of backtest overfitting by CSCV with the per-bar Sharpe ratio (mean / population
 * standard deviation of the bar returns in a set of blocks) as the performance measure. For each
 * way to pick S/2 of the S blocks as in-sample (the rest out-of-sample): take the trial with the
 * best in-sample Sharpe (the first on ties), its out-of-sample mid-rank among all trials
 * r = #{lower} + (#{equal} + 1)/2, ω = r / (N + 1), λ = ln(ω / (1 − ω)). PBO = #{λ ≤ 0} / #splits.
 * A Sharpe with zero deviation counts as −∞ (no information), as does an empty set.
 * @throws InvalidParamsError when S is not even and >= 2, N < 2, or the work exceeds {@link MAX_CSCV_WORK}.
 */
export function probabilityOfBacktestOverfitting(b: BlockReturnSums): PboResult {
  const S = b.blocks, N = b.trials;
  const issues = [];
  if (!(Number.isInteger(S) && S >= 2 && S % 2 === 0)) issues.push({ field: 'blocks', message: `must be an even integer >= 2, got ${S}` });
  if (!(Number.isInteger(N) && N >= 2)) issues.push({ field: 'trials', message: `needs at least 2 trials, got ${N}` });
  if (issues.length === 0 && N * binomial(S, S / 2) * S > MAX_CSCV_WORK) {
    issues.push({ field: 'blocks', message: `${N} trials x C(${S}, ${S / 2}) splits exceed the CSCV work limit of ${MAX_CSCV_WORK}; use fewer blocks` });
  }
  if (issues.length) throw new InvalidParamsError(issues, 'probability of backtest overfitting');
  const half = S / 2;
  const pick = Array.from({ length: half }, (_, i) => i);
  const inIs = new Uint8Array(S);
  const isSr = new Float64Array(N), oosSr = new Float64Array(N);
  const logits: number[] = [];
  const sharpeOf = (n: number, wantIs: number): number => {
    let s1 = 0, s2 = 0, c = 0;
    for (let s = 0; s < S; s++) {
      if (inIs[s] !== wantIs) continue;
      s1 += b.sum[n * S + s];
      s2 += b.sumSq[n * S + s];
      c += b.count[s];
    }
    if (c === 0) return -Infinity;
    const mean = s1 / c;
    const variance = s2 / c - mean * mean;
    return variance > 0 ? mean / Math.sqrt(variance) : -Infinity;
  };
  for (;;) {
    inIs.fill(0);
    for (const s of pick) inIs[s] = 1;
    let best = 0;
    for (let n = 0; n < N; n++) {
      isSr[n] = sharpeOf(n, 1);
      oosSr[n] = sharpeOf(n, 0);
      if (isSr[n] > isSr[best]) best = n;
    }
    const x = oosSr[best];
    let lower = 0, equal = 0;
    for (let n = 0; n < N; n++) {
      if (oosSr[n] < x) lower++;
      else if (oosSr[n] === x) equal++;
    }
    const w = (lower + (equal + 1) / 2) / (N + 1);
    logits.push(Math.log(w / (1 - w)));
    // next combination of `half` blocks out of S, in lexicographic order
    let i = half - 1;
    while (i >= 0 && pick[i] === S - half + i) i--;
    if (i < 0) break;
    pick[i]++;
    for (let j = i + 1; j < half; j++) pick[j] = pick[j - 1] + 1;
  }
  return { pbo: logits.filter((l) => l <= 0).length / logits.length, splits: logits.length, logits };
}

/**
 * Bar-return statistics of one equity curve for the overfitting verdict, in one pass: moments of
 * the returns r_t = e_t / e_{t−1} − 1 (e_{−1} = initial capital) and their sums per time block
 * (block of bar t = ⌊t·S / T⌋).
 */
export interface ReturnBlockStats {
  /** Bars (T). */
  readonly bars: number;
  /** Σr, Σr², Σr³, Σr⁴. */
  readonly moments: readonly [number, number, number, number];
  /** Σr per block (S values). */
  readonly blockSum: Float64Array;
  /** Σr² per block. */
  readonly blockSumSq: Float64Array;
}

/** Computes {@link ReturnBlockStats} of an equity curve (KRW per bar) over `blocks` equal time blocks. */
export function returnBlockStats(equity: ArrayLike<number>, initialCapital: number, blocks: number): ReturnBlockStats {
  const T = equity.length;
  const blockSum = new Float64Array(blocks), blockSumSq = new Float64Array(blocks);
  let s1 = 0, s2 = 0, s3 = 0, s4 = 0, prev = initialCapital;
  const S = Math.max(1, blocks);
  for (let k = 0; k < S; k++) {
    // bars of block k: ⌈k·T/S⌉ .. ⌈(k+1)·T/S⌉ − 1, i.e. ⌊t·S/T⌋ = k
    const from = Math.ceil((k * T) / S), to = Math.ceil(((k + 1) * T) / S);
    let b1 = 0, b2 = 0;
    for (let t = from; t < to; t++) {
      const e = equity[t];
      const r = prev !== 0 ? e / prev - 1 : 0;
      prev = e;
      const r2 = r * r;
      b1 += r; b2 += r2; s3 += r2 * r; s4 += r2 * r2;
    }
    s1 += b1; s2 += b2;
    if (blocks > 0) { blockSum[k] = b1; blockSumSq[k] = b2; }
  }
  return { bars: T, moments: [s1, s2, s3, s4], blockSum, blockSumSq };
}

/** Bars in each of `blocks` equal time blocks of T bars (block of bar t = ⌊t·S / T⌋). */
export function blockCounts(bars: number, blocks: number): Float64Array {
  const out = new Float64Array(blocks);
  for (let s = 0; s < blocks; s++) out[s] = Math.ceil(((s + 1) * bars) / blocks) - Math.ceil((s * bars) / blocks);
  return out;
}

/** Per-bar Sharpe (mean / population deviation), skewness and kurtosis (not excess) from Σr..Σr⁴ of T returns; null when the deviation is 0. */
export function shapeOfReturns(moments: readonly [number, number, number, number], bars: number): { sharpe: number; skewness: number; kurtosis: number } | null {
  if (bars < 2) return null;
  const [s1, s2, s3, s4] = moments;
  const m = s1 / bars;
  const m2 = s2 / bars - m * m;
  if (!(m2 > 0)) return null;
  // central moments from raw ones
  const m3 = s3 / bars - 3 * m * (s2 / bars) + 2 * m ** 3;
  const m4 = s4 / bars - 4 * m * (s3 / bars) + 6 * m * m * (s2 / bars) - 3 * m ** 4;
  return { sharpe: m / Math.sqrt(m2), skewness: m3 / m2 ** 1.5, kurtosis: m4 / (m2 * m2) };
}
