import { BacktestAbortedError } from '../core/errors';
import { getStrategy } from '../strategies';
import { runSweep } from '../sweep';
import { syntheticCandles } from '../testing';
import { runSweepParallel } from './sweep-pool';

// Worker threads start from the TypeScript sources here (see workerEntry), which costs ~0.35 s each.
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

  it('the calling thread hands the rest of its chunk to the workers once a combination is slow for it', async () => {
    // one chunk of 6: the calling thread takes it (no worker is up yet), finds a combination over
    // callerMaxMs (0 here) and hands the other 5 back; the rows are still the single-thread ones
    const long = [{ ...series[0], candles: syntheticCandles({ n: 200_000, seed: 5 }) }];
    const six = { fast_period: { min: 5, max: 10, step: 5 }, slow_period: { min: 30, max: 50, step: 10 } };
    const strategy = getStrategy('sma_crossover');
    const seq = runSweep({ strategy: strategy as never, space: six, series: long, rankBy: 'sharpe' });
    const progress: number[] = [];
    const par = await runSweepParallel({ strategy: 'sma_crossover', space: six, series: long, rankBy: 'sharpe', workers: 2, chunkSize: 6, callerMaxMs: 0, onProgress: (p) => progress.push(p.done) });
    expect(par.total).toBe(6);
    expect(JSON.stringify(par.rows)).toBe(JSON.stringify(seq.rows));
    // the first combination came from the calling thread alone, the other five from a worker at once
    expect(progress).toEqual([1, 6]);
  });

  it('a one-combination sweep gives the single-thread row (the calling thread takes it)', async () => {
    const strategy = getStrategy('sma_crossover');
    const one = { fast_period: { min: 5, max: 5, step: 1 }, slow_period: { min: 20, max: 20, step: 1 } };
    const seq = runSweep({ strategy: strategy as never, space: one, series, rankBy: 'sharpe' });
    const par = await runSweepParallel({ strategy: 'sma_crossover', space: one, series, rankBy: 'sharpe', workers: 2 });
    expect(JSON.stringify(par.rows)).toBe(JSON.stringify(seq.rows));
  });

  it('rejects a callerMaxMs that is not a number of milliseconds >= 0, naming the field', async () => {
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(runSweepParallel({ strategy: 'sma_crossover', space, series, callerMaxMs: bad })).rejects.toThrow(/callerMaxMs: must be a number of milliseconds >= 0/);
    }
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
