import { formatNumber } from '../format';
import type { HeatmapGrid } from '../heatmap';
import type { Histogram } from '../histogram';
import { h } from './dom';

/** Colours shared by every chart (contrast checked against the white page background). */
export const COLORS = { up: '#0b7a3e', down: '#b3261e', equity: '#1f4e9c', benchmark: '#7a5c00', text: '#1d1d1f', grid: '#d9d9de', bar: '#3a5fa0' } as const;

function setupCanvas(canvas: HTMLCanvasElement, cssWidth: number, cssHeight: number): CanvasRenderingContext2D {
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(cssWidth * dpr);
  canvas.height = Math.round(cssHeight * dpr);
  canvas.style.width = `${cssWidth}px`;
  canvas.style.height = `${cssHeight}px`;
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  ctx.scale(dpr, dpr);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, cssWidth, cssHeight);
  ctx.font = '12px system-ui, sans-serif';
  return ctx;
}

/** A histogram on a canvas; `unit` is appended to the axis labels. */
export function histogramFigure(hist: Histogram, o: { readonly title: string; readonly unit: string; readonly testId: string }): HTMLElement {
  const total = hist.counts.reduce((a, b) => a + b, 0);
  const canvas = h('canvas', { role: 'img', 'data-testid': o.testId, 'aria-label': `${o.title}: ${total} values in ${hist.counts.length} bins` });
  const figure = h('figure', { class: 'plot' }, canvas, h('figcaption', {}, `${o.title} (${total.toLocaleString('en-US')} values; bins: ${hist.counts.length})`));
  requestAnimationFrame(() => {
    const width = Math.max(320, figure.clientWidth || 600), height = 220;
    const ctx = setupCanvas(canvas, width, height);
    const left = 48, right = 12, top = 12, bottom = 36;
    const plotW = width - left - right, plotH = height - top - bottom;
    const maxCount = Math.max(1, ...hist.counts);
    ctx.strokeStyle = COLORS.grid;
    ctx.fillStyle = COLORS.text;
    ctx.textAlign = 'right';
    for (let k = 0; k <= 4; k++) {
      const y = top + plotH - (k / 4) * plotH;
      ctx.beginPath(); ctx.moveTo(left, y); ctx.lineTo(width - right, y); ctx.stroke();
      ctx.fillText(String(Math.round((k / 4) * maxCount)), left - 6, y + 4);
    }
    const n = hist.counts.length;
    const bw = n > 0 ? plotW / n : 0;
    hist.counts.forEach((c, i) => {
      const mid = (hist.edges[i] + hist.edges[i + 1]) / 2;
      ctx.fillStyle = mid < 0 ? COLORS.down : COLORS.up;
      const bh = (c / maxCount) * plotH;
      ctx.fillRect(left + i * bw + 1, top + plotH - bh, Math.max(1, bw - 2), bh);
    });
    ctx.fillStyle = COLORS.text;
    ctx.textAlign = 'center';
    if (n > 0) {
      const labels = n <= 10 ? hist.edges.map((_, i) => i) : [0, Math.floor(n / 2), n];
      for (const i of labels) {
        ctx.textAlign = i === 0 ? 'left' : i === n ? 'right' : 'center';
        ctx.fillText(`${formatNumber(hist.edges[i])}${o.unit}`, left + i * bw, height - bottom + 16);
      }
    }
    canvas.dataset.drawn = 'true';
  });
  return figure;
}

/** Blue (low) to yellow (high), a perceptually ordered ramp readable by most colour-blind readers. */
function ramp(f: number): string {
  const stops = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  const x = Math.min(1, Math.max(0, f)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x)), t = x - i;
  const c = stops[i].map((a, k) => Math.round(a + (stops[i + 1][k] - a) * t));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** A heat map of a sweep metric over two parameters (cells without a run stay grey). */
export function drawHeatmap(canvas: HTMLCanvasElement, grid: HeatmapGrid, metricLabel: string): void {
  const cols = grid.xs.length, rows = grid.ys.length;
  const left = 80, top = 12, bottom = 48, right = 90;
  const cell = Math.max(14, Math.min(48, Math.floor(640 / Math.max(1, cols))));
  const width = left + cols * cell + right, height = top + rows * Math.min(cell, 32) + bottom;
  const ch = Math.min(cell, 32);
  const ctx = setupCanvas(canvas, width, height);
  const span = grid.min !== null && grid.max !== null && grid.max > grid.min ? grid.max - grid.min : 1;
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      const v = grid.cells[y][x];
      ctx.fillStyle = v === null ? '#c8c8cc' : ramp((v - (grid.min ?? 0)) / span);
      // Highest y value at the top, as on a chart.
      ctx.fillRect(left + x * cell, top + (rows - 1 - y) * ch, cell - 1, ch - 1);
    }
  }
  ctx.fillStyle = COLORS.text;
  ctx.textAlign = 'right';
  for (let y = 0; y < rows; y++) ctx.fillText(String(grid.ys[y]), left - 6, top + (rows - 1 - y) * ch + ch / 2 + 4);
  ctx.textAlign = 'center';
  const every = Math.ceil(cols / 16);
  for (let x = 0; x < cols; x += every) ctx.fillText(String(grid.xs[x]), left + x * cell + cell / 2, top + rows * ch + 14);
  ctx.fillText(grid.xParam, left + (cols * cell) / 2, top + rows * ch + 34);
  ctx.save();
  ctx.translate(14, top + (rows * ch) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(grid.yParam, 0, 0);
  ctx.restore();
  // Legend: the ramp with the extreme values.
  const lx = left + cols * cell + 24, lh = rows * ch;
  for (let k = 0; k < lh; k++) {
    ctx.fillStyle = ramp(1 - k / Math.max(1, lh - 1));
    ctx.fillRect(lx, top + k, 14, 1);
  }
  ctx.fillStyle = COLORS.text;
  ctx.textAlign = 'left';
  ctx.fillText(formatNumber(grid.max), lx + 18, top + 10);
  ctx.fillText(formatNumber(grid.min), lx + 18, top + lh);
  canvas.setAttribute('aria-label', `Heat map of ${metricLabel} over ${grid.xParam} (${cols} values) and ${grid.yParam} (${rows} values); best ${formatNumber(grid.max)}, worst ${formatNumber(grid.min)}`);
  canvas.dataset.drawn = 'true';
}
