import type { JobStatus } from '@coinhts/jobs';
import type { StoredRun } from '@coinhts/results';

/** Epoch ms → ISO 8601 UTC (null stays null). */
export const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

/** URL of a run and its tables (a sweep run has no tables; it links to its ranking instead). */
export function runLinks(id: string, kind: StoredRun['kind'] = 'sync'): Record<string, string> {
  const self = `/api/v1/backtests/${id}`;
  if (kind === 'sweep') return { self, ranking: `/api/v1/sweeps/${id}`, status: `/api/v1/sweeps/${id}/status` };
  return { self, trades: `${self}/trades`, equity: `${self}/equity`, signals: `${self}/signals` };
}

/** A stored run as the API shows it (snake_case, ISO times). */
export function storedRunView(r: StoredRun, withDetail: boolean) {
  return {
    run_id: r.id,
    kind: r.kind,
    status: r.status,
    strategy: r.strategy,
    params: r.params,
    symbols: r.symbols,
    timeframe: r.timeframe,
    period_start: iso(r.periodStart),
    period_end: iso(r.periodEnd),
    total_return_pct: r.totalReturnPct,
    sharpe: r.sharpe,
    max_drawdown_pct: r.maxDrawdownPct,
    trade_count: r.tradeCount,
    duration_ms: r.durationMs,
    created_at: iso(r.createdAt) as string,
    ...(withDetail
      ? {
          metrics: r.metrics,
          symbol_results: (r.symbolResults ?? []).map((s) => ({ symbol: s.symbol, win_rate: s.winRate, trade_count: s.tradeCount, metrics: s.metrics })),
        }
      : {}),
    links: runLinks(r.id, r.kind),
  };
}

/** A job status as the API shows it. `base` is the URL of the task (without `/status`). */
export function taskStatusView(s: JobStatus, base: string) {
  const common = { task_id: s.id, attempts: s.attemptsMade, created_at: iso(s.createdAt) };
  const links: Record<string, string> = { self: `${base}/status`, cancel: base, events: `${base}/events` };
  switch (s.state) {
    case 'queued':
      return { ...common, state: s.state, progress: 0, stage: `waiting for ${s.waitingFor}`, error: s.lastError, run_id: null, finished_at: null, links };
    case 'running':
      return { ...common, state: s.state, progress: s.progress, stage: s.stage || null, error: null, run_id: null, finished_at: null, links };
    case 'completed': {
      if (s.runId) links.result = `/api/v1/backtests/${s.runId}`;
      return { ...common, state: s.state, progress: 1, stage: 'done', error: null, run_id: s.runId, result: s.result ?? null, finished_at: iso(s.finishedAt), links };
    }
    case 'failed':
      return { ...common, state: s.state, progress: 1, stage: 'failed', error: s.error, run_id: null, finished_at: iso(s.finishedAt), links };
    case 'cancelled':
      return { ...common, state: s.state, progress: s.progress, stage: 'cancelled', error: { code: 'CANCELLED', message: s.reason, retryable: false }, run_id: null, finished_at: iso(s.cancelledAt), links };
  }
}
