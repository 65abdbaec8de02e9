import type { PortfolioMetrics } from '@coinhts/engine';

/** The number (and null) fields of portfolio metrics, as stored in every sweep row whichever runner made it. */
export function numericMetrics(p: PortfolioMetrics): Readonly<Record<string, number | null>> {
  const out: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(p)) if (typeof v === 'number' || v === null) out[k] = v;
  return out;
}
