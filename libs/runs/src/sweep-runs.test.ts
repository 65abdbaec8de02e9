import type { PortfolioMetrics, SweepResult, WalkForwardResult } from '@coinhts/engine';
import { engineSweepRanking, walkForwardRecord, walkForwardRunInput } from './sweep-runs';
import { parseSweepRequest } from './run-request';

const request = parseSweepRequest({ strategy: 'sma_crossover', params: { hold_period_bars: 3 }, grid: { fast_period: [5, 10], slow_period: [20] }, symbols: ['KRW-BTC'], start_date: '2024-01-01', end_date: '2024-12-31', rank_by: 'sharpe' });
const metrics = (over: Partial<Record<string, number | null>>) => ({ sharpe: 1, total_return_pct: 10, trade_count: 2, label: 'not a number', ...over }) as unknown as PortfolioMetrics;

describe('engineSweepRanking', () => {
  it('stores rows as the queue does: full parameter sets, numeric metrics only, the engine\'s order and scores', () => {
    const result = {
      strategy: 'sma_crossover', rankBy: 'sharpe', direction: 'max', total: 2, evaluated: 1, failed: 1, best: null, verdict: null,
      rows: [
        { index: 1, params: { fast_period: 10, slow_period: 20 }, score: 1.5, metrics: metrics({ sharpe: 1.5 }) },
        { index: 0, params: { fast_period: 5, slow_period: 20 }, score: null, metrics: null, error: { code: 'INVALID_PARAMS', message: 'nope' } },
      ],
    } as unknown as SweepResult;
    expect(engineSweepRanking(result, 'id-1', request.params)).toEqual({
      sweepId: 'id-1', rankBy: 'sharpe', direction: 'max', total: 2, evaluated: 1, failed: 1,
      rows: [
        { index: 1, params: { hold_period_bars: 3, fast_period: 10, slow_period: 20 }, score: 1.5, metrics: { sharpe: 1.5, total_return_pct: 10, trade_count: 2 } },
        { index: 0, params: { hold_period_bars: 3, fast_period: 5, slow_period: 20 }, score: null, metrics: null, error: { code: 'INVALID_PARAMS', message: 'nope' } },
      ],
    });
  });
});

describe('walk-forward runs', () => {
  const DAY = 86_400_000;
  // Stitched out-of-sample curve from 100 KRW: 100 → 120 (peak) → 90 (trough) → 130.
  // Largest drawdown = (120 − 90) / 120 = 25 %.
  const wf = {
    rankBy: 'sharpe', direction: 'max', oosCompoundedReturnPct: 30, oosMeanScore: 0.5, isMeanScore: 2,
    folds: [
      { fold: 0, inSample: { start_ms: 0, end_ms: 10 * DAY }, outOfSample: { start_ms: 10 * DAY, end_ms: 12 * DAY }, bestParams: { fast_period: 5 }, inSampleScore: 2, outOfSampleScore: 1, outOfSampleMetrics: metrics({ trade_count: 3 }) },
      { fold: 1, inSample: { start_ms: 2 * DAY, end_ms: 12 * DAY }, outOfSample: { start_ms: 12 * DAY, end_ms: 14 * DAY }, bestParams: { fast_period: 10 }, inSampleScore: 2, outOfSampleScore: 0, outOfSampleMetrics: metrics({ trade_count: 4 }) },
      { fold: 2, inSample: { start_ms: 4 * DAY, end_ms: 14 * DAY }, outOfSample: { start_ms: 14 * DAY, end_ms: 16 * DAY }, bestParams: null, inSampleScore: null, outOfSampleScore: null, outOfSampleMetrics: null },
    ],
    oosEquity: { timestamp: Float64Array.from([10, 11, 12, 13].map((d) => d * DAY)), equity: Float64Array.from([100, 120, 90, 130]) },
    stability: { changes: 1, modalShare: 0.5, params: [{ name: 'fast_period', values: [5, 10, null], distinct: 2, mean: 7.5, std: 2.5, relativeStd: 1 / 3 }] },
  } as unknown as WalkForwardResult;
  const geometry = { inSampleBars: 10, outOfSampleBars: 2, stepBars: 2, anchored: false };

  it('headline = out-of-sample figures: compounded return, the stitched curve\'s largest drawdown, out-of-sample trades', () => {
    const run = walkForwardRunInput({ runId: 'wf-1', request, result: wf, geometry, search: { kind: 'grid' }, initialCapital: 100, timing: { startedAt: 1000, finishedAt: 1500 } });
    expect(run).toMatchObject({
      id: 'wf-1', kind: 'sweep', strategy: 'sma_crossover', totalReturnPct: 30, sharpe: null, maxDrawdownPct: 25, tradeCount: 3 + 4,
      periodStart: 10 * DAY, periodEnd: 16 * DAY, durationMs: 500,
      params: { fixed: { hold_period_bars: 3 }, grid: { fast_period: [5, 10], slow_period: [20] } },
      metrics: { analysis: 'walk-forward', rank_by: 'sharpe', direction: 'max', folds: 3, is_mean_score: 2, oos_mean_score: 0.5, parameter_changes: 1 },
    });
  });

  it('records each fold with full best parameters and numeric out-of-sample metrics', () => {
    const rec = walkForwardRecord(wf, geometry, request.params) as { folds: unknown[]; stability: unknown };
    expect(rec.folds[0]).toEqual({
      fold: 0, in_sample: { start_ms: 0, end_ms: 10 * DAY }, out_of_sample: { start_ms: 10 * DAY, end_ms: 12 * DAY },
      best_params: { hold_period_bars: 3, fast_period: 5 }, in_sample_score: 2, out_of_sample_score: 1,
      out_of_sample_metrics: { sharpe: 1, total_return_pct: 10, trade_count: 3 },
    });
    expect(rec.folds[2]).toMatchObject({ best_params: null, out_of_sample_metrics: null });
    expect(rec.stability).toEqual({ changes: 1, modal_share: 0.5, params: [{ name: 'fast_period', values: [5, 10, null], distinct: 2, mean: 7.5, std: 2.5, relative_std: 1 / 3 }] });
  });
});
