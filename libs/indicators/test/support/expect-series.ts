/**
 * Asserts that `actual` equals `expected` element-wise: NaN must match NaN (warm-up), numbers must
 * agree to `tolerance` absolute (default 1e-12, for hand calculations written as fractions).
 */
export function expectSeries(actual: ArrayLike<number>, expected: readonly number[], tolerance = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e)) {
      if (!Number.isNaN(a)) throw new Error(`index ${i}: expected NaN (warm-up), got ${a}`);
    } else if (!(Math.abs(a - e) <= tolerance)) {
      throw new Error(`index ${i}: expected ${e}, got ${a} (|diff| ${Math.abs(a - e)} > ${tolerance})`);
    }
  }
}
