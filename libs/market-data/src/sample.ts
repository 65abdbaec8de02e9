import { allocSeries, type CandleSeries } from './series';
import { ParquetCandleStore, type WriteResult } from './store';

/**
 * Recipe of one SYNTHETIC sample series. Prices follow a seeded random walk with regime changes
 * (calm / trending / stressed volatility), pulled weakly towards a rough path of real KRW price
 * levels so the numbers look familiar; nothing here is market data.
 */
export interface SampleRecipe {
  readonly symbol: string;
  /** PRNG seed. */
  readonly seed: number;
  /** `[ISO date, KRW price]` anchors of the level path (log-linear in between). */
  readonly anchors: readonly (readonly [string, number])[];
  /** Typical base volume per hour (e.g. BTC). */
  readonly hourlyVolume: number;
  /** Decimals kept in volumes. */
  readonly volumeDecimals: number;
  /** Annualised volatility of the calm regime (fraction, e.g. 0.5 = 50 %). */
  readonly baseVol: number;
}

/** The bundled sample set: KRW-BTC, KRW-ETH, KRW-XRP, 1h and 1d, 2022-01-01 .. 2024-12-31 (UTC). */
export const SAMPLE_RECIPES: readonly SampleRecipe[] = [
  {
    symbol: 'KRW-BTC', seed: 20220101, hourlyVolume: 120, volumeDecimals: 4, baseVol: 0.45,
    anchors: [['2022-01-01', 58_000_000], ['2022-05-01', 48_000_000], ['2022-07-01', 25_000_000], ['2022-11-15', 22_000_000],
      ['2023-01-01', 21_000_000], ['2023-04-01', 37_000_000], ['2023-10-01', 36_000_000], ['2024-01-01', 59_000_000],
      ['2024-03-15', 100_000_000], ['2024-09-01', 80_000_000], ['2024-12-31', 140_000_000]],
  },
  {
    symbol: 'KRW-ETH', seed: 20220102, hourlyVolume: 1_300, volumeDecimals: 3, baseVol: 0.55,
    anchors: [['2022-01-01', 4_550_000], ['2022-06-20', 1_300_000], ['2022-12-31', 1_500_000], ['2023-04-15', 2_700_000],
      ['2023-10-01', 2_200_000], ['2024-03-15', 5_600_000], ['2024-08-05', 3_300_000], ['2024-12-31', 5_200_000]],
  },
  {
    symbol: 'KRW-XRP', seed: 20220103, hourlyVolume: 20_000_000, volumeDecimals: 0, baseVol: 0.65,
    anchors: [['2022-01-01', 1_000], ['2022-06-30', 420], ['2022-12-31', 430], ['2023-07-13', 950], ['2023-12-31', 820],
      ['2024-07-01', 650], ['2024-11-15', 1_600], ['2024-12-31', 3_200]],
  },
];

/** Range of the bundled sample (UTC, inclusive). */
export const SAMPLE_RANGE = { from: Date.UTC(2022, 0, 1), to: Date.UTC(2024, 11, 31, 23) } as const;

/** Upbit's KRW order-book tick for a price (prices are rounded to it, as real candles are). */
export function krwTick(price: number): number {
  if (price >= 2_000_000) return 1000;
  if (price >= 1_000_000) return 500;
  if (price >= 500_000) return 100;
  if (price >= 100_000) return 50;
  if (price >= 10_000) return 10;
  if (price >= 1_000) return 1;
  if (price >= 100) return 0.1;
  if (price >= 10) return 0.01;
  return 0.001;
}

/** Rounds to a tick without binary drift for fractional ticks (0.1 → ×10 then ÷10). */
function toTick(p: number, mode: 'round' | 'up' | 'down', tick = krwTick(p)): number {
  const f = mode === 'round' ? Math.round : mode === 'up' ? Math.ceil : Math.floor;
  if (tick >= 1) return f(p / tick) * tick;
  const inv = Math.round(1 / tick);
  return f(p * inv) / inv;
}

function roundTo(x: number, decimals: number): number {
  const m = 10 ** decimals;
  return Math.round(x * m) / m;
}

/** sfc32: small, fast, seedable; identical sequence on every platform (32-bit integer ops only). */
function sfc32(seed: number): () => number {
  let a = 0x9e3779b9, b = 0x243f6a88, c = 0xb7e15162, d = seed | 0;
  const next = (): number => {
    a |= 0; b |= 0; c |= 0; d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) next();
  return next;
}

function normalFrom(rand: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) { const s = spare; spare = undefined; return s; }
    let u = 0;
    while (u === 0) u = rand();
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** Log-linear path through the recipe's anchors; `at(t)` must be called with non-decreasing t. */
function anchorPath(anchors: readonly (readonly [string, number])[]): (t: number) => { level: number; slope: number } {
  const pts = anchors.map(([d, p]) => [Date.parse(`${d}T00:00:00Z`), Math.log(p)] as const);
  let k = 0;
  return (t) => {
    while (k < pts.length - 2 && t >= pts[k + 1][0]) k++;
    const [t0, l0] = pts[k], [t1, l1] = pts[k + 1];
    const slope = (l1 - l0) / (t1 - t0);
    return { level: l0 + slope * (t - t0), slope };
  };
}

const HOUR = 3_600_000;
const HOURS_PER_YEAR = 24 * 365.25;

/** Volatility regimes: multiplier of the base volatility and the mean stay in hours. */
const REGIMES = [
  { vol: 0.7, stay: 24 * 40 }, // calm
  { vol: 1.0, stay: 24 * 30 }, // normal
  { vol: 1.8, stay: 24 * 10 }, // stressed
] as const;

/**
 * Generates SYNTHETIC hourly candles for one recipe over `[from, to]` (UTC hour opens). Same
 * recipe and range → same numbers. OHLC are always consistent (prices on Upbit's KRW ticks,
 * high >= max(open, close), low <= min(open, close) > 0); volume has intraday seasonality,
 * responds to large moves and has occasional spikes; `value` is volume × a typical price.
 */
export function generateSampleHourly(recipe: SampleRecipe, from = SAMPLE_RANGE.from, to = SAMPLE_RANGE.to): CandleSeries {
  const n = Math.floor((to - from) / HOUR) + 1;
  const out = allocSeries(n, true);
  const rand = sfc32(recipe.seed);
  const gauss = normalFrom(rand);
  const sigmaHour = recipe.baseVol / Math.sqrt(HOURS_PER_YEAR);
  let regime = 1;
  const anchorAt = anchorPath(recipe.anchors);
  let logP = anchorAt(from).level;
  let prevClose = toTick(Math.exp(logP), 'round');
  let volCluster = 1; // slowly varying extra volatility (volatility clustering)
  for (let i = 0; i < n; i++) {
    const t = from + i * HOUR;
    if (rand() < 1 / REGIMES[regime].stay) regime = Math.floor(rand() * REGIMES.length);
    volCluster = Math.exp(0.97 * Math.log(volCluster) + 0.08 * gauss());
    const sigma = sigmaHour * REGIMES[regime].vol * volCluster;
    const anchor = anchorAt(t);
    // Drift: follow the anchor path's slope, pulled back towards it (half-life ≈ 3 weeks).
    const drift = anchor.slope * HOUR + (anchor.level - logP) * (Math.LN2 / (24 * 21));
    const open = prevClose;
    let hi = Math.log(open), lo = hi, x = hi;
    logP = Math.log(open);
    for (let s = 0; s < 4; s++) {
      // Student-t-like tails: scale a normal step by an occasional jump factor.
      const jump = rand() < 0.004 ? 3 + 4 * rand() : 1;
      x += drift / 4 + (sigma / 2) * jump * gauss();
      hi = Math.max(hi, x);
      lo = Math.min(lo, x);
    }
    logP = x;
    const close = toTick(Math.exp(x), 'round');
    const wick = sigma * 0.35;
    const high = toTick(Math.max(Math.exp(hi + Math.abs(gauss()) * wick), open, close), 'up');
    let low = toTick(Math.min(Math.exp(lo - Math.abs(gauss()) * wick), open, close), 'down');
    if (low <= 0) low = krwTick(Math.min(open, close));
    const hourKst = (Math.floor(t / HOUR) + 9) % 24;
    const season = 1 + 0.35 * Math.cos((2 * Math.PI * (hourKst - 22)) / 24);
    const moveBoost = 1 + 6 * Math.abs(x - Math.log(open)) / Math.max(sigmaHour, 1e-12) * 0.1;
    const spike = rand() < 0.003 ? 4 + 10 * rand() : 1;
    const volume = roundTo(recipe.hourlyVolume * season * moveBoost * spike * REGIMES[regime].vol * Math.exp(0.35 * gauss()), recipe.volumeDecimals);
    out.timestamp[i] = t;
    out.open[i] = open; out.high[i] = high; out.low[i] = low; out.close[i] = close;
    out.volume[i] = volume;
    (out.value as Float64Array)[i] = Math.round(volume * (open + high + low + close) / 4);
    prevClose = close;
  }
  return out;
}

/**
 * Aggregates hourly candles into day candles opening at 00:00 UTC (Upbit's day candle): first
 * open, highest high, lowest low, last close, summed volume and turnover. Input must be sorted.
 */
export function aggregateDaily(hourly: CandleSeries, volumeDecimals = 8): CandleSeries {
  const DAY = 86_400_000;
  const ts = hourly.timestamp;
  const days: number[] = [];
  for (let i = 0; i < ts.length; i++) if (i === 0 || Math.floor(ts[i] / DAY) !== Math.floor(ts[i - 1] / DAY)) days.push(i);
  const out = allocSeries(days.length, hourly.value !== undefined);
  for (let k = 0; k < days.length; k++) {
    const a = days[k], b = k + 1 < days.length ? days[k + 1] : ts.length;
    let h = -Infinity, l = Infinity, v = 0, q = 0;
    for (let i = a; i < b; i++) {
      h = Math.max(h, hourly.high[i]); l = Math.min(l, hourly.low[i]); v += hourly.volume[i];
      if (hourly.value) q += hourly.value[i];
    }
    out.timestamp[k] = Math.floor(ts[a] / DAY) * DAY;
    out.open[k] = hourly.open[a]; out.high[k] = h; out.low[k] = l; out.close[k] = hourly.close[b - 1];
    out.volume[k] = roundTo(v, volumeDecimals);
    if (out.value) out.value[k] = q;
  }
  return out;
}

/**
 * Writes the bundled SYNTHETIC sample set (every {@link SAMPLE_RECIPES} symbol, 1h and 1d) into
 * a store root, replacing those series. Deterministic: the same code writes the same bytes.
 */
export async function writeSampleData(root: string, recipes: readonly SampleRecipe[] = SAMPLE_RECIPES, options: { fsync?: boolean } = {}): Promise<WriteResult[]> {
  const store = new ParquetCandleStore({ root, fsync: options.fsync ?? true });
  const results: WriteResult[] = [];
  for (const r of recipes) {
    const hourly = generateSampleHourly(r);
    results.push(await store.write(r.symbol, '1h', hourly));
    results.push(await store.write(r.symbol, '1d', aggregateDaily(hourly, r.volumeDecimals)));
  }
  return results;
}
