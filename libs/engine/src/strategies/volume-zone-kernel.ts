import { createWindowSums, type WindowSums } from './window-sums';

/** 2^-52 (a local copy: imported constants are property reads in the CommonJS build). */
const FLOAT64_EPS = 2 ** -52;

/** Kernel parameters (a subset of the strategy's config, with the buffer as a multiplier). */
export interface VolumeZoneKernelParams {
  /** Bars in the window (W). */
  readonly window: number;
  /** Price bins (B). */
  readonly bins: number;
  /** Fraction of the window volume counted from the top (T). */
  readonly topPercentile: number;
  /** Resistance multiplier 1 + breakout_buffer. */
  readonly bufferMultiplier: number;
  /** Implementation of the O(W) sums: 'auto' (WebAssembly SIMD where available, the default) or 'js'. Same bits either way. */
  readonly sums?: 'auto' | 'js';
}

/** Plain-JSON state of a {@link VolumeZoneKernel}. */
export interface VolumeZoneKernelState {
  readonly n: number;
  /** The last min(n, W) candles, oldest first. */
  readonly lo: number[];
  readonly hi: number[];
  readonly v: number[];
  readonly nonZero: number;
  readonly valid: boolean;
  readonly gPmin: number;
  readonly gPmax: number;
  readonly k: number;
  readonly ck: number;
  readonly ck1: number;
  readonly vol: number;
  readonly maxVol: number;
  readonly errCoef: number;
  readonly hint: number;
  readonly decidedAt: number;
}

/** Decisions that need more than this many moves of the resistance bin use the O(W + B) profile. */
const MAX_MOVES = 6;
/**
 * The branch-free evaluation (see `sumAbove`) is exact only while |t| < 2^53; it is used when the
 * window's pmin ≥ MIN_FAST_PRICE and pmax ≤ MAX_FAST_RATIO × pmin and no candle is "thin"
 * (height ≤ high × THIN). Otherwise the slower exact-clamp loop or the O(W + B) profile is used.
 */
const MIN_FAST_PRICE = 1e-200;
const MAX_FAST_RATIO = 4096;
const THIN = 2 ** -40;

/**
 * Bar-by-bar VolumeZoneBreakout with the per-window semantics; the batch and the streaming form
 * both run it, so they give the same bits.
 *
 * Semantics (the "straightforward" algorithm): for bar i the window is bars i−W..i−1. Its price
 * range [pmin, pmax] is split into B equal bins (edge k = k·step + pmin, last edge exactly pmax);
 * each window candle's volume v is spread over the bins in proportion to the overlap of its
 * [lo, hi] with each bin, v × (overlap / (hi − lo)) per bin (a zero-height candle puts all of v in
 * the bin containing its price); resistance = edge k of the first bin, scanning from the top,
 * where the cumulative volume reaches T × total. O(W × B) per bar.
 *
 * How this kernel gets the same answer in O(W + B) per bar at worst and ~O(1) usually:
 * - The cumulative volume from the top down to edge x is C(x) = Σ v·clamp((hi − x)/(hi − lo), 0, 1)
 *   (telescoping the per-bin overlaps), so the resistance bin k is the one with
 *   C(edge k) ≥ T·total > C(edge k+1). The kernel keeps k, C(edge k) and C(edge k+1).
 * - Window min/max are kept with the bar index where they occurred; only when that bar leaves
 *   the window is the window scanned again (O(W), on a few % of bars; cheaper than monotonic deques,
 *   whose pop loops mispredict on every bar).
 * - When the window's range does not change (about half the bars on 1-minute data) the grid is
 *   the same, so the two sums are updated in O(1) by the candle that left and the one that entered.
 * - When it changes, the two sums are evaluated afresh in one branch-free O(W) pass (WebAssembly
 *   SIMD, two candles per instruction, or the same operations in JavaScript: see window-sums.ts),
 *   starting from the bin where the threshold is expected (see `fresh`).
 * - If the threshold moved past the kept bins, k moves one bin at a time (O(W) each); after
 *   {@link MAX_MOVES} moves it builds the whole profile with a difference array (O(W + B)).
 * Rounding makes these sums differ from the straightforward algorithm's by a tiny amount; the
 * kernel carries a bound of the difference and, when a decision is within it of a tie, re-decides
 * with the straightforward arithmetic (candles in window order, per-bin v × (overlap / height),
 * total summed bottom-up, cumulative top-down), so the signals equal the straightforward
 * algorithm's even at exact ties. That re-check is O(W × bins spanned) and practically never runs
 * on real data (reported by {@link VolumeZoneKernel.exactRechecks}).
 */
export class VolumeZoneKernel {
  private readonly W: number;
  private readonly B: number;
  private readonly T: number;
  private readonly bufMul: number;
  private readonly mask: number;
  /** Ring slots (a power of two > W). */
  private readonly cap: number;
  /** The O(W) sums; owns rHi, rV and rIh, which are mirrored (slot s also at s + cap). */
  private readonly sums: WindowSums;
  private readonly rLo: Float64Array;
  private readonly rHi: Float64Array;
  private readonly rV: Float64Array;
  /** 1 / (hi − lo), or 0 for a zero-height candle. */
  private readonly rIh: Float64Array;
  /** 1 for a thin candle (height 0, or ≤ high × 2^-40), else 0. */
  private readonly rZ: Float64Array;
  /** Window maximum of the highs and minimum of the lows, and the bar indices where they occur (the latest on ties). */
  private wMax = -Infinity;
  private wMaxAt = -1;
  private wMin = Infinity;
  private wMinAt = -1;
  /** Candles pushed so far. */
  private n = 0;
  /** Thin candles in the window (they need the exact-clamp evaluation loop). */
  private zCount = 0;
  /** Window candles with volume > 0 (an exact zero-volume test; the float sums may drift). */
  private nonZero = 0;
  /** True when k, ck, ck1 and vol describe the current window on the grid (gPmin, gPmax). */
  private valid = false;
  private gPmin = 0;
  private gPmax = 0;
  private binWidth = 0;
  private invStep = 0;
  private edgesReady = false;
  private readonly edges: Float64Array;
  private readonly bins: Float64Array;
  private readonly part: Float64Array;
  private readonly dens: Float64Array;
  private readonly open: Int32Array;
  /** Resistance bin of the last decision. */
  private k = 0;
  /** C(edge k), C(edge k+1) (0 when k + 1 = B) and the window volume. */
  private ck = 0;
  private ck1 = 0;
  private vol = 0;
  /** Largest window volume since the sums were last computed afresh: the scale of their rounding. */
  private maxVol = 0;
  /** Weighted count of rounding steps since then: |drift| ≤ 4·eps·maxVol·errCoef. */
  private errCoef = 0;
  /**
   * Price where C crossed the threshold at the last decision, interpolated between its two edges
   * (−1 before the first): where the search starts on a new grid. It only picks the starting bin;
   * the decision itself does not depend on it.
   */
  private hint = -1;
  /** Bar of the last decision that found a resistance bin (−1 before the first). */
  private decidedAt = -1;
  /** One-candle columns for {@link VolumeZoneKernel.step}. */
  private readonly oneLo = new Float64Array(1);
  private readonly oneHi = new Float64Array(1);
  private readonly oneV = new Float64Array(1);
  private readonly oneSide = new Int8Array(1);
  private readonly oneConf = new Float64Array(1);
  private readonly oneLevel = new Float64Array(1);
  private readonly freshCoef: number;
  private readonly profileCoef: number;
  private readonly exactCoef: number;
  private readonly errLimit: number;
  /** Resistance of the last signal. */
  resistance = NaN;
  /** Confidence of the last signal. */
  confidence = 0;
  /** Decisions re-taken with the straightforward arithmetic because they were within rounding of a tie (diagnostics, not state). */
  exactRechecks = 0;
  /** Decisions that fell back to the O(W + B) profile (diagnostics, not state). */
  profileBuilds = 0;

  constructor(p: VolumeZoneKernelParams) {
    this.W = p.window;
    this.B = p.bins;
    this.T = p.topPercentile;
    this.bufMul = p.bufferMultiplier;
    let cap = 2;
    while (cap < this.W + 1) cap *= 2;
    this.mask = cap - 1;
    this.rLo = new Float64Array(cap);
    this.sums = createWindowSums(cap, p.sums ?? 'auto');
    this.cap = cap;
    // mirrored columns (slot s also at s + cap), so that every window is contiguous for the sums
    this.rHi = this.sums.hi;
    this.rV = this.sums.v;
    this.rIh = this.sums.ih;
    this.rZ = new Float64Array(cap);
    this.edges = new Float64Array(this.B + 1);
    this.bins = new Float64Array(this.B);
    this.part = new Float64Array(this.B);
    this.dens = new Float64Array(this.B + 1);
    this.open = new Int32Array(this.B + 1);
    // Error weights (in units of eps × window volume): a fresh O(W) sum vs the straightforward
    // per-bin sums (each ≲ (W + B)·eps·total); the profile adds the difference-array sweep.
    this.freshCoef = 2 * this.W + this.B + 16;
    this.profileCoef = this.B * (2 * this.W + this.B + 8) + this.freshCoef;
    this.exactCoef = this.W + this.B + 8;
    this.errLimit = this.freshCoef + 64 * 24;
  }

  /** Decides bar (lo, hi, v) against the previous W bars, then adds it to the window. True = signal. */
  step(lo: number, hi: number, v: number): boolean {
    this.oneLo[0] = lo;
    this.oneHi[0] = hi;
    this.oneV[0] = v;
    const side = this.oneSide;
    side[0] = 0;
    this.run(this.oneLo, this.oneHi, this.oneV, side, this.oneConf, this.oneLevel);
    if (side[0] === 0) return false;
    this.confidence = this.oneConf[0];
    this.resistance = this.oneLevel[0];
    return true;
  }

  /**
   * {@link VolumeZoneKernel.step} over whole columns, the batch form (the streaming form runs it on
   * one candle, so both give the same bits): for each bar i, decide it against the window, writing
   * side[i] = 1, conf[i] and level[i] on a signal (untouched otherwise), then add it to the window.
   * The usual cases are written out in this one loop; the rarer ones (a new grid, a moving
   * threshold, a near-tie, a window extreme leaving) call out.
   */
  run(lo: Float64Array, hi: Float64Array, v: Float64Array, side: Int8Array, conf: Float64Array, level: Float64Array): void {
    const n = lo.length;
    const { W, B, T, bufMul, mask, cap, rLo, rHi, rV, rIh, rZ, errLimit } = this;
    const tieCoef = 4 * FLOAT64_EPS;
    for (let i = 0; i < n; i++) {
      const l = lo[i];
      const h = hi[i];
      const vi = v[i];
      const idx = this.n;
      // 1. decide bar i against bars idx − W .. idx − 1
      const pmin = this.wMin;
      const pmax = this.wMax;
      if (idx >= W && pmax > pmin && this.nonZero !== 0) {
        let k: number;
        if (pmin >= MIN_FAST_PRICE && pmax <= MAX_FAST_RATIO * pmin) {
          if (!this.valid) this.fresh();
          const thr = T * this.vol;
          k = this.k;
          const ck = this.ck;
          const ck1 = this.ck1;
          if (ck >= thr && (k === B - 1 || ck1 < thr)) {
            // the threshold is still between C(edge k) and C(edge k + 1): accept k unless that is
            // within the rounding bound of a tie
            const below = thr - ck1;
            const above = ck - thr;
            const margin = k === 0 || below < above ? below : above;
            if (!(margin > tieCoef * this.maxVol * this.errCoef)) k = this.exact();
          } else k = this.move();
        } else {
          this.setGrid(pmin, pmax);
          k = this.profile();
          this.valid = false;
        }
        if (k >= 0) {
          const res = this.edge(k);
          this.decidedAt = idx;
          const lev = res * bufMul;
          if (h >= lev) {
            side[i] = 1;
            const c = lev > 0 ? 0.5 + (h - lev) / lev : 1;
            conf[i] = c < 1 ? c : 1;
            level[i] = res;
          }
        }
      }
      // 2. add bar i to the window, which becomes bars idx − W + 1 .. idx
      const slot = idx & mask;
      rLo[slot] = l;
      rHi[slot] = h;
      rHi[slot + cap] = h;
      rV[slot] = vi;
      rV[slot + cap] = vi;
      const height = h - l;
      const flat = height > h * THIN ? 0 : 1;
      const inv = height > 0 ? 1 / height : 0;
      rIh[slot] = inv;
      rIh[slot + cap] = inv;
      rZ[slot] = flat;
      if (h >= this.wMax) {
        this.wMax = h;
        this.wMaxAt = idx;
      } else if (this.wMaxAt <= idx - W) this.rescanMax(idx);
      if (l <= this.wMin) {
        this.wMin = l;
        this.wMinAt = idx;
      } else if (this.wMinAt <= idx - W) this.rescanMin(idx);
      if (vi > 0) this.nonZero++;
      this.zCount += flat;
      const leave = idx - W;
      const ls = leave & mask;
      let vOut = 0;
      if (leave >= 0) {
        vOut = rV[ls];
        this.zCount -= rZ[ls];
        if (vOut > 0) this.nonZero--;
      }
      this.n = idx + 1;
      // 3. bring the sums up to date for the next bar's decision: O(1) on the same grid, else a
      // fresh pass now (so that the decision above rarely branches on it)
      const wMin = this.wMin;
      const wMax = this.wMax;
      if (this.valid && wMin === this.gPmin && wMax === this.gPmax && this.errCoef <= errLimit) this.slide(ls, slot);
      else if (idx + 1 >= W && wMax > wMin && this.nonZero !== 0 && wMin >= MIN_FAST_PRICE && wMax <= MAX_FAST_RATIO * wMin) this.fresh();
      else this.valid = false;
    }
  }

  private setGrid(pmin: number, pmax: number): void {
    this.gPmin = pmin;
    this.gPmax = pmax;
    this.binWidth = (pmax - pmin) / this.B;
    this.invStep = this.B / (pmax - pmin); // not 1 / binWidth: the two divisions run side by side
    this.edgesReady = false;
  }

  /** Edge k exactly as the straightforward algorithm computes it (numpy linspace). */
  private edge(k: number): number {
    return k === this.B ? this.gPmax : k * this.binWidth + this.gPmin;
  }

  private ensureEdges(): void {
    if (this.edgesReady) return;
    const B = this.B;
    const e = this.edges;
    for (let j = 0; j < B; j++) e[j] = j * this.binWidth + this.gPmin;
    e[B] = this.gPmax;
    this.edgesReady = true;
  }

  /**
   * Volume of candle slot `s` at or above price x: v·clamp((hi − x)/(hi − lo), 0, 1), or v·[price ≥ x]
   * for a zero-height candle. The clamp is branch-free, clamp(t, 0, 1) = (|t| − |t − 1| + 1) / 2
   * (data-dependent branches here mispredict about half the time); it is exact up to rounding
   * while |t| < 2^53, since t − 1 is then exact for |t| ≥ 1. With pmax ≤ 4096·pmin and heights
   * > high·2^-40, |t| < 2^52. Thin candles take {@link VolumeZoneKernel.thin}.
   */
  private f(s: number, x: number): number {
    if (this.rZ[s] !== 0) return this.thin(s, x);
    const t = (this.rHi[s] - x) * this.rIh[s];
    return 0.5 * this.rV[s] * (Math.abs(t) - Math.abs(t - 1) + 1);
  }

  /** {@link VolumeZoneKernel.f} for a thin candle, with an exact (branching) clamp. */
  private thin(s: number, x: number): number {
    const hi = this.rHi[s];
    const ih = this.rIh[s];
    if (ih === 0) return hi >= x ? this.rV[s] : 0;
    const t = (hi - x) * ih;
    return this.rV[s] * (t <= 0 ? 0 : t >= 1 ? 1 : t);
  }

  /** C(x) over the window, O(W); branch-free unless the window holds thin candles. */
  private sumAbove(x: number): number {
    const mask = this.mask;
    if (this.zCount === 0) {
      const sums = this.sums;
      sums.io[3] = x;
      sums.sum1((this.n - this.W) & mask, this.W);
      return 0.5 * sums.io[0];
    }
    let s = 0;
    for (let idx = this.n - this.W; idx < this.n; idx++) s += this.f(idx & mask, x);
    return s;
  }

  /**
   * New grid: window volume and C at the two edges around where the threshold is expected, one
   * pass. The expectation: if the last bar was decided on the grid still in place, the price where
   * its C crossed its threshold, interpolated between its two edges and moved by the effect of the
   * candle that entered and the one that left (−ΔC / slope); else the last such price.
   */
  private fresh(): void {
    // (no number arguments: calls that V8 does not inline box every double argument on the heap)
    const pmin = this.wMin;
    const pmax = this.wMax;
    const B = this.B;
    let x = this.hint;
    if (this.decidedAt === this.n - 1) {
      // everything below depends on one division and on values known now, so it is a short chain
      // of latency ahead of the pass (the candles' effect is taken at the middle of the bin, not
      // at the crossing: a guess either way)
      const bw = this.binWidth;
      const ck = this.ck;
      const drop = ck - this.ck1;
      const perVol = drop > 0 ? bw / drop : 0;
      const lower = this.edge(this.k);
      let r = 0;
      if (this.n > this.W) {
        const xm = lower + 0.5 * bw;
        const inS = (this.n - 1) & this.mask;
        const outS = (this.n - 1 - this.W) & this.mask;
        r = this.f(inS, xm) - this.f(outS, xm) - this.T * (this.rV[inS] - this.rV[outS]);
      }
      const within = (ck - this.T * this.vol) * perVol;
      x = lower + (drop > 0 ? (within > 0 ? (within < bw ? within : bw) : 0) : 0.5 * bw);
      this.hint = x;
      x += r * perVol;
    }
    this.setGrid(pmin, pmax);
    let k: number;
    if (x >= 0) {
      const g = (x - pmin) * this.invStep;
      k = g >= B - 1 ? B - 1 : g > 0 ? g | 0 : 0;
    } else {
      k = Math.min(B - 1, Math.floor((1 - this.T) * B));
    }
    const x0 = this.edge(k);
    const x1 = this.edge(k + 1);
    const { rV, mask } = this;
    let s0 = 0;
    let s1 = 0;
    let vol = 0;
    if (this.zCount === 0) {
      const sums = this.sums;
      const io = sums.io;
      io[3] = x0;
      io[4] = x1;
      sums.sum2((this.n - this.W) & mask, this.W);
      s0 = io[0];
      s1 = io[1];
      vol = io[2];
    } else {
      for (let idx = this.n - this.W; idx < this.n; idx++) {
        const j = idx & mask;
        s0 += 2 * this.f(j, x0);
        s1 += 2 * this.f(j, x1);
        vol += rV[j];
      }
    }
    this.k = k;
    this.ck = 0.5 * s0;
    this.ck1 = k + 1 < B ? 0.5 * s1 : 0;
    this.vol = vol;
    this.maxVol = vol;
    this.errCoef = this.freshCoef;
    this.valid = true;
  }

  /** When T × volume is no longer between C(edge k) and C(edge k + 1): moves k there, then accepts it or re-decides exactly near a tie. */
  private move(): number {
    const thr = this.T * this.vol;
    const B = this.B;
    let k = this.k;
    let ck = this.ck;
    let ck1 = this.ck1;
    let moves = 0;
    while (ck < thr && k > 0) {
      if (++moves > MAX_MOVES) return this.profile();
      k--;
      ck1 = ck;
      ck = this.sumAbove(this.edge(k));
    }
    while (k < B - 1 && ck1 >= thr) {
      if (++moves > MAX_MOVES) return this.profile();
      k++;
      ck = ck1;
      ck1 = k + 1 < B ? this.sumAbove(this.edge(k + 1)) : 0;
    }
    this.k = k;
    this.ck = ck;
    this.ck1 = ck1;
    return this.check(thr);
  }

  /** Accepts k unless the threshold lies within the rounding bound of C at k or k + 1. */
  private check(thr: number): number {
    const below = thr - this.ck1;
    const margin = this.k === 0 ? below : Math.min(this.ck - thr, below);
    if (margin > 4 * FLOAT64_EPS * this.maxVol * this.errCoef) return this.k;
    return this.exact();
  }

  /** Largest bin j with edge[j] ≤ x (clamped to 0..B−1); exact against the edges. */
  private binLow(x: number): number {
    const e = this.edges;
    const last = this.B - 1;
    const g = (x - this.gPmin) * this.invStep;
    let j = g >= last ? last : g > 0 ? g | 0 : 0;
    while (j > 0 && e[j] > x) j--;
    while (j < last && e[j + 1] <= x) j++;
    return j;
  }

  /** Largest bin j with edge[j] < x (clamped to 0..B−1); exact against the edges. */
  private binHigh(x: number): number {
    const e = this.edges;
    const last = this.B - 1;
    const g = (x - this.gPmin) * this.invStep;
    let j = g >= last ? last : g > 0 ? g | 0 : 0;
    while (j > 0 && e[j] >= x) j--;
    while (j < last && e[j + 1] < x) j++;
    return j;
  }

  /** Whole profile with a difference array of densities, O(W + B), then a top-down scan. */
  private profile(): number {
    this.profileBuilds++;
    this.ensureEdges();
    const B = this.B;
    const { bins, part, dens, open, edges: e, rLo, rHi, rV, rIh, mask } = this;
    for (let idx = this.n - this.W; idx < this.n; idx++) {
      const s = idx & mask;
      const v = rV[s];
      if (v === 0) continue;
      const lo = rLo[s];
      const hi = rHi[s];
      const a = this.binLow(lo);
      const b = hi === lo ? a : this.binHigh(hi);
      if (a === b) {
        part[a] += v;
        continue;
      }
      const d = v * rIh[s];
      part[a] += d * (e[a + 1] - lo);
      part[b] += d * (hi - e[b]);
      if (b - a > 1) {
        dens[a + 1] += d;
        dens[b] -= d;
        open[a + 1]++;
        open[b]--;
      }
    }
    let run = 0;
    let active = 0;
    let total = 0;
    for (let j = 0; j < B; j++) {
      active += open[j];
      open[j] = 0;
      let x = part[j];
      part[j] = 0;
      if (active === 0) run = 0;
      else {
        run += dens[j];
        x += run * (e[j + 1] - e[j]);
      }
      dens[j] = 0;
      bins[j] = x;
      total += x;
    }
    open[B] = 0;
    dens[B] = 0;
    const thr = this.T * total;
    this.scanFromTop(thr);
    this.vol = total;
    this.maxVol = total;
    this.errCoef = this.profileCoef;
    return this.check(thr);
  }

  /** Top-down scan of `bins` (the straightforward algorithm's), setting k, ck, ck1. */
  private scanFromTop(thr: number): void {
    const bins = this.bins;
    let cum = 0;
    let k = this.B - 1;
    for (; k >= 0; k--) {
      cum += bins[k];
      if (cum >= thr) break;
    }
    if (k < 0) k = 0;
    this.k = k;
    this.ck = cum;
    this.ck1 = cum - bins[k];
  }

  /** The straightforward computation on the current grid; resets the rounding bound. −1 = no volume. */
  private exact(): number {
    this.exactRechecks++;
    this.ensureEdges();
    const B = this.B;
    const { bins, edges: e, rLo, rHi, rV, mask } = this;
    bins.fill(0);
    for (let idx = this.n - this.W; idx < this.n; idx++) {
      const s = idx & mask;
      const v = rV[s];
      if (v === 0) continue;
      const lo = rLo[s];
      const hi = rHi[s];
      const a = this.binLow(lo);
      if (hi === lo) {
        bins[a] += v;
        continue;
      }
      const b = this.binHigh(hi);
      const h = hi - lo;
      for (let j = a; j <= b; j++) {
        const top = e[j + 1] < hi ? e[j + 1] : hi;
        const bot = e[j] > lo ? e[j] : lo;
        const ov = top - bot;
        if (ov > 0) bins[j] += v * (ov / h);
      }
    }
    let total = 0;
    for (let j = 0; j < B; j++) total += bins[j];
    this.scanFromTop(total * this.T);
    this.vol = total;
    this.maxVol = total;
    this.errCoef = this.exactCoef;
    return total === 0 ? -1 : this.k;
  }

  /** Same grid: the window lost the candle in slot `ls` (volume vOut) and gained the one in `slot` (volume v). */
  private slide(ls: number, slot: number): void {
    const vOut = this.rV[ls];
    const v = this.rV[slot];
    const k = this.k;
    const x0 = k * this.binWidth + this.gPmin;
    this.ck = this.ck - this.f(ls, x0) + this.f(slot, x0);
    if (k + 1 < this.B) {
      const x1 = this.edge(k + 1);
      this.ck1 = this.ck1 - this.f(ls, x1) + this.f(slot, x1);
    }
    const vol = this.vol - vOut + v;
    this.vol = vol;
    if (vol > this.maxVol) this.maxVol = vol;
    this.errCoef += 24;
  }

  /** Window maximum of the highs of bars last − W + 1 .. last (the latest bar on ties). */
  private rescanMax(last: number): void {
    const { rHi, mask } = this;
    let m = -Infinity;
    let at = -1;
    for (let j = Math.max(0, last - this.W + 1); j <= last; j++) {
      const x = rHi[j & mask];
      if (x >= m) {
        m = x;
        at = j;
      }
    }
    this.wMax = m;
    this.wMaxAt = at;
  }

  /** Window minimum of the lows of bars last − W + 1 .. last (the latest bar on ties). */
  private rescanMin(last: number): void {
    const { rLo, mask } = this;
    let m = Infinity;
    let at = -1;
    for (let j = Math.max(0, last - this.W + 1); j <= last; j++) {
      const x = rLo[j & mask];
      if (x <= m) {
        m = x;
        at = j;
      }
    }
    this.wMin = m;
    this.wMinAt = at;
  }

  /** Full state as plain JSON (finite numbers, booleans and arrays only). */
  snapshot(): VolumeZoneKernelState {
    const { mask, n, W } = this;
    const lo: number[] = [];
    const hi: number[] = [];
    const v: number[] = [];
    for (let idx = Math.max(0, n - W); idx < n; idx++) {
      const s = idx & mask;
      lo.push(this.rLo[s]);
      hi.push(this.rHi[s]);
      v.push(this.rV[s]);
    }
    return {
      n, lo, hi, v,
      nonZero: this.nonZero, valid: this.valid, gPmin: this.gPmin, gPmax: this.gPmax,
      k: this.k, ck: this.ck, ck1: this.ck1, vol: this.vol, maxVol: this.maxVol, errCoef: this.errCoef, hint: this.hint, decidedAt: this.decidedAt,
    };
  }

  /** Restores {@link VolumeZoneKernel.snapshot} output taken from a kernel with the same params. */
  restore(s: VolumeZoneKernelState): void {
    const { mask } = this;
    if (!Array.isArray(s.lo) || s.lo.length !== Math.min(s.n, this.W) || s.hi.length !== s.lo.length || s.v.length !== s.lo.length || !(s.k >= 0 && s.k < this.B)) {
      throw new RangeError('snapshot does not fit this window and bin count');
    }
    this.n = s.n;
    this.zCount = 0;
    const first = s.n - s.lo.length;
    for (let i = 0; i < s.lo.length; i++) {
      const slot = (first + i) & mask;
      const lo = s.lo[i];
      const hi = s.hi[i];
      this.rLo[slot] = lo;
      this.rHi[slot] = hi;
      this.rHi[slot + this.cap] = hi;
      this.rV[slot] = s.v[i];
      this.rV[slot + this.cap] = s.v[i];
      const h = hi - lo;
      const flat = h > hi * THIN ? 0 : 1;
      this.rIh[slot] = h > 0 ? 1 / h : 0;
      this.rIh[slot + this.cap] = this.rIh[slot];
      this.rZ[slot] = flat;
      this.zCount += flat;
    }
    if (s.n > 0) {
      this.rescanMax(s.n - 1);
      this.rescanMin(s.n - 1);
    } else {
      this.wMax = -Infinity;
      this.wMaxAt = -1;
      this.wMin = Infinity;
      this.wMinAt = -1;
    }
    this.nonZero = s.nonZero;
    this.setGrid(s.gPmin, s.gPmax);
    this.valid = s.valid;
    this.k = s.k;
    this.ck = s.ck;
    this.ck1 = s.ck1;
    this.vol = s.vol;
    this.maxVol = s.maxVol;
    this.errCoef = s.errCoef;
    this.hint = s.hint;
    this.decidedAt = s.decidedAt;
  }
}
