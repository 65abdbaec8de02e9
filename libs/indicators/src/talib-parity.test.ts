// Parity with TA-Lib itself (the native `talib` binding): same numbers (<= 1e-9, relative for values
// above 1) and the same output alignment (TA-Lib's begIndex = our number of leading NaNs).
import { loadFixture300, type Columns } from '../test/support/fixtures';
import { randomWalkCandles } from '../test/support/random';
import { arr, talibRun, type TalibResult } from '../test/support/talib';
import { atr, bollingerBands, ema, macd, obv, roc, rollingMax, rollingMin, rsi, sma, stdDev, stochastic, volumeSma, wma } from './index';

const TOLERANCE = 1e-9;

const datasets: ReadonlyArray<readonly [string, Columns]> = [
  ['fixture synthetic_seed42_300.csv', loadFixture300()],
  ['random walk, 20,000 bars around 100,000,000 KRW', randomWalkCandles(20_000, 20_240_601)],
];

/** Asserts alignment (begIndex, nbElement, leading NaNs) and values against one TA-Lib output. */
function expectMatchesTalib(ours: Float64Array, ref: TalibResult, output: string): void {
  const n = ours.length;
  const expected = ref.result[output];
  expect(expected).toBeDefined();
  const leadingNaN = ours.findIndex((v) => !Number.isNaN(v));
  expect({ leadingNaN, nbElement: ref.nbElement }).toEqual({ leadingNaN: ref.begIndex, nbElement: n - ref.begIndex });
  let worst = 0;
  let worstAt = -1;
  for (let j = 0; j < ref.nbElement; j++) {
    const a = ours[ref.begIndex + j];
    const b = expected[j];
    const err = Math.abs(a - b) / Math.max(1, Math.abs(b));
    if (!(err <= worst)) {
      worst = err;
      worstAt = ref.begIndex + j;
    }
  }
  if (!(worst <= TOLERANCE)) {
    throw new Error(`${output}: relative error ${worst} at index ${worstAt} (ours ${ours[worstAt]}, TA-Lib ${expected[worstAt - ref.begIndex]}) exceeds ${TOLERANCE}`);
  }
}

describe.each(datasets)('parity with TA-Lib on %s', (_label, data) => {
  const n = data.close.length;
  const close = arr(data.close);
  const hlc = { high: arr(data.high), low: arr(data.low), close };

  test.each([2, 14, 50])('SMA(%i)', (p) => {
    expectMatchesTalib(sma(data.close, p), talibRun('SMA', n, { inReal: close, optInTimePeriod: p }), 'outReal');
  });

  test.each([2, 14, 50])('EMA(%i): SMA-seeded at index period-1', (p) => {
    expectMatchesTalib(ema(data.close, p), talibRun('EMA', n, { inReal: close, optInTimePeriod: p }), 'outReal');
  });

  test.each([2, 14, 50])('WMA(%i)', (p) => {
    expectMatchesTalib(wma(data.close, p), talibRun('WMA', n, { inReal: close, optInTimePeriod: p }), 'outReal');
  });

  test.each([2, 14, 30])('RSI(%i): Wilder, first value at index period', (p) => {
    expectMatchesTalib(rsi(data.close, p), talibRun('RSI', n, { inReal: close, optInTimePeriod: p }), 'outReal');
  });

  test.each([1, 14, 30])('ATR(%i): Wilder, first value = mean of TR[1..period]', (p) => {
    expectMatchesTalib(atr(data, p), talibRun('ATR', n, { ...hlc, optInTimePeriod: p }), 'outReal');
  });

  test.each([2, 5, 20])('STDDEV(%i, nbdev 1)', (p) => {
    expectMatchesTalib(stdDev(data.close, p), talibRun('STDDEV', n, { inReal: close, optInTimePeriod: p, optInNbDev: 1 }), 'outReal');
  });

  test.each([
    [5, 2, 2],
    [20, 2, 2],
    [20, 1, 3],
  ])('BBANDS(%i, up %d, down %d, SMA)', (period, up, down) => {
    const ours = bollingerBands(data.close, { period, stdDevUp: up, stdDevDown: down });
    const ref = talibRun('BBANDS', n, { inReal: close, optInTimePeriod: period, optInNbDevUp: up, optInNbDevDn: down, optInMAType: 0 });
    expectMatchesTalib(ours.upper, ref, 'outRealUpperBand');
    expectMatchesTalib(ours.middle, ref, 'outRealMiddleBand');
    expectMatchesTalib(ours.lower, ref, 'outRealLowerBand');
  });

  test.each([
    [12, 26, 9],
    [5, 35, 5],
    // signalPeriod 1 is left out on purpose: TA-Lib's EMA lookback rejects period 1 (returns -1), so
    // its MACD output starts one bar early and is read from before its buffer (a TA-Lib bug).
    [3, 10, 2],
  ])('MACD(%i, %i, %i): TA-Lib fast-EMA alignment, all outputs from (slow-1)+(signal-1)', (fast, slow, signal) => {
    const ours = macd(data.close, { fastPeriod: fast, slowPeriod: slow, signalPeriod: signal });
    const ref = talibRun('MACD', n, { inReal: close, optInFastPeriod: fast, optInSlowPeriod: slow, optInSignalPeriod: signal });
    expectMatchesTalib(ours.macd, ref, 'outMACD');
    expectMatchesTalib(ours.signal, ref, 'outMACDSignal');
    expectMatchesTalib(ours.histogram, ref, 'outMACDHist');
  });

  test.each([
    [5, 3, 3],
    [14, 3, 3],
    [14, 1, 5],
  ])('STOCH(fastK %i, slowK %i SMA, slowD %i SMA)', (fastK, slowK, slowD) => {
    const ours = stochastic(data, { fastKPeriod: fastK, slowKPeriod: slowK, slowDPeriod: slowD });
    const ref = talibRun('STOCH', n, { ...hlc, optInFastK_Period: fastK, optInSlowK_Period: slowK, optInSlowK_MAType: 0, optInSlowD_Period: slowD, optInSlowD_MAType: 0 });
    expectMatchesTalib(ours.k, ref, 'outSlowK');
    expectMatchesTalib(ours.d, ref, 'outSlowD');
  });

  test('OBV: starts at the first volume', () => {
    expectMatchesTalib(obv(data), talibRun('OBV', n, { inReal: close, volume: arr(data.volume) }), 'outReal');
  });

  test.each([1, 10])('ROC(%i) in percent', (p) => {
    expectMatchesTalib(roc(data.close, p), talibRun('ROC', n, { inReal: close, optInTimePeriod: p }), 'outReal');
  });

  test.each([2, 30])('MAX and MIN over %i bars', (p) => {
    expectMatchesTalib(rollingMax(data.close, p), talibRun('MAX', n, { inReal: close, optInTimePeriod: p }), 'outReal');
    expectMatchesTalib(rollingMin(data.close, p), talibRun('MIN', n, { inReal: close, optInTimePeriod: p }), 'outReal');
  });

  test('volume SMA(20) equals TA-Lib SMA over the volume column', () => {
    expectMatchesTalib(volumeSma(data, 20), talibRun('SMA', n, { inReal: arr(data.volume), optInTimePeriod: 20 }), 'outReal');
  });
});
