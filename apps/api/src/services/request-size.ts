import type { RunRequest } from '@coinhts/runs';
import { parseDateBound } from '@coinhts/market-data';

/** Requested size of a run before loading anything: symbols × bars the date range can hold (for the 413 guard). */
export function requestedCandles(request: RunRequest, zone: string, barMs: number): number {
  const from = parseDateBound(request.start_date, { zone });
  const to = parseDateBound(request.end_date, { zone, end: true });
  const bars = Math.max(0, Math.floor((to - from) / barMs) + 1);
  return bars * request.symbols.length;
}
