/**
 * The original coin_hts "max drawdown" of a signal study (REFERENCE §1.6), kept for comparison
 * only: with C_t = Σ_{k≤t} r_k the **additive** cumulative sum of percent returns, it is
 * |min_t (C_t − max_{s≤t} C_s)|, a positive percent. The running maximum starts at C_1, not at 0,
 * so an initial loss is not a drawdown. Returns null for an empty list (the original raised).
 * Units: input and output in percent (2.5 = 2.5 %).
 */
export function legacyMaxDrawdownPct(returnsPct: ArrayLike<number>): number | null {
  const n = returnsPct.length;
  if (n === 0) return null;
  let cum = 0;
  let peak = -Infinity;
  let worst = 0;
  for (let i = 0; i < n; i++) {
    cum += returnsPct[i];
    if (cum > peak) peak = cum;
    const dd = cum - peak;
    if (dd < worst) worst = dd;
  }
  return worst === 0 ? 0 : -worst;
}
