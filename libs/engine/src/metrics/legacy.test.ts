import { legacyMaxDrawdownPct } from './legacy';

describe('legacyMaxDrawdownPct (the original additive convention)', () => {
  // Examples run on the original code (REFERENCE §1.6).
  it.each([
    [[2, 3, -5, 1, 2], 5.0], // C = 2, 5, 0, 1, 3; peak 5; worst 0 − 5
    [[-5, 2], 0.0], // C = −5, −3; the peak starts at C_1 = −5, so the initial loss is no drawdown
    [[-1, -1, -1], 2.0], // C = −1, −2, −3; peak −1; worst −3 − (−1)
  ])('%p → %p', (returns, expected) => {
    expect(legacyMaxDrawdownPct(returns)).toBe(expected);
  });
  it('is null for no returns (the original raised ValueError)', () => {
    expect(legacyMaxDrawdownPct([])).toBeNull();
  });
});
