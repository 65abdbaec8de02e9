import {
  blockCounts, deflatedSharpeRatio, normalCdf, normalInv, probabilityOfBacktestOverfitting, returnBlockStats, shapeOfReturns,
} from './overfitting';

describe('normal distribution', () => {
  // Table values (Abramowitz & Stegun 26.2; also Python's statistics.NormalDist, an independent implementation).
  it.each([
    [0, 0.5], [1.96, 0.9750021048517795], [-1, 0.15865525393145707], [3, 0.9986501019683699], [-2.5, 0.006209665325776132],
    [5.5, 0.9999999810104375], [-6, 9.865876450376946e-10], [-8.5, 9.479534822203318e-18],
  ])('Φ(%p) = %p', (z, p) => {
    expect(Math.abs(normalCdf(z) - p)).toBeLessThanOrEqual(1e-15 + 1e-9 * p);
  });

  it.each([
    [0.5, 0], [0.975, 1.959963984540054], [0.95, 1.6448536269514722], [0.999, 3.090232306167813], [0.9, 1.2815515655446004],
    [0.01, -2.3263478740408408], [1e-10, -6.361340902404056],
  ])('Φ⁻¹(%p) = %p', (p, z) => {
    expect(normalInv(p)).toBeCloseTo(z, 9);
  });

  it('Φ⁻¹ is ±∞ at 0 and 1 and NaN outside [0, 1]', () => {
    expect(normalInv(0)).toBe(-Infinity);
    expect(normalInv(1)).toBe(Infinity);
    expect(normalInv(1.5)).toBeNaN();
  });
});

describe('deflatedSharpeRatio', () => {
  it('matches the hand-worked example from the definition', () => {
    // N = 20 trials whose per-bar Sharpes have variance V = 0.0016 (sd 0.04); the best has SR = 0.12
    // over T = 250 bars, skewness −0.5, kurtosis 5.
    // Φ⁻¹(1 − 1/20) = Φ⁻¹(0.95) = 1.6448536; Φ⁻¹(1 − 1/(20e)) = Φ⁻¹(0.9816060) = 2.0881097
    // SR₀ = 0.04 × (0.4227843 × 1.6448536 + 0.5772157 × 2.0881097) = 0.04 × 1.9007080 = 0.0760283
    // denominator: 1 − (−0.5)(0.12) + (5 − 1)/4 × 0.12² = 1 + 0.06 + 0.0144 = 1.0744
    // z = (0.12 − 0.0760283) × √249 / √1.0744 = 0.0439717 × 15.7797338 / 1.0365326 = 0.6694062
    // DSR = Φ(0.6694062) = 0.7483818
    const r = deflatedSharpeRatio({ sharpe: 0.12, bars: 250, skewness: -0.5, kurtosis: 5, trials: 20, trialSharpeVariance: 0.0016 });
    expect(r.expectedMaxSharpe).toBeCloseTo(0.0760283, 6);
    expect(r.dsr).toBeCloseTo(0.7483818, 6);
  });

  it('with one trial it is the probabilistic Sharpe ratio against 0', () => {
    // SR₀ = 0; normal returns (skew 0, kurtosis 3): z = 0.1 × √99 / √(1 + 0.5 × 0.01) = 0.9949874 / 1.0024969 = 0.9925093; Φ(z) = 0.8395254
    const r = deflatedSharpeRatio({ sharpe: 0.1, bars: 100, skewness: 0, kurtosis: 3, trials: 1, trialSharpeVariance: 0.5 });
    expect(r.expectedMaxSharpe).toBe(0);
    expect(r.dsr).toBeCloseTo(0.8395254, 6);
  });

  it('refuses impossible inputs, naming the field', () => {
    expect(() => deflatedSharpeRatio({ sharpe: 0.1, bars: 1, skewness: 0, kurtosis: 3, trials: 0, trialSharpeVariance: -1 }))
      .toThrow(/bars: must be an integer >= 2, got 1; trials: must be an integer >= 1, got 0; trialSharpeVariance: must be a number >= 0, got -1/);
  });
});

describe('probabilityOfBacktestOverfitting (CSCV)', () => {
  /** Two bars per block with returns m ± 0.005 (m in percent / 100). */
  const series = (means: number[]): number[] => means.flatMap((m) => [m / 100 + 0.005, m / 100 - 0.005]);
  const sums = (strategies: number[][], S: number) => {
    const T = strategies[0].length;
    const sum = new Float64Array(strategies.length * S), sumSq = new Float64Array(strategies.length * S);
    strategies.forEach((r, n) => r.forEach((x, t) => { const s = Math.floor((t * S) / T); sum[n * S + s] += x; sumSq[n * S + s] += x * x; }));
    return { blocks: S, trials: strategies.length, sum, sumSq, count: blockCounts(T, S) };
  };

  it('matches the hand-worked example: S = 4 blocks, 3 strategies', () => {
    // Block means (%): A = [3, 3, −1, −1], B = [−1, −1, 3, 3], C = [1, 1, 1, 1]; within a block the two
    // bars are mean ± 0.5 %. On a pair of blocks with means m₁, m₂ (in %): mean = (m₁ + m₂)/2,
    // variance = 0.5² + ((m₁ − m₂)/2)², so Sharpe = mean / √variance:
    //   equal means 3 → 6;  −1 → −2;  1 → 2;  means 3 and −1 → 1/√4.25 = 0.485.
    // The C(4,2) = 6 splits (in-sample blocks → out-of-sample blocks), in lexicographic order:
    //   {1,2}→{3,4}: IS A 6, B −2, C 2 → A; OOS A −2, B 6, C 2 → A is lowest, rank 1, ω = 1/4, λ = ln(1/3) = −1.0986
    //   {1,3}→{2,4}: IS A 0.485, B 0.485, C 2 → C; OOS C 2 is highest, rank 3, ω = 3/4, λ = ln 3 = 1.0986
    //   {1,4}→{2,3}: same as above → λ = ln 3;   {2,3}→{1,4}: λ = ln 3;   {2,4}→{1,3}: λ = ln 3
    //   {3,4}→{1,2}: IS B 6 → B; OOS B −2 is lowest → λ = ln(1/3)
    // PBO = #{λ ≤ 0} / 6 = 2/6 = 1/3.
    const r = probabilityOfBacktestOverfitting(sums([series([3, 3, -1, -1]), series([-1, -1, 3, 3]), series([1, 1, 1, 1])], 4));
    expect(r.splits).toBe(6);
    const l3 = Math.log(3);
    const expected = [-l3, l3, l3, l3, l3, -l3];
    r.logits.forEach((l, i) => expect(l).toBeCloseTo(expected[i], 12));
    expect(r.pbo).toBeCloseTo(1 / 3, 12);
  });

  it('is 0 when one strategy is best in every block, 1 when the in-sample best is always the out-of-sample worst', () => {
    // C is best everywhere; A and B are worse in every split → the IS best (C) is the OOS best → PBO 0
    expect(probabilityOfBacktestOverfitting(sums([series([0, 0, 0, 0]), series([-1, -1, -1, -1]), series([2, 2, 2, 2])], 4)).pbo).toBe(0);
    // S = 2 (blocks = bars 0–3 and 4–7): A = means [3, 3 | −1, −1], B the mirror. IS {1} → A (Sharpe 6 vs −2),
    // OOS {2}: A −2 < B 6 → ω = 1/3, λ < 0; IS {2} → B, OOS {1}: B −2 < A 6 → λ < 0. PBO = 2/2 = 1
    expect(probabilityOfBacktestOverfitting(sums([series([3, 3, -1, -1]), series([-1, -1, 3, 3])], 2)).pbo).toBe(1);
  });

  it('refuses an odd number of blocks and a single trial, naming the fields', () => {
    expect(() => probabilityOfBacktestOverfitting({ blocks: 3, trials: 1, sum: new Float64Array(3), sumSq: new Float64Array(3), count: new Float64Array(3) }))
      .toThrow(/blocks: must be an even integer >= 2, got 3; trials: needs at least 2 trials, got 1/);
  });
});

describe('returnBlockStats and shapeOfReturns', () => {
  it('moments and blocks of a small equity curve, by hand', () => {
    // capital 100 → equity 110, 99, 99, 108.9: returns 0.1, −0.1, 0, 0.1; blocks (S = 2): bars 0–1, 2–3
    const s = returnBlockStats([110, 99, 99, 108.9], 100, 2);
    expect(s.bars).toBe(4);
    expect(s.moments[0]).toBeCloseTo(0.1, 12); // 0.1 − 0.1 + 0 + 0.1
    expect(s.moments[1]).toBeCloseTo(0.03, 12); // 3 × 0.01
    expect(Array.from(s.blockSum).map((x) => +x.toFixed(12))).toEqual([0, 0.1]);
    expect(Array.from(blockCounts(5, 2))).toEqual([3, 2]); // bars 0,1,2 | 3,4 (⌊t·2/5⌋)
    // mean 0.025; population variance 0.03/4 − 0.025² = 0.006875, sd 0.0829156; Sharpe 0.025 / 0.0829156 = 0.3015113
    // central m3 = mean of (r − 0.025)³ = (0.075³ + (−0.125)³ + (−0.025)³ + 0.075³)/4 = (0.000421875 − 0.001953125 − 0.000015625 + 0.000421875)/4 = −0.00028125
    // skewness = −0.00028125 / 0.006875^1.5 = −0.00028125 / 0.000570045 = −0.4933822
    // m4 = (2 × 0.075⁴ + 0.125⁴ + 0.025⁴)/4 = (0.00006328125 + 0.000244140625 + 0.000000390625)/4 = 0.000076953125
    // kurtosis = 0.000076953125 / 0.006875² = 0.000076953125 / 0.000047265625 = 1.6280992
    const shape = shapeOfReturns(s.moments, s.bars);
    expect(shape?.sharpe).toBeCloseTo(0.3015113, 6);
    expect(shape?.skewness).toBeCloseTo(-0.4933822, 6);
    expect(shape?.kurtosis).toBeCloseTo(1.6280992, 6);
  });
});
