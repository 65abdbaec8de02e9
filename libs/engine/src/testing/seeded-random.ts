/**
 * A deterministic pseudo-random source for tests, benches and sample data. Not for cryptography.
 */
export interface SeededRandom {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Standard normal variate (mean 0, standard deviation 1), Box–Muller. */
  normal(): number;
  /** Uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number;
}

/**
 * Creates a seeded generator (mulberry32 core, 32-bit state): the same seed always gives the same
 * sequence on every platform, which keeps generated fixtures and benchmark inputs reproducible.
 *
 * @param seed - any integer; only its low 32 bits are used.
 */
export function seededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  let spare = NaN;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    normal(): number {
      if (!Number.isNaN(spare)) {
        const s = spare;
        spare = NaN;
        return s;
      }
      // 1 - u keeps the log argument in (0, 1].
      const u = 1 - next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    int(min: number, max: number): number {
      return min + Math.floor(next() * (max - min + 1));
    },
  };
}
