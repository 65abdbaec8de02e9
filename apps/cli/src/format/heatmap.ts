import type { SweepHeatmap } from '@coinhts/engine';
import { fixed, formatTable } from './text-table';

/** Shades from worst to best score of the map. */
const SHADES = [' ', '░', '▒', '▓', '█'];

/**
 * A heat map as text: rows are the y parameter's values, columns the x parameter's; each cell the
 * best score over the other parameters (`-` where nothing ran) with a shade from worst (blank) to
 * best (█) by the sweep's direction.
 */
export function formatHeatmap(h: SweepHeatmap, digits = 3): string {
  const all = h.cells.flat().filter((v): v is number => v !== null);
  const lo = Math.min(...all), hi = Math.max(...all);
  const shade = (v: number | null): string => {
    if (v === null || !(hi > lo)) return v === null ? ' ' : SHADES[SHADES.length - 1];
    const t = (h.direction === 'max' ? v - lo : hi - v) / (hi - lo);
    return SHADES[Math.min(SHADES.length - 1, Math.floor(t * SHADES.length))];
  };
  const rows = [[`${h.y} \\ ${h.x}`, ...h.xValues.map(String)]];
  h.yValues.forEach((y, j) => rows.push([String(y), ...h.cells[j].map((v) => `${fixed(v, digits)}${shade(v)}`)]));
  return `${h.rankBy} (${h.direction === 'max' ? 'higher' : 'lower'} is better; best over the other parameters; █ best … blank worst)\n${formatTable(rows, rows[0].map((_, c) => (c === 0 ? 'left' : 'right')))}`;
}
