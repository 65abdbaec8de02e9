import type { BacktestSummary } from './run-backtest';

function canonical(x: unknown): unknown {
  if (typeof x === 'number') return Number.isFinite(x) ? (x === 0 ? 0 : x) : null;
  if (x === null || typeof x !== 'object') return x;
  if (Array.isArray(x)) return x.map(canonical);
  if (ArrayBuffer.isView(x)) return Array.from(x as unknown as ArrayLike<number>, (v) => canonical(v));
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(x).sort()) {
    const v = (x as Record<string, unknown>)[k];
    if (v !== undefined && typeof v !== 'function') out[k] = canonical(v);
  }
  return out;
}

/**
 * Canonical JSON of a summary: object keys sorted at every level, 2-space indent, no trailing
 * newline, any non-finite number written as null and −0 as 0. Identical inputs give byte-identical
 * output, whatever order the parameters were written in.
 */
export function serializeSummary(summary: BacktestSummary): string {
  return JSON.stringify(canonical(summary), null, 2);
}
