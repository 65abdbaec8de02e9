import { InvalidParamsError, type ParamIssue } from '../core/errors';

/** A value a swept parameter can take. */
export type ParamValue = number | string | boolean;

/**
 * One swept parameter: an explicit list of values, or a numeric range. A range needs a `step`
 * for grid search; random search samples it uniformly (integers when `integer` is true or the
 * step is a whole number).
 */
export type ParamDimension =
  | { readonly values: readonly ParamValue[] }
  | { readonly min: number; readonly max: number; readonly step?: number; readonly integer?: boolean };

/** The swept parameters by name; parameters not named keep their base value or default. */
export type ParamSpace = Readonly<Record<string, ParamDimension>>;

/** One combination of parameter values. */
export type ParamSet = Readonly<Record<string, ParamValue>>;

/** Grid searches larger than this are refused unless a larger `limit` is passed. */
export const DEFAULT_MAX_COMBINATIONS = 1_000_000;

function isRange(d: ParamDimension): d is Extract<ParamDimension, { min: number }> {
  return typeof (d as { min?: unknown }).min === 'number';
}

/** Rounds away binary noise from `min + k·step` (e.g. 0.30000000000000004 → 0.3). */
function tidy(x: number): number {
  return Number.parseFloat(x.toPrecision(12));
}

function checkSpace(space: ParamSpace, forGrid: boolean): void {
  const issues: ParamIssue[] = [];
  const names = Object.keys(space);
  if (names.length === 0) issues.push({ field: 'space', message: 'name at least one parameter to sweep' });
  for (const name of names) {
    const d = space[name];
    if (typeof d !== 'object' || d === null) { issues.push({ field: name, message: 'must be { values: [...] } or { min, max, step }' }); continue; }
    if (isRange(d)) {
      if (!Number.isFinite(d.min) || !Number.isFinite(d.max) || d.min > d.max) issues.push({ field: name, message: `range needs finite min <= max, got ${d.min}..${d.max}` });
      if (d.step !== undefined && !(Number.isFinite(d.step) && d.step > 0)) issues.push({ field: name, message: `step must be a number > 0, got ${d.step}` });
      if (forGrid && d.step === undefined) issues.push({ field: name, message: 'a grid search needs a step for every range (min:max:step) or a list of values' });
    } else if (!Array.isArray((d as { values?: unknown }).values) || d.values.length === 0) {
      issues.push({ field: name, message: 'values must be a non-empty list' });
    }
  }
  if (issues.length > 0) throw new InvalidParamsError(issues, 'parameter space');
}

/** The values of one dimension in a grid search, ascending for ranges. */
export function dimensionValues(d: ParamDimension): readonly ParamValue[] {
  if (!isRange(d)) return d.values;
  const step = d.step ?? 1;
  const count = Math.floor((d.max - d.min) / step + 1e-9) + 1;
  const out: number[] = [];
  for (let k = 0; k < count; k++) out.push(tidy(d.min + k * step));
  return out;
}

/**
 * Every combination of a space (cartesian product). Parameters vary in name order, the last name
 * fastest, so the order — and hence the sweep's output — is deterministic.
 * Throws {@link InvalidParamsError} for a malformed space or more than `limit` combinations.
 */
export function gridParamSets(space: ParamSpace, limit = DEFAULT_MAX_COMBINATIONS): ParamSet[] {
  checkSpace(space, true);
  const names = Object.keys(space).sort();
  const lists = names.map((n) => dimensionValues(space[n]));
  const total = lists.reduce((a, l) => a * l.length, 1);
  if (total > limit) throw new InvalidParamsError([{ field: 'space', message: `${total} combinations exceed the limit of ${limit}; narrow the ranges, raise the step or use random search` }], 'parameter space');
  const out: ParamSet[] = [];
  const idx = new Array<number>(names.length).fill(0);
  for (let c = 0; c < total; c++) {
    const set: Record<string, ParamValue> = {};
    for (let j = 0; j < names.length; j++) set[names[j]] = lists[j][idx[j]];
    out.push(set);
    for (let j = names.length - 1; j >= 0; j--) {
      if (++idx[j] < lists[j].length) break;
      idx[j] = 0;
    }
  }
  return out;
}

/** mulberry32: small, fast, and identical on every platform. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` combinations drawn at random (seeded, so reproducible). Lists are sampled uniformly;
 * ranges uniformly in [min, max] — on the step grid when a step is given, as integers when
 * `integer` is set. Duplicates are possible when the space is small.
 */
export function randomParamSets(space: ParamSpace, count: number, seed = 1): ParamSet[] {
  checkSpace(space, false);
  if (!Number.isInteger(count) || count < 1) throw new InvalidParamsError([{ field: 'samples', message: `must be an integer >= 1, got ${count}` }], 'random search');
  if (count > DEFAULT_MAX_COMBINATIONS) throw new InvalidParamsError([{ field: 'samples', message: `${count} samples exceed the limit of ${DEFAULT_MAX_COMBINATIONS}` }], 'random search');
  const names = Object.keys(space).sort();
  const next = rng(seed);
  const out: ParamSet[] = [];
  for (let c = 0; c < count; c++) {
    const set: Record<string, ParamValue> = {};
    for (const name of names) {
      const d = space[name];
      if (!isRange(d)) { set[name] = d.values[Math.floor(next() * d.values.length)]; continue; }
      if (d.step !== undefined) {
        const steps = Math.floor((d.max - d.min) / d.step + 1e-9);
        set[name] = tidy(d.min + Math.floor(next() * (steps + 1)) * d.step);
      } else if (d.integer) {
        const lo = Math.ceil(d.min), hi = Math.floor(d.max);
        set[name] = lo + Math.floor(next() * (hi - lo + 1));
      } else {
        set[name] = d.min + next() * (d.max - d.min);
      }
    }
    out.push(set);
  }
  return out;
}

/**
 * Parses the CLI form of a dimension: `10:40:5` (range with step), `0.1:0.5` (range, random search
 * only), or `a,b,c` (list; numbers and true/false are converted).
 */
export function parseDimension(name: string, text: string): ParamDimension {
  const bad = (why: string): never => { throw new InvalidParamsError([{ field: name, message: `${why}; write min:max:step (e.g. 10:40:5) or a list (e.g. 0.1,0.2,0.3)` }], 'parameter space'); };
  const t = text.trim();
  if (t === '') bad('empty value');
  const conv = (s: string): ParamValue => {
    const v = s.trim();
    if (v === 'true' || v === 'false') return v === 'true';
    const n = Number(v);
    return v !== '' && Number.isFinite(n) ? n : v;
  };
  if (t.includes(':')) {
    const parts = t.split(':').map((p) => Number(p.trim()));
    if (parts.length < 2 || parts.length > 3 || parts.some((p) => !Number.isFinite(p))) bad(`"${text}" is not a numeric range`);
    const [min, max, step] = parts;
    return step === undefined ? { min, max } : { min, max, step };
  }
  return { values: t.split(',').map(conv) };
}
