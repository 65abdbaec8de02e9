import type { SweepReportRow } from './report-data';

/** A heat map of a metric over two parameters. `cells[y][x]` is null where no row ran. */
export interface HeatmapGrid {
  readonly xParam: string;
  readonly yParam: string;
  /** Distinct values of each parameter, ascending (numbers) or in first-seen order (others). */
  readonly xs: readonly unknown[];
  readonly ys: readonly unknown[];
  readonly cells: (number | null)[][];
  readonly min: number | null;
  readonly max: number | null;
}

function distinct(rows: readonly SweepReportRow[], p: string): unknown[] {
  const seen = new Map<string, unknown>();
  for (const r of rows) if (p in r.params) seen.set(JSON.stringify(r.params[p]), r.params[p]);
  const vs = [...seen.values()];
  return vs.every((v) => typeof v === 'number') ? (vs as number[]).sort((a, b) => a - b) : vs;
}

/**
 * The value of `metric` (a key of the rows' metrics, or `score`) for each pair of values of two
 * parameters. When other parameters vary too, a cell shows the best value over them
 * (`direction` says whether best is the largest or the smallest).
 */
export function heatmapGrid(rows: readonly SweepReportRow[], xParam: string, yParam: string, metric: string, direction: 'max' | 'min'): HeatmapGrid {
  const xs = distinct(rows, xParam), ys = distinct(rows, yParam);
  const xi = new Map(xs.map((v, i) => [JSON.stringify(v), i]));
  const yi = new Map(ys.map((v, i) => [JSON.stringify(v), i]));
  const cells: (number | null)[][] = ys.map(() => xs.map(() => null));
  let min: number | null = null, max: number | null = null;
  for (const r of rows) {
    const value = metric === 'score' ? r.score : r.metrics?.[metric] ?? null;
    if (value === null || !Number.isFinite(value)) continue;
    const x = xi.get(JSON.stringify(r.params[xParam])), y = yi.get(JSON.stringify(r.params[yParam]));
    if (x === undefined || y === undefined) continue;
    const cur = cells[y][x];
    if (cur === null || (direction === 'max' ? value > cur : value < cur)) cells[y][x] = value;
  }
  for (const row of cells) for (const v of row) {
    if (v === null) continue;
    if (min === null || v < min) min = v;
    if (max === null || v > max) max = v;
  }
  return { xParam, yParam, xs, ys, cells, min, max };
}
