import { BacktestAbortedError } from '../core/errors';
import { getStrategy } from '../strategies';
import { runSweep } from '../sweep';
import { syntheticCandles } from '../testing';
import { runSweepParallel } from './sweep-pool';

// Worker threads start from the TypeScript sources here (see workerEntry), which costs ~1 s each.
jest.setTimeout(60_000);

const candles = syntheticCandles({ n: 3_000, seed: 11 });
const series = [{ symbol: 'KRW-BTC', timeframe: '1h' as const, candles }];
const space = { fast_period: { min: 5, max: 20, step: 5 }, slow_period: { min: 20, max: 60, step: 20 } };

describe('runSweepParallel', () => {
  it('gives exactly the rows of the single-thread sweep, in the same order', async () => {
    const strategy = getStrategy('sma_crossover');
    const seq = runSweep({ strategy: strategy as never, space, series, rankBy: 'sharpe' });
    const progress: number[] = [];
    const par = await runSweepParallel({ strategy: 'sma_crossover', space, series, rankBy: 'sharpe', workers: 2, chunkSize: 3, onProgress: (p) => progress.push(p.done) });
    expect(par.total).toBe(12);
    // fast_period=20, slow_period=20 is rejected by the strategy (fast must be below slow) in both.
    expect(par.failed).toBe(seq.failed);
    expect(JSON.stringify(par.rows)).toBe(JSON.stringify(seq.rows));
    expect(progress[progress.length - 1]).toBe(12);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
  });

  it('rejects an unknown strategy with the registry error code', async () => {
    await expect(runSweepParallel({ strategy: 'nope', space, series, workers: 1 })).rejects.toMatchObject({ code: 'UNKNOWN_STRATEGY' });
  });

  it('stops within a second of a cancel', async () => {
    const big = { fast_period: { min: 2, max: 60, step: 1 }, slow_period: { min: 61, max: 200, step: 1 } };
    const ac = new AbortController();
    const started = runSweepParallel({ strategy: 'sma_crossover', space: big, series: [{ ...series[0], candles: syntheticCandles({ n: 50_000, seed: 3 }) }], workers: 2, signal: ac.signal });
    await new Promise((r) => setTimeout(r, 1500));
    const t0 = Date.now();
    ac.abort();
    await expect(started).rejects.toBeInstanceOf(BacktestAbortedError);
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
