import { isTimeframe } from '@coinhts/engine';
import { gzipSync } from 'node:zlib';
import type { RunArchivePayload } from './legacy-import';
import type { RunInput, SymbolResultInput } from '../run-types';
import { kstMidnight, parseLegacyTime, type LegacyBacktestResponse, type LegacyManifest } from './legacy-format';

/** Where a legacy run came from. */
export interface LegacySource {
  /** `results/{run_id}.json` (sync) or `tasks/{id}/` (async). */
  readonly kind: 'sync' | 'async';
  /** The parsed result, absent for a failed task that has only a manifest. */
  readonly result?: LegacyBacktestResponse;
  /** The exact bytes of the result file, preserved (gzip) in the archive. */
  readonly resultBytes?: Uint8Array;
  /** The task manifest, for async runs. */
  readonly manifest?: LegacyManifest;
  /** The exact bytes of the manifest. */
  readonly manifestBytes?: Uint8Array;
  /** Modification time of the main file (epoch ms), used when the file records no time of its own. */
  readonly fileMtimeMs: number;
}

/**
 * Canonical timeframe for a legacy code: `1D`→`1d`, `1H`→`1h`, `1M`→`1m` (minutes: REFERENCE §16,
 * the data store's meaning), `1Mo`→`1mo`. Unknown codes are kept as written.
 */
export function canonicalLegacyTimeframe(code: string): string {
  if (/^\d+Mo$/i.test(code)) return code.toLowerCase();
  const lower = code.toLowerCase();
  return isTimeframe(lower) ? lower : code;
}

/** Compounded total return in percent of fractional per-signal returns (the original's equity curve). */
export function compoundedReturnPct(fractions: readonly number[]): number {
  let equity = 1;
  for (const r of fractions) equity *= 1 + r;
  return (equity - 1) * 100;
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);

/**
 * Maps one legacy run to a {@link RunInput} plus the archive payload. Conventions (documented in
 * docs/results.md): per-symbol total return = compounded signal returns (percent); run total
 * return = their equal-weight mean; run max drawdown = the largest per-symbol value (the original's
 * additive convention); trade count = total_signals; period = the days' KST midnights; creation
 * time = when the original finished the run. The original files are kept byte for byte (gzip).
 */
export function legacyToRun(src: LegacySource): { run: RunInput; payload: RunArchivePayload } {
  const r = src.result;
  const m = src.manifest;
  const base = r ?? m;
  if (!base) throw new Error('legacyToRun needs a result or a manifest');
  const id = (r?.run_id ?? m?.task_id ?? '').toLowerCase();
  const symbolNames = r ? r.symbols.map((s) => s.symbol) : [...(m?.symbols ?? [])];
  const symbolResults: SymbolResultInput[] = (r?.symbols ?? []).map((s) => ({
    symbol: s.symbol,
    metrics: {
      win_rate: s.win_rate,
      avg_return_pct: s.avg_return,
      max_drawdown_pct: s.max_drawdown,
      avg_hold_bars: s.avg_hold_bars,
      is_active: s.is_active ?? true,
      signal_count: s.signals.length,
    },
    totalReturnPct: compoundedReturnPct(s.signals.map((g) => g.return_pct)),
    winRate: s.win_rate,
    maxDrawdownPct: s.max_drawdown,
    tradeCount: s.signals.length,
  }));
  const time = (s: string | undefined | null): number | null => {
    if (!s) return null;
    const t = parseLegacyTime(s);
    return Number.isNaN(t) ? null : t;
  };
  const finishedAt = time(m?.metadata?.finished_at);
  const startedAt = time(m?.metadata?.started_at);
  const createdAt = finishedAt ?? time(r?.metadata?.execution_date) ?? src.fileMtimeMs;
  const durationMs = m?.metadata?.duration_ms ?? (r ? Math.round(r.execution_time * 1000) : null);
  const failed = m?.status === 'failed';
  const run: RunInput = {
    id,
    kind: src.kind,
    status: failed ? 'failed' : 'completed',
    strategy: base.strategy,
    params: base.params,
    symbols: symbolNames,
    timeframe: canonicalLegacyTimeframe(base.timeframe),
    periodStart: kstMidnight(base.start_date),
    periodEnd: kstMidnight(base.end_date),
    metrics: {
      source: 'coin_hts',
      legacy: {
        version: r?.version ?? null,
        start_date: base.start_date,
        end_date: base.end_date,
        timeframe: base.timeframe,
        execution_time_s: r?.execution_time ?? null,
        metadata: r?.metadata ?? m?.metadata ?? null,
        summary: m?.summary ?? null,
      },
      total_signals: r?.total_signals ?? 0,
      avg_return_pct: r ? mean(r.symbols.map((s) => s.avg_return)) : null,
    },
    totalReturnPct: r ? mean(symbolResults.map((s) => s.totalReturnPct as number)) : null,
    sharpe: null,
    maxDrawdownPct: r ? Math.max(...r.symbols.map((s) => s.max_drawdown)) : null,
    tradeCount: r ? r.total_signals : null,
    symbolResults,
    durationMs,
    startedAt,
    finishedAt,
    error: failed ? { code: 'LEGACY_TASK_FAILED', message: m?.error?.message ?? 'failed (no message recorded)' } : null,
    createdAt,
  };
  const files = [];
  if (src.resultBytes) files.push({ name: 'legacy/result.json.gz', bytes: gzipSync(src.resultBytes, { level: 9 }) });
  if (src.manifestBytes) files.push({ name: 'legacy/manifest.json.gz', bytes: gzipSync(src.manifestBytes, { level: 9 }) });
  const summary = {
    source: 'coin_hts',
    runId: id,
    kind: run.kind,
    status: run.status,
    strategy: run.strategy,
    params: run.params,
    timeframe: run.timeframe,
    periodStart: run.periodStart,
    periodEnd: run.periodEnd,
    metrics: run.metrics,
    totalReturnPct: run.totalReturnPct,
    maxDrawdownPct: run.maxDrawdownPct,
    tradeCount: run.tradeCount,
    symbols: symbolResults,
    error: run.error,
  };
  return { run, payload: { summary, files } };
}
